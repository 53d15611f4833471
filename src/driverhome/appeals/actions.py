"""Every change to a request: intake, the workflow steps, extensions, visits, supervision, brokers.

Each function runs in one transaction, moves the status with a conditional
UPDATE on the status and version the caller saw (a lost race raises
:class:`~driverhome.core.errors.Conflict`), writes one :class:`Transition`
row and one audit row, and queues notifications (sent after the commit).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from driverhome.accounts import audit
from driverhome.accounts.models import Organisation, Role, User
from driverhome.core import dates, validation
from driverhome.core.errors import (
    Conflict,
    DomainError,
    PermissionDeniedError,
    conflict_on_duplicate,
)
from driverhome.core.fastinsert import insert
from driverhome.notifications.actions import store as store_notices

from . import access, deadlines
from .models import (
    Appeal,
    AppealType,
    BrokerTransfer,
    Category,
    Extension,
    IdempotencyKey,
    Reopening,
    ReturnVisit,
    Supervision,
    TrackingCounter,
    Transition,
    check_transition,
    closes_on_rating,
)

S = Appeal.Status
TRACKING_PREFIX = "BL"
CLOCK_SKEW = dates.CLOCK_SKEW
VISIT_RECORDED = gettext_lazy("The return visit of this request was just recorded by someone else.")
#: the longest Idempotency-Key stored (IdempotencyKey.key); a longer one is refused
IDEMPOTENCY_KEY_MAX = IdempotencyKey._meta.get_field("key").max_length
DISPATCH_ROLES = (Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN, Role.BROKER)
UNIT_ROLES = (Role.UNIT_HANDLER, Role.SITE_STAFF)
VISIT_ROLES = (Role.BROKER, Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)


class IdempotencyMismatch(DomainError):
    """The same Idempotency-Key with another body (422, as the IETF draft suggests)."""

    status = 422
    code = "idempotency_key_reused"


# --- helpers ---------------------------------------------------------------------------------


def _label(user) -> str:
    return audit.actor_label(user)


def _allow(actor, *roles) -> None:
    if actor is None or actor.is_superuser or actor.role in roles:
        return
    raise PermissionDeniedError(_("Your role may not do this."), code="forbidden")


def _is_unit_member(actor, appeal: Appeal) -> bool:
    if actor.is_superuser or actor.sees_everything or actor.role == Role.ADMIN:
        return True
    if appeal.handling_unit_id is None or actor.organisation_id is None:
        return False
    return appeal.handling_unit.path.startswith(actor.organisation.path)


def _require(actor, appeal: Appeal, capacities) -> None:
    """The actor deals with the request in one of ``capacities`` (``access``); the system may."""
    if actor is None or actor.is_superuser or actor.sees_everything:
        return
    if not access.relations(actor, appeal) & frozenset(capacities):
        raise PermissionDeniedError(
            _("You do not follow this request in a way that allows this."), code="not_yours"
        )


def _require_own(actor, appeal: Appeal) -> None:
    if actor is None or access.DRIVER not in access.relations(actor, appeal):
        raise PermissionDeniedError(_("This is not your request."), code="forbidden")


def _require_unit(actor, appeal: Appeal) -> None:
    _allow(actor, *UNIT_ROLES, Role.ADMIN)
    if not _is_unit_member(actor, appeal):
        raise PermissionDeniedError(
            _("Only the handling unit may do this."), code="not_handling_unit"
        )


def _move(
    appeal: Appeal,
    target: str,
    *,
    actor,
    note: str = "",
    public_note: str = "",
    public: bool = True,
    target_label: str = "",
    **updates,
) -> Appeal:
    """The status change itself: conditional UPDATE on (status, version), transition row, audit row."""
    check_transition(appeal.status, target)
    now = timezone.now()
    updates.setdefault("due_at", _due_for(target, appeal, updates))
    changed = Appeal.objects.filter(
        pk=appeal.pk, status=appeal.status, version=appeal.version
    ).update(status=target, version=F("version") + 1, updated_at=now, **updates)
    if changed != 1:
        raise stale(appeal)
    before = appeal.status
    appeal.status = target
    appeal.version += 1
    appeal.updated_at = now
    for key, value in updates.items():
        setattr(appeal, key, value)
    Transition.objects.create(
        appeal=appeal,
        from_status=before,
        to_status=target,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_label(actor),
        target=target_label[:200],
        note=note,
        public_note=public_note,
        public=public,
        at=now,
    )
    audit.record(
        actor,
        f"appeal.{target}",
        appeal,
        changes={"status": [before, target]},
        organisation=appeal.organisation_id,
        note=note[:500],
    )
    return appeal


def stale(appeal: Appeal) -> Conflict:
    return Conflict(
        _(
            "Request %(no)s was changed by someone else a moment ago. "
            "Reload the page to see its current state; nothing was saved."
        )
        % {"no": appeal.tracking_no},
        code="stale",
    )


def _due_for(target: str, appeal: Appeal, updates: dict):
    if target in Appeal.FINAL_STATUSES:
        return None
    if target in (S.COLLECTED, S.RETURNED):
        return appeal.accept_due_at or appeal.answer_due_at
    if target == S.REPORTED:
        return updates.get("accept_due_at", appeal.accept_due_at)
    if target == S.HANDLING:
        return updates.get("answer_due_at", appeal.answer_due_at)
    if target in (S.ANSWERED, S.VISITED):
        return updates.get("visit_due_at", appeal.visit_due_at)
    return appeal.due_at


def _limit(appeal: Appeal) -> deadlines.Limit:
    return deadlines.limit_for(appeal.appeal_type, appeal.category)


def _context(appeal: Appeal, **extra) -> dict:
    """What the message templates name: ``due`` is the current stage's deadline,
    ``answer_due`` the answer's. Times and the category stay objects: ``render`` writes
    them in the recipient's language."""
    context = {
        "tracking_no": appeal.tracking_no,
        "category": appeal.category,
        "due": appeal.due_at or "—",
        "answer_due": appeal.answer_due_at or "—",
        "unit": appeal.handling_unit.name if appeal.handling_unit_id else "—",
    }
    context.update(extra)
    return context


