"""Importing a roster of drivers from Excel (.xlsx) or CSV, and the template and error report.

How a file goes in:

1. **Read**: python-calamine for spreadsheets (.xlsx/.xls/.ods), the csv module for
   CSV (UTF-8 with or without BOM, else GB18030). Anything else — or a file without
   the required header columns — is refused with a clear error before anything is written.
2. **Validate** every row in Python: ID number (length, birth date, MOD 11-2 check
   digit), mainland mobile number, plate, employer, residence, licence class;
   duplicates inside the file; a mobile number already used by another file.
   A rejected row is reported with its row number, column and reason.
3. **Match** valid rows to existing files by the ID number's keyed hash: a match is
   *updated*, anything else *created*.
4. **Write** in batches of ``BATCH`` rows with ``bulk_create``/``bulk_update``.

Transaction policy: **one transaction per batch**. Good rows land and bad rows are
reported (a bad row never blocks the others); each batch commits together with the
job's progress, so the import page can show how far it got, and a failure mid-file
leaves whole batches and a job that says which rows were written. Re-running the same
file is safe: rows already written are matched by ID number and updated.

A dry run does steps 1–3 and reports exactly the same outcomes without writing.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from driverhome.accounts import audit
from driverhome.accounts.models import Organisation
from driverhome.core import idnumber, phone, pii, plates, sheets, validation
from driverhome.core.sheets import MAX_COLUMNS, MAX_ROWS, ImportFileError  # noqa: F401 - re-exported

from .models import Driver, EmploymentHistory, ImportJob, LicenceClass, ResidenceType, Vehicle
from .search import name_keys

BATCH = 5000
# SQLite allows 32,766 variables per statement (older builds 999): keep IN lists short.
IN_CHUNK = 500

# canonical name -> (label, header aliases); the label is the Chinese header of the template.
COLUMNS = {
    "name": ("姓名", ("姓名", "name", "司机姓名")),
    "id_number": ("身份证号", ("身份证号", "身份证号码", "身份证", "id_number", "id number", "id")),
    "phone": ("手机号", ("手机号", "手机号码", "手机", "联系电话", "phone", "mobile")),
    "plate": ("车牌号", ("车牌号", "车牌号码", "车牌", "plate")),
    "employer": ("所属企业", ("所属企业", "企业", "公司", "employer", "company")),
    "residence": ("居住方式", ("居住方式", "居住", "residence")),
    "hometown": ("籍贯", ("籍贯", "hometown")),
    "licence_class": ("驾驶证类型", ("驾驶证类型", "准驾车型", "licence_class", "license_class")),
}
REQUIRED = ("name", "id_number", "phone")
RESIDENCE_WORDS = {
    "apartment": ResidenceType.APARTMENT,
    "基地公寓": ResidenceType.APARTMENT,
    "公寓": ResidenceType.APARTMENT,
    "rented": ResidenceType.RENTED,
    "附近租房": ResidenceType.RENTED,
    "租房": ResidenceType.RENTED,
    "cab": ResidenceType.CAB,
    "车上": ResidenceType.CAB,
    "住车上": ResidenceType.CAB,
    "驾驶室": ResidenceType.CAB,
    "local": ResidenceType.LOCAL,
    "本地": ResidenceType.LOCAL,
    "本地居民": ResidenceType.LOCAL,
}
for _value, _label in ResidenceType.choices:
    RESIDENCE_WORDS.setdefault(str(_value), _value)

# The reasons of core.idnumber, in this app's catalogue.
ID_REASONS = {
    "length": gettext_lazy("An ID number has 18 characters."),
    "characters": gettext_lazy("An ID number has 17 digits and a digit or X."),
    "region": gettext_lazy("The region code of the ID number is not valid."),
    "birth_date": gettext_lazy("The birth date in the ID number is not valid."),
    "check_digit": gettext_lazy("The check digit of the ID number is wrong."),
}

OUTCOME_LABELS = {
    "created": pgettext_lazy("import outcome", "created"),
    "updated": gettext_lazy("updated"),
    "rejected": pgettext_lazy("import outcome", "rejected"),
}


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    rejected: int = 0
    dry_run: bool = False
    # [row, outcome, column label, reason]
    rows: list[list] = field(default_factory=list)

    @property
    def errors(self) -> list[list]:
        return [r for r in self.rows if r[1] == "rejected"]


# --- reading ---------------------------------------------------------------------------------


def read_table(data: bytes, filename: str = "") -> list[list]:
    """The roster's first sheet (or the CSV), read by the hardened reader of ``core.sheets``."""
    return sheets.read_table(data, filename)


