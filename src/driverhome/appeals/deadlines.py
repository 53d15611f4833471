"""Deadlines per stage, in working days (see ``core/workdays.py``).

Defaults (``data/request-time-limits.csv``, configurable per type and category in
:class:`~driverhome.appeals.models.TimeLimit`): emergency — answered the same
day; enquiry and help — 3 working days; complaint and suggestion — 13 working
days; counted from the day after intake. The unit signs for a dispatched
request within one working day; the return visit is due the working day after
the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from driverhome.core import workdays

from .models import AppealType, TimeLimit

DEFAULTS = {
    AppealType.EMERGENCY: (0, TimeLimit.DayKind.CALENDAR),
    AppealType.ENQUIRY: (3, TimeLimit.DayKind.WORKING),
    AppealType.HELP: (3, TimeLimit.DayKind.WORKING),
    AppealType.COMPLAINT: (13, TimeLimit.DayKind.WORKING),
    AppealType.SUGGESTION: (13, TimeLimit.DayKind.WORKING),
}


@dataclass(frozen=True)
class Limit:
    answer_days: int
    day_kind: str
    accept_days: int = 1
    visit_days: int = 1
    reminder_percent: int = 80


def limit_for(appeal_type: str, category=None) -> Limit:
    condition = Q(category__isnull=True)
    if category is not None:
        condition |= Q(category=category)
    rows = {
        row.category_id: row for row in TimeLimit.objects.filter(condition, appeal_type=appeal_type)
    }
    row = rows.get(getattr(category, "pk", None)) or rows.get(None)
    if row is not None:
        return Limit(
            row.answer_days, row.day_kind, row.accept_days, row.visit_days, row.reminder_percent
        )
    days, kind = DEFAULTS[appeal_type]
    return Limit(days, kind)


def answer_due(received_at: datetime, limit: Limit) -> datetime:
    day = workdays.local_date(received_at)
    if limit.day_kind == TimeLimit.DayKind.CALENDAR:
        from datetime import timedelta

        return workdays.end_of_day(day + timedelta(days=limit.answer_days))
    return workdays.end_of_day(workdays.add_working_days(day, limit.answer_days))


def accept_due(dispatched_at: datetime, limit: Limit, answer_due_at: datetime) -> datetime:
    due = workdays.end_of_day(
        workdays.add_working_days(workdays.local_date(dispatched_at), limit.accept_days)
    )
    return min(due, answer_due_at)


def visit_due(answered_at: datetime, limit: Limit) -> datetime:
    return workdays.end_of_day(
        workdays.add_working_days(workdays.local_date(answered_at), limit.visit_days)
    )


def extend(due_at: datetime, days: int) -> datetime:
    return workdays.end_of_day(workdays.add_working_days(workdays.local_date(due_at), days))


def remind_at(start: datetime, due_at: datetime, percent: int) -> datetime:
    """The moment ``percent`` of the time from ``start`` to ``due_at`` has passed."""
    if due_at <= start:
        return start
    return start + (due_at - start) * (percent / 100)


def working_days_overdue(due_at: datetime, now: datetime | None = None) -> int:
    now = now or timezone.now()
    if due_at >= now:
        return 0
    return workdays.working_days_between(workdays.local_date(due_at), workdays.local_date(now))
