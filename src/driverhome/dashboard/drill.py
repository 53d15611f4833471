"""The records behind a tile: the same rows the figure counts, for the user, area and period.

Each entry returns a queryset (starting from the model's ``for_user``), the order to page
it by, and how to show one row (label, detail, link to the owning app's page). The
apps' own list pages filter by their own criteria but not by area and period, so the
dashboard lists the rows itself and links every row to its page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from .panels import url_or_none
from .registry import local_midnight


@dataclass(frozen=True)
class Drill:
    queryset: Callable  # (user, scope_path, start, end) -> QuerySet
    order: str
    row: Callable  # obj -> {"label", "meta", "url"}


def _between(qs, field, start: date | None, end: date | None):
    if start is not None:
        qs = qs.filter(**{f"{field}__gte": local_midnight(start)})
    if end is not None:
        qs = qs.filter(**{f"{field}__lt": local_midnight(end + timedelta(days=1))})
    return qs


def _when(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else ""


# ---------------------------------------------------------------- requests


def _appeals(user, path):
    from driverhome.appeals.models import Appeal

    qs = Appeal.objects.for_user(user).select_related("category", "handling_unit")
    return qs if path == "/" else qs.in_subtree(path)


def _appeal_row(appeal) -> dict:
    unit = (
        appeal.handling_unit.short_name or appeal.handling_unit.name
        if appeal.handling_unit_id
        else ""
    )
    return {
        "label": f"{appeal.tracking_no} · {appeal.category}",
        "meta": " · ".join(
            x for x in (appeal.get_status_display(), unit, _when(appeal.received_at)) if x
        ),
        "url": url_or_none("appeals:appeal-detail", tracking_no=appeal.tracking_no),
    }


def _received(user, path, start, end):
    return _between(_appeals(user, path), "received_at", start, end)


def _open(user, path, start, end):
    return _appeals(user, path).open()


def _overdue(user, path, start, end):
    return _appeals(user, path).overdue()


def _rehandled(user, path, start, end):
    return _received(user, path, start, end).filter(rehandle_count__gt=0)


def _answered(user, path, start, end):
    return _between(_appeals(user, path), "answered_at", start, end).filter(
        answered_at__isnull=False
    )


# ---------------------------------------------------------------- drivers, services, sites, events


def _drivers(user, path, start, end):
    from driverhome.drivers.models import Driver

    qs = Driver.objects.for_user(user).filter(anonymised_at__isnull=True)
    if path != "/":
        qs = qs.filter(organisation__path__startswith=path)
    if end is not None:
        qs = qs.filter(created_at__date__lte=end)
    return qs.select_related("organisation")


def _driver_row(driver) -> dict:
    return {
        "label": driver.name,
        "meta": " · ".join(
            x for x in (driver.get_residence_type_display(), driver.organisation.name) if x
        ),
        "url": url_or_none("drivers:driver-detail", public_id=driver.public_id),
    }


def _records(user, path, start, end):
    from driverhome.services.models import ServiceRecord

    qs = ServiceRecord.objects.for_user(user).exclude(outcome="declined")
    if path != "/":
        qs = qs.filter(driver__organisation__path__startswith=path)
    return _between(qs, "delivered_at", start, end).select_related("driver", "item")


def _record_row(record) -> dict:
    return {
        "label": f"{record.item.name} · {record.driver.name}",
        "meta": _when(record.delivered_at),
        "url": url_or_none("services:journey", public_id=record.driver.public_id),
    }


def _events(kind):
    def queryset(user, path, start, end):
        from driverhome.events.models import Event

        qs = Event.objects.for_user(user).filter(status="held")
        if kind:
            qs = qs.filter(kind=kind)
        if path != "/":
            qs = qs.filter(
                Q(organiser__path__startswith=path) | Q(station__operator__path__startswith=path)
            )
        return _between(qs, "starts_at", start, end).select_related("station")

    return queryset


def _event_row(event) -> dict:
    return {
        "label": event.title,
        "meta": " · ".join(
            x for x in (event.station.name if event.station_id else "", _when(event.starts_at)) if x
        ),
        "url": url_or_none("events:event-detail", code=event.code),
    }


def _visits(user, path, start, end):
    from driverhome.stations.models import CheckIn, Station

    stations = Station.objects.for_user(user)
    if path != "/":
        stations = stations.filter(operator__path__startswith=path)
    qs = CheckIn.objects.filter(station__in=stations)
    if start is not None:
        qs = qs.filter(day__gte=start)
    if end is not None:
        qs = qs.filter(day__lte=end)
    return qs.select_related("station", "driver")


def _visit_row(checkin) -> dict:
    return {
        "label": f"{checkin.station.name} · {checkin.driver.name}",
        "meta": _when(checkin.at),
        "url": url_or_none("stations:checkin-list", code=checkin.station.code),
    }


def _career_changes(user, path, start, end):
    from driverhome.services.models import CareerChange

    qs = CareerChange.objects.for_user(user)
    if path != "/":
        qs = qs.filter(driver__organisation__path__startswith=path)
    if start is not None:
        qs = qs.filter(changed_on__gte=start)
    if end is not None:
        qs = qs.filter(changed_on__lte=end)
    return qs.select_related("driver")


def _career_row(change) -> dict:
    return {
        "label": f"{change.driver.name} · {change.from_job} → {change.to_job}",
        "meta": date_format(change.changed_on, "Y-m-d"),
        "url": url_or_none("services:journey", public_id=change.driver.public_id),
    }


def _care(user, path, start, end):
    from driverhome.services.models import CareEnrolment

    qs = CareEnrolment.objects.for_user(user).filter(status__in=["enrolled", "completed"])
    if path != "/":
        qs = qs.filter(term__organisation__path__startswith=path)
    if start is not None:
        qs = qs.filter(term__ends_on__gte=start)
    if end is not None:
        qs = qs.filter(term__starts_on__lte=end)
    return qs.select_related("term", "child", "driver")


def _care_row(enrolment) -> dict:
    return {
        "label": f"{enrolment.child.name} · {enrolment.term.name}",
        "meta": enrolment.get_status_display(),
        "url": url_or_none("services:care-term", code=enrolment.term.code),
    }


DRILLS: dict[str, Drill] = {
    "career_changes": Drill(_career_changes, "-changed_on", _career_row),
    "children_in_care": Drill(_care, "-applied_at", _care_row),
    "requests_received": Drill(_received, "-received_at", _appeal_row),
    "requests_open": Drill(_open, "-received_at", _appeal_row),
    "requests_overdue": Drill(_overdue, "due_at", _appeal_row),
    "requests_rehandled": Drill(_rehandled, "-received_at", _appeal_row),
    "requests_on_time_rate": Drill(_answered, "-answered_at", _appeal_row),
    "requests_avg_working_days": Drill(_answered, "-answered_at", _appeal_row),
    "drivers_on_file": Drill(_drivers, "-created_at", _driver_row),
    "services_delivered": Drill(_records, "-delivered_at", _record_row),
    "markets_held": Drill(_events("market"), "-starts_at", _event_row),
    "training_sessions": Drill(_events("training"), "-starts_at", _event_row),
    "site_visits": Drill(_visits, "-at", _visit_row),
}
