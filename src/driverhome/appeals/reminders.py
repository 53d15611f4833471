"""The supervision ladder (督办), run by the periodic job and ``driverhome run-reminders``.

1. a reminder to the unit once ``remind_at`` (e.g. 80 % of the time) has passed;
2. the day after a missed deadline, a notice to the unit and its leader;
3. at 5 working days overdue, escalation to the supervisors above the area.

Each step claims a :class:`Supervision` row unique per (request, step, deadline)
before it sends anything, so a second run — or two runs at once — sends nothing
twice. An extension moves the deadline and so starts a fresh ladder.

A pass reaches every request due for a step, however many: the requests already
notified for the step are left out by the query itself, and the rest are read in
batches of ``BATCH`` along (due_at, id), each batch starting after the last one.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from driverhome.core import workdays

from . import deadlines
from .actions import _context, _notify_users, _person, area_staff, supervisors_of, unit_users
from .models import Appeal, Supervision

ESCALATE_AFTER_WORKING_DAYS = 5
BATCH = 500
S = Appeal.Status
K = Supervision.Kind


def _claim_and_send(appeal: Appeal, kind: str, send) -> bool:
    try:
        with transaction.atomic():
            Supervision.objects.create(appeal=appeal, kind=kind, due_at=appeal.due_at)
            send()
    except IntegrityError:
        return False  # already done by an earlier (or a concurrent) run
    return True


def _each(queryset, kind: str):
    """Every request of ``queryset`` not yet notified for step ``kind`` at its current deadline.

    Read in keyset batches of ``BATCH`` (oldest deadline first), so neither the batch size nor
    the requests a step skips (escalation before 5 working days) hide the newer ones.
    """
    done = Supervision.objects.filter(appeal=OuterRef("pk"), kind=kind, due_at=OuterRef("due_at"))
    pending = queryset.filter(~Exists(done)).order_by("due_at", "pk")
    after = None
    while True:
        page = pending
        if after is not None:
            due_at, pk = after
            page = page.filter(Q(due_at__gt=due_at) | Q(due_at=due_at, pk__gt=pk))
        batch = list(page[:BATCH])
        yield from batch
        if len(batch) < BATCH:
            return
        after = (batch[-1].due_at, batch[-1].pk)


def _responsible(appeal: Appeal):
    """Who owes the current stage: the unit, the dispatchers, or the broker making the visit."""
    if appeal.status in Appeal.UNIT_STATUSES:
        return list(unit_users(appeal.handling_unit))
    if appeal.status in (S.ANSWERED, S.VISITED):
        users = [appeal.care_broker] if appeal.care_broker_id else []
        return users or list(area_staff(appeal))
    return list(area_staff(appeal))


def _leader_notice(appeal: Appeal) -> None:
    from driverhome.notifications.actions import notify

    unit = appeal.handling_unit if appeal.status in Appeal.UNIT_STATUSES else appeal.organisation
    if unit is not None and unit.phone:
        notify(
            phone=unit.phone,
            template="appeal.missed",
            context=_context(appeal),
            organisation=appeal.organisation,
            person=_person(appeal),
        )


def run_pass(now=None) -> dict:
    now = now or timezone.now()
    today = workdays.local_date(now)
    counts = {"reminder": 0, "missed": 0, "escalated": 0}
    base = Appeal.objects.open().select_related(
        "handling_unit", "organisation", "category", "care_broker", "driver"
    )

    for appeal in _each(
        base.filter(status__in=Appeal.UNIT_STATUSES, remind_at__lte=now, due_at__gt=now),
        K.REMINDER,
    ):
        if _claim_and_send(
            appeal,
            K.REMINDER,
            lambda a=appeal: _notify_users(
                _responsible(a), a, "appeal.reminder", channels=("console",)
            ),
        ):
            counts["reminder"] += 1

    start_of_today = workdays.end_of_day(today - timedelta(days=1))
    for appeal in _each(base.filter(due_at__lte=start_of_today), K.MISSED):

        def send_missed(a=appeal):
            _notify_users(_responsible(a), a, "appeal.missed")
            _leader_notice(a)

        if _claim_and_send(appeal, K.MISSED, send_missed):
            counts["missed"] += 1

    for appeal in _each(
        base.filter(due_at__lt=now - timedelta(days=ESCALATE_AFTER_WORKING_DAYS)), K.ESCALATED
    ):
        days = deadlines.working_days_overdue(appeal.due_at, now)
        if days < ESCALATE_AFTER_WORKING_DAYS:
            continue

        def send_escalated(a=appeal, d=days):
            Appeal.objects.filter(pk=a.pk).update(supervised=True)
            _notify_users(supervisors_of(a), a, "appeal.escalated", days=d)

        if _claim_and_send(appeal, K.ESCALATED, send_escalated):
            counts["escalated"] += 1
    return counts