def map_headers(header: list) -> dict[str, int]:
    """canonical column -> index; raises ImportFileError when a required column is missing."""
    lookup = {}
    for canonical, (_label, aliases) in COLUMNS.items():
        for alias in aliases:
            lookup[alias.lower()] = canonical
    mapping: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = str(cell or "").strip().lower().replace("*", "").strip()
        canonical = lookup.get(key)
        if canonical and canonical not in mapping:
            mapping[canonical] = index
    missing = [COLUMNS[c][0] for c in REQUIRED if c not in mapping]
    if missing:
        raise ImportFileError(
            _("The first row must hold the column headers; missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    return mapping


def _text(value) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


# --- validating ------------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    name: str
    id_number: str
    id_hash: str
    birth_date: date
    sex: str
    phone: str
    phone_hash: str
    plate: str = ""
    new_energy: bool = False
    employer_id: int | None = None
    residence: str = ""
    hometown: str = ""
    licence_class: str = ""


def _companies() -> dict[str, int]:
    names: dict[str, int] = {}
    for pk, name, short in Organisation.objects.filter(
        kind=Organisation.Kind.LOGISTICS_COMPANY, is_active=True
    ).values_list("pk", "name", "short_name"):
        names[name] = pk
        if short:
            names.setdefault(short, pk)
    return names


def _hasher():
    """``pii.lookup_hash`` with the key prepared once (the same digest; a test holds them equal)."""
    import hashlib
    import hmac

    base = hmac.new(settings.FIELD_LOOKUP_KEY.encode("utf-8"), digestmod=hashlib.sha256)

    def lookup_hash(value: str, *, kind: str) -> str:
        digest = base.copy()
        digest.update(f"{kind}:{value.strip().upper()}".encode())
        return digest.hexdigest()

    return lookup_hash


def validate_rows(table: list[list], mapping: dict[str, int], result: ImportResult) -> list[Row]:
    label = {c: COLUMNS[c][0] for c in COLUMNS}
    licence_classes = frozenset(LicenceClass.values)
    companies = _companies() if "employer" in mapping else {}
    seen_ids: dict[str, int] = {}
    seen_phones: dict[str, int] = {}
    good: list[Row] = []
    width = max(mapping.values()) + 1
    lookup_hash = _hasher()
    reject = result.rows.append
    # The fields' own rules (core/validation.py): the same limits as the forms and the API.
    name_rule = validation.rule_for(Driver, "name")
    hometown_rule = validation.rule_for(Driver, "hometown")
    for offset, raw in enumerate(table[1:]):
        number = offset + 2  # spreadsheet row number: the header is row 1
        if len(raw) < width:
            raw = list(raw) + [None] * (width - len(raw))
        cells = {c: _text(raw[i]) for c, i in mapping.items()}
        if not any(cells.values()):
            continue  # an empty row is skipped, not counted
        result.total += 1
        errors = []
        name = cells["name"]
        if not name:
            errors.append((label["name"], _("A name is required.")))
        else:
            try:
                name = name_rule.clean(name)
            except validation.FieldInvalid as exc:
                errors.append((label["name"], exc.message))
        hometown = cells.get("hometown", "")
        try:
            hometown = hometown_rule.clean(hometown)
        except validation.FieldInvalid as exc:
            errors.append((label["hometown"], exc.message))
        parsed = None
        if not cells["id_number"]:
            errors.append((label["id_number"], _("An ID number is required.")))
        else:
            try:
                parsed = idnumber.parse(cells["id_number"])
            except idnumber.InvalidIdNumber as exc:
                errors.append((label["id_number"], str(ID_REASONS.get(exc.reason, exc))))
        mobile = ""
        if not cells["phone"]:
            errors.append((label["phone"], _("A mobile number is required.")))
        else:
            try:
                mobile = phone.parse_mobile(cells["phone"])
            except phone.InvalidPhone:
                errors.append(
                    (
                        label["phone"],
                        _("Not a valid mainland mobile number (11 digits starting with 1)."),
                    )
                )
        plate, new_energy = "", False
        if cells.get("plate"):
            try:
                plate, new_energy = plates.parse(cells["plate"])
            except plates.InvalidPlate:
                errors.append(
                    (
                        label["plate"],
                        _(
                            "Not a mainland plate (e.g. 浙B12345, or 8 characters for new-energy vehicles)."
                        ),
                    )
                )
        employer_id = None
        if cells.get("employer"):
            employer_id = companies.get(cells["employer"])
            if employer_id is None:
                errors.append(
                    (
                        label["employer"],
                        _("Unknown company “%(name)s”: register the company first.")
                        % {"name": cells["employer"][:60]},
                    )
                )
        residence = ""
        if cells.get("residence"):
            residence = RESIDENCE_WORDS.get(cells["residence"].lower(), "")
            if not residence:
                errors.append(
                    (label["residence"], _("Use one of: 基地公寓, 附近租房, 住车上, 本地."))
                )
        licence = cells.get("licence_class", "").upper()
        if licence and licence not in licence_classes:
            errors.append((label["licence_class"], _("Use a licence class such as A2 or B2.")))
        id_hash = phone_hash = ""
        if parsed is not None:
            id_hash = lookup_hash(parsed.number, kind="id")
            first = seen_ids.get(id_hash)
            if first is not None:
                errors.append(
                    (
                        label["id_number"],
                        _("The same ID number is already in row %(row)s of this file.")
                        % {"row": first},
                    )
                )
            else:
                seen_ids[id_hash] = number
        if mobile:
            phone_hash = lookup_hash(mobile, kind="phone")
            first = seen_phones.get(phone_hash)
            if first is not None:
                errors.append(
                    (
                        label["phone"],
                        _("The same mobile number is already in row %(row)s of this file.")
                        % {"row": first},
                    )
                )
            else:
                seen_phones[phone_hash] = number
        if errors:
            for column, reason in errors:
                reject([number, "rejected", column, str(reason)])
            continue
        good.append(
            Row(
                number=number,
                name=name,
                id_number=parsed.number,
                id_hash=id_hash,
                birth_date=parsed.birth_date,
                sex=parsed.sex,
                phone=mobile,
                phone_hash=phone_hash,
                plate=plate,
                new_energy=new_energy,
                employer_id=employer_id,
                residence=residence,
                hometown=hometown,
                licence_class=licence,
            )
        )
    return good


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def match_existing(rows: list[Row], organisation: Organisation, result: ImportResult):
    """Split into (to create, to update: [(row, existing values)]); reject conflicts."""
    # Plain SQL with placeholders: the ORM's per-value lookup preparation would cost more
    # than the indexed lookups themselves on 30,000 hashes.
    quote = connection.ops.quote_name
    driver_table = quote(Driver._meta.db_table)
    org_table = quote(Organisation._meta.db_table)
    keys = ("pk", "id_hash", "phone_hash", "path", "employer_id", "residence_type", "hometown")
    keys += ("licence_class",)
    by_id: dict[str, dict] = {}
    phone_owner: dict[str, str] = {}
    with connection.cursor() as cursor:
        for chunk in _chunks([r.id_hash for r in rows], IN_CHUNK):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT d.id, d.id_hash, d.phone_hash, o.path, d.employer_id, "  # noqa: S608
                f"d.residence_type, d.hometown, d.licence_class FROM {driver_table} d "
                f"JOIN {org_table} o ON o.id = d.organisation_id WHERE d.id_hash IN ({marks})",
                chunk,
            )
            for values in cursor.fetchall():
                record = dict(zip(keys, values, strict=True))
                record["organisation__path"] = record["path"]
                by_id[record["id_hash"]] = record
        for chunk in _chunks([r.phone_hash for r in rows], IN_CHUNK):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT phone_hash, id_hash FROM {driver_table} "  # noqa: S608
                f"WHERE phone_hash IN ({marks})",
                chunk,
            )
            phone_owner.update(cursor.fetchall())
    label_id, label_phone = COLUMNS["id_number"][0], COLUMNS["phone"][0]
    create, update, keep = [], [], []
    for row in rows:
        existing = by_id.get(row.id_hash)
        owner = phone_owner.get(row.phone_hash)
        if owner is not None and owner != row.id_hash:
            result.rows.append(
                [
                    row.number,
                    "rejected",
                    label_phone,
                    _("This mobile number is on another driver's file."),
                ]
            )
            continue
        if existing is None:
            create.append(row)
            keep.append([row.number, "created", "", ""])
        elif not existing["organisation__path"].startswith(organisation.path):
            result.rows.append(
                [
                    row.number,
                    "rejected",
                    label_id,
                    _(
                        "This driver's file is held by another organisation; ask them to transfer it."
                    ),
                ]
            )
        else:
            update.append((row, existing))
            keep.append([row.number, "updated", "", ""])
    result.rows.extend(keep)
    return create, update


