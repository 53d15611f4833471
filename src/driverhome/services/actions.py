"""Every change to the catalogue, service records, recommendations and programmes.

Each function runs in one transaction and writes an audit row. Views, the API,
the demo's small writes and the tests call these; nothing else saves.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from driverhome.accounts import audit
from driverhome.accounts.models import Role
from driverhome.core.errors import Conflict, DomainError

from . import eligibility
from .models import (
    CareAttendance,
    CareEnrolment,
    CareerChange,
    CareTerm,
    Certificate,
    LifecycleNode,
    MonthlyEarning,
    Recommendation,
    ServiceItem,
    ServiceRecord,
    ServiceRequest,
    TrainingCourse,
    WorkOrder,
    Workshop,
    WorkshopMember,
)

#: a dismissed suggestion stays quiet this long
DISMISS_QUIET_DAYS = 180


def _today() -> date:
    return timezone.localdate()


def _aware(value) -> datetime:
    if value is None:
        return timezone.now()
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.combine(value, datetime.min.time().replace(hour=10)))


# --- catalogue ---------------------------------------------------------------------------

NODE_FIELDS = ["code", "name", "name_en", "description", "order", "is_active"]
ITEM_FIELDS = [
    "code",
    "node",
    "name",
    "name_en",
    "description",
    "provider",
    "provider_label",
    "channel",
    "beneficiary",
    "eligibility",
    "eligibility_hint",
    "clause",
    "base_urgency",
    "order",
    "is_active",
]


@transaction.atomic
def save_node(*, actor, node: LifecycleNode | None = None, **fields) -> LifecycleNode:
    if not actor.has_role(Role.ADMIN):
        raise DomainError(_("Only administrators edit the catalogue."), code="forbidden")
    node = node or LifecycleNode()
    before = audit.snapshot(node, NODE_FIELDS) if node.pk else {}
    for key, value in fields.items():
        if key in NODE_FIELDS:
            setattr(node, key, value)
    if not node.code or not node.name:
        raise DomainError(_("A node needs a code and a name."))
    if LifecycleNode.objects.filter(code=node.code).exclude(pk=node.pk).exists():
        raise Conflict(_("Another node already has the code %(code)s.") % {"code": node.code})
    node.updated_at = timezone.now()
    node.save()
    audit.record(
        actor,
        "service_node.saved",
        node,
        changes=audit.diff(before, audit.snapshot(node, NODE_FIELDS)),
    )
    return node


@transaction.atomic
def save_item(*, actor, item: ServiceItem | None = None, **fields) -> ServiceItem:
    """Create or edit a catalogue item; the eligibility rules are validated before anything is saved."""
    if not actor.has_role(Role.ADMIN):
        raise DomainError(_("Only administrators edit the catalogue."), code="forbidden")
    item = item or ServiceItem()
    before = audit.snapshot(item, ITEM_FIELDS) if item.pk else {}
    if "eligibility" in fields:
        fields["eligibility"] = eligibility.validate(fields["eligibility"])
    for key, value in fields.items():
        if key in ITEM_FIELDS:
            setattr(item, key, value)
    if not item.code or not item.name or not item.node_id:
        raise DomainError(_("An item needs a code, a name and a node."))
    if item.channel not in ServiceItem.Channel.values:
        raise DomainError(_("Unknown channel %(channel)s.") % {"channel": item.channel})
    if not 0 <= int(item.base_urgency) <= 100:
        raise DomainError(_("Base urgency must be between 0 and 100."))
    if ServiceItem.objects.filter(code=item.code).exclude(pk=item.pk).exists():
        raise Conflict(_("Another item already has the code %(code)s.") % {"code": item.code})
    item.updated_at = timezone.now()
    item.save()
    audit.record(
        actor,
        "service_item.saved",
        item,
        changes=audit.diff(before, audit.snapshot(item, ITEM_FIELDS)),
    )
    return item


# --- service records -----------------------------------------------------------------------


def _check_member(driver, family_member):
    if family_member is not None and family_member.driver_id != driver.pk:
        raise DomainError(_("This family member belongs to another driver."), code="wrong_family")


def _place(station, place: str) -> str:
    if place:
        return place[:120]
    return getattr(station, "name", "")[:120] if station is not None else ""


def _close_open_suggestions(driver_ids, item, actor, record_ids=None):
    now = timezone.now()
    Recommendation.objects.filter(
        driver_id__in=driver_ids, item=item, status=Recommendation.Status.OPEN
    ).update(status=Recommendation.Status.ACCEPTED, decided_at=now, decided_by=actor)
    ServiceRequest.objects.filter(
        driver_id__in=driver_ids, item=item, status=ServiceRequest.Status.OPEN
    ).update(status=ServiceRequest.Status.DONE, closed_at=now, closed_by=actor)


@transaction.atomic
def record_service(
    *,
    actor,
    driver,
    item: ServiceItem,
    delivered_at=None,
    station=None,
    event=None,
    family_member=None,
    outcome: str = "",
    notes: str = "",
    place: str = "",
    source: str = ServiceRecord.Source.MANUAL,
) -> ServiceRecord:
    """Record that ``driver`` (or ``family_member``) received ``item``."""
    _check_member(driver, family_member)
    outcome = outcome or ServiceRecord.Outcome.DELIVERED
    if outcome not in ServiceRecord.Outcome.values:
        raise DomainError(_("Unknown outcome %(outcome)s.") % {"outcome": outcome})
    when = _aware(delivered_at)
    if when > timezone.now() + timedelta(minutes=5):
        raise DomainError(_("A service cannot be recorded in the future."), code="future")
    if event is not None and source == ServiceRecord.Source.MANUAL:
        source = ServiceRecord.Source.EVENT
    record = ServiceRecord.objects.create(
        driver=driver,
        family_member=family_member,
        item=item,
        delivered_at=when,
        place=_place(station or getattr(event, "station", None), place),
        station=station or getattr(event, "station", None),
        event=event,
        staff=actor if getattr(actor, "pk", None) else None,
        provider=item.provider,
        outcome=outcome,
        source=source,
        notes=notes,
    )
    if outcome != ServiceRecord.Outcome.DECLINED:
        _close_open_suggestions([driver.pk], item, actor)
    audit.record(
        actor,
        "service_record.created",
        record,
        organisation=driver.organisation_id,
        changes={
            "driver": str(driver.public_id),
            "item": item.code,
            "outcome": outcome,
            "event": str(getattr(event, "code", "") or ""),
        },
    )
    return record


@transaction.atomic
def record_services_bulk(
    *,
    actor,
    drivers,
    item: ServiceItem,
    delivered_at=None,
    station=None,
    event=None,
    outcome: str = "",
    notes: str = "",
    place: str = "",
) -> list[ServiceRecord]:
    """One record per driver of a group (everyone who attended a session), in one insert."""
    drivers = list(drivers)
    if not drivers:
        raise DomainError(_("Choose at least one driver."), code="empty_group")
    outcome = outcome or ServiceRecord.Outcome.DELIVERED
    if outcome not in ServiceRecord.Outcome.values:
        raise DomainError(_("Unknown outcome %(outcome)s.") % {"outcome": outcome})
    when = _aware(delivered_at)
    if when > timezone.now() + timedelta(minutes=5):
        raise DomainError(_("A service cannot be recorded in the future."), code="future")
    where = _place(station or getattr(event, "station", None), place)
    source = ServiceRecord.Source.EVENT if event is not None else ServiceRecord.Source.BULK
    records = ServiceRecord.objects.bulk_create(
        [
            ServiceRecord(
                driver=d,
                item=item,
                delivered_at=when,
                place=where,
                station=station or getattr(event, "station", None),
                event=event,
                staff=actor if getattr(actor, "pk", None) else None,
                provider=item.provider,
                outcome=outcome,
                source=source,
                notes=notes,
            )
            for d in drivers
        ]
    )
    if outcome != ServiceRecord.Outcome.DECLINED:
        _close_open_suggestions([d.pk for d in drivers], item, actor)
    audit.record(
        actor,
        "service_record.bulk_created",
        item,
        organisation=drivers[0].organisation_id,
        changes={
            "item": item.code,
            "drivers": [str(d.public_id) for d in drivers],
            "outcome": outcome,
            "event": str(getattr(event, "code", "") or ""),
        },
        note=f"{len(records)}",
    )
    return records


RECORD_FIELDS = ["delivered_at", "place", "outcome", "notes", "family_member"]


@transaction.atomic
def update_service_record(record: ServiceRecord, *, actor, **changes) -> ServiceRecord:
    record = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    before = audit.snapshot(record, RECORD_FIELDS)
    if "outcome" in changes and changes["outcome"] not in ServiceRecord.Outcome.values:
        raise DomainError(_("Unknown outcome %(outcome)s.") % {"outcome": changes["outcome"]})
    if "delivered_at" in changes:
        changes["delivered_at"] = _aware(changes["delivered_at"])
    if changes.get("family_member") is not None:
        _check_member(record.driver, changes["family_member"])
    for key, value in changes.items():
        if key in RECORD_FIELDS:
            setattr(record, key, value)
    record.save()
    audit.record(
        actor,
        "service_record.updated",
        record,
        organisation=record.driver.organisation_id,
        changes=audit.diff(before, audit.snapshot(record, RECORD_FIELDS)),
    )
    return record


# --- recommendations -------------------------------------------------------------------


@transaction.atomic
def refresh_recommendations(drivers, *, actor=None, today: date | None = None) -> dict:
    """Bring the open suggestions of ``drivers`` (a queryset) in line with their files.

    Adds new eligible items, updates urgency and reasons, removes open rows that
    no longer apply; accepted rows and recently dismissed ones are left alone.
    """
    today = today or _today()
    items = list(ServiceItem.objects.filter(is_active=True).exclude(eligibility={}))
    facts = eligibility.facts_for_drivers(drivers)
    found = eligibility.suggestions(items, facts, today)
    ids = drivers.values("pk")
    quiet_since = timezone.now() - timedelta(days=DISMISS_QUIET_DAYS)
    quiet = set(
        Recommendation.objects.filter(
            driver_id__in=ids, status=Recommendation.Status.DISMISSED, decided_at__gte=quiet_since
        ).values_list("driver_id", "item_id")
    )
    open_rows = {
        (r.driver_id, r.item_id): r
        for r in Recommendation.objects.filter(driver_id__in=ids, status=Recommendation.Status.OPEN)
    }
    now = timezone.now()
    wanted = set()
    new, changed = [], []
    for s in found:
        key = (s.driver_id, s.item_id)
        if key in quiet:
            continue
        wanted.add(key)
        row = open_rows.get(key)
        if row is None:
            new.append(
                Recommendation(
                    driver_id=s.driver_id,
                    item_id=s.item_id,
                    family_member_id=s.family_member_id,
                    urgency=s.urgency,
                    reasons=s.reasons,
                    due=s.due,
                    computed_at=now,
                )
            )
        elif (row.urgency, row.reasons, row.due, row.family_member_id) != (
            s.urgency,
            s.reasons,
            s.due,
            s.family_member_id,
        ):
            row.urgency, row.reasons, row.due = s.urgency, s.reasons, s.due
            row.family_member_id, row.computed_at = s.family_member_id, now
            changed.append(row)
    stale = [row.pk for key, row in open_rows.items() if key not in wanted]
    Recommendation.objects.bulk_create(new, batch_size=2000)
    Recommendation.objects.bulk_update(
        changed, ["urgency", "reasons", "due", "family_member", "computed_at"], batch_size=2000
    )
    for start in range(0, len(stale), 2000):
        Recommendation.objects.filter(pk__in=stale[start : start + 2000]).delete()
    counts = {
        "drivers": len(facts),
        "added": len(new),
        "updated": len(changed),
        "removed": len(stale),
    }
    if actor is not None and (new or changed or stale):
        audit.record(
            actor,
            "service_recommendations.refreshed",
            object_type="services.recommendation",
            object_id="",
            changes=counts,
        )
    return counts


@transaction.atomic
def accept_recommendation(reco: Recommendation, *, actor, notes: str = "", outcome: str = ""):
    """Staff accepting: the service is recorded. A driver accepting: a request is opened for staff."""
    reco = (
        Recommendation.objects.select_for_update().select_related("driver", "item").get(pk=reco.pk)
    )
    if reco.status != Recommendation.Status.OPEN:
        raise Conflict(_("This suggestion was already dealt with."))
    if actor.role == Role.DRIVER and not actor.is_superuser:
        request = request_service(
            actor=actor,
            driver=reco.driver,
            item=reco.item,
            family_member=reco.family_member,
            note=notes,
            recommendation=reco,
        )
        return request
    return record_service(
        actor=actor,
        driver=reco.driver,
        item=reco.item,
        family_member=reco.family_member,
        notes=notes,
        outcome=outcome,
        source=ServiceRecord.Source.RECOMMENDATION,
    )


@transaction.atomic
def dismiss_recommendation(reco: Recommendation, *, actor, note: str = "") -> Recommendation:
    updated = Recommendation.objects.filter(pk=reco.pk, status=Recommendation.Status.OPEN).update(
        status=Recommendation.Status.DISMISSED,
        decided_at=timezone.now(),
        decided_by=actor,
        decision_note=note[:200],
    )
    if updated != 1:
        raise Conflict(_("This suggestion was already dealt with."))
    reco.refresh_from_db()
    audit.record(
        actor,
        "service_recommendation.dismissed",
        reco,
        organisation=reco.driver.organisation_id,
        changes={"item": reco.item.code, "note": note},
    )
    return reco


@transaction.atomic
def request_service(
    *, actor, driver, item: ServiceItem, family_member=None, note: str = "", recommendation=None
) -> ServiceRequest:
    _check_member(driver, family_member)
    try:
        with transaction.atomic():
            req = ServiceRequest.objects.create(
                driver=driver,
                item=item,
                family_member=family_member,
                note=note[:300],
                recommendation=recommendation,
            )
    except IntegrityError:
        raise Conflict(
            _("You have already asked for this service; staff will contact you.")
        ) from None
    if recommendation is not None:
        Recommendation.objects.filter(pk=recommendation.pk).update(
            status=Recommendation.Status.ACCEPTED, decided_at=timezone.now(), decided_by=actor
        )
    audit.record(
        actor,
        "service_request.created",
        req,
        organisation=driver.organisation_id,
        changes={"item": item.code, "driver": str(driver.public_id)},
    )
    return req


@transaction.atomic
def fulfil_request(
    req: ServiceRequest, *, actor, outcome: str = "", notes: str = ""
) -> ServiceRecord:
    req = ServiceRequest.objects.select_for_update().select_related("driver", "item").get(pk=req.pk)
    if req.status != ServiceRequest.Status.OPEN:
        raise Conflict(_("This request was already closed."))
    record = record_service(
        actor=actor,
        driver=req.driver,
        item=req.item,
        family_member=req.family_member,
        outcome=outcome,
        notes=notes,
        source=ServiceRecord.Source.REQUEST,
    )
    ServiceRequest.objects.filter(pk=req.pk).update(
        status=ServiceRequest.Status.DONE, closed_at=timezone.now(), closed_by=actor, record=record
    )
    return record


@transaction.atomic
def decline_request(req: ServiceRequest, *, actor, note: str) -> ServiceRequest:
    if not note.strip():
        raise DomainError(_("Say why the request is declined."), code="reason_required")
    updated = ServiceRequest.objects.filter(pk=req.pk, status=ServiceRequest.Status.OPEN).update(
        status=ServiceRequest.Status.DECLINED, closed_at=timezone.now(), closed_by=actor
    )
    if updated != 1:
        raise Conflict(_("This request was already closed."))
    req.refresh_from_db()
    audit.record(
        actor,
        "service_request.declined",
        req,
        organisation=req.driver.organisation_id,
        note=note[:500],
    )
    return req


# --- after-school care -----------------------------------------------------------------


@transaction.atomic
def create_care_term(
    *, actor, code, name, organisation, site_name, starts_on, ends_on, capacity
) -> CareTerm:
    if ends_on < starts_on:
        raise DomainError(_("A term cannot end before it starts."))
    if int(capacity) < 1:
        raise DomainError(_("Capacity must be at least 1."))
    if CareTerm.objects.filter(code=code).exists():
        raise Conflict(_("A term with the code %(code)s exists.") % {"code": code})
    term = CareTerm.objects.create(
        code=code,
        name=name,
        organisation=organisation,
        site_name=site_name,
        starts_on=starts_on,
        ends_on=ends_on,
        capacity=capacity,
    )
    audit.record(actor, "care_term.created", term, organisation=organisation)
    return term


@transaction.atomic
def enrol_child(*, actor, term: CareTerm, child) -> CareEnrolment:
    """Enrol a child while there is room; otherwise the child joins the waiting list."""
    term = CareTerm.objects.select_for_update().get(pk=term.pk)
    if child.relation != "child":
        raise DomainError(_("Only a driver's child can be enrolled in after-school care."))
    if (
        CareEnrolment.objects.filter(term=term, child=child)
        .exclude(status=CareEnrolment.Status.WITHDRAWN)
        .exists()
    ):
        raise Conflict(
            _("%(name)s is already enrolled or waiting in this term.") % {"name": child.name}
        )
    taken = CareEnrolment.objects.filter(term=term, status=CareEnrolment.Status.ENROLLED).count()
    has_room = taken < term.capacity
    enrolment = CareEnrolment.objects.create(
        term=term,
        driver_id=child.driver_id,
        child=child,
        status=CareEnrolment.Status.ENROLLED if has_room else CareEnrolment.Status.WAITING,
        enrolled_on=_today() if has_room else None,
    )
    audit.record(
        actor,
        "care_enrolment.created",
        enrolment,
        organisation=term.organisation_id,
        changes={"status": enrolment.status, "term": term.code},
    )
    return enrolment


@transaction.atomic
def withdraw_enrolment(enrolment: CareEnrolment, *, actor) -> CareEnrolment | None:
    """Withdraw a child; the first child on the waiting list takes the freed place (returned)."""
    enrolment = CareEnrolment.objects.select_for_update().get(pk=enrolment.pk)
    CareTerm.objects.select_for_update().get(pk=enrolment.term_id)
    if enrolment.status not in (CareEnrolment.Status.ENROLLED, CareEnrolment.Status.WAITING):
        raise Conflict(_("This enrolment has already ended."))
    freed = enrolment.status == CareEnrolment.Status.ENROLLED
    enrolment.status = CareEnrolment.Status.WITHDRAWN
    enrolment.ended_on = _today()
    enrolment.save(update_fields=["status", "ended_on"])
    audit.record(
        actor, "care_enrolment.withdrawn", enrolment, organisation=enrolment.term.organisation_id
    )
    if not freed:
        return None
    nxt = (
        CareEnrolment.objects.filter(term_id=enrolment.term_id, status=CareEnrolment.Status.WAITING)
        .order_by("applied_at", "pk")
        .first()
    )
    if nxt is not None:
        nxt.status = CareEnrolment.Status.ENROLLED
        nxt.enrolled_on = _today()
        nxt.save(update_fields=["status", "enrolled_on"])
        audit.record(
            actor, "care_enrolment.promoted", nxt, organisation=enrolment.term.organisation_id
        )
    return nxt


@transaction.atomic
def record_attendance(*, actor, term: CareTerm, day: date, present: set[int]) -> int:
    """Mark the day's register: every enrolled child, present or not. Returns rows written."""
    if not term.starts_on <= day <= term.ends_on:
        raise DomainError(_("That day is outside the term."))
    enrolments = list(term.enrolments.filter(status=CareEnrolment.Status.ENROLLED))
    CareAttendance.objects.filter(enrolment__in=enrolments, day=day).delete()
    rows = CareAttendance.objects.bulk_create(
        [CareAttendance(enrolment=e, day=day, present=e.pk in present) for e in enrolments]
    )
    audit.record(
        actor,
        "care_attendance.recorded",
        term,
        organisation=term.organisation_id,
        changes={"day": day, "present": len([e for e in enrolments if e.pk in present])},
    )
    return len(rows)


