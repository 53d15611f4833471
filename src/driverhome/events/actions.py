"""Every change to events, registrations, check-ins and feedback.

Each function runs in one transaction and writes the audit row. Capacity is
guarded by locking the event row (``select_for_update``) before counting the
places taken: on PostgreSQL concurrent sign-ups for one event queue on that
lock; on SQLite every write transaction starts with ``BEGIN IMMEDIATE``
(settings), which takes the database write lock first, so the count and the
insert can never interleave either.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from driverhome.accounts import audit
from driverhome.core.errors import Conflict, DomainError, conflict_on_duplicate

from . import schedule as rules
from .messaging import tell_driver
from .models import (
    ACTIVE_REGISTRATION,
    HOLDS_PLACE,
    CheckIn,
    Completion,
    Event,
    EventChange,
    Feedback,
    Kind,
    Participant,
    Registration,
    RegistrationChange,
    Schedule,
    new_code,
)

log = logging.getLogger(__name__)

#: how long a driver has to confirm a place offered to him (capped by the event's start)
CONFIRM_WINDOW = timedelta(hours=24)
#: a place offered less than this before the start is confirmed at once: no time to ask
CONFIRM_MINIMUM = timedelta(hours=2)


def _local(dt: datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def _event_context(event: Event) -> dict:
    return {
        "event": event.title,
        "code": event.code,
        "site": event.station.name,
        "starts_at": _local(event.starts_at),
    }


def _unique_code(model, prefix: str) -> str:
    while True:
        code = new_code(prefix)
        if not model.objects.filter(code=code).exists():
            return code


# --- Events and schedules -----------------------------------------------------------------------


def _check_times(starts_at, ends_at):
    if starts_at is None or ends_at is None:
        raise DomainError(_("Give a start and an end."), code="times_missing")
    if ends_at <= starts_at:
        raise DomainError(_("The end must be after the start."), code="times_order")


def _check_capacity(capacity):
    if capacity is not None and capacity < 1:
        raise DomainError(_("The capacity must be at least 1, or empty for no limit."))


@transaction.atomic
def create_event(
    *,
    actor,
    kind: str,
    title: str,
    station,
    starts_at,
    ends_at,
    organiser=None,
    capacity: int | None = None,
    description: str = "",
    service_items=(),
    course=None,
    schedule: Schedule | None = None,
    occurrence_date=None,
) -> Event:
    if kind not in Kind.values:
        raise DomainError(_("Unknown kind of event."), code="bad_kind")
    if not (title or "").strip():
        raise DomainError(_("Give the event a title."), code="title_missing")
    _check_times(starts_at, ends_at)
    _check_capacity(capacity)
    event = Event(
        code=_unique_code(Event, "E"),
        kind=kind,
        title=title.strip(),
        station=station,
        organiser=organiser or station.operator,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        description=description,
        course=course,
        schedule=schedule,
        occurrence_date=occurrence_date,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    event.save()
    if service_items:
        event.service_items.set(service_items)
    EventChange(
        event=event,
        action=EventChange.Action.CREATED,
        to_status=event.status,
        new_starts_at=starts_at,
        actor=event.created_by,
    ).save()
    audit.record(
        actor,
        "event.create",
        event,
        changes={"kind": kind, "starts_at": starts_at, "station": station.code},
        organisation=event.organiser,
        object_id=event.code,
    )
    return event


@transaction.atomic
def create_schedule(
    *,
    actor,
    title: str,
    kind: str,
    station,
    rule: str,
    weekday: int,
    first_date,
    last_date,
    start_time,
    end_time,
    organiser=None,
    nths: list[int] | None = None,
    interval: int = 1,
    capacity: int | None = None,
    description: str = "",
    skip_holidays: bool = True,
    course=None,
    service_items=(),
) -> tuple[Schedule, list[Event]]:
    if rule not in Schedule.Rule.values:
        raise DomainError(_("Unknown repeating rule."), code="bad_rule")
    if not 0 <= int(weekday) <= 6:
        raise DomainError(_("The weekday must be 0 (Monday) to 6 (Sunday)."))
    nths = [int(n) for n in (nths or [])]
    if rule == Schedule.Rule.MONTHLY and (
        not nths or any(n == 0 or not -5 <= n <= 5 for n in nths)
    ):
        raise DomainError(
            _("Say which weeks of the month: 1 to 5, or -1 for the last."), code="bad_nths"
        )
    if last_date < first_date:
        raise DomainError(_("The last date must not be before the first."))
    if (last_date - first_date).days > 3 * 366:
        raise DomainError(_("A schedule may run for at most three years."))
    if end_time <= start_time:
        raise DomainError(_("The end must be after the start."), code="times_order")
    _check_capacity(capacity)
    item = Schedule(
        code=_unique_code(Schedule, "S"),
        title=title.strip(),
        kind=kind,
        station=station,
        organiser=organiser or station.operator,
        rule=rule,
        weekday=int(weekday),
        nths=nths,
        interval=max(1, int(interval or 1)),
        first_date=first_date,
        last_date=last_date,
        start_time=start_time,
        end_time=end_time,
        capacity=capacity,
        description=description,
        skip_holidays=skip_holidays,
        course=course,
    )
    item.save()
    audit.record(
        actor,
        "event.schedule.create",
        item,
        changes={"rule": rule, "weekday": weekday, "nths": nths},
        organisation=item.organiser,
        object_id=item.code,
    )
    events = generate_occurrences(item, actor=actor, service_items=service_items)
    return item, events


def schedule_dates(item: Schedule):
    return rules.occurrence_dates(
        item.rule,
        first=item.first_date,
        last=item.last_date,
        weekday=item.weekday,
        nths=item.nths,
        interval=item.interval,
        skip_holidays=item.skip_holidays,
    )


@transaction.atomic
def generate_occurrences(item: Schedule, *, actor, service_items=()) -> list[Event]:
    """Create the events of a schedule that do not exist yet (running it twice adds nothing)."""
    existing = set(Event.objects.filter(schedule=item).values_list("occurrence_date", flat=True))
    tz = timezone.get_current_timezone()
    created = []
    for day in schedule_dates(item):
        if day in existing:
            continue
        starts = timezone.make_aware(datetime.combine(day, item.start_time), tz)
        ends = timezone.make_aware(datetime.combine(day, item.end_time), tz)
        created.append(
            create_event(
                actor=actor,
                kind=item.kind,
                title=item.title,
                station=item.station,
                organiser=item.organiser,
                starts_at=starts,
                ends_at=ends,
                capacity=item.capacity,
                description=item.description,
                service_items=service_items,
                course=item.course,
                schedule=item,
                occurrence_date=day,
            )
        )
    return created


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update(of=("self",)).select_related("station").get(pk=event.pk)


def _active_registrations(event: Event):
    return Registration.objects.filter(event=event, status__in=ACTIVE_REGISTRATION).select_related(
        "driver"
    )


@transaction.atomic
def update_event(
    event: Event,
    *,
    actor,
    title=None,
    capacity=None,
    description=None,
    service_items=None,
    clear_capacity: bool = False,
) -> Event:
    event = _lock(event)
    before = audit.snapshot(event, ["title", "capacity", "description"])
    if title is not None:
        if not title.strip():
            raise DomainError(_("Give the event a title."), code="title_missing")
        event.title = title.strip()
    if clear_capacity:
        event.capacity = None
    elif capacity is not None:
        _check_capacity(capacity)
        event.capacity = capacity
    if description is not None:
        event.description = description
    event.save(update_fields=["title", "capacity", "description"])
    if service_items is not None:
        event.service_items.set(service_items)
    audit.record(
        actor,
        "event.update",
        event,
        changes=audit.diff(before, audit.snapshot(event, ["title", "capacity", "description"])),
        organisation=event.organiser_id,
        object_id=event.code,
    )
    _fill_free_places(event, actor=actor)
    return event


@transaction.atomic
def move_event(event: Event, *, actor, starts_at, ends_at, reason: str = "") -> Event:
    """Move one occurrence to another time; every registered driver is told."""
    event = _lock(event)
    if event.status != Event.Status.SCHEDULED:
        raise Conflict(_("Only a scheduled event can be moved."), code="not_scheduled")
    _check_times(starts_at, ends_at)
    old = event.starts_at
    Event.objects.filter(pk=event.pk).update(
        starts_at=starts_at, ends_at=ends_at, reminders_sent_at=None
    )
    event.starts_at, event.ends_at = starts_at, ends_at
    Registration.objects.filter(event=event, status__in=ACTIVE_REGISTRATION).update(
        reminded_at=None
    )
    EventChange(
        event=event,
        action=EventChange.Action.MOVED,
        from_status=event.status,
        to_status=event.status,
        old_starts_at=old,
        new_starts_at=starts_at,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason[:200],
    ).save()
    audit.record(
        actor,
        "event.move",
        event,
        changes={"starts_at": [old, starts_at]},
        organisation=event.organiser_id,
        object_id=event.code,
        note=reason,
    )
    context = {**_event_context(event), "old_starts_at": _local(old), "reason": reason}
    for registration in _active_registrations(event):
        tell_driver(registration.driver, "events.event_moved", context)
    return event


@transaction.atomic
def cancel_event(event: Event, *, actor, reason: str = "") -> Event:
    """Cancel one occurrence; live registrations are cancelled and the drivers told."""
    event = _lock(event)
    if event.status != Event.Status.SCHEDULED:
        raise Conflict(_("Only a scheduled event can be cancelled."), code="not_scheduled")
    if not reason.strip():
        raise DomainError(_("Say why the event is cancelled."), code="reason_missing")
    event.status = Event.Status.CANCELLED
    event.save(update_fields=["status"])
    EventChange(
        event=event,
        action=EventChange.Action.CANCELLED,
        from_status=Event.Status.SCHEDULED,
        to_status=event.status,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason[:200],
    ).save()
    audit.record(
        actor,
        "event.cancel",
        event,
        organisation=event.organiser_id,
        object_id=event.code,
        note=reason,
    )
    context = {**_event_context(event), "reason": reason}
    for registration in _active_registrations(event):
        _transition(registration, Registration.Status.CANCELLED, actor=actor, reason=reason)
        tell_driver(registration.driver, "events.event_cancelled", context)
    return event


@transaction.atomic
def close_event(event: Event, *, actor) -> Event:
    """Mark an event as held once it has taken place; registered drivers not checked in are no-shows."""
    event = _lock(event)
    if event.status == Event.Status.HELD:
        return event
    if event.status != Event.Status.SCHEDULED:
        raise Conflict(_("A cancelled event cannot be closed as held."), code="not_scheduled")
    if event.starts_at > timezone.now():
        raise DomainError(_("The event has not started yet."), code="not_started")
    event.status = Event.Status.HELD
    event.save(update_fields=["status"])
    # Nobody is still waiting for a place at an event that is over.
    for registration in Registration.objects.filter(
        event=event, status=Registration.Status.WAITLISTED
    ):
        _transition(registration, Registration.Status.EXPIRED, actor=actor, reason="event held")
    EventChange(
        event=event,
        action=EventChange.Action.HELD,
        from_status=Event.Status.SCHEDULED,
        to_status=event.status,
        actor=actor if getattr(actor, "pk", None) else None,
    ).save()
    audit.record(actor, "event.close", event, organisation=event.organiser_id, object_id=event.code)
    return event


@transaction.atomic
def add_participant(event: Event, *, actor, organisation, stall: str = "", offers: str = ""):
    participant, created = Participant.objects.get_or_create(
        event=event,
        organisation=organisation,
        defaults={"stall": stall.strip()[:40], "offers": offers.strip()[:200]},
    )
    if not created:
        participant.stall = stall.strip()[:40]
        participant.offers = offers.strip()[:200]
        participant.save(update_fields=["stall", "offers"])
    audit.record(
        actor,
        "event.participant.set",
        event,
        changes={"organisation": organisation.code, "stall": stall, "offers": offers},
        organisation=event.organiser_id,
        object_id=event.code,
    )
    return participant


@transaction.atomic
def remove_participant(participant: Participant, *, actor) -> None:
    event = participant.event
    audit.record(
        actor,
        "event.participant.remove",
        event,
        changes={"organisation": participant.organisation.code},
        organisation=event.organiser_id,
        object_id=event.code,
    )
    participant.delete()


# --- Registration ---------------------------------------------------------------------------------


def _transition(registration: Registration, to_status: str, *, actor, reason: str = "", **fields):
    """Move a registration to ``to_status`` if it is still in the status we read (else Conflict)."""
    now = timezone.now()
    updated = Registration.objects.filter(pk=registration.pk, status=registration.status).update(
        status=to_status, updated_at=now, **fields
    )
    if updated != 1:
        raise Conflict(_("This registration was changed by somebody else; reload and try again."))
    RegistrationChange(
        registration=registration,
        from_status=registration.status,
        to_status=to_status,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason[:200],
    ).save()
    audit.record(
        actor,
        f"event.registration.{to_status}",
        registration,
        changes={"status": [registration.status, to_status]},
        organisation=registration.event.organiser_id,
        object_id=str(registration.public_id),
        note=reason,
    )
    registration.status = to_status
    registration.updated_at = now
    for key, value in fields.items():
        setattr(registration, key, value)
    return registration


def places_taken(event: Event) -> int:
    return Registration.objects.filter(event=event, status__in=HOLDS_PLACE).count()


def _confirm_deadline(event: Event, now) -> datetime | None:
    """When a place offered now must be confirmed; None means no time to ask: confirmed at once."""
    if event.starts_at - now <= CONFIRM_MINIMUM:
        return None
    return min(now + CONFIRM_WINDOW, event.starts_at - CONFIRM_MINIMUM)


def register(
    event: Event, driver, *, actor, channel: str = Registration.Channel.SELF
) -> Registration:
    """Sign a driver up: a place if there is one, else the end of the waiting list.

    Signing up twice returns the live registration (a double tap or a retry is harmless).
    """
    try:
        return _register(event, driver, actor=actor, channel=channel)
    except IntegrityError:
        # A concurrent request for the same driver won the unique constraint: answer with its row.
        existing = Registration.objects.filter(
            event=event, driver=driver, status__in=ACTIVE_REGISTRATION
        ).first()
        if existing is None:
            raise
        return existing


@transaction.atomic
def _register(event, driver, *, actor, channel) -> Registration:
    event = _lock(event)
    if not event.is_open_for_registration:
        raise DomainError(_("This event is not open for registration."), code="closed")
    existing = (
        Registration.objects.filter(event=event, driver=driver, status__in=ACTIVE_REGISTRATION)
        .select_related("event")
        .first()
    )
    if existing is not None:
        return existing
    now = timezone.now()
    has_place = event.capacity is None or places_taken(event) < event.capacity
    confirm_by = None
    if not has_place:
        status = Registration.Status.WAITLISTED
    elif channel == Registration.Channel.SELF:
        status = Registration.Status.CONFIRMED
    else:
        confirm_by = _confirm_deadline(event, now)
        status = Registration.Status.PENDING if confirm_by else Registration.Status.CONFIRMED
    registration = Registration(
        event=event,
        driver=driver,
        status=status,
        channel=channel,
        queued_at=now,
        confirm_by=confirm_by,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    with transaction.atomic():  # a savepoint: the unique constraint may refuse a twin request
        registration.save()
    RegistrationChange(
        registration=registration,
        to_status=status,
        actor=registration.created_by,
        reason=channel,
    ).save()
    audit.record(
        actor,
        "event.registration.create",
        registration,
        changes={"status": status, "channel": channel, "event": event.code},
        organisation=event.organiser_id,
        object_id=str(registration.public_id),
    )
    context = _event_context(event)
    if status == Registration.Status.PENDING:
        tell_driver(
            driver, "events.confirm_requested", {**context, "confirm_by": _local(confirm_by)}
        )
    elif status == Registration.Status.WAITLISTED:
        position = Registration.objects.filter(
            event=event, status=Registration.Status.WAITLISTED
        ).count()
        tell_driver(driver, "events.waitlisted", {**context, "position": position})
    elif channel != Registration.Channel.SELF:
        tell_driver(driver, "events.registered", context)
    return registration


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list; None when not waiting."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        Q(queued_at__lt=registration.queued_at)
        | Q(queued_at=registration.queued_at, pk__lt=registration.pk),
        event_id=registration.event_id,
        status=Registration.Status.WAITLISTED,
    )
    return ahead.count() + 1


def _fill_free_places(event: Event, *, actor, now=None) -> list[Registration]:
    """Offer free places to the waiting list, first come first served. Call with the event locked."""
    if event.status != Event.Status.SCHEDULED:
        return []
    promoted = []
    now = now or timezone.now()
    while event.capacity is None or places_taken(event) < event.capacity:
        first = (
            Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED)
            .select_related("driver")
            .order_by("queued_at", "pk")
            .first()
        )
        if first is None:
            break
        confirm_by = _confirm_deadline(event, now)
        to_status = Registration.Status.PENDING if confirm_by else Registration.Status.CONFIRMED
        _transition(
            first,
            to_status,
            actor=actor,
            reason="moved up from the waiting list",
            confirm_by=confirm_by,
        )
        context = _event_context(event)
        if confirm_by:
            tell_driver(
                first.driver, "events.place_offered", {**context, "confirm_by": _local(confirm_by)}
            )
        else:
            tell_driver(first.driver, "events.registered", context)
        promoted.append(first)
    return promoted


@transaction.atomic
def confirm_registration(registration: Registration, *, actor) -> Registration:
    event = _lock(registration.event)
    registration = Registration.objects.select_related("event", "driver").get(pk=registration.pk)
    if registration.status == Registration.Status.CONFIRMED:
        return registration
    if registration.status != Registration.Status.PENDING:
        raise Conflict(
            _("This registration cannot be confirmed any more (%(status)s).")
            % {"status": registration.get_status_display()},
            code="not_pending",
        )
    if registration.confirm_by and registration.confirm_by < timezone.now():
        raise Conflict(_("The time to confirm has passed."), code="expired")
    registration.event = event
    return _transition(registration, Registration.Status.CONFIRMED, actor=actor)


@transaction.atomic
def cancel_registration(registration: Registration, *, actor, reason: str = "") -> Registration:
    """Cancel; a freed place goes to the first on the waiting list at once."""
    event = _lock(registration.event)
    registration = Registration.objects.select_related("driver").get(pk=registration.pk)
    registration.event = event
    if registration.status not in ACTIVE_REGISTRATION:
        return registration
    held_place = registration.status in HOLDS_PLACE
    _transition(registration, Registration.Status.CANCELLED, actor=actor, reason=reason)
    if held_place:
        _fill_free_places(event, actor=actor)
    return registration


def expire_registrations(*, now=None) -> int:
    """Expire pending registrations past their deadline and pass their places on. Idempotent."""
    now = now or timezone.now()
    due = list(
        Registration.objects.filter(status=Registration.Status.PENDING, confirm_by__lt=now)
        .order_by("confirm_by", "pk")
        .values_list("pk", "event_id")[:1000]
    )
    expired = 0
    for pk, event_id in due:
        with transaction.atomic():
            event = (
                Event.objects.select_for_update(of=("self",))
                .select_related("station")
                .get(pk=event_id)
            )
            registration = (
                Registration.objects.select_related("driver")
                .filter(pk=pk, status=Registration.Status.PENDING, confirm_by__lt=now)
                .first()
            )
            if registration is None:  # confirmed, cancelled or expired meanwhile
                continue
            registration.event = event
            _transition(
                registration,
                Registration.Status.EXPIRED,
                actor=None,
                reason="not confirmed in time",
            )
            tell_driver(registration.driver, "events.registration_expired", _event_context(event))
            _fill_free_places(event, actor=None, now=now)
            expired += 1
    return expired


def send_reminders(*, now=None) -> int:
    """Remind registered drivers of tomorrow's events. Each registration is claimed once."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + timedelta(days=1)
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(tomorrow, datetime.min.time()), tz)
    end = start + timedelta(days=1)
    registrations = (
        Registration.objects.filter(
            status__in=HOLDS_PLACE,
            reminded_at__isnull=True,
            event__status=Event.Status.SCHEDULED,
            event__starts_at__gte=start,
            event__starts_at__lt=end,
        )
        .select_related("event", "event__station", "driver")
        .order_by("pk")
    )
    sent = 0
    for registration in registrations:
        with transaction.atomic():
            claimed = Registration.objects.filter(
                pk=registration.pk, reminded_at__isnull=True, status__in=HOLDS_PLACE
            ).update(reminded_at=now)
            if claimed != 1:
                continue
            context = _event_context(registration.event)
            if registration.status == Registration.Status.PENDING and registration.confirm_by:
                context["confirm_by"] = _local(registration.confirm_by)
            tell_driver(registration.driver, "events.reminder", context)
            sent += 1
    return sent


