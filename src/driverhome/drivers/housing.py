"""Housing managed by people: buildings and apartments created, edited and taken out of service.

Every function that changes something runs in one transaction, checks that the actor's role
manages housing and that the building is in the actor's area, and writes the audit row.
Allocating and vacating stay in ``actions.py``; the rules they share with this module live
here once: :func:`household_size` and :func:`check_fits` (the household fits the apartment),
:func:`check_open` (neither the apartment nor its building is out of service), and the
cleaning of a code, a number, a floor and a capacity (the importer uses the same functions).

``actor=None`` is the platform itself (the demo, a management command): no role check.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from driverhome.accounts import audit
from driverhome.accounts.models import Organisation
from driverhome.core import validation
from driverhome.core.errors import Conflict, DomainError, PermissionDeniedError
from driverhome.core.errors import conflict_on_duplicate as _on_duplicate

from .access import may_manage_housing
from .models import Allocation, Apartment, Building, Driver, FamilyMember

BUILDING_FIELDS = ["code", "name", "organisation", "address", "floors", "out_of_service"]
APARTMENT_FIELDS = ["number", "floor", "capacity", "out_of_service"]
#: the most floors a building and the most persons an apartment may be given
MAX_FLOORS = 200
MAX_CAPACITY = 20
#: codes the console's addresses use for pages of their own (/apartments/buildings/new/ ...)
RESERVED_CODES = frozenset({"new", "import"})


# --- the rules --------------------------------------------------------------------------------


def household_size(driver: Driver) -> int:
    """The driver and the family members living with him."""
    return 1 + FamilyMember.objects.filter(driver=driver, lives_with_driver=True).count()


def check_fits(apartment: Apartment, driver: Driver) -> None:
    """Refuse (409 ``over_capacity``) a household larger than the apartment takes."""
    size = household_size(driver)
    if size > apartment.capacity:
        raise Conflict(
            _(
                "The household has %(size)s persons (the driver and the family members living "
                "with him); apartment %(apartment)s takes at most %(capacity)s."
            )
            % {"size": size, "apartment": apartment, "capacity": apartment.capacity},
            code="over_capacity",
        )


def check_open(apartment: Apartment) -> None:
    """Refuse (409 ``out_of_service``) an apartment or a building taken out of service."""
    if apartment.out_of_service:
        raise Conflict(_("This apartment is out of service."), code="out_of_service")
    if apartment.building.out_of_service:
        raise Conflict(_("This building is out of service."), code="out_of_service")


def clean_code(value) -> str:
    code = _text(Building, "code", value, field="code").lower()
    try:
        validate_slug(code)
    except ValidationError:
        raise DomainError(
            _("A building code has letters, digits, hyphens and underscores only (e.g. jiyun-1)."),
            code="invalid_code",
            field="code",
        ) from None
    if code in RESERVED_CODES:
        raise DomainError(
            _("“%(code)s” is a reserved word: choose another code.") % {"code": code},
            code="invalid_code",
            field="code",
        )
    return code


def clean_number(value) -> str:
    return _text(Apartment, "number", value, field="number")


def clean_whole(value, *, field: str, low: int, high: int) -> int:
    """A whole number between ``low`` and ``high`` (from a form, the API or a spreadsheet cell)."""
    try:
        number = float(value) if isinstance(value, str) else value
        if isinstance(number, bool) or number is None or number != int(number):
            raise ValueError
        number = int(number)
    except (TypeError, ValueError, OverflowError):
        raise DomainError(_("Enter a whole number."), code="invalid_number", field=field) from None
    if not low <= number <= high:
        raise DomainError(
            _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high},
            code="out_of_range",
            field=field,
        )
    return number


def clean_floor(value, building: Building) -> int:
    return clean_whole(value, field="floor", low=1, high=max(1, building.floors))


def clean_capacity(value) -> int:
    return clean_whole(value, field="capacity", low=1, high=MAX_CAPACITY)


def clean_floors(value) -> int:
    return clean_whole(value, field="floors", low=1, high=MAX_FLOORS)


def _text(model, name: str, value, *, field: str) -> str:
    try:
        cleaned = validation.check(model, name, "" if value is None else str(value))
    except validation.FieldInvalid as exc:
        raise DomainError(exc.message, code=exc.code, field=field) from None
    if not cleaned:
        raise DomainError(_("This field is required."), code="required", field=field)
    return cleaned


def _optional_text(model, name: str, value, *, field: str) -> str:
    try:
        return validation.check(model, name, "" if value is None else str(value)) or ""
    except validation.FieldInvalid as exc:
        raise DomainError(exc.message, code=exc.code, field=field) from None


# --- who may -----------------------------------------------------------------------------------


def organisations_for(user):
    """The organisations a user may have buildings managed by (his subtree, no companies or units)."""
    orgs = Organisation.objects.filter(is_active=True).exclude(
        kind__in=[Organisation.Kind.LOGISTICS_COMPANY, Organisation.Kind.HANDLING_UNIT]
    )
    if user is not None and not user.sees_everything:
        if user.organisation_id is None:
            return orgs.none()
        orgs = orgs.filter(path__startswith=user.organisation.path)
    return orgs.order_by("path")


def _require(actor, organisation: Organisation) -> None:
    if actor is None:
        return
    if not may_manage_housing(actor):
        raise PermissionDeniedError(_("Your role may not do this."), code="forbidden")
    path = actor.scope_path
    if path is None or not organisation.path.startswith(path):
        raise PermissionDeniedError(
            _("This organisation is outside your area."), code="outside_area", field="organisation"
        )


def _occupied(apartments) -> int:
    return Allocation.objects.filter(apartment__in=apartments, ended_on__isnull=True).count()


# --- buildings ---------------------------------------------------------------------------------


@transaction.atomic
def create_building(
    *,
    actor,
    organisation: Organisation,
    code: str,
    name: str,
    address: str = "",
    floors: int = 1,
) -> Building:
    _require(actor, organisation)
    building = Building(
        organisation=organisation,
        code=clean_code(code),
        name=_text(Building, "name", name, field="name"),
        address=_optional_text(Building, "address", address, field="address"),
        floors=clean_floors(floors),
    )
    duplicate = _("A building with the code %(code)s already exists.") % {"code": building.code}
    if Building.objects.filter(code=building.code).exists():
        raise Conflict(duplicate, code="duplicate_building")
    with _on_duplicate(duplicate, code="duplicate_building"):
        building.save()
    audit.record(
        actor,
        "building.create",
        building,
        changes=audit.diff({}, audit.snapshot(building, BUILDING_FIELDS)),
        organisation=organisation.pk,
    )
    return building


@transaction.atomic
def update_building(building: Building, *, actor, note: str = "", **fields) -> Building:
    """Change a building's name, address, floors or managing organisation (its code stays)."""
    building = Building.objects.select_for_update().get(pk=building.pk)
    _require(actor, building.organisation)
    before = audit.snapshot(building, BUILDING_FIELDS)
    for key, value in fields.items():
        if key == "name":
            building.name = _text(Building, "name", value, field="name")
        elif key == "address":
            building.address = _optional_text(Building, "address", value, field="address")
        elif key == "floors":
            floors = clean_floors(value)
            highest = building.apartments.order_by("-floor").values_list("floor", flat=True)
            if highest and highest[0] > floors:
                raise Conflict(
                    _("Apartments are on floor %(floor)s: the building has at least that many.")
                    % {"floor": highest[0]},
                    code="floors_below_apartments",
                    field="floors",
                )
            building.floors = floors
        elif key == "organisation":
            if value is None:
                raise DomainError(_("This field is required."), field="organisation")
            _require(actor, value)
            building.organisation = value
        else:
            raise DomainError(_("This field cannot be changed here."), field=key)
    changes = audit.diff(before, audit.snapshot(building, BUILDING_FIELDS))
    if changes:
        building.save()
        audit.record(
            actor,
            "building.update",
            building,
            changes=changes,
            organisation=building.organisation_id,
            note=note,
        )
    return building


