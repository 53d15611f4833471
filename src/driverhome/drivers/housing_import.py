"""Importing buildings and apartments from Excel (.xlsx) or CSV.

One row per apartment; the building's columns repeat on each of its rows (a row with a
building and no apartment number adds or updates the building alone):

======== ========================================== =========================
column   header (or an alias)                        rule
======== ========================================== =========================
building 楼栋编号 / building / building_code          required; letters, digits, hyphens
name     楼栋名称 / building_name                     required for a new building
address  地址 / address                               optional
floors   楼层数 / floors                              optional; a new building without it
                                                     gets its highest apartment floor
number   房号 / number / apartment                    the apartment
floor    楼层 / floor                                 optional (1)
capacity 可住人数 / 核定人数 / capacity               optional (4), 1 to 20 persons
======== ========================================== =========================

The file is read by the roster importer's hardened path (``importer.read_table``: the
spreadsheet in a child process with capped memory and CPU, zip bombs and oversized sheets
refused). Every row is checked with the same rules as the console and the API
(``housing.clean_*``). **All or nothing**: if any row is refused, nothing is written and
every refused row is reported with its row number, column and reason, so a corrected file
can simply be imported again; a housing file is a few thousand rows at most, so it is
checked and written at once, inside the request. Existing buildings (by code) and
apartments (by building and number) are updated, the others created; re-importing the same
file changes nothing. Each building touched gets an audit row naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from driverhome.accounts import audit
from driverhome.accounts.models import Organisation
from driverhome.core.errors import DomainError, PermissionDeniedError
from driverhome.core.errors import conflict_on_duplicate as _on_duplicate

from . import housing
from .access import may_manage_housing
from .importer import ImportFileError, _text, read_table
from .models import Allocation, Apartment, Building, FamilyMember

#: a district's housing is hundreds of apartments; far more is not a housing file
MAX_ROWS = 20_000
DEFAULT_CAPACITY = 4

# canonical name -> (template header, header aliases)
COLUMNS = {
    "building": (
        "楼栋编号",
        ("楼栋编号", "楼栋代码", "building", "building_code", "building code"),
    ),
    "name": ("楼栋名称", ("楼栋名称", "楼栋", "building_name", "building name")),
    "address": ("地址", ("地址", "address")),
    "floors": ("楼层数", ("楼层数", "总层数", "floors")),
    "number": ("房号", ("房号", "房间号", "number", "apartment", "apartment number")),
    "floor": ("楼层", ("楼层", "所在楼层", "floor")),
    "capacity": ("可住人数", ("可住人数", "核定人数", "capacity")),
}
REQUIRED = ("building",)
#: the column named in a refusal, for each field of the rules
FIELD_COLUMN = {"code": "building", "name": "name", "address": "address", "floors": "floors"}
FIELD_COLUMN |= {"number": "number", "floor": "floor", "capacity": "capacity"}

OUTCOMES = {
    "refused": gettext_lazy("Refused: nothing was written."),
    "checked": gettext_lazy("Checked: every row is valid; nothing was written (dry run)."),
    "imported": gettext_lazy("Imported."),
}


class HousingImportError(DomainError):
    """The file as a whole cannot be imported (400, ``field`` "file")."""

    code = "bad_file"


@dataclass
class HousingImport:
    filename: str
    dry_run: bool
    rows: int = 0
    buildings_created: int = 0
    buildings_updated: int = 0
    apartments_created: int = 0
    apartments_updated: int = 0
    unchanged: int = 0
    #: [row number, column header, reason]
    errors: list[list] = field(default_factory=list)
    written: bool = False

    @property
    def outcome(self) -> str:
        if self.errors:
            return "refused"
        return "checked" if self.dry_run else "imported"

    @property
    def message(self) -> str:
        return str(OUTCOMES[self.outcome])

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "buildings_created": self.buildings_created,
            "buildings_updated": self.buildings_updated,
            "apartments_created": self.apartments_created,
            "apartments_updated": self.apartments_updated,
            "unchanged": self.unchanged,
            "errors": [{"row": r, "column": c, "reason": m} for r, c, m in self.errors],
        }


def _header_map(header: list) -> dict[str, int]:
    lookup = {alias.lower(): name for name, (_l, aliases) in COLUMNS.items() for alias in aliases}
    mapping: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = str(cell or "").strip().lower().replace("*", "").strip()
        name = lookup.get(key)
        if name and name not in mapping:
            mapping[name] = index
    missing = [COLUMNS[c][0] for c in REQUIRED if c not in mapping]
    if missing:
        raise HousingImportError(
            _("The first row must hold the column headers; missing: %(columns)s.")
            % {"columns": ", ".join(missing)},
            field="file",
        )
    return mapping


def read(data: bytes, filename: str) -> tuple[list[list], dict[str, int]]:
    """The rows and the header mapping, or :class:`HousingImportError` saying why not."""
    try:
        table = read_table(data, filename)
    except ImportFileError as exc:
        raise HousingImportError(str(exc), field="file") from None
    if not table:
        raise HousingImportError(_("The file is empty."), field="file")
    if len(table) - 1 > MAX_ROWS:
        raise HousingImportError(
            _("A housing file holds at most %(rows)s rows.") % {"rows": f"{MAX_ROWS:,}"},
            field="file",
        )
    return table, _header_map(table[0])


@dataclass
class _BuildingPlan:
    code: str
    row: int
    existing: Building | None
    name: str = ""
    address: str | None = None
    floors: int | None = None
    apartments: dict = field(default_factory=dict)  # number -> (row, floor, capacity)


def import_housing(
    data: bytes,
    filename: str,
    *,
    actor,
    organisation: Organisation | None,
    dry_run: bool = False,
) -> HousingImport:
    """Check every row, then (unless ``dry_run`` or a row is refused) write them all.

    ``organisation`` manages the buildings the file creates; existing buildings keep
    theirs and must be in the actor's area."""
    if actor is not None and not may_manage_housing(actor):
        raise PermissionDeniedError(_("Your role may not do this."), code="forbidden")
    if organisation is not None:
        housing._require(actor, organisation)
    table, mapping = read(data, filename)
    result = HousingImport(filename=filename[:200], dry_run=dry_run)
    plans = _check(table, mapping, actor=actor, organisation=organisation, result=result)
    if result.errors:
        return result
    if dry_run:
        _count(plans, result)
        return result
    with transaction.atomic():
        _write(plans, actor=actor, organisation=organisation, result=result)
    result.written = True
    return result


