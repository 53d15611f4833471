"""API: buildings and apartments created, edited, taken out of service and imported.

Mounted next to the drivers router (``config/api.py``). Allocation, vacating and moving a
household stay in ``drivers/api.py``; the apartments' list too.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from driverhome.accounts.access import require_roles
from driverhome.accounts.models import Organisation
from driverhome.accounts.scoping import get_for_user
from driverhome.core.errors import DomainError
from driverhome.core.validation import Rule, WriteSchema

from . import housing, housing_import
from .access import APARTMENT_ROLES
from .models import Allocation, Apartment, Building

router = Router()


class BuildingOut(Schema):
    code: str
    name: str
    organisation: str
    address: str
    floors: int
    out_of_service: bool
    total: int
    in_service: int
    occupied: int
    free: int
    places: int
    residents: int


class BuildingIn(WriteSchema):
    rules_model = Building

    code: str
    name: str
    organisation: str | None = None
    address: str = ""
    floors: int = Field(1, ge=1, le=housing.MAX_FLOORS)


class BuildingPatch(WriteSchema):
    rules_model = Building

    name: str | None = None
    organisation: str | None = None
    address: str | None = None
    floors: int | None = Field(None, ge=1, le=housing.MAX_FLOORS)


class HousingServiceIn(WriteSchema):
    rules_map = {"reason": Rule(max_length=200)}

    out_of_service: bool
    reason: str = ""


class ApartmentDetailOut(Schema):
    public_id: UUID
    building: str
    number: str
    floor: int
    capacity: int
    out_of_service: bool
    occupied: bool
    household: int


class ApartmentIn(WriteSchema):
    rules_model = Apartment

    number: str
    floor: int = Field(1, ge=1, le=housing.MAX_FLOORS)
    capacity: int = Field(4, ge=1, le=housing.MAX_CAPACITY)


class ApartmentPatch(WriteSchema):
    rules_model = Apartment

    number: str | None = None
    floor: int | None = Field(None, ge=1, le=housing.MAX_FLOORS)
    capacity: int | None = Field(None, ge=1, le=housing.MAX_CAPACITY)


class ImportErrorOut(Schema):
    row: int
    column: str
    reason: str


class ImportOut(Schema):
    outcome: str
    dry_run: bool
    rows: int
    buildings_created: int
    buildings_updated: int
    apartments_created: int
    apartments_updated: int
    unchanged: int
    errors: list[ImportErrorOut]


def _manage(request) -> None:
    require_roles(request, *APARTMENT_ROLES)


def _organisation(request, code: str | None):
    """An organisation of the caller's area that may manage buildings, by its code."""
    if not code:
        return None
    if not Organisation.objects.filter(code=code).exists():
        raise DomainError(
            _("No organisation has this code."), code="unknown_organisation", field="organisation"
        )
    org = housing.organisations_for(request.user).filter(code=code).first()
    if org is None:  # outside the caller's area: it does not exist for him
        raise Http404
    return org


def _building(request, code: str) -> Building:
    _manage(request)
    return get_for_user(Building.objects.select_related("organisation"), request.user, code=code)


def _building_out(row: dict) -> dict:
    b = row["building"]
    return {
        "code": b.code,
        "name": b.name,
        "organisation": b.organisation.code,
        "address": b.address,
        "floors": b.floors,
        "out_of_service": b.out_of_service,
        **{
            key: row[key]
            for key in ("total", "in_service", "occupied", "free", "places", "residents")
        },
    }


def _one(building: Building) -> dict:
    [row] = housing.occupancy(
        Building.objects.filter(pk=building.pk).select_related("organisation")
    )
    return _building_out(row)


def _apartment(request, public_id: UUID) -> Apartment:
    _manage(request)
    return get_for_user(
        Apartment.objects.select_related("building"), request.user, public_id=public_id
    )


def _apartment_out(apartment: Apartment) -> dict:
    allocation = (
        Allocation.objects.filter(apartment=apartment, ended_on__isnull=True)
        .select_related("driver")
        .first()
    )
    return {
        "public_id": apartment.public_id,
        "building": apartment.building.code,
        "number": apartment.number,
        "floor": apartment.floor,
        "capacity": apartment.capacity,
        "out_of_service": apartment.out_of_service,
        "occupied": allocation is not None,
        "household": housing.household_size(allocation.driver) if allocation else 0,
    }


@router.get("/buildings", response=list[BuildingOut], summary="Buildings with their occupancy")
def list_buildings(request):
    _manage(request)
    buildings = Building.objects.for_user(request.user).select_related("organisation")
    return [_building_out(row) for row in housing.occupancy(buildings)]