def close_past_events(*, now=None, older_than=timedelta(hours=12)) -> int:
    """Close events that ended a while ago as held. Idempotent."""
    now = now or timezone.now()
    closed = 0
    for event in Event.objects.filter(
        status=Event.Status.SCHEDULED, ends_at__lt=now - older_than
    ).order_by("pk")[:500]:
        try:
            close_event(event, actor=None)
            closed += 1
        except Conflict:
            continue
    return closed


# --- Check-in ------------------------------------------------------------------------------------


def check_in_window(event: Event) -> tuple[datetime, datetime]:
    """When check-in is accepted: from ``EVENT_CHECK_IN_OPENS_MINUTES`` before the start to the end."""
    opens = event.starts_at - timedelta(minutes=settings.EVENT_CHECK_IN_OPENS_MINUTES)
    return opens, event.ends_at


def check_in_refusal(event: Event, now: datetime | None = None) -> DomainError | None:
    """Why a check-in at ``now`` is refused (too early, over, cancelled), or None when it is open."""
    if event.status == Event.Status.CANCELLED:
        return DomainError(_("This event was cancelled."), code="cancelled")
    now = now or timezone.now()
    opens, closes = check_in_window(event)
    if now < opens:
        return DomainError(
            _(
                "Check-in is not open yet. It opens at %(opens)s, %(minutes)s minutes before the start."
            )
            % {"opens": _local(opens), "minutes": settings.EVENT_CHECK_IN_OPENS_MINUTES},
            code="check_in_not_open",
            opens_at=opens.isoformat(),
        )
    if now >= closes or event.status == Event.Status.HELD:
        return DomainError(
            _("Check-in is closed: the event ended at %(ends)s.") % {"ends": _local(closes)},
            code="check_in_closed",
            closed_at=closes.isoformat(),
        )
    return None