def _notify_driver(appeal: Appeal, template: str, **extra) -> None:
    from driverhome.notifications.actions import store

    store(_driver_notices(appeal, template, **extra))


def _driver_notices(appeal: Appeal, template: str, **extra) -> list:
    from driverhome.notifications.actions import prepare

    if appeal.driver_id is not None:
        return prepare(
            driver=appeal.driver,
            template=template,
            context=_context(appeal, **extra),
            channels=("sms", "console"),
            organisation=appeal.organisation,
            url=f"/d/appeals/{appeal.tracking_no}/",
        )
    if appeal.reporter_phone:
        return prepare(
            phone=appeal.reporter_phone,
            template=template,
            context=_context(appeal, **extra),
            organisation=appeal.organisation,
        )
    return []


def _person(appeal: Appeal):
    """The driver a notice about ``appeal`` speaks of (its text is sealed under his key)."""
    return appeal.driver if appeal.driver_id is not None else None


def _notify_users(users, appeal: Appeal, template: str, channels=("console", "sms"), **extra):
    from driverhome.notifications.actions import store

    store(_user_notices(users, appeal, template, channels, **extra))


def _user_notices(users, appeal: Appeal, template: str, channels=("console", "sms"), **extra):
    from driverhome.notifications.actions import prepare

    notices = []
    for user in users:
        notices += prepare(
            recipient_user=user,
            phone=user.phone or None,
            template=template,
            context=_context(appeal, **extra),
            channels=channels,
            organisation=appeal.organisation,
            url=f"/console/appeals/{appeal.tracking_no}/",
            person=_person(appeal),
        )
    return notices


def unit_users(unit: Organisation | None):
    if unit is None:
        return User.objects.none()
    return User.objects.filter(
        organisation=unit, is_active=True, role__in=(Role.UNIT_HANDLER, Role.SITE_STAFF)
    )


def area_staff(appeal: Appeal):
    return User.objects.filter(
        organisation=appeal.organisation, is_active=True, role=Role.SITE_STAFF
    )


def supervisors_of(appeal: Appeal):
    pks = [int(p, 16) for p in appeal.organisation.path.strip("/").split("/") if p]
    return User.objects.filter(organisation_id__in=pks, role=Role.SUPERVISOR, is_active=True)


def _next_tracking_no(received_at) -> str:
    """The day's next number: one ``UPDATE ... RETURNING`` on the day's counter row (locked until commit)."""
    from django.db import connection

    day = timezone.localtime(received_at).date()
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE appeals_trackingcounter SET last = last + 1 WHERE day = %s RETURNING last",
                [day],
            )
            row = cursor.fetchone()
        if row is not None:
            return f"{TRACKING_PREFIX}{day:%Y%m%d}-{row[0]:04d}"
        try:
            with transaction.atomic():
                TrackingCounter.objects.create(day=day, last=0)
        except IntegrityError:
            pass  # another intake created the day's row first
    raise Conflict(_("Could not issue a tracking number; please try again."))


def _number_before_transaction(received_at) -> str | None:
    """The tracking number in a short transaction of its own.

    The day's counter row stays locked until the transaction that moved it commits;
    taken inside the intake transaction it would queue every intake behind the one
    before it, durable commit included, and everything built from the number (the
    audit row, the notices' text) would be built under the lock. Taken here it is
    held for one UPDATE. On PostgreSQL that commit need not wait for the disk
    (``synchronous_commit`` off), and SQLite in WAL mode with ``synchronous=NORMAL``
    does not wait either: on both, the intake's own commit comes later in the same
    log, so a request is never stored with a number the counter could give again.
    A failed intake leaves a gap in the day's numbers, nothing else. Inside a
    caller's transaction the number is taken in that transaction (``None`` here).
    """
    from django.db import connection

    if connection.in_atomic_block:
        return None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return _next_tracking_no(received_at)


def request_hash(payload: dict) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


# --- intake ----------------------------------------------------------------------------------