def _check(table, mapping, *, actor, organisation, result: HousingImport) -> list[_BuildingPlan]:
    width = max(mapping.values()) + 1
    header = {name: COLUMNS[name][0] for name in COLUMNS}

    def refuse(number: int, column: str, reason: str) -> None:
        result.errors.append([number, header.get(column, ""), reason])

    codes = set()
    for raw in table[1:]:
        if "building" in mapping and len(raw) > mapping["building"]:
            codes.add(_text(raw[mapping["building"]]).lower())
    existing = {
        b.code: b for b in Building.objects.filter(code__in=codes).select_related("organisation")
    }
    scope = actor.scope_path if actor is not None else "/"
    plans: dict[str, _BuildingPlan] = {}
    for offset, raw in enumerate(table[1:]):
        number = offset + 2  # the spreadsheet's row number: the header is row 1
        raw = list(raw) + [None] * max(0, width - len(raw))
        cells = {name: _text(raw[index]) for name, index in mapping.items()}
        if not any(cells.values()):
            continue
        result.rows += 1
        try:
            code = housing.clean_code(cells.get("building", ""))
        except DomainError as exc:
            refuse(number, "building", str(exc))
            continue
        plan = plans.get(code)
        if plan is None:
            building = existing.get(code)
            if building is not None and (
                scope is None or not building.organisation.path.startswith(scope)
            ):
                refuse(number, "building", _("This building is managed outside your area."))
                continue
            if building is None and organisation is None:
                refuse(
                    number,
                    "building",
                    _("A new building needs the organisation that manages it."),
                )
                continue
            plan = plans[code] = _BuildingPlan(code=code, row=number, existing=building)
        if not _check_building(plan, cells, number, refuse):
            continue
        if cells.get("number"):
            _check_apartment(plan, cells, number, refuse)
    for plan in plans.values():
        if plan.existing is None and not plan.name:
            refuse(plan.row, "name", _("A new building needs a name."))
        floors = plan.floors or (plan.existing.floors if plan.existing else None)
        highest = max((floor for _r, floor, _c in plan.apartments.values()), default=0)
        if floors is None:
            plan.floors = max(1, highest)
        elif highest > floors:
            row = max(r for r, floor, _c in plan.apartments.values() if floor == highest)
            refuse(
                row,
                "floor",
                _("Floor %(floor)s is above the building's %(floors)s floors.")
                % {"floor": highest, "floors": floors},
            )
    _check_households(plans, refuse)
    result.errors.sort(key=lambda e: e[0])
    return list(plans.values())


