"""Importing the organisation tree and its first staff accounts from Excel (.xlsx) or CSV.

A district starts with a list it already keeps in a spreadsheet: the district, its
sub-districts and communities, the Driver's Home operators, the handling units (labour
bureau, traffic police …) and the people who will log in. The workbook has:

* a first sheet of **organisations**: code, name, parent code, kind, unit kind (for
  handling units: which requests they receive), short name, division code, leader, phone;
* optionally a sheet named ``staff`` (or ``人员``): username, full name, role, organisation
  code, mobile number. A CSV file holds organisations only.

Rules:

* The file is read by the hardened reader of ``core.sheets`` (size, zip bombs, a child
  process with capped memory), so a hostile file is refused with a reason.
* **All or nothing.** Every row is checked first (codes, kinds, parents that exist in the
  file or in the importer's own organisations, no cycles, usernames); one bad row and
  nothing is written, and the answer names each bad row, its column and the reason. A tree
  half imported would route requests to units that are not there yet.
* Rows are matched by the organisation's code: a new code is created, a known code inside
  the importer's organisations is updated where it differs, so importing a corrected file
  again is safe. A code outside the importer's organisations is refused.
* Staff accounts are created, never changed (a username that exists is reported and left
  as it is). A new account has no password: the answer gives each one a link to set it
  (Django's password-reset token, valid ``PASSWORD_RESET_TIMEOUT``, used once).
* Every organisation created or changed and every account created writes its own audit
  row through ``accounts.actions``; the import writes ``organisation.import`` with its counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from driverhome.core import phone as phones
from driverhome.core import pii, sheets, validation
from driverhome.core.errors import DomainError
from driverhome.core.sheets import ImportFileError

from . import actions, audit
from .models import STAFF_ROLES, Organisation, Role, User

#: the most rows a tree may have: far above a province's bodies
MAX_ORGANISATIONS = 20_000
MAX_STAFF = 20_000
STAFF_SHEETS = ("staff", "人员")
CODE = re.compile(r"[-a-zA-Z0-9_]+")

# canonical name -> (template header, header aliases)
ORG_COLUMNS = {
    "code": ("编码", ("编码", "组织编码", "code")),
    "name": ("名称", ("名称", "组织名称", "name")),
    "parent": ("上级编码", ("上级编码", "上级组织编码", "parent", "parent code", "parent_code")),
    "kind": ("类型", ("类型", "组织类型", "kind")),
    "unit_kind": ("单位类别", ("单位类别", "unit kind", "unit_kind")),
    "short_name": ("简称", ("简称", "short name", "short_name")),
    "region_code": ("行政区划代码", ("行政区划代码", "region code", "region_code")),
    "leader_name": ("负责人", ("负责人", "leader", "leader_name")),
    "phone": ("公开电话", ("公开电话", "电话", "phone")),
}
ORG_REQUIRED = ("code", "name", "kind")
STAFF_COLUMNS = {
    "username": ("用户名", ("用户名", "username")),
    "full_name": ("姓名", ("姓名", "full name", "full_name", "name")),
    "role": ("角色", ("角色", "role")),
    "organisation": ("所属组织编码", ("所属组织编码", "组织编码", "organisation", "organization")),
    "phone": ("手机号", ("手机号", "手机", "mobile", "phone")),
}
STAFF_REQUIRED = ("username", "role", "organisation")
#: words a district's own list uses for a kind, beside the kinds' values and labels
KIND_WORDS = {
    "省": "province",
    "市": "city",
    "区": "district",
    "县": "district",
    "区县": "district",
    "街道": "subdistrict",
    "乡镇": "subdistrict",
    "镇": "subdistrict",
    "乡": "subdistrict",
    "村": "community",
    "运营单位": "operator",
    "行业党委": "party",
    "承办单位": "unit",
    "职能部门": "unit",
    "物流企业": "company",
    "企业": "company",
    "社会组织": "social",
}

OUTCOME_LABELS = {
    "created": pgettext_lazy("import outcome", "created"),
    "updated": gettext_lazy("updated"),
    "unchanged": gettext_lazy("unchanged"),
    "exists": gettext_lazy("exists, left as it is"),
    "rejected": pgettext_lazy("import outcome", "rejected"),
}


@dataclass
class OrgImportResult:
    organisations_created: int = 0
    organisations_updated: int = 0
    staff_created: int = 0
    dry_run: bool = False
    # [sheet, row, outcome, column, reason]
    rows: list[list] = field(default_factory=list)
    # [(username, set-password path)] for the accounts created
    invitations: list[tuple[str, str]] = field(default_factory=list)

    @property
    def errors(self) -> list[list]:
        return [r for r in self.rows if r[2] == "rejected"]


def _words(choices) -> dict[str, str]:
    """Each choice by its value and by its label in Chinese and English (lower case)."""
    words = {}
    for value, label in choices:
        words[value.lower()] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                words[str(label).strip().lower()] = value
    return words


def _map(header: list, columns: dict, required: tuple, sheet: str) -> dict[str, int]:
    lookup = {alias.lower(): name for name, (_l, aliases) in columns.items() for alias in aliases}
    mapping: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = lookup.get(str(cell or "").strip().lower().replace("*", "").strip())
        if name and name not in mapping:
            mapping[name] = index
    missing = [columns[c][0] for c in required if c not in mapping]
    if missing:
        raise ImportFileError(
            _(
                "The first row of the sheet %(sheet)s must hold the column headers; missing: %(columns)s."
            )
            % {"sheet": sheet, "columns": ", ".join(missing)}
        )
    return mapping


def _cells(row: list, mapping: dict[str, int]) -> dict[str, str]:
    values = {}
    for name, index in mapping.items():
        value = row[index] if index < len(row) else ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        values[name] = "" if value is None else str(value).strip()
    return values


def _table(rows: list[list] | None) -> list[list]:
    """Rows without the trailing empty ones."""
    return [row for row in rows or [] if any(str(c or "").strip() for c in row)]


class _Errors:
    def __init__(self, result: OrgImportResult, sheet: str):
        self.result, self.sheet, self.bad = result, sheet, False

    def add(self, line: int, column: str, reason: str) -> None:
        self.result.rows.append([self.sheet, line, "rejected", column, reason])
        self.bad = True


def _scope(actor):
    """The organisations the importer may change (all of them at the command line)."""
    if actor.sees_everything:
        return Organisation.objects.all()
    return Organisation.objects.for_user(actor)


def _check(model, name: str, value: str, errors: _Errors, line: int, column: str) -> str:
    try:
        return validation.check(model, name, value)
    except validation.FieldInvalid as exc:
        errors.add(line, column, exc.message)
        return value


def _org_rows(table: list[list], actor, result: OrgImportResult) -> tuple[list[dict], set[str]]:
    """The organisation rows checked, parents before children, and the codes the file names;
    errors go to ``result``."""
    sheet = _("organisations")
    errors = _Errors(result, sheet)
    if len(table) - 1 > MAX_ORGANISATIONS:
        raise ImportFileError(
            _("At most %(count)s organisations in one file.") % {"count": f"{MAX_ORGANISATIONS:,}"}
        )
    mapping = _map(table[0], ORG_COLUMNS, ORG_REQUIRED, sheet)
    kinds = {**KIND_WORDS, **_words(Organisation.Kind.choices)}
    unit_kinds = _words(Organisation.UnitKind.choices)
    label = {name: header for name, (header, _a) in ORG_COLUMNS.items()}
    rows, seen = [], {}
    for line, raw in enumerate(table[1:], start=2):
        cells = _cells(raw, mapping)
        row = {"line": line}
        for name in ("code", "name", "short_name", "region_code", "leader_name", "phone"):
            row[name] = _check(Organisation, name, cells.get(name, ""), errors, line, label[name])
        code = row["code"]
        if not code:
            errors.add(line, label["code"], _("This field is required."))
        elif not CODE.fullmatch(code):
            errors.add(line, label["code"], _("Letters, digits, hyphens and underscores only."))
        if not row["name"]:
            errors.add(line, label["name"], _("This field is required."))
        if code in seen:
            errors.add(
                line,
                label["code"],
                _("The code %(code)s is also on row %(row)s.") % {"code": code, "row": seen[code]},
            )
        seen.setdefault(code, line)
        row["kind"] = kinds.get(cells.get("kind", "").lower(), "")
        if not row["kind"]:
            errors.add(line, label["kind"], _("Not a known kind of organisation."))
        unit_kind = cells.get("unit_kind", "")
        row["unit_kind"] = unit_kinds.get(unit_kind.lower(), "") if unit_kind else ""
        if unit_kind and not row["unit_kind"]:
            errors.add(line, label["unit_kind"], _("Not a known kind of unit."))
        row["parent"] = cells.get("parent", "")
        rows.append(row)

    # Parents: in the file, or an organisation the importer may change.
    in_file = {row["code"]: row for row in rows}
    existing = {
        o.code: o
        for o in Organisation.objects.filter(code__in=set(in_file) | {r["parent"] for r in rows})
    }
    mine = set(_scope(actor).filter(code__in=set(existing)).values_list("code", flat=True))
    for row in rows:
        if row["code"] in existing and row["code"] not in mine:
            errors.add(
                row["line"],
                label["code"],
                _("An organisation with this code exists outside your organisations."),
            )
        parent = row["parent"]
        if not parent:
            if not actor.sees_everything:
                errors.add(
                    row["line"],
                    label["parent"],
                    _("Give the parent's code: only a platform administrator adds a top level."),
                )
        elif parent == row["code"]:
            errors.add(row["line"], label["parent"], _("An organisation cannot be its own parent."))
        elif parent not in in_file and parent not in mine:
            errors.add(
                row["line"],
                label["parent"],
                _("No organisation with the code %(code)s in this file or yours.")
                % {"code": parent},
            )
    if errors.bad:
        return [], set(in_file)
    # Parents first; a cycle inside the file leaves rows that never get placed.
    ordered, placed, pending = [], set(), list(rows)
    while pending:
        ready = [
            r
            for r in pending
            if not r["parent"] or r["parent"] in placed or r["parent"] not in in_file
        ]
        if not ready:
            for row in pending:
                errors.add(row["line"], label["parent"], _("The parents go round in a circle."))
            return [], set(in_file)
        for row in ready:
            ordered.append(row)
            placed.add(row["code"])
        pending = [r for r in pending if r["code"] not in placed]
    return ordered, set(in_file)


def _staff_rows(table: list[list], org_codes: set[str], actor, result) -> list[dict]:
    sheet = pgettext("sheet", "staff")
    errors = _Errors(result, sheet)
    if len(table) - 1 > MAX_STAFF:
        raise ImportFileError(
            _("At most %(count)s staff accounts in one file.") % {"count": f"{MAX_STAFF:,}"}
        )
    mapping = _map(table[0], STAFF_COLUMNS, STAFF_REQUIRED, sheet)
    roles = {k: v for k, v in _words(Role.choices).items() if v in STAFF_ROLES}
    label = {name: header for name, (header, _a) in STAFF_COLUMNS.items()}
    mine = set(_scope(actor).values_list("code", flat=True))
    rows, seen_names, seen_phones = [], {}, {}
    for line, raw in enumerate(table[1:], start=2):
        cells = _cells(raw, mapping)
        row = {"line": line}
        row["username"] = _check(
            User, "username", cells.get("username", ""), errors, line, label["username"]
        )
        if not row["username"]:
            errors.add(line, label["username"], _("This field is required."))
        key = row["username"].lower()
        if key in seen_names:
            errors.add(
                line,
                label["username"],
                _("The username %(name)s is also on row %(row)s.")
                % {"name": row["username"], "row": seen_names[key]},
            )
        seen_names.setdefault(key, line)
        row["full_name"] = _check(
            User, "full_name", cells.get("full_name", ""), errors, line, label["full_name"]
        )
        row["role"] = roles.get(cells.get("role", "").lower(), "")
        if not row["role"]:
            errors.add(line, label["role"], _("Not a staff role."))
        organisation = cells.get("organisation", "")
        row["organisation"] = organisation
        if organisation not in org_codes and organisation not in mine:
            errors.add(
                line,
                label["organisation"],
                _("No organisation with the code %(code)s in this file or yours.")
                % {"code": organisation},
            )
        row["phone"] = ""
        if cells.get("phone"):
            try:
                row["phone"] = phones.parse_mobile(cells["phone"])
            except phones.InvalidPhone:
                errors.add(
                    line,
                    label["phone"],
                    _("Not a valid mainland mobile number (11 digits starting with 1)."),
                )
            else:
                # An account that exists is left as it is (so the same file imports again).
                if (
                    User.objects.filter(phone_hash=pii.lookup_hash(row["phone"], kind="phone"))
                    .exclude(username__iexact=row["username"])
                    .exists()
                ):
                    errors.add(line, label["phone"], _("Another account has this mobile number."))
                elif row["phone"] in seen_phones:
                    errors.add(
                        line,
                        label["phone"],
                        _("This mobile number is also on row %(row)s.")
                        % {"row": seen_phones[row["phone"]]},
                    )
                seen_phones.setdefault(row["phone"], line)
        rows.append(row)
    return [] if errors.bad else rows


def invitation_path(user: User) -> str:
    """The one-time link (a path) with which a new account sets its password."""
    return reverse(
        "accounts:password-set",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def _may_import(actor) -> None:
    if actor is not None and not actor.has_role(Role.ADMIN):
        raise DomainError(_("Only administrators import the organisation tree."), code="forbidden")


def run_import(data: bytes, *, filename: str = "", actor, dry_run: bool = False) -> OrgImportResult:
    """Check the whole file, then write it in one transaction (nothing when a row is bad).

    ``actor`` None is the command line run by the operator (the whole platform, audited as
    "system"). Raises :class:`ImportFileError` for a file that cannot be read at all."""
    _may_import(actor)
    scope_actor = actor if actor is not None else _Platform()
    result = OrgImportResult(dry_run=dry_run)
    organisations = _table(sheets.read_table(data, filename))
    if len(organisations) < 2:
        raise ImportFileError(_("The organisations sheet has no rows."))
    staff = None
    if sheets.is_spreadsheet(data, filename):
        for name in STAFF_SHEETS:
            staff = sheets.read_table(data, filename, sheet=name)
            if staff is not None:
                break
    staff = _table(staff)
    org_rows, file_codes = _org_rows(organisations, scope_actor, result)
    staff_rows = []
    if len(staff) >= 2:
        staff_rows = _staff_rows(staff, file_codes, scope_actor, result)
    if result.errors:
        return result
    _write(org_rows, staff_rows, actor, result)
    if dry_run:
        result.invitations = []
    return result


class _Platform:
    """The operator at the command line: may place organisations anywhere."""

    sees_everything = True

    def has_role(self, *roles) -> bool:
        return True


def _write(org_rows, staff_rows, actor, result: OrgImportResult) -> None:
    with transaction.atomic():
        codes = {r["code"] for r in org_rows} | {r["parent"] for r in org_rows if r["parent"]}
        codes |= {r["organisation"] for r in staff_rows}
        by_code = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
        fields = ("name", "short_name", "kind", "unit_kind", "region_code", "leader_name", "phone")
        for row in org_rows:
            values = {name: row[name] for name in fields}
            org = by_code.get(row["code"])
            parent = None
            if row["parent"]:
                # Read again: a move earlier in this file may have changed its path.
                parent = Organisation.objects.get(pk=by_code[row["parent"]].pk)
                if org is not None and parent.path.startswith(org.path):
                    raise DomainError(
                        _("Row %(row)s would place %(code)s under its own branch.")
                        % {"row": row["line"], "code": row["code"]},
                        code="cycle",
                    )
            values["parent"] = parent
            if org is not None:
                org = Organisation.objects.get(pk=org.pk)
            sheet = _("organisations")
            if org is None:
                org = actions.create_organisation(actor=actor, code=row["code"], **values)
                by_code[org.code] = org
                result.organisations_created += 1
                result.rows.append([sheet, row["line"], "created", "", ""])
                continue
            changed = {
                name: value
                for name, value in values.items()
                if (getattr(org, name) if name != "parent" else org.parent_id)
                != (value.pk if name == "parent" and value is not None else value)
            }
            if changed:
                actions.update_organisation(org, actor=actor, **changed)
                result.organisations_updated += 1
                result.rows.append([sheet, row["line"], "updated", "", ""])
            else:
                result.rows.append([sheet, row["line"], "unchanged", "", ""])
        taken = set()
        for row in staff_rows:  # usernames compare without case, as logins do
            if User.objects.filter(username__iexact=row["username"]).exists():
                taken.add(row["username"].lower())
        for row in staff_rows:
            sheet = pgettext("sheet", "staff")
            if row["username"].lower() in taken:
                result.rows.append([sheet, row["line"], "exists", "", ""])
                continue
            user = actions.create_user(
                actor=actor,
                username=row["username"],
                password=None,
                role=row["role"],
                organisation=by_code[row["organisation"]],
                full_name=row["full_name"],
                phone=row["phone"],
            )
            result.staff_created += 1
            result.rows.append([sheet, row["line"], "created", "", ""])
            result.invitations.append((user.username, invitation_path(user)))
        audit.record(
            actor,
            "organisation.import",
            None,
            changes={
                "organisations_created": [None, result.organisations_created],
                "organisations_updated": [None, result.organisations_updated],
                "staff_created": [None, result.staff_created],
            },
            organisation=getattr(actor, "organisation_id", None),
        )
        if result.dry_run:
            transaction.set_rollback(True)


def template_xlsx() -> bytes:
    """An empty workbook with both sheets' headers and one example row each."""
    import io

    buffer = io.BytesIO()
    book = sheets.workbook(buffer, in_memory=True)
    orgs = book.add_worksheet("organisations")
    sheets.write_row(orgs, 0, 0, [header for header, _a in ORG_COLUMNS.values()])
    sheets.write_row(orgs, 1, 0, ["beilun", "北仑区", "", "district", "", "北仑", "330206"])
    sheets.write_row(
        orgs, 2, 0, ["beilun-hrss", "北仑区人力社保局", "beilun", "unit", "labour", "人社局"]
    )
    staff = book.add_worksheet("staff")
    sheets.write_row(staff, 0, 0, [header for header, _a in STAFF_COLUMNS.values()])
    sheets.write_row(staff, 1, 0, ["hrss1", "张敏", "unit_handler", "beilun-hrss", ""])
    book.close()
    return buffer.getvalue()