def file_appeal(
    *,
    actor,
    driver=None,
    channel: str,
    category: Category,
    appeal_type: str | None = None,
    description: str,
    location=None,
    address: str = "",
    station=None,
    event=None,
    received_at=None,
    anonymous: bool = False,
    idempotency_key: str | None = None,
    idempotency_scope: str | None = None,
    idempotency_payload: dict | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    organisation: Organisation | None = None,
    photos=(),
    open311_key=None,
) -> Appeal:
    """Register a request from any channel. With ``idempotency_key`` a retry returns the first result."""
    description = (description or "").strip()
    if not description:
        raise DomainError(_("Please describe the problem."), code="description_required")
    if len(description) > 4000:
        raise DomainError(_("The description is too long (at most 4,000 characters)."))
    if channel not in Appeal.Channel.values:
        raise DomainError(_("Unknown channel."), code="bad_channel")
    # Refused whole, never cut: every entry point checks these, this is the last guard.
    contact = {"reporter_name": reporter_name, "reporter_phone": reporter_phone}
    contact |= {"reporter_email": reporter_email, "address": address}
    for field, value in contact.items():
        try:
            validation.check(Appeal, field, value or "")
        except validation.FieldInvalid as exc:
            raise DomainError(exc.message, code=exc.code, field=field) from None
    if category is None or not category.is_active or category.parent_id is None:
        raise DomainError(_("Please choose a category."), code="category_required")
    appeal_type = appeal_type or category.default_type
    if appeal_type not in AppealType.values:
        raise DomainError(_("Unknown request type."), code="bad_type")
    now = timezone.now()
    if received_at is None:
        received_at = now
    else:
        received_at = dates.check_moment(received_at, field="received_at")
        if received_at > now + CLOCK_SKEW:
            raise DomainError(
                _("The time received cannot be in the future."), code="received_in_future"
            )
    lat = lon = None
    if location is not None:
        lat, lon = float(location[0]), float(location[1])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise DomainError(_("The location is not valid."), code="bad_location")
    photos = list(photos or ())
    from .photos import MAX_PHOTOS

    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("At most %(n)s photos.") % {"n": MAX_PHOTOS}, code="too_many_photos")

    key_hash = None
    if idempotency_key:
        idempotency_key = idempotency_key.strip()
        if len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
            # Cut, two keys sharing their first characters would answer for each other.
            raise DomainError(
                _("The Idempotency-Key is longer than %(limit)s characters.")
                % {"limit": IDEMPOTENCY_KEY_MAX},
                code="idempotency_key_too_long",
                field="Idempotency-Key",
                limit=IDEMPOTENCY_KEY_MAX,
            )
        scope = idempotency_scope or f"user:{getattr(actor, 'pk', '')}"
        key_hash = request_hash(
            idempotency_payload
            if idempotency_payload is not None
            else {
                "driver": getattr(driver, "pk", None),
                "channel": channel,
                "category": category.code,
                "type": appeal_type,
                "description": description,
                "location": [lat, lon],
                "received_at": received_at.isoformat() if received_at is not now else None,
            }
        )
        # No look-up first: the key's row is inserted with the request, and the unique
        # (scope, key) refuses a second one; the retry is then answered from the first
        # (``except IntegrityError`` below). A new key, the common case, costs no query.

    if organisation is None:
        if station is not None:
            organisation = station.operator
        elif driver is not None:
            organisation = driver.organisation
        elif open311_key is not None:
            organisation = open311_key.organisation
        elif actor is not None and getattr(actor, "organisation_id", None):
            organisation = actor.organisation
    if organisation is None:
        raise DomainError(_("No area to file the request under."), code="no_area")

    # Everything that needs no lock is worked out before the transaction: on SQLite
    # the write lock is held from BEGIN to COMMIT, so intake keeps it for the inserts alone.
    limit = deadlines.limit_for(appeal_type, category)
    answer_due = deadlines.answer_due(received_at, limit)
    accept_due = deadlines.accept_due(received_at, limit, answer_due)
    remind_at = deadlines.remind_at(received_at, answer_due, limit.reminder_percent)
    phone_last4 = (driver.phone_last4 if driver is not None else "") or "".join(
        ch for ch in reporter_phone if ch.isdigit()
    )[-4:]
    appeal = Appeal(
        appeal_type=appeal_type,
        category=category,
        channel=channel,
        driver=driver,
        phone_last4=phone_last4,
        anonymous=anonymous,
        description=description,
        lat=lat,
        lon=lon,
        address=address,
        organisation=organisation,
        care_broker_id=getattr(driver, "care_broker_id", None),
        open311_key=open311_key,
        received_at=received_at,
        status=S.COLLECTED,
        accept_due_at=accept_due,
        answer_due_at=answer_due,
        due_at=accept_due,
        remind_at=remind_at,
        created_by=actor if getattr(actor, "pk", None) else None,
        updated_at=now,
    )
    appeal.set_reporter(name=reporter_name, phone=reporter_phone, email=reporter_email)
    if station is not None:
        appeal.station = station
    if event is not None:
        appeal.event = event
    key_row = (
        IdempotencyKey(scope=scope, key=idempotency_key, request_hash=key_hash, appeal=appeal)
        if idempotency_key
        else None
    )
    transition = Transition(
        appeal=appeal,
        from_status="",
        to_status=S.COLLECTED,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_label(actor),
        at=now,
    )

    def rows_naming_the_number():
        entry = audit.entry(
            actor,
            "appeal.file",
            appeal,
            changes={"channel": channel, "category": category.code, "type": appeal_type},
            organisation=organisation,
        )
        notices = _driver_notices(appeal, "appeal.received")
        if appeal.care_broker_id and appeal.care_broker_id != getattr(actor, "pk", None):
            notices += _user_notices(
                [appeal.care_broker],
                appeal,
                "appeal.broker_new",
                channels=("console",),
                driver=driver.name,
            )
        return entry, notices

    # With the number known before the transaction, the rows that name it (the audit row,
    # the notices' text) are built before it as well: the transaction holds the inserts alone.
    appeal.tracking_no = _number_before_transaction(received_at) or ""
    prepared = rows_naming_the_number() if appeal.tracking_no else None
    try:
        with transaction.atomic():
            if prepared is None:  # inside a caller's transaction: numbered in it
                appeal.tracking_no = _next_tracking_no(received_at)
                prepared = rows_naming_the_number()
            entry, notices = prepared
            insert(appeal)
            if key_row is not None:
                insert(key_row)
            for upload in photos:
                from .photos import store

                store(appeal, upload)
            insert(transition)
            entry.object_id = str(appeal.pk)
            insert(entry)
            store_notices(notices)
    except IntegrityError:
        if idempotency_key:
            existing = _replay(scope, idempotency_key, key_hash)
            if existing is not None:
                return existing
        raise
    return appeal


