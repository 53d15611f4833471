"""API: a driver's family and vehicles, kept by the driver himself (``/me/...``) and by staff
of his file (``/drivers/{public_id}/family/...``, ``/drivers/{public_id}/vehicles/...``).

The driver's changes apply at once, except an ID number he gives for a family member: it
waits for staff to confirm it (``id_number_pending``). Removing a family member is for
staff. Every change is an action (drivers/actions.py) that checks access again and writes
the audit row.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404
from ninja import Router, Status

from driverhome.accounts.access import require_roles
from driverhome.accounts.models import Role
from driverhome.core.dates import BirthDay
from driverhome.core.validation import WriteSchema

from . import actions
from .access import driver_for_user
from .api import FamilyOut, VehicleIn, VehicleOut
from .api import _driver as _staff_driver
from .models import CorrectionRequest, Driver, FamilyMember, Vehicle

router = Router()


class FamilyPatch(WriteSchema):
    rules_model = FamilyMember

    relation: str | None = None
    name: str | None = None
    birth_date: BirthDay | None = None
    sex: str | None = None
    lives_with_driver: bool | None = None
    school: str | None = None
    grade: str | None = None
    employment: str | None = None
    employer_name: str | None = None
    monthly_income: int | None = None
    id_number: str | None = None


class SelfFamilyIn(WriteSchema):
    rules_model = FamilyMember

    relation: str
    name: str
    birth_date: BirthDay | None = None
    sex: str = ""
    lives_with_driver: bool = True
    school: str = ""
    grade: str = ""
    employment: str = "unknown"
    id_number: str = ""


class SelfFamilyOut(FamilyOut):
    #: an ID number he gave is waiting for staff to confirm it
    id_number_pending: bool


class VehiclePatch(WriteSchema):
    rules_model = Vehicle

    plate: str | None = None
    truck_type: str | None = None
    ownership: str | None = None


def _own(request) -> Driver:
    require_roles(request, Role.DRIVER)
    driver = driver_for_user(request.user)
    if driver is None:
        raise Http404
    return driver


def _patch(body) -> dict:
    """The fields sent (a field sent as null is left as it is)."""
    return {k: v for k, v in body.dict(exclude_unset=True).items() if v is not None}


def _self_family_out(member: FamilyMember, pending: set[int]) -> dict:
    return {
        "public_id": member.public_id,
        "relation": member.relation,
        "name": member.name,
        "birth_date": member.birth_date,
        "sex": member.sex,
        "lives_with_driver": member.lives_with_driver,
        "school": member.school,
        "grade": member.grade,
        "employment": member.employment,
        "id_number_pending": member.pk in pending,
    }


def _pending(driver: Driver) -> set[int]:
    return set(
        driver.corrections.filter(
            status=CorrectionRequest.Status.PENDING, family_member__isnull=False
        ).values_list("family_member_id", flat=True)
    )


def _one(queryset, public_id: UUID):
    found = queryset.filter(public_id=public_id).first()
    if found is None:
        raise Http404
    return found


# --- the driver himself ---------------------------------------------------------------------------


@router.get("/me/vehicles", response=list[VehicleOut], summary="My vehicles (drivers)")
def my_vehicles(request):
    return list(_own(request).vehicles.order_by("created_at", "pk"))


@router.post("/me/vehicles", response={201: VehicleOut}, summary="Add one of my vehicles")
def my_vehicle_add(request, body: VehicleIn):
    vehicle = actions.add_vehicle(_own(request), actor=request.user, **body.dict())
    return Status(201, vehicle)


@router.patch("/me/vehicles/{public_id}", response=VehicleOut, summary="Correct my vehicle")
def my_vehicle_update(request, public_id: UUID, body: VehiclePatch):
    vehicle = _one(_own(request).vehicles, public_id)
    return actions.update_vehicle(vehicle, actor=request.user, **_patch(body))


@router.delete("/me/vehicles/{public_id}", response={204: None}, summary="Remove my vehicle")
def my_vehicle_remove(request, public_id: UUID):
    actions.remove_vehicle(_one(_own(request).vehicles, public_id), actor=request.user)
    return Status(204, None)


@router.get("/me/family", response=list[SelfFamilyOut], summary="My family members (drivers)")
def my_family(request):
    driver = _own(request)
    pending = _pending(driver)
    members = driver.family.defer("id_number", "phone").order_by("relation", "birth_date")
    return [_self_family_out(m, pending) for m in members]


@router.post(
    "/me/family",
    response={201: SelfFamilyOut},
    summary="Add a family member; an ID number waits for staff to confirm it",
)
def my_family_add(request, body: SelfFamilyIn):
    driver = _own(request)
    member = actions.add_family_member(driver, actor=request.user, **body.dict())
    return Status(201, _self_family_out(member, _pending(driver)))


@router.patch(
    "/me/family/{public_id}",
    response=SelfFamilyOut,
    summary="Correct a family member; a new ID number waits for staff to confirm it",
)
def my_family_update(request, public_id: UUID, body: FamilyPatch):
    driver = _own(request)
    member = actions.update_family_member(
        _one(driver.family, public_id), actor=request.user, **_patch(body)
    )
    return _self_family_out(member, _pending(driver))


# --- staff of the file ----------------------------------------------------------------------------


@router.patch("/drivers/{public_id}/family/{member}", response=FamilyOut)
def update_family(request, public_id: UUID, member: UUID, body: FamilyPatch):
    driver = _staff_driver(request, public_id)
    return actions.update_family_member(
        _one(driver.family, member), actor=request.user, **_patch(body)
    )


@router.delete("/drivers/{public_id}/family/{member}", response={204: None})
def remove_family(request, public_id: UUID, member: UUID):
    driver = _staff_driver(request, public_id)
    actions.remove_family_member(_one(driver.family, member), actor=request.user)
    return Status(204, None)


@router.patch("/drivers/{public_id}/vehicles/{vehicle}", response=VehicleOut)
def update_vehicle(request, public_id: UUID, vehicle: UUID, body: VehiclePatch):
    driver = _staff_driver(request, public_id)
    return actions.update_vehicle(
        _one(driver.vehicles, vehicle), actor=request.user, **_patch(body)
    )


@router.delete("/drivers/{public_id}/vehicles/{vehicle}", response={204: None})
def remove_vehicle(request, public_id: UUID, vehicle: UUID):
    driver = _staff_driver(request, public_id)
    actions.remove_vehicle(_one(driver.vehicles, vehicle), actor=request.user)
    return Status(204, None)