# --- writing -----------------------------------------------------------------------------------


def fernet_encryptor():
    """Encrypt many values into standard Fernet tokens under the newest key, fast.

    The same token format as ``pii.encrypt`` (version 0x80, timestamp, IV, AES-128-CBC
    with PKCS7 padding, HMAC-SHA256 over all of it, url-safe base64; spec:
    github.com/fernet/spec) and readable by ``pii.decrypt`` — a test holds the two
    together. What it saves per value is object set-up: the AES key object and the
    HMAC key schedule are prepared once, the timestamp is taken once per batch, and
    padding is a byte operation. Every value still gets its own random IV.
    """
    import base64
    import hashlib
    import hmac
    import os
    import time

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = base64.urlsafe_b64decode(settings.FIELD_ENCRYPTION_KEYS[0].encode("ascii"))
    if len(key) != 32:
        raise ValueError("the field encryption key is not a Fernet key")
    aes = algorithms.AES(key[16:])
    signer = hmac.new(key[:16], digestmod=hashlib.sha256)
    header = b"\x80" + int(time.time()).to_bytes(8, "big")
    encode = base64.urlsafe_b64encode
    urandom = os.urandom
    cbc = modes.CBC

    def encrypt(value: str) -> str:
        if not value:
            return value
        data = value.encode("utf-8")
        pad = 16 - len(data) % 16
        data += bytes((pad,)) * pad
        iv = urandom(16)
        encryptor = Cipher(aes, cbc(iv)).encryptor()
        body = header + iv + encryptor.update(data) + encryptor.finalize()
        mac = signer.copy()
        mac.update(body)
        return encode(body + mac.digest()).decode("ascii")

    return encrypt