def _replay(scope: str, key: str, key_hash: str) -> Appeal | None:
    # Most keys are new: look at the key's own row first, load the request only on a retry.
    # (scope, key) is unique: a bare LIMIT 1, without first()'s ORDER BY, costs half as much.
    rows = IdempotencyKey.objects.filter(scope=scope, key=key).values_list(
        "request_hash", "appeal_id"
    )[:1]
    if not rows:
        return None
    request_hash, appeal_id = rows[0]
    if request_hash != key_hash:
        raise IdempotencyMismatch(
            _(
                "This Idempotency-Key was already used for a different request. "
                "Use a new key for a new request."
            ),
        )
    appeal = Appeal.objects.get(pk=appeal_id)
    appeal.replayed = True
    return appeal


# --- the workflow ------------------------------------------------------------------------------


@transaction.atomic
def dispatch(appeal: Appeal, unit: Organisation, *, actor, note: str = "") -> Appeal:
    _allow(actor, *DISPATCH_ROLES)
    _require(actor, appeal, {access.AREA})
    if unit is None:
        raise DomainError(_("Choose the unit that should handle it."), code="unit_required")
    now = timezone.now()
    limit = _limit(appeal)
    accept_due = deadlines.accept_due(now, limit, appeal.answer_due_at)
    _move(
        appeal,
        S.REPORTED,
        actor=actor,
        note=note,
        target_label=unit.name,
        public_note=_("Sent to %(unit)s.") % {"unit": unit.name},
        handling_unit=unit,
        accept_due_at=accept_due,
    )
    _notify_users(unit_users(unit), appeal, "appeal.dispatched")
    return appeal


@transaction.atomic
def accept(appeal: Appeal, *, actor, note: str = "") -> Appeal:
    check_transition(appeal.status, S.HANDLING)
    _require_unit(actor, appeal)
    _move(
        appeal,
        S.HANDLING,
        actor=actor,
        note=note,
        public_note=_("Accepted by %(unit)s.") % {"unit": appeal.handling_unit.name},
    )
    _notify_driver(appeal, "appeal.accepted")
    return appeal


@transaction.atomic
def return_misdirected(appeal: Appeal, *, actor, reason: str) -> Appeal:
    check_transition(appeal.status, S.RETURNED)
    _require_unit(actor, appeal)
    if not (reason or "").strip():
        raise DomainError(_("Say why it is misdirected."), code="reason_required")
    unit = appeal.handling_unit
    _move(appeal, S.RETURNED, actor=actor, note=reason, public=False, target_label=unit.name)
    _notify_users(area_staff(appeal), appeal, "appeal.returned", channels=("console",), note=reason)
    return appeal


@transaction.atomic
def answer(appeal: Appeal, *, actor, text: str) -> Appeal:
    check_transition(appeal.status, S.ANSWERED)
    _require_unit(actor, appeal)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the answer to the driver."), code="answer_required")
    now = timezone.now()
    visit_due = deadlines.visit_due(now, _limit(appeal))
    _move(
        appeal,
        S.ANSWERED,
        actor=actor,
        note=text,
        public_note=text,
        answer=text,
        answered_at=now,
        visit_due_at=visit_due,
    )
    _notify_driver(appeal, "appeal.answered", answer=text[:120])
    if appeal.care_broker_id:
        _notify_users([appeal.care_broker], appeal, "appeal.visit_due", channels=("console",))
    return appeal


def _may_visit(actor, appeal: Appeal) -> None:
    if actor is not None and actor.role == Role.DRIVER and not actor.is_superuser:
        _require_own(actor, appeal)
        return
    _allow(actor, *VISIT_ROLES)
    _require(actor, appeal, access.FOLLOWERS)


