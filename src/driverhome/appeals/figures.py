"""Figures of the closed loop per area, unit, site, category and period.

Every function takes ``(scope_path, start=None, end=None, **filters)`` with
``filters`` among ``unit`` (handling unit code), ``site`` (station code) and
``category`` (a category or group code). Rates are percentages (0–100, one
decimal) or ``None`` when there is nothing to count.

* received — requests received in the period;
* on-time rate (按时办结率) — of the requests answered in the period, the share
  answered by the (extended) deadline;
* resolution rate — of the return visits in the period, the share "resolved";
* satisfaction rate — of the return visits in the period, the share rating 4 or 5;
* average working days from receipt to answer;
* re-handled — requests received in the period that were sent back at least once;
* open / overdue — now, regardless of the period.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from driverhome.core import workdays

from .models import Appeal, ReturnVisit


def _moment(value, end=False):
    if value is None or isinstance(value, datetime):
        return value
    return timezone.make_aware(datetime.combine(value, time.max if end else time.min))


def base(scope_path: str | None, **filters):
    qs = (
        Appeal.objects.all() if scope_path in (None, "/") else Appeal.objects.in_subtree(scope_path)
    )
    if filters.get("unit"):
        qs = qs.filter(handling_unit__code=filters["unit"])
    if filters.get("site"):
        qs = qs.filter(station__code=filters["site"])
    if filters.get("category"):
        code = filters["category"]
        qs = qs.filter(Q(category__code=code) | Q(category__parent__code=code))
    return qs


def _period(qs, field, start, end):
    if start is not None:
        qs = qs.filter(**{f"{field}__gte": _moment(start)})
    if end is not None:
        qs = qs.filter(**{f"{field}__lte": _moment(end, end=True)})
    return qs


def _rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def requests_received(scope_path, start=None, end=None, **filters) -> int:
    return _period(base(scope_path, **filters), "received_at", start, end).count()


def requests_open(scope_path, start=None, end=None, **filters) -> int:
    return base(scope_path, **filters).open().count()


def requests_overdue(scope_path, start=None, end=None, **filters) -> int:
    return base(scope_path, **filters).overdue().count()


def requests_on_time_rate(scope_path, start=None, end=None, **filters):
    qs = _period(
        base(scope_path, **filters).filter(answered_at__isnull=False), "answered_at", start, end
    )
    row = qs.aggregate(
        total=Count("pk"), on_time=Count("pk", filter=Q(answered_at__lte=F("answer_due_at")))
    )
    return _rate(row["on_time"], row["total"])


def _visits(scope_path, start, end, **filters):
    appeals = base(scope_path, **filters)
    return _period(ReturnVisit.objects.filter(appeal__in=appeals.values("pk")), "at", start, end)


def requests_resolution_rate(scope_path, start=None, end=None, **filters):
    row = _visits(scope_path, start, end, **filters).aggregate(
        total=Count("pk"), yes=Count("pk", filter=Q(resolved=ReturnVisit.Resolved.YES))
    )
    return _rate(row["yes"], row["total"])


def requests_satisfaction_rate(scope_path, start=None, end=None, **filters):
    row = _visits(scope_path, start, end, **filters).aggregate(
        total=Count("pk"), happy=Count("pk", filter=Q(satisfaction__gte=4))
    )
    return _rate(row["happy"], row["total"])


def average_satisfaction(scope_path, start=None, end=None, **filters):
    value = _visits(scope_path, start, end, **filters).aggregate(avg=Avg("satisfaction"))["avg"]
    return round(value, 2) if value is not None else None


def avg_working_days_to_answer(scope_path, start=None, end=None, **filters):
    qs = _period(
        base(scope_path, **filters).filter(answered_at__isnull=False), "answered_at", start, end
    )
    # One row per pair of local days (receipt, answer) with its count: a few thousand pairs
    # however many requests there are, each pair's working days counted once.
    pairs = (
        qs.annotate(received_day=TruncDate("received_at"), answered_day=TruncDate("answered_at"))
        .values("received_day", "answered_day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    total = count = 0
    for row in pairs:
        total += row["n"] * workdays.working_days_between(row["received_day"], row["answered_day"])
        count += row["n"]
    return round(total / count, 1) if count else None


def requests_rehandled(scope_path, start=None, end=None, **filters) -> int:
    qs = _period(base(scope_path, **filters), "received_at", start, end)
    return qs.filter(rehandle_count__gt=0).count()


def summary(scope_path, start=None, end=None, **filters) -> dict:
    return {
        "received": requests_received(scope_path, start, end, **filters),
        "open": requests_open(scope_path, start, end, **filters),
        "overdue": requests_overdue(scope_path, start, end, **filters),
        "on_time_rate": requests_on_time_rate(scope_path, start, end, **filters),
        "resolution_rate": requests_resolution_rate(scope_path, start, end, **filters),
        "satisfaction_rate": requests_satisfaction_rate(scope_path, start, end, **filters),
        "avg_working_days_to_answer": avg_working_days_to_answer(scope_path, start, end, **filters),
        "rehandled": requests_rehandled(scope_path, start, end, **filters),
    }


GROUPS = {
    "unit": ("handling_unit__code", "handling_unit__name", "unit"),
    "site": ("station__code", "station__name", "site"),
    "category": ("category__parent__code", "category__parent__name", "category"),
}


def breakdown(scope_path, start=None, end=None, *, by: str = "unit", **filters) -> list[dict]:
    """``summary`` for each unit, site or category group with requests in the period."""
    code_field, name_field, filter_name = GROUPS[by]
    keys = (
        _period(base(scope_path, **filters), "received_at", start, end)
        .exclude(**{f"{code_field}__isnull": True})
        .values_list(code_field, name_field)
        .distinct()
        .order_by(code_field)
    )
    rows = []
    for code, name in keys:
        row = summary(scope_path, start, end, **{**filters, filter_name: code})
        rows.append({"code": code, "name": name, **row})
    return rows


def default_period(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today.replace(month=1, day=1), today