class _Inserter:
    """``executemany`` of plain tuples into one model's table, SQL built from the model's metadata.

    ``bulk_create`` spends most of its time compiling one parameter per field per
    object; an import writes tens of thousands of rows with the same shape, so the
    statement is built once and the values are prepared per column: protected fields
    are encrypted exactly as ``EncryptedTextField`` does, dates, UUIDs and JSON go
    through the field's own ``get_db_prep_save``, and missing columns get the
    field's default once.
    """

    def __init__(self, model, given: list[str], constants: dict | None = None):
        self.model = model
        constants = constants or {}
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.given = given
        self.fields = fields
        quote = connection.ops.quote_name
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - identifiers from metadata
            quote(model._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        index = {name: i for i, name in enumerate(given)}
        self.plan = []
        for f in fields:
            if f.attname in index:
                self.plan.append((index[f.attname], self._converter(f)))
            elif f.attname in constants:
                self.plan.append((None, f.get_db_prep_save(constants[f.attname], connection)))
            else:
                self.plan.append((None, f.get_db_prep_save(f.get_default(), connection)))

    @staticmethod
    def _converter(f):
        if isinstance(f, pii.EncryptedTextField):
            return fernet_encryptor()
        internal = f.get_internal_type()
        if internal == "UUIDField" and not connection.features.has_native_uuid_field:
            return lambda v: v.hex
        if internal == "DateField":
            adapt = connection.ops.adapt_datefield_value
            return adapt
        if internal in ("DateTimeField", "JSONField"):
            return lambda v: f.get_db_prep_save(v, connection)
        return None

    def rows(self, values: list[tuple]) -> list[tuple]:
        template = [how if position is None else None for position, how in self.plan]
        plain = [(i, p) for i, (p, how) in enumerate(self.plan) if p is not None and how is None]
        converted = [(i, p, how) for i, (p, how) in enumerate(self.plan) if p is not None and how]
        out = []
        for row in values:
            record = template.copy()
            for i, p in plain:
                record[i] = row[p]
            for i, p, how in converted:
                record[i] = how(row[p])
            out.append(record)
        return out

    def execute(self, values: list[tuple]) -> None:
        if not values:
            return
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, self.rows(values))