@transaction.atomic
def return_visit(
    appeal: Appeal,
    *,
    actor,
    resolved: str,
    satisfaction: int,
    comment: str = "",
    close: bool = True,
) -> Appeal:
    """Record the return visit (the broker's call or the driver's own rating).

    A rating that :func:`~.models.closes_on_rating` (resolved, 3 or more) closes the
    request at once when ``close``; anything else waits for a staff decision (close,
    or re-handle) by a fresh deadline that the supervision ladder chases, and the
    broker (or the area's staff) is told.
    """
    _may_visit(actor, appeal)
    if resolved not in ReturnVisit.Resolved.values:
        raise DomainError(_("Say whether it was resolved."), code="resolved_required")
    try:
        satisfaction = int(satisfaction)
    except (TypeError, ValueError):
        satisfaction = 0
    if not 1 <= satisfaction <= 5:
        raise DomainError(_("Satisfaction is a number from 1 to 5."), code="bad_satisfaction")
    check_transition(appeal.status, S.VISITED)
    label = dict(ReturnVisit.Resolved.choices)[resolved]
    # The status moves first: of two people recording the visit at once, the second
    # finds the request moved on (409) before reaching the visit's unique round.
    _move(
        appeal,
        S.VISITED,
        actor=actor,
        note=comment,
        public_note=_("%(resolved)s, satisfaction %(score)s of 5.")
        % {"resolved": label, "score": satisfaction},
    )
    with conflict_on_duplicate(VISIT_RECORDED, code="visit_recorded"):
        ReturnVisit.objects.create(
            appeal=appeal,
            resolved=resolved,
            satisfaction=satisfaction,
            comment=comment.strip(),
            by=actor,
            round=appeal.rehandle_count,
        )
    if close and closes_on_rating(resolved, satisfaction):
        _move(appeal, S.CLOSED, actor=actor, closed_at=timezone.now())
        return appeal
    # The decision is owed from now on: a deadline of its own, chased like any other.
    decision_due = deadlines.visit_due(timezone.now(), _limit(appeal))
    Appeal.objects.filter(pk=appeal.pk).update(visit_due_at=decision_due, due_at=decision_due)
    appeal.visit_due_at = appeal.due_at = decision_due
    followers = [appeal.care_broker] if appeal.care_broker_id else list(area_staff(appeal))
    _notify_users(
        followers,
        appeal,
        "appeal.decision_due",
        channels=("console",),
        resolved=label,
        score=satisfaction,
    )
    return appeal


@transaction.atomic
def close(appeal: Appeal, *, actor, note: str = "") -> Appeal:
    _allow(actor, *VISIT_ROLES)
    _require(actor, appeal, access.FOLLOWERS)
    return _move(
        appeal, S.CLOSED, actor=actor, note=note, public_note=note, closed_at=timezone.now()
    )


@transaction.atomic
def rehandle(appeal: Appeal, *, actor, note: str) -> Appeal:
    """重办: back to the unit after a "no" or a dissatisfied visit for reasons on the unit's side."""
    check_transition(appeal.status, S.HANDLING)
    _allow(actor, *VISIT_ROLES)
    _require(actor, appeal, access.FOLLOWERS)
    if not (note or "").strip():
        raise DomainError(_("Say what the unit must do again."), code="reason_required")
    visit = appeal.visits.order_by("-at").first()
    if visit is None or closes_on_rating(visit.resolved, visit.satisfaction):
        raise DomainError(
            _("Only a request not fully resolved, or rated below 3, can be re-handled."),
            code="rehandle_not_allowed",
        )
    _back_to_unit(
        appeal,
        actor=actor,
        note=note,
        public_note=_("Sent back to %(unit)s to be handled again."),
    )
    return appeal


def _back_to_unit(appeal: Appeal, *, actor, note: str, public_note: str, **updates) -> None:
    """Back to the handling unit with a fresh answer deadline (re-handling, a reopening)."""
    now = timezone.now()
    limit = _limit(appeal)
    answer_due = deadlines.answer_due(now, limit)
    _move(
        appeal,
        S.HANDLING,
        actor=actor,
        note=note,
        public_note=public_note
        % {"unit": appeal.handling_unit.name if appeal.handling_unit_id else "—"},
        rehandle_count=appeal.rehandle_count + 1,
        answer_due_at=answer_due,
        remind_at=deadlines.remind_at(now, answer_due, limit.reminder_percent),
        **updates,
    )
    _notify_users(unit_users(appeal.handling_unit), appeal, "appeal.rehandle", note=note[:120])


@transaction.atomic
def withdraw(appeal: Appeal, *, actor, note: str = "") -> Appeal:
    """Withdraw an open request, always with the reason (the driver confirms it on a page)."""
    if actor is not None and actor.role == Role.DRIVER:
        _require_own(actor, appeal)
    else:
        _allow(actor, Role.BROKER, Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)
        _require(actor, appeal, access.FOLLOWERS)
    note = (note or "").strip()
    if actor is not None and not note:
        raise DomainError(_("Say why the request is withdrawn."), code="reason_required")
    _move(appeal, S.WITHDRAWN, actor=actor, note=note, public_note=note, closed_at=timezone.now())
    if appeal.handling_unit_id:
        _notify_users(
            unit_users(appeal.handling_unit), appeal, "appeal.withdrawn", channels=("console",)
        )
    return appeal


@transaction.atomic
def merge(appeal: Appeal, into: Appeal, *, actor, note: str = "") -> Appeal:
    """Merge a duplicate: the driver is told and follows the surviving request."""
    _allow(actor, Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)
    _require(actor, appeal, {access.AREA})
    if into.pk == appeal.pk:
        raise DomainError(_("A request cannot be merged into itself."), code="merge_self")
    if not into.is_open:
        raise DomainError(
            _("Merge into an open request; %(no)s is no longer open.") % {"no": into.tracking_no},
            code="merge_target_closed",
        )
    _move(
        appeal,
        S.MERGED,
        actor=actor,
        note=note,
        target_label=into.tracking_no,
        public_note=_("Merged into %(no)s, which deals with the same matter.")
        % {"no": into.tracking_no},
        merged_into=into,
        closed_at=timezone.now(),
    )
    _notify_driver(appeal, "appeal.merged", target=into.tracking_no)
    return appeal


