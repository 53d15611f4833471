"""Open requests' deadlines set again when a year's holidays are entered or changed.

A deadline in a year the calendar did not know was counted Monday to Friday (and shown as
provisional). When the year's notice is entered, each open request's deadlines that fall in
or after that year keep their *number of working days* from the day they were counted from
(intake, dispatch, answer or re-handling; an extension adds to the same count), and are
counted again on the new calendar. Each change gets a transition row (the request's
history, shown to the driver) and an audit row.
"""

from __future__ import annotations

from datetime import date

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from driverhome.accounts import audit
from driverhome.core import workdays

from . import deadlines
from .models import Appeal, TimeLimit, Transition

S = Appeal.Status
FIELDS = ("accept_due_at", "answer_due_at", "visit_due_at")


def _starts(appeal: Appeal) -> dict[str, date | None]:
    """The day each deadline was counted from."""
    starts = {"accept_due_at": appeal.received_at, "answer_due_at": appeal.received_at}
    starts["visit_due_at"] = None
    for row in appeal.transitions.order_by("at", "pk"):
        if row.from_status == row.to_status:
            continue  # an extension counts on from the same start
        if row.to_status == S.REPORTED:
            starts["accept_due_at"] = row.at
        elif row.to_status == S.HANDLING and row.from_status in (S.ANSWERED, S.VISITED):
            starts["answer_due_at"] = row.at  # re-handling counts afresh
        elif row.to_status == S.ANSWERED:
            starts["visit_due_at"] = row.at
    return {key: workdays.local_date(at) if at else None for key, at in starts.items()}


def prepare(sender, *, year: int, actor, **kwargs):
    """Before ``year`` changes: each open deadline from that year on, as (start, working days)."""
    first = workdays.end_of_day(date(year - 1, 12, 31))
    affected = Appeal.objects.open().filter(
        Q(accept_due_at__gt=first) | Q(answer_due_at__gt=first) | Q(visit_due_at__gt=first)
    )
    plans = []
    for appeal in affected.select_related("category"):
        starts = _starts(appeal)
        calendar_days = (
            deadlines.limit_for(appeal.appeal_type, appeal.category).day_kind
            == TimeLimit.DayKind.CALENDAR
        )
        counts = {}
        for field in FIELDS:
            due, start = getattr(appeal, field), starts[field]
            if due is None or start is None or due <= first:
                continue
            if field == "answer_due_at" and calendar_days:
                continue  # counted in calendar days: no holiday moves it
            counts[field] = (start, workdays.working_days_between(start, workdays.local_date(due)))
        if counts:
            plans.append((appeal, counts))

    def finish():
        for appeal, counts in plans:
            _recompute(appeal, counts, year=year, actor=actor)

    return finish


def _recompute(appeal: Appeal, counts: dict, *, year: int, actor) -> None:
    new = {
        field: workdays.end_of_day(workdays.add_working_days(start, n))
        for field, (start, n) in counts.items()
    }
    if "accept_due_at" in new:  # the unit signs for it no later than the answer is due
        new["accept_due_at"] = min(
            new["accept_due_at"], new.get("answer_due_at") or appeal.answer_due_at
        )
    changes = {
        field: [getattr(appeal, field), value]
        for field, value in new.items()
        if value != getattr(appeal, field)
    }
    if not changes:
        return
    updates = {field: pair[1] for field, pair in changes.items()}
    for old, value in changes.values():
        if appeal.due_at == old:
            updates["due_at"] = value
    if "answer_due_at" in changes and appeal.status in Appeal.UNIT_STATUSES:
        limit = deadlines.limit_for(appeal.appeal_type, appeal.category)
        start = workdays.end_of_day(counts["answer_due_at"][0])
        updates["remind_at"] = deadlines.remind_at(
            min(start, updates["answer_due_at"]), updates["answer_due_at"], limit.reminder_percent
        )
    now = timezone.now()
    changed = Appeal.objects.filter(pk=appeal.pk, version=appeal.version).update(
        version=F("version") + 1, updated_at=now, **updates
    )
    if changed != 1:
        return  # changed meanwhile by its own workflow, which counted on the new calendar
    old_due, new_due = appeal.due_at, updates.get("due_at", appeal.due_at)
    Transition.objects.create(
        appeal=appeal,
        from_status=appeal.status,
        to_status=appeal.status,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "username", "") if actor is not None else "system",
        note=_("Deadlines counted again on the %(year)s holiday calendar.") % {"year": year},
        public_note=_("The %(year)s holidays are now known: the deadline is %(due)s.")
        % {
            "year": year,
            "due": workdays.local_date(new_due).isoformat() if new_due else "—",
        },
        public=old_due != new_due,
        at=now,
    )
    audit.record(
        actor,
        "appeal.deadline_recomputed",
        appeal,
        changes=changes,
        organisation=appeal.organisation_id,
        note=str(year),
    )