def _check_building(plan: _BuildingPlan, cells: dict, number: int, refuse) -> bool:
    """The building's columns on this row agree with the rule and with its earlier rows."""
    ok = True
    for column, clean, attribute in (
        ("name", lambda v: housing._text(Building, "name", v, field="name"), "name"),
        (
            "address",
            lambda v: housing._optional_text(Building, "address", v, field="address"),
            "address",
        ),
        ("floors", housing.clean_floors, "floors"),
    ):
        value = cells.get(column, "")
        if not value:
            continue
        try:
            cleaned = clean(value)
        except DomainError as exc:
            refuse(number, column, str(exc))
            ok = False
            continue
        earlier = getattr(plan, attribute)
        if earlier not in ("", None) and earlier != cleaned:
            refuse(
                number,
                column,
                _("Building %(code)s is given another value on an earlier row.")
                % {"code": plan.code},
            )
            ok = False
            continue
        setattr(plan, attribute, cleaned)
    return ok


def _check_apartment(plan: _BuildingPlan, cells: dict, number: int, refuse) -> None:
    try:
        apartment = housing.clean_number(cells["number"])
    except DomainError as exc:
        refuse(number, "number", str(exc))
        return
    if apartment in plan.apartments:
        refuse(
            number,
            "number",
            _("Apartment %(number)s of building %(code)s is also on row %(row)s.")
            % {"number": apartment, "code": plan.code, "row": plan.apartments[apartment][0]},
        )
        return
    values = {}
    for column, default, low, high in (
        ("floor", 1, 1, housing.MAX_FLOORS),
        ("capacity", DEFAULT_CAPACITY, 1, housing.MAX_CAPACITY),
    ):
        value = cells.get(column, "")
        if value == "":
            values[column] = None if column == "floor" else default
            continue
        try:
            values[column] = housing.clean_whole(value, field=column, low=low, high=high)
        except DomainError as exc:
            refuse(number, column, str(exc))
            return
    plan.apartments[apartment] = (number, values["floor"] or 1, values["capacity"])


def _check_households(plans: dict[str, _BuildingPlan], refuse) -> None:
    """An existing apartment's new capacity still takes the household living there."""
    numbers = {
        (plan.existing.pk, n): (row, capacity)
        for plan in plans.values()
        if plan.existing is not None
        for n, (row, _floor, capacity) in plan.apartments.items()
    }
    if not numbers:
        return
    living = Allocation.objects.filter(
        ended_on__isnull=True, apartment__building__in={b for b, _n in numbers}
    ).values_list("apartment__building", "apartment__number", "driver")
    drivers = {(b, n): d for b, n, d in living if (b, n) in numbers}
    if not drivers:
        return
    family: dict[int, int] = {}
    for driver_id in FamilyMember.objects.filter(
        driver__in=drivers.values(), lives_with_driver=True
    ).values_list("driver", flat=True):
        family[driver_id] = family.get(driver_id, 0) + 1
    for key, driver_id in drivers.items():
        row, capacity = numbers[key]
        size = 1 + family.get(driver_id, 0)
        if capacity < size:
            refuse(
                row,
                "capacity",
                _(
                    "A household of %(size)s persons lives here: the capacity cannot be less "
                    "than %(size)s."
                )
                % {"size": size},
            )