_DRIVER_COLUMNS = [
    "public_id",
    "name",
    "name_pinyin",
    "name_initials",
    "organisation_id",
    "employer_id",
    "id_number",
    "id_hash",
    "phone",
    "phone_hash",
    "phone_last4",
    "birth_date",
    "sex",
    "residence_type",
    "hometown",
    "licence_class",
]


def _update_many(model, attnames: list[str], rows: list[tuple]) -> None:
    """``UPDATE ... SET a = %s, b = %s WHERE pk = %s`` for every row (values already prepared)."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(model._meta.get_field(n).column)} = %s" for n in attnames)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = f"UPDATE {table} SET {columns} WHERE {pk} = %s"  # noqa: S608 - identifiers from metadata
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _insert_by_id_hash(model, given: list[str], rows: list[tuple], constants=None) -> None:
    """``INSERT INTO t (driver_id, ...) SELECT d.id, %s, ... FROM driver d WHERE d.id_hash = %s``."""
    if not rows:
        return
    inserter = _Inserter(model, ["driver_id", *given], constants)
    quote = connection.ops.quote_name
    columns, selects, plan = [], [], []
    for (position, how), f in zip(inserter.plan, inserter.fields, strict=True):
        columns.append(quote(f.column))
        if f.attname == "driver_id":
            selects.append("d.id")
        else:
            selects.append("%s")
            plan.append((position - 1 if position is not None else None, how))
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(selects)} FROM {quote(Driver._meta.db_table)} d WHERE d.id_hash = %s"
    )
    params = []
    for row in rows:
        record = []
        for position, how in plan:
            if position is None:
                record.append(how)
            elif how is None:
                record.append(row[position])
            else:
                record.append(how(row[position]))
        record.append(row[-1])
        params.append(record)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _write_batch(create: list[Row], update: list, organisation: Organisation, now, today) -> None:
    updated_at = Driver._meta.get_field("updated_at").get_db_prep_save(now, connection)
    encrypt = fernet_encryptor()
    org_id = organisation.pk
    default_residence = ResidenceType.RENTED
    drivers = []
    for row in create:
        pinyin, initials = name_keys(row.name)
        drivers.append(
            (
                uuid.uuid4(),
                row.name,
                pinyin,
                initials,
                org_id,
                row.employer_id,
                row.id_number,
                row.id_hash,
                row.phone,
                row.phone_hash,
                row.phone[-4:],
                row.birth_date,
                row.sex,
                row.residence or default_residence,
                row.hometown,
                row.licence_class,
            )
        )
    _Inserter(Driver, _DRIVER_COLUMNS, {"created_at": now, "updated_at": now}).execute(drivers)
    # Vehicles and employment of new drivers find their driver by ID hash inside the
    # database (INSERT ... SELECT, one index lookup per row): no round trip for the new ids.
    _insert_by_id_hash(
        Vehicle,
        ["public_id", "plate", "new_energy"],
        [(uuid.uuid4(), r.plate, r.new_energy, r.id_hash) for r in create if r.plate],
        {"created_at": now},
    )
    _insert_by_id_hash(
        EmploymentHistory,
        ["employer_id", "started_on"],
        [(r.employer_id, today, r.id_hash) for r in create if r.employer_id],
    )
    vehicles: list[tuple] = []
    history: list[tuple] = []
    if update:
        changed = []
        employer_moves = []
        for row, old in update:
            pinyin, initials = name_keys(row.name)
            employer_id = row.employer_id or old["employer_id"]
            if employer_id != old["employer_id"]:
                employer_moves.append((old["pk"], employer_id))
            changed.append(
                (
                    row.name,
                    pinyin,
                    initials,
                    encrypt(row.phone),
                    row.phone_hash,
                    row.phone[-4:],
                    employer_id,
                    row.residence or old["residence_type"],
                    row.hometown or old["hometown"],
                    row.licence_class or old["licence_class"],
                    updated_at,
                    old["pk"],
                )
            )
        _update_many(
            Driver,
            [
                "name",
                "name_pinyin",
                "name_initials",
                "phone",
                "phone_hash",
                "phone_last4",
                "employer_id",
                "residence_type",
                "hometown",
                "licence_class",
                "updated_at",
            ],
            changed,
        )
        if employer_moves:
            moved = [pk for pk, _e in employer_moves]
            for chunk in _chunks(moved, IN_CHUNK):
                EmploymentHistory.objects.filter(driver_id__in=chunk, ended_on__isnull=True).update(
                    ended_on=today
                )
            history.extend((pk, e, today) for pk, e in employer_moves)
        plated = {old["pk"]: row for row, old in update if row.plate}
        if plated:
            have = set()
            for chunk in _chunks(list(plated), IN_CHUNK):
                have.update(
                    Vehicle.objects.filter(driver_id__in=chunk).values_list("driver_id", "plate")
                )
            vehicles.extend(
                (uuid.uuid4(), pk, r.plate, r.new_energy)
                for pk, r in plated.items()
                if (pk, r.plate) not in have
            )
    _Inserter(
        Vehicle, ["public_id", "driver_id", "plate", "new_energy"], {"created_at": now}
    ).execute(vehicles)
    _Inserter(EmploymentHistory, ["driver_id", "employer_id", "started_on"]).execute(history)


def run_import(
    data: bytes,
    *,
    filename: str,
    organisation: Organisation,
    actor=None,
    dry_run: bool = False,
    job: ImportJob | None = None,
    progress=None,
) -> ImportResult:
    """Import one file. ``progress(done, total)`` is called after each batch."""
    result = ImportResult(dry_run=dry_run)
    table = read_table(data, filename)
    if not table:
        raise ImportFileError(_("The file is empty."))
    mapping = map_headers(table[0])
    rows = validate_rows(table, mapping, result)
    create, update = match_existing(rows, organisation, result)
    result.created, result.updated = len(create), len(update)
    result.rejected = len({r[0] for r in result.errors})
    result.rows.sort(key=lambda r: r[0])
    total = len(create) + len(update)
    if job is not None:
        ImportJob.objects.filter(pk=job.pk).update(
            total_rows=max(total, 1), status=ImportJob.Status.RUNNING
        )
    if dry_run:
        if progress:
            progress(total, total)
        return result
    now, today = timezone.now(), timezone.localdate()

    def record(action: str, changes: dict) -> None:
        audit.record(
            actor,
            action,
            job,
            object_type="drivers.importjob" if job is None else None,
            object_id=filename[:64] if job is None else None,
            organisation=organisation,
            changes=changes,
            note=filename[:200],
        )

    done = 0
    work = [("c", r) for r in create] + [("u", r) for r in update]
    for batch in _chunks(work, BATCH):
        created = [r for kind, r in batch if kind == "c"]
        updated = [r for kind, r in batch if kind == "u"]
        with transaction.atomic():
            _write_batch(created, updated, organisation, now, today)
            # The batch's own audit row commits with it: rows written before a crash are
            # accounted for even though the run's summary row below is never written.
            record(
                "driver.import.batch",
                {
                    "rows": [done, done + len(batch)],
                    "created": [None, len(created)],
                    "updated": [None, len(updated)],
                },
            )
            done += len(batch)
            if job is not None:
                ImportJob.objects.filter(pk=job.pk).update(
                    processed_rows=done, heartbeat_at=timezone.now()
                )
        if progress:
            progress(done, total)
    with transaction.atomic():
        record(
            "driver.import",
            {
                "created": [None, result.created],
                "updated": [None, result.updated],
                "rejected": [None, result.rejected],
            },
        )
    return result


# --- the background job -------------------------------------------------------------------------
#
# pending --(a consumer claims it)--> running --> done | failed
# A job runs in the job queue's consumer (drivers/tasks.py), never in a web worker. The
# claim is a conditional UPDATE, so a job delivered twice runs once. While it runs, its
# process renews ``heartbeat_at`` (each committed batch, and a timer for the long reading
# and checking phases). ``recover_jobs`` (when the consumer starts, and every few minutes)
# fails a running job whose process is gone and queues again a pending job the queue lost.


def _job_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _upload_path(job: ImportJob) -> Path:
    return _job_dir() / f"{job.public_id}.bin"


_PROCESS_STARTED = str(int(time.time()))


def worker_label() -> str:
    """This process: ``host:pid:start``; the start tells a reused pid from the original."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{_PROCESS_STARTED}"