@transaction.atomic
def set_building_service(
    building: Building, *, actor, out_of_service: bool, reason: str = ""
) -> Building:
    """Take a building out of service (only once nobody lives there) or back into service."""
    building = Building.objects.select_for_update().get(pk=building.pk)
    _require(actor, building.organisation)
    if building.out_of_service == out_of_service:
        raise Conflict(
            _("This building is already out of service.")
            if out_of_service
            else _("This building is already in service."),
            code="unchanged",
        )
    if out_of_service:
        households = _occupied(Apartment.objects.filter(building=building))
        if households:
            raise Conflict(
                _(
                    "%(n)s households still live in this building: move them out or to another "
                    "building first."
                )
                % {"n": households},
                code="occupied",
            )
    Building.objects.filter(pk=building.pk).update(out_of_service=out_of_service)
    building.out_of_service = out_of_service
    audit.record(
        actor,
        "building.out_of_service" if out_of_service else "building.in_service",
        building,
        changes={"out_of_service": [not out_of_service, out_of_service]},
        organisation=building.organisation_id,
        note=reason[:200],
    )
    return building


# --- apartments --------------------------------------------------------------------------------


@transaction.atomic
def create_apartment(
    building: Building, *, actor, number: str, floor: int = 1, capacity: int = 4
) -> Apartment:
    building = Building.objects.select_for_update().get(pk=building.pk)
    _require(actor, building.organisation)
    apartment = Apartment(
        building=building,
        number=clean_number(number),
        floor=clean_floor(floor, building),
        capacity=clean_capacity(capacity),
    )
    duplicate = _("Apartment %(number)s already exists in this building.") % {
        "number": apartment.number
    }
    if Apartment.objects.filter(building=building, number=apartment.number).exists():
        raise Conflict(duplicate, code="duplicate_apartment")
    with _on_duplicate(duplicate, code="duplicate_apartment"):
        apartment.save()
    audit.record(
        actor,
        "apartment.create",
        apartment,
        changes=audit.diff({}, audit.snapshot(apartment, APARTMENT_FIELDS)),
        organisation=building.organisation_id,
    )
    return apartment