def _count(plans: list[_BuildingPlan], result: HousingImport) -> None:
    """What the import creates and updates (the same for a dry run and the real one)."""
    known = _existing_apartments(plans)
    for plan in plans:
        if plan.existing is None:
            result.buildings_created += 1
        elif _building_changes(plan):
            result.buildings_updated += 1
        for number, (_row, floor, capacity) in plan.apartments.items():
            current = known.get((plan.code, number))
            if current is None:
                result.apartments_created += 1
            elif (current.floor, current.capacity) != (floor, capacity):
                result.apartments_updated += 1
            else:
                result.unchanged += 1


def _existing_apartments(plans: list[_BuildingPlan]) -> dict[tuple[str, str], Apartment]:
    ids = [plan.existing.pk for plan in plans if plan.existing is not None]
    if not ids:
        return {}
    return {
        (a.building.code, a.number): a
        for a in Apartment.objects.filter(building__in=ids).select_related("building")
    }


def _building_changes(plan: _BuildingPlan) -> dict:
    building = plan.existing
    changes = {}
    if plan.name and plan.name != building.name:
        changes["name"] = plan.name
    if plan.address is not None and plan.address != building.address:
        changes["address"] = plan.address
    if plan.floors and plan.floors != building.floors:
        changes["floors"] = plan.floors
    return changes


def _write(plans: list[_BuildingPlan], *, actor, organisation, result: HousingImport) -> None:
    _count(plans, result)
    known = _existing_apartments(plans)
    note = _("Imported from %(file)s") % {"file": result.filename}
    for plan in plans:
        if plan.existing is None:
            building = housing.create_building(
                actor=actor,
                organisation=organisation,
                code=plan.code,
                name=plan.name,
                address=plan.address or "",
                floors=plan.floors or 1,
            )
        else:
            building = plan.existing
            changes = _building_changes(plan)
            if "floors" in changes:
                # Raise the floors first: the new apartments may be on the new floors.
                building = housing.update_building(
                    building, actor=actor, note=note, floors=changes.pop("floors")
                )
            if changes:
                building = housing.update_building(building, actor=actor, note=note, **changes)
        new, changed = [], []
        for number, (_row, floor, capacity) in plan.apartments.items():
            current = known.get((plan.code, number))
            if current is None:
                new.append(
                    Apartment(building=building, number=number, floor=floor, capacity=capacity)
                )
            elif (current.floor, current.capacity) != (floor, capacity):
                current.floor, current.capacity = floor, capacity
                changed.append(current)
        with _on_duplicate(
            _("Someone changed these apartments a moment ago: import the file again."),
            code="conflict",
        ):
            Apartment.objects.bulk_create(new, batch_size=500)
        Apartment.objects.bulk_update(changed, ["floor", "capacity"], batch_size=500)
        if new or changed:
            audit.record(
                actor,
                "building.import",
                building,
                changes={
                    "apartments_created": [None, len(new)],
                    "apartments_updated": [None, len(changed)],
                },
                organisation=building.organisation_id,
                note=note,
            )


def template_xlsx() -> bytes:
    """An empty file with the headers and two example rows."""
    import io

    from driverhome.core import sheets

    out = io.BytesIO()
    book = sheets.workbook(out, in_memory=True)
    sheet = book.add_worksheet("housing")
    bold = book.add_format({"bold": True})
    sheets.write_row(sheet, 0, 0, [label for label, _aliases in COLUMNS.values()], bold)
    sheets.write_row(
        sheet, 1, 0, ["jiyun-1", "集运基地司机公寓1号楼", "宁波市北仑区", 12, "101", 1, 4]
    )
    sheets.write_row(
        sheet, 2, 0, ["jiyun-1", "集运基地司机公寓1号楼", "宁波市北仑区", 12, "102", 1, 2]
    )
    sheet.set_column(0, len(COLUMNS) - 1, 16)
    book.close()
    return out.getvalue()