# --- the kasao workshop ----------------------------------------------------------------


@transaction.atomic
def create_workshop(*, actor, code, name, organisation, address="") -> Workshop:
    if Workshop.objects.filter(code=code).exists():
        raise Conflict(_("A workshop with the code %(code)s exists.") % {"code": code})
    workshop = Workshop.objects.create(
        code=code, name=name, organisation=organisation, address=address
    )
    audit.record(actor, "workshop.created", workshop, organisation=organisation)
    return workshop


@transaction.atomic
def add_workshop_member(
    *, actor, workshop: Workshop, spouse, mode: str, joined_on=None, income_before: int = 0
) -> WorkshopMember:
    if spouse.relation != "spouse":
        raise DomainError(_("Workshop members are drivers' spouses."))
    if mode not in WorkshopMember.Mode.values:
        raise DomainError(_("Unknown way of working %(mode)s.") % {"mode": mode})
    if int(income_before) < 0:
        raise DomainError(_("Income cannot be negative."))
    if WorkshopMember.objects.filter(
        workshop=workshop, spouse=spouse, left_on__isnull=True
    ).exists():
        raise Conflict(_("%(name)s is already a member.") % {"name": spouse.name})
    member = WorkshopMember.objects.create(
        workshop=workshop,
        driver_id=spouse.driver_id,
        spouse=spouse,
        mode=mode,
        joined_on=joined_on or _today(),
        income_before=int(income_before),
    )
    audit.record(
        actor,
        "workshop_member.added",
        member,
        organisation=workshop.organisation_id,
        changes={"mode": mode, "income_before": income_before},
    )
    return member