def check_in(
    event: Event, driver, *, actor, method: str, now: datetime | None = None
) -> tuple[CheckIn, bool]:
    """Record a driver as present. Returns (check-in, created); a repeat returns the first one.

    Only inside the event's check-in window (``check_in_window``); outside it a
    ``DomainError`` says when it opens or why it closed. A repeat is answered at any time.
    """
    if event.status == Event.Status.CANCELLED:
        raise DomainError(_("This event was cancelled."), code="cancelled")
    existing = CheckIn.objects.filter(event=event, driver=driver).first()
    if existing is not None:
        return existing, False
    refusal = check_in_refusal(event, now)
    if refusal is not None:
        raise refusal
    try:
        return _check_in(event, driver, actor=actor, method=method), True
    except IntegrityError:
        # A retry raced the first request: the unique constraint kept one row.
        return CheckIn.objects.get(event=event, driver=driver), False


@transaction.atomic
def _check_in(event: Event, driver, *, actor, method: str) -> CheckIn:
    registration = (
        Registration.objects.filter(event=event, driver=driver, status__in=HOLDS_PLACE)
        .order_by("-pk")
        .first()
    )
    row = CheckIn(
        event=event,
        driver=driver,
        registration=registration,
        walk_in=registration is None,
        method=method,
        checked_in_by=actor if getattr(actor, "pk", None) and not actor.is_driver else None,
    )
    with transaction.atomic():
        row.save()
    audit.record(
        actor,
        "event.check_in",
        event,
        changes={"driver": str(driver.public_id), "method": method, "walk_in": row.walk_in},
        organisation=event.organiser_id,
        object_id=event.code,
    )
    return row


