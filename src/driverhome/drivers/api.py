"""API: drivers, family, vehicles, apartments — scoped, masked by default; reveal logs the access."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from driverhome.accounts.access import require_roles
from driverhome.accounts.models import Organisation, User
from driverhome.accounts.scoping import get_for_user
from driverhome.core.dates import BirthDay, Day
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate
from driverhome.core.validation import Rule, WriteSchema

from . import actions
from .access import APARTMENT_ROLES, FILE_ROLES, may_reveal
from .lookup import driver_by_phone_or_plate
from .models import Allocation, Apartment, Driver, FamilyMember, Vehicle
from .search import find_drivers

router = Router()


class DriverOut(Schema):
    public_id: UUID
    name: str
    id_number: str
    phone: str
    sex: str
    birth_date: date | None
    residence_type: str
    tags: list[str]
    hometown: str
    organisation: str
    employer: str | None
    care_broker: str | None
    licence_class: str
    licence_expiry: date | None
    qualification_expiry: date | None
    social_insurance: str
    party_membership: str
    union_member: bool
    current_node: str | None
    created_at: datetime


class DriverListOut(Schema):
    public_id: UUID
    name: str
    phone_last4: str
    residence_type: str
    organisation: str
    employer: str | None


class DriverPage(Schema):
    items: list[DriverListOut]
    next_cursor: str | None


class DriverIn(WriteSchema):
    rules_model = Driver

    name: str
    id_number: str
    phone: str
    residence_type: str = "rented"
    hometown: str = ""
    employer: str | None = None
    organisation: str | None = None
    licence_class: str = ""
    tags: list[str] = []


class DriverPatch(WriteSchema):
    rules_model = Driver

    name: str | None = None
    phone: str | None = None
    residence_type: str | None = None
    hometown: str | None = None
    employer: str | None = None
    care_broker: str | None = None
    licence_class: str | None = None
    licence_expiry: Day | None = None
    qualification_expiry: Day | None = None
    social_insurance: str | None = None
    tags: list[str] | None = None


class RevealIn(WriteSchema):
    rules_map = {"reason": Rule(max_length=500, required=True)}

    field: str
    reason: str


class RevealOut(Schema):
    field: str
    value: str


class FamilyOut(Schema):
    public_id: UUID
    relation: str
    name: str
    birth_date: date | None
    sex: str
    lives_with_driver: bool
    school: str
    grade: str
    employment: str


class FamilyIn(WriteSchema):
    rules_model = FamilyMember

    relation: str
    name: str
    birth_date: BirthDay | None = None
    sex: str = ""
    lives_with_driver: bool = True
    school: str = ""
    grade: str = ""
    employment: str = "unknown"


class VehicleOut(Schema):
    public_id: UUID
    plate: str
    truck_type: str
    ownership: str
    new_energy: bool


class VehicleIn(WriteSchema):
    rules_model = Vehicle

    plate: str
    truck_type: str = "tractor"
    ownership: str = "company"


class TimelineOut(Schema):
    at: datetime
    kind: str
    title: str
    detail: str
    url: str


class ApartmentOut(Schema):
    public_id: UUID
    building: str
    number: str
    floor: int
    capacity: int
    occupied: bool
    out_of_service: bool


class ApartmentPage(Schema):
    items: list[ApartmentOut]
    next_cursor: str | None


class AllocateIn(WriteSchema):
    driver: str
    started_on: Day | None = None


class TransferIn(WriteSchema):
    apartment: UUID


class AllocationOut(Schema):
    public_id: UUID
    apartment: str
    driver: UUID
    started_on: date
    ended_on: date | None


class DriverFilters(Schema):
    q: str = ""
    residence: str = ""
    cursor: str | None = None


def _driver_out(driver: Driver) -> dict:
    return {
        "public_id": driver.public_id,
        "name": driver.name,
        "id_number": driver.id_masked,
        "phone": driver.phone_masked,
        "sex": driver.sex,
        "birth_date": driver.birth_date,
        "residence_type": driver.residence_type,
        "tags": driver.tags or [],
        "hometown": driver.hometown,
        "organisation": driver.organisation.code,
        "employer": driver.employer.code if driver.employer_id else None,
        "care_broker": driver.care_broker.username if driver.care_broker_id else None,
        "licence_class": driver.licence_class,
        "licence_expiry": driver.licence_expiry,
        "qualification_expiry": driver.qualification_expiry,
        "social_insurance": driver.social_insurance,
        "party_membership": driver.party_membership,
        "union_member": driver.union_member,
        "current_node": driver.current_node.code if driver.current_node_id else None,
        "created_at": driver.created_at,
    }


def _files(request):
    require_roles(request, *FILE_ROLES)


def _driver(request, public_id: UUID) -> Driver:
    _files(request)
    return get_for_user(
        Driver.objects.select_related("organisation", "employer", "care_broker", "current_node"),
        request.user,
        public_id=public_id,
    )


def _org(code: str | None, *, kind: str | None = None) -> Organisation | None:
    if not code:
        return None
    qs = Organisation.objects.filter(code=code)
    if kind:
        qs = qs.filter(kind=kind)
    org = qs.first()
    if org is None:
        raise DomainError(f"Unknown organisation {code!r}.", code="unknown_organisation")
    return org


@router.get("/drivers", response=DriverPage)
def list_drivers(request, filters: Query[DriverFilters]):
    _files(request)
    drivers = find_drivers(Driver.objects.for_user(request.user).active(), filters.q)
    if filters.residence:
        drivers = drivers.filter(residence_type=filters.residence)
    drivers = drivers.select_related("organisation", "employer").defer("id_number", "phone")
    page = paginate(drivers, order="-created_at", cursor=filters.cursor)
    return {
        "items": [
            {
                "public_id": d.public_id,
                "name": d.name,
                "phone_last4": d.phone_last4,
                "residence_type": d.residence_type,
                "organisation": d.organisation.code,
                "employer": d.employer.code if d.employer_id else None,
            }
            for d in page.items
        ],
        "next_cursor": page.next_cursor,
    }


@router.post("/drivers", response={201: DriverOut})
def create_driver(request, body: DriverIn):
    _files(request)
    user = request.user
    organisation = _org(body.organisation) or user.organisation
    if organisation is None:
        raise DomainError(
            "Name the organisation that holds the file.", code="organisation_required"
        )
    if not user.sees_everything and not organisation.path.startswith(user.organisation.path):
        raise Http404
    driver = actions.create_driver(
        actor=user,
        organisation=organisation,
        name=body.name,
        id_number=body.id_number,
        phone=body.phone,
        residence_type=body.residence_type,
        hometown=body.hometown,
        employer=_org(body.employer, kind=Organisation.Kind.LOGISTICS_COMPANY),
        licence_class=body.licence_class,
        tags=body.tags,
    )
    return Status(201, _driver_out(driver))


@router.get("/drivers/lookup", response=list[DriverOut])
def lookup_driver(request, text: str):
    """The driver with this mobile number, plate or ID number: a list of none or one."""
    _files(request)
    driver = driver_by_phone_or_plate(request.user, text)
    return [] if driver is None else [_driver_out(driver)]


@router.get("/drivers/{public_id}", response=DriverOut)
def get_driver(request, public_id: UUID):
    return _driver_out(_driver(request, public_id))


@router.patch("/drivers/{public_id}", response=DriverOut)
def update_driver(request, public_id: UUID, body: DriverPatch):
    driver = _driver(request, public_id)
    fields = body.dict(exclude_unset=True)
    if "employer" in fields:
        fields["employer"] = _org(fields["employer"], kind=Organisation.Kind.LOGISTICS_COMPANY)
    if "care_broker" in fields:
        username = fields["care_broker"]
        fields["care_broker"] = User.objects.filter(username=username).first() if username else None
        if username and fields["care_broker"] is None:
            raise DomainError(f"Unknown user {username!r}.", code="unknown_user")
    driver = actions.update_driver(driver, actor=request.user, **fields)
    return _driver_out(_driver(request, public_id))


@router.post("/drivers/{public_id}/reveal", response=RevealOut)
def reveal(request, public_id: UUID, body: RevealIn):
    driver = _driver(request, public_id)
    if not may_reveal(request.user):
        raise Http404
    if not body.reason.strip():
        raise DomainError(_("Say why you need the full value."), code="reason_required")
    value = actions.reveal(driver, actor=request.user, field=body.field, reason=body.reason)
    return {"field": body.field, "value": value}


@router.get("/drivers/{public_id}/timeline", response=list[TimelineOut])
def driver_timeline(request, public_id: UUID):
    from .timeline import timeline_for

    driver = _driver(request, public_id)
    return [
        {
            "at": e["at"],
            "kind": e["kind"],
            "title": str(e["title"]),
            "detail": str(e.get("detail") or ""),
            "url": e.get("url") or "",
        }
        for e in timeline_for(driver, request.user)
    ]


@router.get("/drivers/{public_id}/family", response=list[FamilyOut])
def list_family(request, public_id: UUID):
    driver = _driver(request, public_id)
    return list(driver.family.defer("id_number", "phone").order_by("relation", "birth_date"))


@router.post("/drivers/{public_id}/family", response={201: FamilyOut})
def add_family(request, public_id: UUID, body: FamilyIn):
    driver = _driver(request, public_id)
    if body.relation not in FamilyMember.Relation.values:
        raise DomainError(_("Unknown relation."), code="invalid_relation")
    member = actions.add_family_member(driver, actor=request.user, **body.dict())
    return Status(201, member)


@router.get("/drivers/{public_id}/vehicles", response=list[VehicleOut])
def list_vehicles(request, public_id: UUID):
    driver = _driver(request, public_id)
    return list(driver.vehicles.all())


@router.post("/drivers/{public_id}/vehicles", response={201: VehicleOut})
def add_vehicle(request, public_id: UUID, body: VehicleIn):
    driver = _driver(request, public_id)
    if body.truck_type not in Vehicle.TruckType.values:
        raise DomainError(_("Unknown truck type."), code="invalid_truck_type")
    vehicle = actions.add_vehicle(driver, actor=request.user, **body.dict())
    return Status(201, vehicle)


# GET /buildings and the rest of the buildings' management: drivers/api_housing.py


@router.get("/apartments", response=ApartmentPage)
def list_apartments(request, building: str = "", cursor: str | None = None):
    require_roles(request, *APARTMENT_ROLES)
    apartments = Apartment.objects.for_user(request.user).select_related("building")
    if building:
        apartments = apartments.filter(building__code=building)
    page = paginate(apartments, order="pk", cursor=cursor, page_size=100)
    occupied = set(
        Allocation.objects.filter(
            apartment__in=[a.pk for a in page.items], ended_on__isnull=True
        ).values_list("apartment_id", flat=True)
    )
    return {
        "items": [
            {
                "public_id": a.public_id,
                "building": a.building.code,
                "number": a.number,
                "floor": a.floor,
                "capacity": a.capacity,
                "occupied": a.pk in occupied,
                "out_of_service": a.out_of_service,
            }
            for a in page.items
        ],
        "next_cursor": page.next_cursor,
    }


def _allocation_out(allocation: Allocation) -> dict:
    return {
        "public_id": allocation.public_id,
        "apartment": str(allocation.apartment),
        "driver": allocation.driver.public_id,
        "started_on": allocation.started_on,
        "ended_on": allocation.ended_on,
    }


@router.post("/apartments/{public_id}/allocate", response={201: AllocationOut})
def allocate(request, public_id: UUID, body: AllocateIn):
    require_roles(request, *APARTMENT_ROLES)
    apartment = get_for_user(
        Apartment.objects.select_related("building"), request.user, public_id=public_id
    )
    driver = driver_by_phone_or_plate(request.user, body.driver)
    if driver is None:
        raise DomainError(_("No driver in your area has this mobile number, plate or ID number."))
    allocation = actions.allocate_apartment(
        apartment, driver, actor=request.user, started_on=body.started_on
    )
    return Status(201, _allocation_out(allocation))


@router.post("/allocations/{public_id}/vacate", response=AllocationOut)
def vacate(request, public_id: UUID, residence_type: str = actions.RESIDENCE_AFTER_VACATING):
    """End the allocation. ``residence_type`` (query) is where the driver lives now: his
    file's residence type follows (``rented`` unless given; never ``apartment``)."""
    require_roles(request, *APARTMENT_ROLES)
    allocation = get_for_user(
        Allocation.objects.select_related("apartment__building", "driver"),
        request.user,
        public_id=public_id,
    )
    allocation = actions.vacate(allocation, actor=request.user, residence_type=residence_type)
    return _allocation_out(allocation)


@router.post("/allocations/{public_id}/transfer", response={201: AllocationOut})
def transfer(request, public_id: UUID, body: TransferIn):
    """Move the household to another apartment: the old allocation ends, a new one starts."""
    require_roles(request, *APARTMENT_ROLES)
    allocation = get_for_user(
        Allocation.objects.select_related("apartment__building", "driver"),
        request.user,
        public_id=public_id,
    )
    target = get_for_user(
        Apartment.objects.select_related("building"), request.user, public_id=body.apartment
    )
    return Status(201, _allocation_out(actions.transfer(allocation, target, actor=request.user)))