def _process_gone(worker: str) -> bool:
    """True when ``worker`` names a process of this host that no longer runs."""
    host, _sep, rest = worker.partition(":")
    pid, _sep, started = rest.partition(":")
    if host != socket.gethostname()[:80] or not pid.isdigit():
        return False  # another host's process: only its heartbeat can tell
    if worker == worker_label():
        return False
    if int(pid) == os.getpid():
        return True  # this pid, but started at another time: the original is gone
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def start_job(job: ImportJob, data: bytes) -> None:
    """Keep the upload encrypted on disk and queue the job (run at once when jobs are immediate)."""
    path = _upload_path(job)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pii.fernet().encrypt(data))
    from .tasks import run_import_job

    if settings.JOBS_IMMEDIATE:
        run_import_job(job.pk)
    else:
        transaction.on_commit(lambda: run_import_job(job.pk))


def _claim(job_pk: int) -> bool:
    now = timezone.now()
    return bool(
        ImportJob.objects.filter(pk=job_pk, status=ImportJob.Status.PENDING).update(
            status=ImportJob.Status.RUNNING, worker=worker_label(), heartbeat_at=now
        )
    )


class _Heartbeat:
    """Renews the job's ``heartbeat_at`` every ``interval`` seconds while the job runs."""

    def __init__(self, job_pk: int, interval: float):
        import threading

        self.job_pk = job_pk
        self.interval = interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name="import-heartbeat")

    def _beat(self):
        try:
            while not self.stop.wait(self.interval):
                ImportJob.objects.filter(pk=self.job_pk, status=ImportJob.Status.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:  # noqa: BLE001 - a missed beat only makes the job look older
            logging.getLogger(__name__).warning("import heartbeat failed", exc_info=True)
        finally:
            connection.close()

    def __enter__(self):
        if not settings.JOBS_IMMEDIATE:
            self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, error=message, finished_at=timezone.now()
    )


