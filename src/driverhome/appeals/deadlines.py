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

from django.utils import timezone

from driverhome.core import workdays
from driverhome.core.tablecache import TableCache

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


def _load_limits() -> dict:
    return {
        (row.appeal_type, row.category_id): Limit(
            row.answer_days, row.day_kind, row.accept_days, row.visit_days, row.reminder_percent
        )
        for row in TimeLimit.objects.all()
    }


#: every configured limit, by (type, category id); None is the type's own default row
LIMITS = TableCache("appeals.time-limits", _load_limits, watch=[TimeLimit])


def limit_for(appeal_type: str, category=None) -> Limit:
    """The category's limit for the type, else the type's configured default, else the built-in one."""
    table = LIMITS.get()
    limit = table.get((appeal_type, getattr(category, "pk", None))) or table.get(
        (appeal_type, None)
    )
    if limit is not None:
        return limit
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