def course_attendance(course, driver) -> int:
    return CheckIn.objects.filter(
        event__course=course, driver=driver, event__status__in=["scheduled", "held"]
    ).count()


@transaction.atomic
def complete_course(course, driver, *, actor, notify: bool = True) -> Completion:
    """Staff confirm a driver completed a course (he attended at least one session): the certificate."""
    existing = Completion.objects.filter(course=course, driver=driver).first()
    if existing is not None:
        return existing
    attended = course_attendance(course, driver)
    if attended < 1:
        raise DomainError(_("The driver attended no session of this course."), code="no_attendance")
    year = timezone.localdate().year
    completion = Completion(
        certificate_no=f"C{year}-{secrets.token_hex(4).upper()}",
        course=course,
        driver=driver,
        sessions_attended=attended,
        issued_by=actor if getattr(actor, "pk", None) else None,
    )
    with conflict_on_duplicate(
        _("This driver's completion of the course was just recorded."), code="completed"
    ):
        completion.save()
    audit.record(
        actor,
        "event.course.complete",
        completion,
        changes={"course": course.code, "driver": str(driver.public_id), "sessions": attended},
        organisation=course.organisation_id,
        object_id=completion.certificate_no,
    )
    if notify:
        tell_driver(
            driver,
            "events.course_completed",
            {"course": course.name, "certificate_no": completion.certificate_no},
        )
    return completion