# --- extensions --------------------------------------------------------------------------------


@transaction.atomic
def request_extension(appeal: Appeal, *, actor, days: int, reason: str) -> Extension:
    _require_unit(actor, appeal)
    if appeal.status != S.HANDLING:
        raise Conflict(_("Only a request being handled can be extended."), code="not_handling")
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 30:
        raise DomainError(_("Ask for 1 to 30 working days."), code="bad_days")
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the extension."), code="reason_required")
    try:
        with transaction.atomic():
            extension = Extension.objects.create(
                appeal=appeal, days=days, reason=reason.strip(), requested_by=actor
            )
    except IntegrityError:
        raise Conflict(
            _("An extension is already waiting for approval."), code="extension_pending"
        ) from None
    audit.record(
        actor,
        "appeal.extension_request",
        appeal,
        changes={"days": days},
        organisation=appeal.organisation_id,
        note=reason[:500],
    )
    _notify_users(
        supervisors_of(appeal),
        appeal,
        "appeal.extension_requested",
        channels=("console",),
        days=days,
        note=reason[:120],
    )
    return extension


@transaction.atomic
def decide_extension(extension: Extension, *, actor, approve: bool, note: str = "") -> Extension:
    _allow(actor, Role.SUPERVISOR, Role.ADMIN)
    now = timezone.now()
    status = Extension.Status.APPROVED if approve else Extension.Status.REJECTED
    changed = Extension.objects.filter(pk=extension.pk, status=Extension.Status.PENDING).update(
        status=status, decided_by=actor, decided_at=now, decision_note=note
    )
    if changed != 1:
        raise Conflict(_("This extension was already decided."), code="extension_decided")
    extension.status = status
    appeal = Appeal.objects.select_related("handling_unit", "category", "organisation").get(
        pk=extension.appeal_id
    )
    if approve:
        new_due = deadlines.extend(appeal.answer_due_at, extension.days)
        updates = {"answer_due_at": new_due, "version": F("version") + 1, "updated_at": now}
        limit = _limit(appeal)
        updates["remind_at"] = deadlines.remind_at(now, new_due, limit.reminder_percent)
        if appeal.status == S.HANDLING:
            updates["due_at"] = new_due
        Appeal.objects.filter(pk=appeal.pk).update(**updates)
        appeal.refresh_from_db()
        Transition.objects.create(
            appeal=appeal,
            from_status=appeal.status,
            to_status=appeal.status,
            actor=actor,
            actor_label=_label(actor),
            note=extension.reason,
            public_note=_("Time limit extended by %(days)s working days.")
            % {"days": extension.days},
            at=now,
        )
    audit.record(
        actor,
        "appeal.extension_approve" if approve else "appeal.extension_reject",
        appeal,
        changes={"days": extension.days},
        organisation=appeal.organisation_id,
        note=note[:500],
    )
    _notify_users(
        unit_users(appeal.handling_unit),
        appeal,
        "appeal.extension_decided",
        channels=("console",),
        decision=gettext_lazy("approved") if approve else pgettext_lazy("appeal", "rejected"),
    )
    return extension


# --- supervision and brokers -----------------------------------------------------------------------


@transaction.atomic
def supervise(appeal: Appeal, *, actor, note: str) -> Supervision:
    _allow(actor, Role.SUPERVISOR, Role.ADMIN)
    if not appeal.is_open:
        raise Conflict(_("Only an open request can be supervised."), code="not_open")
    if not (note or "").strip():
        raise DomainError(_("Write a note for the unit."), code="note_required")
    row = Supervision.objects.create(
        appeal=appeal, kind=Supervision.Kind.MANUAL, due_at=appeal.due_at, note=note, by=actor
    )
    Appeal.objects.filter(pk=appeal.pk).update(supervised=True, updated_at=timezone.now())
    appeal.supervised = True
    audit.record(actor, "appeal.supervise", appeal, organisation=appeal.organisation_id, note=note)
    _notify_users(unit_users(appeal.handling_unit), appeal, "appeal.supervised", note=note[:120])
    return row


@transaction.atomic
def transfer_broker(appeal: Appeal, to_broker: User, *, actor, note: str = "") -> BrokerTransfer:
    _allow(actor, Role.BROKER, Role.SUPERVISOR, Role.ADMIN)
    if actor.role == Role.BROKER and appeal.care_broker_id not in (None, actor.pk):
        raise PermissionDeniedError(_("Only the request's broker may hand it over."))
    if to_broker is None or to_broker.role != Role.BROKER or not to_broker.is_active:
        raise DomainError(_("Choose a care broker."), code="broker_required")
    if to_broker.pk == appeal.care_broker_id:
        raise DomainError(_("That broker already follows this request."), code="same_broker")
    try:
        with transaction.atomic():
            row = BrokerTransfer.objects.create(
                appeal=appeal, from_broker=appeal.care_broker, to_broker=to_broker, note=note
            )
    except IntegrityError:
        raise Conflict(
            _("A hand-over is already waiting for an answer."), code="transfer_pending"
        ) from None
    audit.record(
        actor,
        "appeal.transfer_request",
        appeal,
        changes={"to": to_broker.username},
        organisation=appeal.organisation_id,
    )
    _notify_users(
        [to_broker],
        appeal,
        "appeal.transfer",
        channels=("console",),
        note=note,
        **{"from": _label(actor)},
    )
    return row