def _current_household(apartment: Apartment) -> int:
    allocation = (
        Allocation.objects.filter(apartment=apartment, ended_on__isnull=True)
        .select_related("driver")
        .first()
    )
    return household_size(allocation.driver) if allocation else 0


@transaction.atomic
def update_apartment(apartment: Apartment, *, actor, **fields) -> Apartment:
    """Change an apartment's number, floor or capacity; never below the household living there."""
    apartment = (
        Apartment.objects.select_for_update().select_related("building").get(pk=apartment.pk)
    )
    _require(actor, apartment.building.organisation)
    before = audit.snapshot(apartment, APARTMENT_FIELDS)
    for key, value in fields.items():
        if key == "number":
            number = clean_number(value)
            if (
                number != apartment.number
                and Apartment.objects.filter(building=apartment.building, number=number).exists()
            ):
                raise Conflict(
                    _("Apartment %(number)s already exists in this building.") % {"number": number},
                    code="duplicate_apartment",
                )
            apartment.number = number
        elif key == "floor":
            apartment.floor = clean_floor(value, apartment.building)
        elif key == "capacity":
            capacity = clean_capacity(value)
            living = _current_household(apartment)
            if capacity < living:
                raise Conflict(
                    _(
                        "A household of %(size)s persons lives here: the capacity cannot be "
                        "less than %(size)s."
                    )
                    % {"size": living},
                    code="over_capacity",
                )
            apartment.capacity = capacity
        else:
            raise DomainError(_("This field cannot be changed here."), field=key)
    changes = audit.diff(before, audit.snapshot(apartment, APARTMENT_FIELDS))
    if changes:
        duplicate = _("Apartment %(number)s already exists in this building.") % {
            "number": apartment.number
        }
        with _on_duplicate(duplicate, code="duplicate_apartment"):
            apartment.save()
        audit.record(
            actor,
            "apartment.update",
            apartment,
            changes=changes,
            organisation=apartment.building.organisation_id,
        )
    return apartment


@transaction.atomic
def set_apartment_service(
    apartment: Apartment, *, actor, out_of_service: bool, reason: str = ""
) -> Apartment:
    """Take an apartment out of service (only while free) or back into service."""
    apartment = (
        Apartment.objects.select_for_update().select_related("building").get(pk=apartment.pk)
    )
    _require(actor, apartment.building.organisation)
    if apartment.out_of_service == out_of_service:
        raise Conflict(
            _("This apartment is already out of service.")
            if out_of_service
            else _("This apartment is already in service."),
            code="unchanged",
        )
    if out_of_service and _occupied([apartment]):
        raise Conflict(
            _("A household lives in this apartment: vacate it or move the household first."),
            code="occupied",
        )
    Apartment.objects.filter(pk=apartment.pk).update(out_of_service=out_of_service)
    apartment.out_of_service = out_of_service
    audit.record(
        actor,
        "apartment.out_of_service" if out_of_service else "apartment.in_service",
        apartment,
        changes={"out_of_service": [not out_of_service, out_of_service]},
        organisation=apartment.building.organisation_id,
        note=reason[:200],
    )
    return apartment


# --- reading -----------------------------------------------------------------------------------


def occupancy(buildings) -> list[dict]:
    """Per building: apartments (all, in service, out of service), occupied, free, places
    (the capacity of the apartments in service) and residents (drivers + family living with
    them). Three queries whatever the number of buildings."""
    rows = list(
        buildings.annotate(
            n_total=Count("apartments"),
            n_closed=Count("apartments", filter=Q(apartments__out_of_service=True)),
            n_places=Sum("apartments__capacity", filter=Q(apartments__out_of_service=False)),
        ).order_by("code")
    )
    ids = [b.pk for b in rows]
    households = dict(
        Allocation.objects.filter(apartment__building__in=ids, ended_on__isnull=True)
        .values_list("apartment__building")
        .annotate(n=Count("pk"))
    )
    family = dict(
        FamilyMember.objects.filter(
            lives_with_driver=True,
            driver__allocations__ended_on__isnull=True,
            driver__allocations__apartment__building__in=ids,
        )
        .values_list("driver__allocations__apartment__building")
        .annotate(n=Count("pk"))
    )
    result = []
    for b in rows:
        occupied = households.get(b.pk, 0)
        closed = b.n_total if b.out_of_service else b.n_closed
        in_service = b.n_total - closed
        result.append(
            {
                "building": b,
                "total": b.n_total,
                "in_service": in_service,
                "out_of_service": closed,
                "occupied": occupied,
                "free": max(0, in_service - occupied),
                "places": 0 if b.out_of_service else (b.n_places or 0),
                "residents": occupied + family.get(b.pk, 0),
            }
        )
    return result
