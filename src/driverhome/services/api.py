"""API: the catalogue, service records, recommendations, journeys, programmes and figures."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from driverhome.accounts.access import require_roles, require_staff
from driverhome.accounts.models import Organisation, Role
from driverhome.accounts.scoping import get_for_user
from driverhome.core.dates import Day, PastMoment
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate
from driverhome.core.validation import WriteSchema

from . import actions, figures
from .journey import journey, suggestions_for
from .models import (
    CareerChange,
    CareTerm,
    LifecycleNode,
    Recommendation,
    ServiceItem,
    ServiceRecord,
    Workshop,
    WorkshopMember,
)

router = Router()

FILE_ROLES = (Role.BROKER, Role.SITE_STAFF, Role.SUPERVISOR, Role.ADMIN)


# --- schemas ----------------------------------------------------------------------------


class NodeOut(Schema):
    code: str
    name: str
    name_en: str
    order: int
    items: int


class ItemOut(Schema):
    code: str
    node: str
    name: str
    name_en: str
    description: str
    provider: str | None
    provider_label: str
    channel: str
    beneficiary: str
    eligibility: dict
    eligibility_hint: str
    clause: str
    base_urgency: int
    is_active: bool


class ItemIn(WriteSchema):
    rules_model = ServiceItem

    name: str | None = None
    name_en: str | None = None
    description: str | None = None
    channel: str | None = None
    eligibility: dict | None = None
    eligibility_hint: str | None = None
    clause: str | None = None
    base_urgency: int | None = None
    is_active: bool | None = None


class RecordOut(Schema):
    id: UUID
    driver: UUID
    driver_name: str
    family_member: UUID | None
    item: str
    node: str
    delivered_at: datetime
    place: str
    staff: str
    outcome: str
    source: str
    notes: str


class RecordIn(WriteSchema):
    rules_model = ServiceRecord

    driver: UUID
    item: str
    family_member: UUID | None = None
    delivered_at: PastMoment | None = None
    place: str = ""
    outcome: str = ""
    notes: str = ""


class BulkIn(WriteSchema):
    rules_model = ServiceRecord

    drivers: list[UUID]
    item: str
    delivered_at: PastMoment | None = None
    place: str = ""
    outcome: str = ""
    notes: str = ""


class RecordPage(Schema):
    items: list[RecordOut]
    next_cursor: str | None


class RecommendationOut(Schema):
    id: UUID
    driver: UUID
    driver_name: str
    item: str
    item_name: str
    urgency: int
    reason: str
    due: date | None
    family_member: UUID | None


class RecommendationPage(Schema):
    items: list[RecommendationOut]
    next_cursor: str | None


class DecisionIn(WriteSchema):
    rules_model = Recommendation
    rules_map = {"note": "decision_note"}

    note: str = ""


class AcceptOut(Schema):
    kind: str
    id: UUID


class SuggestionOut(Schema):
    item: str
    item_name: str
    node: str
    urgency: int
    reason: str
    due: date | None


class JourneyNodeOut(Schema):
    code: str
    name: str
    items: int
    received: list[str]
    eligible: list[SuggestionOut]


class JourneyOut(Schema):
    driver: UUID
    current_node: str | None
    nodes: list[JourneyNodeOut]


class TermOut(Schema):
    code: str
    name: str
    site_name: str
    starts_on: date
    ends_on: date
    capacity: int
    enrolled: int
    waiting: int


class EnrolIn(WriteSchema):
    child: UUID


class EnrolmentOut(Schema):
    id: UUID
    term: str
    child: UUID
    status: str


class MemberOut(Schema):
    id: UUID
    name: str
    driver: UUID
    mode: str
    joined_on: date
    left_on: date | None
    income_before: int
    average_monthly_earnings: float | None
    monthly_gain: float | None


class EarningIn(WriteSchema):
    member: UUID
    month: Day
    amount: float | None = None
    pieces: int = 0


class EarningOut(Schema):
    member: UUID
    month: date
    amount: float
    pieces: int


class CareerIn(WriteSchema):
    rules_model = CareerChange

    driver: UUID
    from_job: str
    to_job: str
    changed_on: Day
    help: str
    new_employer: str = ""
    notes: str = ""


class CareerOut(Schema):
    id: UUID
    driver: UUID
    from_job: str
    to_job: str
    new_employer: str
    changed_on: date
    help: str


class CareerPage(Schema):
    items: list[CareerOut]
    next_cursor: str | None


class MyServicesOut(Schema):
    records: list[RecordOut]
    suggestions: list[SuggestionOut]


# --- helpers ----------------------------------------------------------------------------


def _item_out(i: ServiceItem) -> dict:
    return {
        "code": i.code,
        "node": i.node.code,
        "name": i.name,
        "name_en": i.name_en,
        "description": i.description,
        "provider": i.provider.code if i.provider_id else None,
        "provider_label": i.provider_label,
        "channel": i.channel,
        "beneficiary": i.beneficiary,
        "eligibility": i.eligibility or {},
        "eligibility_hint": i.eligibility_hint,
        "clause": i.clause,
        "base_urgency": i.base_urgency,
        "is_active": i.is_active,
    }


def _record_out(r: ServiceRecord) -> dict:
    return {
        "id": r.public_id,
        "driver": r.driver.public_id,
        "driver_name": r.driver.name,
        "family_member": r.family_member.public_id if r.family_member_id else None,
        "item": r.item.code,
        "node": r.item.node.code,
        "delivered_at": r.delivered_at,
        "place": r.place,
        "staff": r.staff.display_name if r.staff_id else "",
        "outcome": r.outcome,
        "source": r.source,
        "notes": r.notes,
    }


def _suggestion_out(s, items: dict) -> dict:
    item = items[s.item_id]
    return {
        "item": item.code,
        "item_name": item.label,
        "node": item.node.code,
        "urgency": s.urgency,
        "reason": s.reason,
        "due": s.due,
    }


def _driver(request, public_id):
    from driverhome.drivers.models import Driver

    return get_for_user(
        Driver.objects.select_related("organisation"), request.user, public_id=public_id
    )


def _item(code: str) -> ServiceItem:
    return get_object_or_404(ServiceItem.objects.select_related("node"), code=code, is_active=True)


def _member(driver, public_id):
    if public_id is None:
        return None
    member = driver.family.filter(public_id=public_id).first()
    if member is None:
        raise DomainError(_("This family member is not in the driver's file."), code="wrong_family")
    return member


def scope_for(request, org: str) -> str:
    """The organisation path the figures are for: ``org`` if the caller may see it, else 404."""
    user = request.user
    if not org:
        return user.scope_path or "/"
    organisation = get_object_or_404(Organisation, code=org)
    if not user.sees_everything and not organisation.is_within(user.organisation):
        raise Http404
    return organisation.path


# --- catalogue --------------------------------------------------------------------------


@router.get("/services/nodes", response=list[NodeOut], summary="Lifecycle nodes")
def list_nodes(request):
    require_staff(request)
    from django.db.models import Count, Q

    nodes = LifecycleNode.objects.filter(is_active=True).annotate(
        n=Count("items", filter=Q(items__is_active=True))
    )
    return [
        {"code": n.code, "name": n.name, "name_en": n.name_en, "order": n.order, "items": n.n}
        for n in nodes
    ]


@router.get("/services/items", response=list[ItemOut], summary="Service items (the catalogue)")
def list_items(request, node: str = ""):
    require_staff(request)
    items = ServiceItem.objects.select_related("node", "provider")
    if node:
        items = items.filter(node__code=node)
    return [_item_out(i) for i in items]


@router.get("/services/items/{code}", response=ItemOut, summary="One service item")
def get_item(request, code: str):
    require_staff(request)
    return _item_out(
        get_object_or_404(ServiceItem.objects.select_related("node", "provider"), code=code)
    )


@router.patch("/services/items/{code}", response=ItemOut, summary="Edit an item (administrators)")
def update_item(request, code: str, payload: ItemIn):
    require_roles(request, Role.ADMIN)
    item = get_object_or_404(ServiceItem.objects.select_related("node", "provider"), code=code)
    changes = {k: v for k, v in payload.dict().items() if v is not None}
    return _item_out(actions.save_item(actor=request.user, item=item, **changes))


# --- records ----------------------------------------------------------------------------


@router.get("/services/records", response=RecordPage, summary="Service records in my scope")
def list_records(request, driver: UUID | None = None, item: str = "", cursor: str | None = None):
    require_roles(request, *FILE_ROLES)
    records = ServiceRecord.objects.for_user(request.user).select_related(
        "driver", "item__node", "family_member", "staff"
    )
    if driver:
        records = records.filter(driver__public_id=driver)
    if item:
        records = records.filter(item__code=item)
    page = paginate(records, order="-delivered_at", cursor=cursor)
    return {"items": [_record_out(r) for r in page], "next_cursor": page.next_cursor}


@router.post("/services/records", response={201: RecordOut}, summary="Record a service")
def create_record(request, payload: RecordIn):
    require_roles(request, *FILE_ROLES)
    driver = _driver(request, payload.driver)
    record = actions.record_service(
        actor=request.user,
        driver=driver,
        item=_item(payload.item),
        family_member=_member(driver, payload.family_member),
        delivered_at=payload.delivered_at,
        place=payload.place,
        outcome=payload.outcome,
        notes=payload.notes,
    )
    return Status(201, _record_out(record))


@router.post(
    "/services/records/bulk",
    response={201: list[RecordOut]},
    summary="Record a service for a group",
)
def create_records_bulk(request, payload: BulkIn):
    require_roles(request, *FILE_ROLES)
    from driverhome.drivers.models import Driver

    wanted = set(payload.drivers)
    drivers = list(Driver.objects.for_user(request.user).filter(public_id__in=wanted))
    if len(drivers) != len(wanted):
        raise Http404
    records = actions.record_services_bulk(
        actor=request.user,
        drivers=drivers,
        item=_item(payload.item),
        delivered_at=payload.delivered_at,
        place=payload.place,
        outcome=payload.outcome,
        notes=payload.notes,
    )
    return Status(201, [_record_out(r) for r in records])


# --- recommendations and journeys ---------------------------------------------------------


def _reco_out(r: Recommendation) -> dict:
    return {
        "id": r.public_id,
        "driver": r.driver.public_id,
        "driver_name": r.driver.name,
        "item": r.item.code,
        "item_name": r.item.label,
        "urgency": r.urgency,
        "reason": r.reason,
        "due": r.due,
        "family_member": r.family_member.public_id if r.family_member_id else None,
    }


def worklist(user, *, node: str = "", item: str = "", mine: bool = False):
    recos = (
        Recommendation.objects.for_user(user)
        .filter(status=Recommendation.Status.OPEN)
        .select_related("driver", "item__node", "family_member")
    )
    if node:
        recos = recos.filter(item__node__code=node)
    if item:
        recos = recos.filter(item__code=item)
    if mine:
        recos = recos.filter(driver__care_broker=user)
    return recos


@router.get(
    "/services/recommendations",
    response=RecommendationPage,
    summary="Drivers with eligible, not-yet-received items, most urgent first",
)
def list_recommendations(
    request, node: str = "", item: str = "", mine: bool = False, cursor: str | None = None
):
    require_roles(request, *FILE_ROLES)
    page = paginate(
        worklist(request.user, node=node, item=item, mine=mine), order="-urgency", cursor=cursor
    )
    return {"items": [_reco_out(r) for r in page], "next_cursor": page.next_cursor}


def _reco(request, public_id) -> Recommendation:
    return get_for_user(
        Recommendation.objects.select_related("driver", "item", "family_member"),
        request.user,
        public_id=public_id,
    )


@router.post(
    "/services/recommendations/{id}/accept",
    response={201: AcceptOut},
    summary="Accept: staff record the service; a driver opens a request",
)
def accept_recommendation(request, id: UUID, payload: DecisionIn):
    require_roles(request, Role.DRIVER, *FILE_ROLES)
    result = actions.accept_recommendation(
        _reco(request, id), actor=request.user, notes=payload.note
    )
    kind = "record" if isinstance(result, ServiceRecord) else "request"
    return Status(201, {"kind": kind, "id": result.public_id})


@router.post(
    "/services/recommendations/{id}/dismiss",
    response=RecommendationOut,
    summary="Dismiss a suggestion (staff)",
)
def dismiss_recommendation(request, id: UUID, payload: DecisionIn):
    require_roles(request, *FILE_ROLES)
    return _reco_out(
        actions.dismiss_recommendation(_reco(request, id), actor=request.user, note=payload.note)
    )


def _journey_out(driver) -> dict:
    data = journey(driver)
    items = {i.pk: i for i in ServiceItem.objects.select_related("node")}
    return {
        "driver": driver.public_id,
        "current_node": data["current"].code if data["current"] else None,
        "nodes": [
            {
                "code": row["node"].code,
                "name": row["node"].name,
                "items": row["items"],
                "received": sorted({r.item.code for r in row["received"]}),
                "eligible": [_suggestion_out(s, items) for _item, s in row["eligible"]],
            }
            for row in data["nodes"]
        ],
    }


@router.get(
    "/services/journey/{driver}", response=JourneyOut, summary="A driver's journey along the nodes"
)
def get_journey(request, driver: UUID):
    require_roles(request, *FILE_ROLES)
    return _journey_out(_driver(request, driver))


@router.get(
    "/services/mine", response=MyServicesOut, summary="A driver's own services and suggestions"
)
def my_services(request):
    require_roles(request, Role.DRIVER)
    from driverhome.drivers.access import driver_for_user

    driver = driver_for_user(request.user)
    if driver is None:
        raise Http404
    items = {i.pk: i for i in ServiceItem.objects.select_related("node")}
    records = ServiceRecord.objects.filter(driver=driver).select_related(
        "driver", "item__node", "family_member", "staff"
    )[:100]
    return {
        "records": [_record_out(r) for r in records],
        "suggestions": [_suggestion_out(s, items) for s in suggestions_for(driver)],
    }


# --- programmes -------------------------------------------------------------------------


@router.get("/services/care/terms", response=list[TermOut], summary="After-school care terms")
def list_terms(request):
    require_roles(request, *FILE_ROLES)
    from django.db.models import Count, Q

    terms = CareTerm.objects.for_user(request.user).annotate(
        enrolled=Count("enrolments", filter=Q(enrolments__status="enrolled")),
        waiting=Count("enrolments", filter=Q(enrolments__status="waiting")),
    )[:200]
    return [
        {
            "code": t.code,
            "name": t.name,
            "site_name": t.site_name,
            "starts_on": t.starts_on,
            "ends_on": t.ends_on,
            "capacity": t.capacity,
            "enrolled": t.enrolled,
            "waiting": t.waiting,
        }
        for t in terms
    ]


@router.post(
    "/services/care/terms/{code}/enrolments",
    response={201: EnrolmentOut},
    summary="Enrol a child (or put her on the waiting list)",
)
def enrol(request, code: str, payload: EnrolIn):
    require_roles(request, *FILE_ROLES)
    from driverhome.drivers.models import FamilyMember

    term = get_for_user(CareTerm.objects, request.user, code=code)
    child = get_for_user(FamilyMember.objects, request.user, public_id=payload.child)
    e = actions.enrol_child(actor=request.user, term=term, child=child)
    return Status(
        201, {"id": e.public_id, "term": term.code, "child": child.public_id, "status": e.status}
    )


@router.get(
    "/services/workshops/{code}/members",
    response=list[MemberOut],
    summary="Workshop members with their average monthly earnings and family gain",
)
def list_members(request, code: str):
    require_roles(request, *FILE_ROLES)
    from django.db.models import Count, Sum

    workshop = get_for_user(Workshop.objects, request.user, code=code)
    members = (
        WorkshopMember.objects.filter(workshop=workshop)
        .select_related("spouse", "driver")
        .annotate(total=Sum("earnings__amount"), months=Count("earnings"))
        .order_by("joined_on", "pk")[:1000]
    )
    out = []
    for m in members:
        average = float(m.total) / m.months if m.months else None
        out.append(
            {
                "id": m.public_id,
                "name": m.spouse.name,
                "driver": m.driver.public_id,
                "mode": m.mode,
                "joined_on": m.joined_on,
                "left_on": m.left_on,
                "income_before": m.income_before,
                "average_monthly_earnings": round(average, 2) if average is not None else None,
                "monthly_gain": round(average - m.income_before, 2)
                if average is not None
                else None,
            }
        )
    return out


@router.post(
    "/services/workshops/{code}/earnings",
    response={201: EarningOut},
    summary="Record a workshop member's month of earnings",
)
def record_earning(request, code: str, payload: EarningIn):
    require_roles(request, *FILE_ROLES)
    workshop = get_for_user(Workshop.objects, request.user, code=code)
    member = get_object_or_404(WorkshopMember, workshop=workshop, public_id=payload.member)
    e = actions.record_monthly_earning(
        actor=request.user,
        member=member,
        month=payload.month,
        amount=payload.amount,
        pieces=payload.pieces,
    )
    return Status(
        201,
        {
            "member": member.public_id,
            "month": e.month,
            "amount": float(e.amount),
            "pieces": e.pieces,
        },
    )


def _career_out(c: CareerChange) -> dict:
    return {
        "id": c.public_id,
        "driver": c.driver.public_id,
        "from_job": c.from_job,
        "to_job": c.to_job,
        "new_employer": c.new_employer,
        "changed_on": c.changed_on,
        "help": c.help,
    }


@router.get("/services/career-changes", response=CareerPage, summary="Career changes in my scope")
def list_career_changes(request, cursor: str | None = None):
    require_roles(request, *FILE_ROLES)
    page = paginate(
        CareerChange.objects.for_user(request.user).select_related("driver"),
        order="-changed_on",
        cursor=cursor,
    )
    return {"items": [_career_out(c) for c in page], "next_cursor": page.next_cursor}


@router.post(
    "/services/career-changes", response={201: CareerOut}, summary="Record a career change"
)
def create_career_change(request, payload: CareerIn):
    require_roles(request, *FILE_ROLES)
    change = actions.record_career_change(
        actor=request.user,
        driver=_driver(request, payload.driver),
        from_job=payload.from_job,
        to_job=payload.to_job,
        changed_on=payload.changed_on,
        help=payload.help,
        new_employer=payload.new_employer,
        notes=payload.notes,
    )
    return Status(201, _career_out(change))


# --- figures ----------------------------------------------------------------------------


@router.get(
    "/services/figures", response=dict, summary="The lifecycle figures, computed from records"
)
def get_figures(request, org: str = "", start: Day | None = None, end: Day | None = None):
    require_staff(request)
    return figures.all_figures(scope_for(request, org), start, end)