@transaction.atomic
def answer_transfer(transfer: BrokerTransfer, *, actor, accept: bool) -> BrokerTransfer:
    if actor.pk != transfer.to_broker_id and not actor.is_superuser:
        raise PermissionDeniedError(_("This hand-over is addressed to another broker."))
    status = BrokerTransfer.Status.ACCEPTED if accept else BrokerTransfer.Status.DECLINED
    changed = BrokerTransfer.objects.filter(
        pk=transfer.pk, status=BrokerTransfer.Status.PENDING
    ).update(status=status, decided_at=timezone.now())
    if changed != 1:
        raise Conflict(_("This hand-over was already answered."), code="transfer_decided")
    transfer.status = status
    appeal = transfer.appeal
    if accept:
        Appeal.objects.filter(pk=appeal.pk).update(
            care_broker=transfer.to_broker, version=F("version") + 1, updated_at=timezone.now()
        )
        _move_driver_to(appeal, transfer, actor=actor)
    audit.record(
        actor,
        "appeal.transfer_accept" if accept else "appeal.transfer_decline",
        appeal,
        organisation=appeal.organisation_id,
    )
    return transfer


def _move_driver_to(appeal: Appeal, transfer: BrokerTransfer, *, actor) -> None:
    """The accepted hand-over moves the driver too: his next request goes to his new broker.

    Only when the broker handing over was the driver's broker; his other open requests
    that the old broker followed move with him.
    """
    from driverhome.drivers.actions import assign_broker
    from driverhome.drivers.models import Driver

    if appeal.driver_id is None:
        return
    driver = Driver.objects.get(pk=appeal.driver_id)
    if driver.care_broker_id not in (None, transfer.from_broker_id):
        return
    if driver.care_broker_id != transfer.to_broker_id:
        assign_broker(driver, transfer.to_broker, actor=actor)
    Appeal.objects.filter(
        driver_id=driver.pk, status__in=Appeal.OPEN_STATUSES, care_broker_id=transfer.from_broker_id
    ).exclude(pk=appeal.pk).update(
        care_broker=transfer.to_broker, version=F("version") + 1, updated_at=timezone.now()
    )


# --- the driver's voice after the answer ---------------------------------------------------------


def _same_status_row(appeal: Appeal, kind: str, *, actor, note="", public_note="", public=True):
    """A timeline row that keeps the status (a message, a reopening asked or refused)."""
    Appeal.objects.filter(pk=appeal.pk).update(version=F("version") + 1, updated_at=timezone.now())
    appeal.version += 1
    return Transition.objects.create(
        appeal=appeal,
        from_status=appeal.status,
        to_status=appeal.status,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_label(actor),
        note=note,
        public_note=public_note,
        public=public,
    )


#: photos one request may carry in all (at intake and added later)
MAX_PHOTOS_IN_ALL = 12


@transaction.atomic
def add_message(appeal: Appeal, *, actor, text: str = "", photos=()) -> Transition:
    """The driver adds information or photos to his open request; the unit and broker are told."""
    from .photos import MAX_PHOTOS, store

    _require_own(actor, appeal)
    if not appeal.is_open:
        raise Conflict(
            _("This request is no longer open; ask to reopen it instead."), code="not_open"
        )
    text = (text or "").strip()
    photos = list(photos or ())
    if not text and not photos:
        raise DomainError(_("Write a message or add a photo."), code="message_required")
    if len(text) > 2000:
        raise DomainError(
            _("The message is too long (at most 2,000 characters)."), code="message_too_long"
        )
    if len(photos) > MAX_PHOTOS or appeal.photos.count() + len(photos) > MAX_PHOTOS_IN_ALL:
        raise DomainError(
            _("At most %(n)s photos at a time, %(total)s in all.")
            % {"n": MAX_PHOTOS, "total": MAX_PHOTOS_IN_ALL},
            code="too_many_photos",
        )
    for upload in photos:
        store(appeal, upload)
    row = _same_status_row(
        appeal, Transition.Kind.MESSAGE, actor=actor, note=text, public_note=text
    )
    audit.record(
        actor,
        "appeal.message",
        appeal,
        changes={"photos": len(photos)},
        organisation=appeal.organisation_id,
    )
    told = list(unit_users(appeal.handling_unit)) if appeal.handling_unit_id else []
    if appeal.care_broker_id:
        told.append(appeal.care_broker)
    if not told:
        told = list(area_staff(appeal))
    _notify_users(
        told,
        appeal,
        "appeal.driver_message",
        channels=("console",),
        note=text[:120] or _("%(n)s photo(s)") % {"n": len(photos)},
    )
    return row


@transaction.atomic
def ask_reopen(appeal: Appeal, *, actor, reason: str) -> Reopening:
    """The driver asks, within ``Appeal.REOPEN_DAYS`` of the closing, to reopen with a reason."""
    _require_own(actor, appeal)
    if appeal.status != S.CLOSED:
        raise Conflict(_("Only a closed request can be reopened."), code="not_closed")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the request should be reopened."), code="reason_required")
    if appeal.closed_at is None or timezone.now() > appeal.closed_at + timedelta(
        days=Appeal.REOPEN_DAYS
    ):
        raise Conflict(
            _("A request can be reopened within %(days)s days of its closing.")
            % {"days": Appeal.REOPEN_DAYS},
            code="reopen_too_late",
        )
    try:
        with transaction.atomic():
            row = Reopening.objects.create(appeal=appeal, reason=reason[:2000], requested_by=actor)
    except IntegrityError:
        raise Conflict(
            _("Your request to reopen is already waiting for a decision."), code="reopen_pending"
        ) from None
    _same_status_row(
        appeal, Transition.Kind.REOPEN_ASKED, actor=actor, note=reason, public_note=reason
    )
    audit.record(
        actor, "appeal.reopen_ask", appeal, organisation=appeal.organisation_id, note=reason[:500]
    )
    _notify_users(
        supervisors_of(appeal),
        appeal,
        "appeal.reopen_asked",
        channels=("console",),
        note=reason[:120],
    )
    return row


