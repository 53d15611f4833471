"""Dates and date-times that come from outside: one check, used by forms, API, Open311 and queries.

Every date the platform is given must lie within its bounds, so that no stored row
can overflow a conversion later (year 1 shifted to UTC is year 0; year 9999 shifted
to Shanghai is year 10000) and no page that lists it can fail:

* nothing the platform records happened before :data:`EARLIEST` (2000-01-01), births
  excepted (:data:`BIRTH_EARLIEST`); no plan or expiry lies after :data:`LATEST`;
* a past event (a request's ``received_at``, a service delivered, a check-in) is not
  in the future beyond :data:`CLOCK_SKEW`;
* a UTC offset lies within ±14:00 (the widest in use on Earth);
* a naive date-time is read in the deployment's zone (``settings.TIME_ZONE``); since
  nothing lies before 2000, that is the zone's modern offset (+08:00 for Shanghai,
  never its local mean time of +08:05:43).

Refusals are :class:`DateOutOfRange` (400) naming the field and the bound. Pydantic
schemas use the annotated types (:data:`Moment`, :data:`PastMoment`, :data:`Day`,
:data:`PastDay`, :data:`BirthDay`); forms add :func:`form_validator`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from pydantic import AfterValidator, ValidationInfo

from .errors import DomainError

EARLIEST = date(2000, 1, 1)
BIRTH_EARLIEST = date(1900, 1, 1)
LATEST = date(2099, 12, 31)
#: what a stored date-time column may hold (database check constraints): the bounds
#: above with a day's margin, whatever the zone, so no stored value can overflow
STORED_EARLIEST = datetime(1999, 12, 31, tzinfo=UTC)
STORED_LATEST = datetime(2100, 1, 2, tzinfo=UTC)
#: a clock a little ahead of ours is not "the future"
CLOCK_SKEW = timedelta(minutes=5)
MAX_OFFSET = timedelta(hours=14)


class DateOutOfRange(DomainError):
    code = "bad_date"


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _refuse(field: str, message: str, **bounds) -> DateOutOfRange:
    if field:
        message = _("%(field)s: %(reason)s") % {"field": field, "reason": message}
    return DateOutOfRange(message, field=field, **{k: str(v) for k, v in bounds.items()})


def check_day(value: date, *, field: str, earliest: date = EARLIEST, past: bool = False) -> date:
    """``value`` if it lies within the bounds; else :class:`DateOutOfRange` naming them."""
    if isinstance(value, datetime):
        value = value.date()
    latest = _today() if past else LATEST
    if value < earliest:
        raise _refuse(
            field,
            _("%(value)s is before %(earliest)s.")
            % {"value": value.isoformat(), "earliest": earliest.isoformat()},
            earliest=earliest,
        )
    if value > latest:
        message = _("%(value)s is in the future.") if past else _("%(value)s is after %(latest)s.")
        raise _refuse(
            field,
            message % {"value": value.isoformat(), "latest": latest.isoformat()},
            latest=latest,
        )
    return value


def check_moment(
    value: datetime, *, field: str, earliest: date = EARLIEST, past: bool = False
) -> datetime:
    """An aware ``value`` within the bounds: naive ones are read in the deployment's zone.

    The calendar date is checked before any conversion, so year 1 or 9999 never
    overflows; the offset must be within ±14:00.
    """
    if value.tzinfo is not None:
        offset = value.utcoffset()
        if offset is not None and abs(offset) > MAX_OFFSET:
            raise _refuse(
                field,
                _("the UTC offset must be between -14:00 and +14:00."),
            )
    # The calendar date as given, with a day's margin (the local date may differ by
    # one), before any arithmetic that could overflow.
    naive_day = value.replace(tzinfo=None).date()
    if not earliest - timedelta(days=1) <= naive_day <= LATEST + timedelta(days=1):
        check_day(naive_day, field=field, earliest=earliest)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone())
    local = value.astimezone(zone())
    check_day(local.date(), field=field, earliest=earliest)
    if past:
        from django.utils import timezone

        if value > timezone.now() + CLOCK_SKEW:
            raise _refuse(
                field,
                _("%(value)s is in the future.") % {"value": local.isoformat(timespec="minutes")},
            )
    return value


def parse_moment(
    text: str, *, field: str, end: bool = False, past: bool = False, earliest: date = EARLIEST
) -> datetime:
    """A W3C date-time or date from a query string or form (a date: its local start or end)."""
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None:
                raise ValueError(text)
            check_day(day, field=field, earliest=earliest, past=past)
            moment = datetime.combine(day, time.max if end else time.min)
    except (ValueError, OverflowError):
        raise DateOutOfRange(
            _("%(field)s is not a date or a W3C date-time.") % {"field": field},
            code="bad_date_format",
            field=field,
        ) from None
    return check_moment(moment, field=field, earliest=earliest, past=past)


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate()


# --- Pydantic types (API schemas and query parameters) -------------------------------------------


def _moment(past: bool):
    def validate(value: datetime, info: ValidationInfo) -> datetime:
        return check_moment(value, field=info.field_name or "", past=past)

    return AfterValidator(validate)


def _day(past: bool, earliest: date = EARLIEST):
    def validate(value: date, info: ValidationInfo) -> date:
        return check_day(value, field=info.field_name or "", past=past, earliest=earliest)

    return AfterValidator(validate)


#: a date-time within the platform's bounds (a schedule, a period's end)
Moment = Annotated[datetime, _moment(past=False)]
#: a date-time of something that has happened (received, delivered, checked in)
PastMoment = Annotated[datetime, _moment(past=True)]
#: a date within the platform's bounds
Day = Annotated[date, _day(past=False)]
#: a date that has come (a check-in's day, a grade awarded)
PastDay = Annotated[date, _day(past=True)]
#: a date of birth: from 1900, not in the future
BirthDay = Annotated[date, _day(past=True, earliest=BIRTH_EARLIEST)]


# --- Django forms ---------------------------------------------------------------------------------


def form_validator(*, past: bool = False, earliest: date = EARLIEST):
    """A form field validator with the same bounds (its message names the bound)."""
    from django.core.exceptions import ValidationError

    def validate(value):
        try:
            if isinstance(value, datetime):
                check_moment(value, field="", past=past, earliest=earliest)
            else:
                check_day(value, field="", past=past, earliest=earliest)
        except DateOutOfRange as exc:
            raise ValidationError(str(exc), code="bad_date") from None

    return validate