@transaction.atomic
def create_work_order(
    *, actor, workshop, code, client, description, piece_rate, quantity, received_on, due_on=None
) -> WorkOrder:
    if WorkOrder.objects.filter(code=code).exists():
        raise Conflict(_("A work order with the code %(code)s exists.") % {"code": code})
    order = WorkOrder.objects.create(
        workshop=workshop,
        code=code,
        client=client,
        description=description,
        piece_rate=Decimal(str(piece_rate)),
        quantity=int(quantity),
        received_on=received_on,
        due_on=due_on,
    )
    audit.record(actor, "work_order.created", order, organisation=workshop.organisation_id)
    return order


@transaction.atomic
def record_monthly_earning(
    *, actor, member: WorkshopMember, month: date, amount=None, pieces: int = 0, order=None
) -> MonthlyEarning:
    """Record (or correct) one member's month. Without an amount it is pieces × the order's rate."""
    month = month.replace(day=1)
    if month > _today().replace(day=1):
        raise DomainError(_("Earnings cannot be recorded for a future month."), code="future")
    if month < member.joined_on.replace(day=1):
        raise DomainError(_("That month is before she joined."))
    if amount in (None, ""):
        if order is None or not pieces:
            raise DomainError(_("Give the amount earned, or the pieces and the order."))
        amount = order.piece_rate * int(pieces)
    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        raise DomainError(_("The amount is not a number.")) from None
    if amount < 0:
        raise DomainError(_("The amount cannot be negative."))
    earning = MonthlyEarning.objects.select_for_update().filter(member=member, month=month).first()
    before = {"amount": str(earning.amount), "pieces": earning.pieces} if earning else {}
    if earning is None:
        earning = MonthlyEarning(member=member, month=month)
    earning.amount, earning.pieces, earning.order = amount, int(pieces or 0), order
    try:
        with transaction.atomic():
            earning.save()
    except IntegrityError:
        # Someone recorded the same month at the same moment.
        raise Conflict(
            _("This month was just recorded by someone else; reload and check.")
        ) from None
    audit.record(
        actor,
        "workshop_earning.recorded",
        earning,
        object_type="services.monthlyearning",
        object_id=f"{member.public_id}:{month:%Y-%m}",
        organisation=member.workshop.organisation_id,
        changes=audit.diff(before, {"amount": str(amount), "pieces": int(pieces or 0)}),
    )
    return earning