def execute_job(job_pk: int) -> None:
    """Run one queued import, once: a job already claimed (or finished) is left alone."""
    if not _claim(job_pk):
        return
    job = ImportJob.objects.select_related("organisation", "created_by").get(pk=job_pk)
    path = _upload_path(job)
    try:
        with _Heartbeat(job.pk, interval=max(settings.IMPORT_STALE_SECONDS / 5, 5)):
            data = pii.fernet().decrypt(path.read_bytes())
            result = run_import(
                data,
                filename=job.filename,
                organisation=job.organisation,
                actor=job.created_by,
                dry_run=job.dry_run,
                job=job,
            )
    except FileNotFoundError:
        _fail(job, _("The uploaded file is no longer kept; upload it again."))
        return
    except ImportFileError as exc:
        _fail(job, str(exc))
        return
    except Exception:  # noqa: BLE001 - the job must say it failed; the log has the traceback
        logging.getLogger(__name__).exception("import %s failed", job.public_id)
        done = ImportJob.objects.filter(pk=job.pk).values_list("processed_rows", flat=True)[0]
        _fail(job, _stopped_message(done))
        return
    finally:
        path.unlink(missing_ok=True)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE,
        total_rows=result.total,
        processed_rows=result.total,
        created_count=result.created,
        updated_count=result.updated,
        rejected_count=result.rejected,
        results=result.rows,
        heartbeat_at=timezone.now(),
        finished_at=timezone.now(),
    )


def _stopped_message(committed: int) -> str:
    return _(
        "The import stopped before the end; %(rows)s rows were written and stay. "
        "Importing the same file again updates them and adds the rest."
    ) % {"rows": committed}