@transaction.atomic
def decide_reopen(reopening: Reopening, *, actor, accept: bool, note: str = "") -> Reopening:
    """A supervisor decides: accepted, the request goes back to its unit; refused, it stays
    closed and the driver is told why."""
    _allow(actor, Role.SUPERVISOR, Role.ADMIN)
    appeal = Appeal.objects.select_related(
        "handling_unit", "category", "organisation", "driver", "care_broker"
    ).get(pk=reopening.appeal_id)
    _require(actor, appeal, {access.AREA, access.FILE})
    note = (note or "").strip()
    if not accept and not note:
        raise DomainError(_("Say why the request stays closed."), code="reason_required")
    if accept:
        check_transition(appeal.status, S.HANDLING)
    status = Reopening.Status.ACCEPTED if accept else Reopening.Status.REFUSED
    now = timezone.now()
    changed = Reopening.objects.filter(pk=reopening.pk, status=Reopening.Status.PENDING).update(
        status=status, decided_by=actor, decided_at=now, decision_note=note
    )
    if changed != 1:
        raise Conflict(_("This request to reopen was already decided."), code="reopen_decided")
    reopening.status = status
    if accept:
        _back_to_unit(
            appeal,
            actor=actor,
            note=note or reopening.reason,
            public_note=_("Reopened and sent back to %(unit)s."),
            closed_at=None,
        )
    else:
        _same_status_row(
            appeal, Transition.Kind.REOPEN_REFUSED, actor=actor, note=note, public_note=note
        )
        audit.record(
            actor,
            "appeal.reopen_refuse",
            appeal,
            organisation=appeal.organisation_id,
            note=note[:500],
        )
    _notify_driver(
        appeal,
        "appeal.reopen_decided",
        decision=pgettext_lazy("reopening", "accepted")
        if accept
        else pgettext_lazy("reopening", "refused"),
        note=note,
    )
    return reopening


# --- reaching the driver ---------------------------------------------------------------------------


def reveal_phone(appeal: Appeal, *, actor, reason: str) -> str:
    """The clear number of the driver (or of a reporter without a file) behind ``appeal``,
    for staff who deal with it, with the reason written to the access log."""
    reason = (reason or "").strip()
    if not access.may_reveal_phone(actor, appeal):
        raise PermissionDeniedError(_("Your role may not see full values."), code="forbidden")
    if not reason:
        raise DomainError(_("Say why you need the full value."), code="reason_required")
    value = access.contact_phone(appeal)
    if not value:
        raise DomainError(_("No phone number is known for this request."), code="no_phone")
    subject, field = (
        (appeal.driver, "phone") if appeal.driver_id is not None else (appeal, "reporter_phone")
    )
    with transaction.atomic():
        audit.record_access(
            actor,
            subject,
            field,
            reason=_("Request %(no)s: %(reason)s") % {"no": appeal.tracking_no, "reason": reason},
            organisation=appeal.organisation_id,
        )
    return value


# --- Open311 client keys -------------------------------------------------------------------------


@transaction.atomic
def issue_open311_key(name: str, organisation: Organisation, *, actor=None):
    """A new ``api_key`` for a client system; returns (key row, secret shown once).

    ``actor`` (``None`` for the command line) must administer ``organisation``."""
    from .models import Open311Key

    if actor is not None and not access.may_manage_open311(actor, organisation):
        raise PermissionDeniedError(_("Your role may not do this."), code="forbidden")
    if not (name or "").strip():
        raise DomainError(_("Name the client system."), code="name_required", field="name")
    try:
        name = validation.check(Open311Key, "name", name)
    except validation.FieldInvalid as exc:
        raise DomainError(exc.message, code=exc.code, field="name") from None
    key, secret = Open311Key.issue(name, organisation)
    audit.record(
        actor,
        "open311key.issue",
        key,
        changes={"name": [None, key.name], "organisation": [None, organisation.pk]},
        organisation=organisation,
    )
    return key, secret


@transaction.atomic
def revoke_open311_key(prefix: str, *, actor=None) -> bool:
    """Revoke the active key with ``prefix``; False when there is none (already revoked)."""
    from .models import Open311Key

    key = Open311Key.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None:
        return False
    if actor is not None and not access.may_manage_open311(actor, key.organisation):
        raise PermissionDeniedError(_("Your role may not do this."), code="forbidden")
    Open311Key.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    audit.record(actor, "open311key.revoke", key, organisation=key.organisation_id)
    return True


# The reference tables' actions (categories, time limits, routing rules) live beside these.
from .reference import (  # noqa: E402, F401 - one place to import the actions from
    create_category,
    create_routing_rule,
    create_time_limit,
    delete_routing_rule,
    delete_time_limit,
    update_category,
    update_routing_rule,
    update_time_limit,
)