@router.post("/buildings", response={201: BuildingOut}, summary="Create a building")
def create_building(request, body: BuildingIn):
    _manage(request)
    organisation = _organisation(request, body.organisation) or request.user.organisation
    if organisation is None:
        raise DomainError(
            _("Name the organisation that manages the building."),
            code="organisation_required",
            field="organisation",
        )
    building = housing.create_building(
        actor=request.user,
        organisation=organisation,
        code=body.code,
        name=body.name,
        address=body.address,
        floors=body.floors,
    )
    return Status(201, _one(building))


@router.get("/buildings/{code}", response=BuildingOut, summary="One building")
def get_building(request, code: str):
    return _one(_building(request, code))


@router.patch("/buildings/{code}", response=BuildingOut, summary="Edit a building")
def update_building(request, code: str, body: BuildingPatch):
    building = _building(request, code)
    fields = body.dict(exclude_unset=True)
    for key in ("name", "floors", "organisation"):
        if key in fields and fields[key] is None:
            raise DomainError(_("This field is required."), code="required", field=key)
    if "organisation" in fields:
        fields["organisation"] = _organisation(request, fields["organisation"])
    housing.update_building(building, actor=request.user, **fields)
    return _one(building)


@router.post(
    "/buildings/{code}/service",
    response=BuildingOut,
    summary="Take a building out of service (nobody may live there) or back into service",
)
def building_service(request, code: str, body: HousingServiceIn):
    building = _building(request, code)
    housing.set_building_service(
        building, actor=request.user, out_of_service=body.out_of_service, reason=body.reason
    )
    return _one(building)


@router.post(
    "/buildings/{code}/apartments",
    response={201: ApartmentDetailOut},
    summary="Add an apartment to a building",
)
def create_apartment(request, code: str, body: ApartmentIn):
    building = _building(request, code)
    apartment = housing.create_apartment(
        building,
        actor=request.user,
        number=body.number,
        floor=body.floor,
        capacity=body.capacity,
    )
    return Status(201, _apartment_out(apartment))


@router.get("/apartments/{public_id}", response=ApartmentDetailOut, summary="One apartment")
def get_apartment(request, public_id: UUID):
    return _apartment_out(_apartment(request, public_id))


@router.patch(
    "/apartments/{public_id}",
    response=ApartmentDetailOut,
    summary="Edit an apartment (the capacity never below the household living there)",
)
def update_apartment(request, public_id: UUID, body: ApartmentPatch):
    apartment = _apartment(request, public_id)
    fields = body.dict(exclude_unset=True)
    for key, value in fields.items():
        if value is None:
            raise DomainError(_("This field is required."), code="required", field=key)
    apartment = housing.update_apartment(apartment, actor=request.user, **fields)
    return _apartment_out(apartment)


@router.post(
    "/apartments/{public_id}/service",
    response=ApartmentDetailOut,
    summary="Take an apartment out of service (only while free) or back into service",
)
def apartment_service(request, public_id: UUID, body: HousingServiceIn):
    apartment = _apartment(request, public_id)
    apartment = housing.set_apartment_service(
        apartment, actor=request.user, out_of_service=body.out_of_service, reason=body.reason
    )
    return _apartment_out(apartment)


@router.post(
    "/housing/import",
    response=ImportOut,
    summary="Import buildings and apartments from .xlsx or CSV (all rows, or none)",
)
def import_housing(
    request,
    file: File[UploadedFile] = None,
    organisation: Form[str] = "",
    dry_run: Form[bool] = False,
):
    """Send the file as ``multipart/form-data`` (``file``; ``organisation``, the code of the
    organisation managing new buildings, by default the caller's; ``dry_run``). Every row is
    checked first; if one is refused, nothing is written and the answer is 400
    ``import_refused`` with ``errors`` (row, column, reason)."""
    _manage(request)  # before any word about the body
    if file is None:
        raise DomainError(_("Attach the file."), code="file_required", field="file")
    org = _organisation(request, organisation) or (
        request.user.organisation if request.user.organisation_id else None
    )
    data = file.read(settings.IMPORT_MAX_BYTES + 1)
    result = housing_import.import_housing(
        data, file.name or "", actor=request.user, organisation=org, dry_run=dry_run
    )
    if result.errors:
        raise DomainError(result.message, code="import_refused", errors=result.as_dict()["errors"])
    return result.as_dict()