def recover_jobs(*, requeue: bool = True) -> dict[str, int]:
    """Put right the jobs a stopped process left behind, and drop uploads kept too long.

    * a running job whose process is gone (this host: the pid no longer runs) or that
      gave no sign of life for ``IMPORT_STALE_SECONDS`` is marked failed, saying how many
      rows were committed (they stay: each batch committed with its audit row);
    * a pending job older than that, which no consumer claimed, is queued again while its
      upload is kept, and marked failed once it is not;
    * an upload older than ``IMPORT_UPLOAD_RETENTION_HOURS`` is deleted.
    """
    from datetime import timedelta

    now = timezone.now()
    stale = now - timedelta(seconds=settings.IMPORT_STALE_SECONDS)
    counts = {"failed": 0, "requeued": 0, "uploads_deleted": 0}
    running = ImportJob.objects.filter(status=ImportJob.Status.RUNNING)
    for job in running.only("pk", "public_id", "worker", "heartbeat_at", "processed_rows"):
        if not (_process_gone(job.worker) or job.heartbeat_at is None or job.heartbeat_at < stale):
            continue
        # Conditional on the heartbeat read: a job that just gave a sign of life stays.
        if ImportJob.objects.filter(
            pk=job.pk, status=ImportJob.Status.RUNNING, heartbeat_at=job.heartbeat_at
        ).update(
            status=ImportJob.Status.FAILED,
            error=_stopped_message(job.processed_rows),
            finished_at=now,
        ):
            counts["failed"] += 1
            _upload_path(job).unlink(missing_ok=True)
    cutoff = time.time() - settings.IMPORT_UPLOAD_RETENTION_HOURS * 3600
    for path in _job_dir().glob("*.bin"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                counts["uploads_deleted"] += 1
        except FileNotFoundError:
            continue
    pending = ImportJob.objects.filter(status=ImportJob.Status.PENDING, created_at__lt=stale)
    for job in pending.only("pk", "public_id"):
        if _upload_path(job).exists() and requeue:
            from .tasks import run_import_job

            run_import_job(job.pk)
            counts["requeued"] += 1
        elif not _upload_path(job).exists():
            _fail(job, _("The uploaded file is no longer kept; upload it again."))
            counts["failed"] += 1
    return counts


# --- template and report --------------------------------------------------------------------------


def template_xlsx() -> bytes:
    from driverhome.core import sheets

    out = io.BytesIO()
    book = sheets.workbook(out, in_memory=True)
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2"})
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet(_("Drivers"))
    for col, canonical in enumerate(COLUMNS):
        header = COLUMNS[canonical][0] + (" *" if canonical in REQUIRED else "")
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, 22 if canonical in ("id_number", "employer") else 14, text)
    notes = book.add_worksheet(_("Instructions"))
    notes.set_column(0, 0, 16)
    notes.set_column(1, 1, 18)
    notes.set_column(2, 2, 70)
    sheets.write_row(notes, 0, 0, [_("Column"), _("English header"), _("What to enter")], bold)
    help_text = {
        "name": _("Required. The driver's name as on the ID card."),
        "id_number": _("Required. 18 characters; enter as text so Excel keeps every digit."),
        "phone": _("Required. Mainland mobile number, 11 digits."),
        "plate": _("Optional. E.g. 浙B12345; new-energy plates have 8 characters."),
        "employer": _("Optional. The logistics company's registered name."),
        "residence": _("Optional. 基地公寓, 附近租房, 住车上 or 本地."),
        "hometown": _("Optional. Province and city."),
        "licence_class": _("Optional. A1, A2, A3, B1, B2, C1 or C2."),
    }
    for row, canonical in enumerate(COLUMNS, start=1):
        sheets.write_row(notes, row, 0, [COLUMNS[canonical][0], canonical, help_text[canonical]])
    book.close()
    return out.getvalue()


def report_xlsx(rows: list[list], *, only_errors: bool = False) -> bytes:
    from driverhome.core import sheets

    out = io.BytesIO()
    book = sheets.workbook(out, in_memory=True, constant_memory=True)
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(_("Import results"))
    sheet.set_column(0, 1, 10)
    sheet.set_column(2, 2, 14)
    sheet.set_column(3, 3, 70)
    sheets.write_row(sheet, 0, 0, [_("Row"), _("Outcome"), _("Column"), _("Reason")], bold)
    line = 1
    for number, outcome, column, reason in rows:
        if only_errors and outcome != "rejected":
            continue
        sheets.write_row(
            sheet, line, 0, [number, str(OUTCOME_LABELS.get(outcome, outcome)), column, reason]
        )
        line += 1
    book.close()
    return out.getvalue()