@transaction.atomic
def member_leaves(member: WorkshopMember, *, actor, left_on=None) -> WorkshopMember:
    updated = WorkshopMember.objects.filter(pk=member.pk, left_on__isnull=True).update(
        left_on=left_on or _today()
    )
    if updated != 1:
        raise Conflict(_("She has already left."))
    member.refresh_from_db()
    audit.record(
        actor, "workshop_member.left", member, organisation=member.workshop.organisation_id
    )
    return member


# --- training and career change ----------------------------------------------------------


@transaction.atomic
def issue_certificate(
    *, actor, driver, name, issued_on, course=None, number="", issuer=""
) -> Certificate:
    if not name:
        raise DomainError(_("Name the certificate."))
    cert = Certificate.objects.create(
        driver=driver, course=course, name=name, number=number, issued_on=issued_on, issuer=issuer
    )
    audit.record(actor, "certificate.issued", cert, organisation=driver.organisation_id)
    return cert


CAREER_FIELDS = ["from_job", "to_job", "new_employer", "changed_on", "help", "notes"]


@transaction.atomic
def record_career_change(
    *,
    actor,
    driver,
    from_job,
    to_job,
    changed_on,
    help,
    new_employer="",
    course: TrainingCourse | None = None,
    notes="",
) -> CareerChange:
    if not from_job.strip() or not to_job.strip():
        raise DomainError(_("Say from which job to which job."))
    if help not in CareerChange.Help.values:
        raise DomainError(_("Unknown kind of help %(help)s.") % {"help": help})
    if changed_on > _today():
        raise DomainError(_("A career change cannot be in the future."), code="future")
    change = CareerChange.objects.create(
        driver=driver,
        from_job=from_job.strip(),
        to_job=to_job.strip(),
        new_employer=new_employer,
        changed_on=changed_on,
        help=help,
        course=course,
        notes=notes,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor,
        "career_change.recorded",
        change,
        organisation=driver.organisation_id,
        changes=audit.snapshot(change, CAREER_FIELDS),
    )
    return change


@transaction.atomic
def update_career_change(change: CareerChange, *, actor, **changes) -> CareerChange:
    before = audit.snapshot(change, CAREER_FIELDS)
    if "help" in changes and changes["help"] not in CareerChange.Help.values:
        raise DomainError(_("Unknown kind of help %(help)s.") % {"help": changes["help"]})
    for key, value in changes.items():
        if key in CAREER_FIELDS:
            setattr(change, key, value)
    change.save()
    audit.record(
        actor,
        "career_change.updated",
        change,
        organisation=change.driver.organisation_id,
        changes=audit.diff(before, audit.snapshot(change, CAREER_FIELDS)),
    )
    return change