# --- Feedback ------------------------------------------------------------------------------------


@transaction.atomic
def rate_event(event: Event, driver, *, actor, rating: int, comment: str = "") -> Feedback:
    """An attendee rates the event (1-5); rating again replaces his earlier rating."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise DomainError(_("Give a rating from 1 to 5."), code="bad_rating")
    if not CheckIn.objects.filter(event=event, driver=driver).exists():
        raise DomainError(_("Only drivers who attended can rate an event."), code="not_attended")
    feedback, _created = Feedback.objects.update_or_create(
        event=event,
        driver=driver,
        defaults={"rating": rating, "comment": comment.strip()[:2000], "at": timezone.now()},
    )
    audit.record(
        actor,
        "event.feedback",
        event,
        changes={"rating": rating},
        organisation=event.organiser_id,
        object_id=event.code,
    )
    return feedback


# --- Delivered on the spot ------------------------------------------------------------------------


def record_service_at_event(event: Event, driver, item, *, actor, notes: str = ""):
    """A service item a driver received at the event's stall (a services.ServiceRecord)."""
    from driverhome.services.actions import record_service

    if event.status == Event.Status.CANCELLED:
        raise DomainError(_("This event was cancelled."), code="cancelled")
    return record_service(
        actor=actor,
        driver=driver,
        item=item,
        delivered_at=min(timezone.now(), event.ends_at)
        if event.starts_at <= timezone.now()
        else None,
        station=event.station,
        event=event,
        notes=notes,
    )


def file_request_at_event(event: Event, driver, *, actor, category, description: str, **extra):
    """A difficulty a driver raised at the stall, filed as a request (channel: market)."""
    from driverhome.appeals.actions import file_appeal

    if not (description or "").strip():
        raise DomainError(_("Write down what the driver needs."), code="description_missing")
    return file_appeal(
        actor=actor,
        driver=driver,
        channel="market",
        category=category,
        description=description.strip(),
        station=event.station,
        event=event,
        **extra,
    )
