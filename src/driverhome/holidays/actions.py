"""Entering a year's holidays and make-up working days (the only writes of this app)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from driverhome.accounts import audit
from driverhome.accounts.models import Role
from driverhome.core.errors import DomainError, PermissionDeniedError

from .calendar import YEARS
from .models import CalendarDay, CalendarYear

#: Sent inside the transaction, before a year's days change, with ``year`` and ``actor``.
#: A receiver answers with a callable taking no argument, called once the new days are in
#: place (apps whose stored dates depend on the calendar recompute them there: the requests'
#: provisional deadlines).
calendar_changing = Signal()

EDIT_ROLES = (Role.SUPERVISOR, Role.ADMIN)
Day = tuple[date, str, str]  # (date, kind, name)


def may_edit(user) -> bool:
    return bool(user and (user.is_superuser or user.role in EDIT_ROLES))


def _clean(year: int, days: Iterable[Day]) -> list[Day]:
    if not 2000 <= year <= 2100:
        raise DomainError(_("The year must be between 2000 and 2100."), code="year", field="year")
    seen: dict[date, str] = {}
    cleaned = []
    for day, kind, name in days:
        if day.year != year:
            raise DomainError(
                _("%(day)s is not in %(year)s.") % {"day": day.isoformat(), "year": year},
                code="day_outside_year",
                field="days",
            )
        if kind not in CalendarDay.Kind.values:
            raise DomainError(
                _("“%(kind)s” is neither a holiday nor a make-up working day.") % {"kind": kind},
                code="kind",
                field="days",
            )
        if day in seen:
            raise DomainError(
                _("%(day)s is listed twice.") % {"day": day.isoformat()},
                code="duplicate_day",
                field="days",
            )
        seen[day] = kind
        cleaned.append((day, kind, (name or "").strip()[:60]))
    if not any(kind == CalendarDay.Kind.HOLIDAY for _day, kind, _name in cleaned):
        raise DomainError(
            _("The notice lists no holiday: add at least one."), code="no_holiday", field="days"
        )
    return sorted(cleaned)


@transaction.atomic
def enter_year(
    *,
    actor,
    year: int,
    days: Iterable[Day],
    notice: str = "",
    source: str = CalendarYear.Source.ENTERED,
) -> CalendarYear:
    """Enter (or replace) ``year``'s holidays and make-up working days, audited.

    Every open request whose deadline the change moves gets the new deadline, with a row
    in its history (see ``appeals.recalendar``).
    """
    if actor is not None and not may_edit(actor):
        raise PermissionDeniedError(_("Your role may not do this."), code="forbidden")
    days = _clean(year, days)
    finish = [
        response
        for _receiver, response in calendar_changing.send(
            sender=CalendarYear, year=year, actor=actor
        )
        if callable(response)
    ]
    calendar = CalendarYear.objects.select_for_update().filter(year=year).first()
    before = None
    if calendar is None:
        calendar = CalendarYear.objects.create(
            year=year, notice=notice[:200], source=source, entered_by=_user(actor)
        )
    else:
        before = list(calendar.days.values_list("day", "kind"))
        calendar.days.all().delete()
        CalendarYear.objects.filter(pk=calendar.pk).update(
            notice=notice[:200], source=source, entered_by=_user(actor), entered_at=timezone.now()
        )
        calendar.refresh_from_db()
    CalendarDay.objects.bulk_create(
        CalendarDay(calendar=calendar, day=day, kind=kind, name=name) for day, kind, name in days
    )
    YEARS.clear()  # bulk_create sends no signal; the recompute below reads the new days
    transaction.on_commit(YEARS.clear, robust=True)
    holidays = [d.isoformat() for d, kind, _n in days if kind == CalendarDay.Kind.HOLIDAY]
    workdays = [d.isoformat() for d, kind, _n in days if kind == CalendarDay.Kind.WORKDAY]
    audit.record(
        actor,
        "calendar.entered" if before is None else "calendar.changed",
        calendar,
        changes={"holidays": [None, holidays], "workdays": [None, workdays]},
        note=f"{year} {notice}".strip()[:500],
    )
    for step in finish:
        step()
    return calendar


def _user(actor):
    return actor if getattr(actor, "pk", None) else None
