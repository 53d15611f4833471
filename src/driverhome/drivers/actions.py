"""Every change to a driver's file, a family, a vehicle or an apartment goes through here.

Each function runs in one transaction and writes the audit row; protected
values (ID and phone numbers) appear in the audit log only as "changed".
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import CASCADE
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from driverhome.accounts import audit, codes, personal
from driverhome.accounts.models import Organisation, Role, User, WeChatBinding
from driverhome.core import idnumber, pii, plates
from driverhome.core.errors import Conflict, DomainError, conflict_on_duplicate

from . import access, housing
from .housing import occupancy  # noqa: F401 - pages and the API read it from here too
from .models import (
    Allocation,
    Apartment,
    Building,
    Consent,
    CorrectionRequest,
    Driver,
    EmploymentHistory,
    FamilyMember,
    Note,
    ResidenceType,
    Sex,
    Vehicle,
    WaitingListEntry,
)
from .search import name_keys

PROTECTED = frozenset({"id_number", "phone"})
#: fields a driver may correct himself at once; the protected ones go to staff
SELF_EDITABLE = ("hometown", "household_registration", "residence_type")
#: fields whose correction staff must confirm
CORRECTABLE = ("name", "id_number", "phone", "licence_class", "licence_expiry")
#: a family member's fields the driver gives and staff confirm
FAMILY_CORRECTABLE = ("id_number",)
FILE_FIELDS = [
    "name",
    "id_number",
    "phone",
    "hometown",
    "household_registration",
    "residence_type",
    "tags",
    "licence_class",
    "licence_expiry",
    "qualification_expiry",
    "social_insurance",
    "party_membership",
    "party_branch",
    "union_member",
    "employer",
    "care_broker",
    "organisation",
    "current_node",
]


def clean_id(value: str) -> idnumber.IdNumber:
    try:
        return idnumber.parse(value)
    except idnumber.InvalidIdNumber as exc:
        from .importer import ID_REASONS

        message = str(ID_REASONS.get(exc.reason, exc))
        raise DomainError(message, code="invalid_id_number", field="id_number") from None


_clean_phone = codes.clean_phone  # one rule and one message for a mobile number


def _check_unique(driver: Driver) -> None:
    others = Driver.objects.exclude(pk=driver.pk)
    if driver.id_hash and others.filter(id_hash=driver.id_hash).exists():
        raise Conflict(_("A file with this ID number already exists."), code="duplicate_id_number")
    if driver.phone_hash and others.filter(phone_hash=driver.phone_hash).exists():
        raise Conflict(_("Another file uses this mobile number."), code="duplicate_phone")


def _apply(driver: Driver, fields: dict) -> None:
    for key, value in fields.items():
        if key == "id_number":
            driver.set_id_number(clean_id(value).number if value else "")
        elif key == "phone":
            driver.set_phone(_clean_phone(value) if value else "")
        elif key == "name":
            name = (value or "").strip()
            if not name:
                raise DomainError(_("A name is required."), code="name_required", field="name")
            driver.name = name
            driver.name_pinyin, driver.name_initials = name_keys(name)
        elif key == "tags":
            driver.tags = sorted({str(t) for t in (value or [])})
        elif key == "employer" and value is not None:
            if value.kind != Organisation.Kind.LOGISTICS_COMPANY:
                raise DomainError(_("The employer must be a logistics company."), field="employer")
            driver.employer = value
        else:
            setattr(driver, key, value)


@transaction.atomic
def create_driver(*, actor, organisation: Organisation, name: str, **fields) -> Driver:
    driver = Driver(organisation=organisation)
    _apply(driver, {"name": name, **fields})
    _check_unique(driver)
    driver.save()
    if driver.employer_id:
        EmploymentHistory.objects.create(
            driver=driver, employer=driver.employer, started_on=timezone.localdate()
        )
    after = audit.snapshot(driver, FILE_FIELDS)
    audit.record(
        actor,
        "driver.create",
        driver,
        changes=audit.diff({}, after, protected=PROTECTED),
        organisation=organisation,
    )
    return driver


@transaction.atomic
def update_driver(driver: Driver, *, actor, note: str = "", **fields) -> Driver:
    driver = Driver.objects.select_for_update().get(pk=driver.pk)
    if driver.is_anonymised:
        raise Conflict(_("This file was anonymised and cannot be changed."), code="anonymised")
    before = audit.snapshot(driver, FILE_FIELDS)
    old_employer = driver.employer_id
    _apply(driver, fields)
    _check_unique(driver)
    driver.updated_at = timezone.now()
    driver.save()
    if driver.employer_id != old_employer:
        today = timezone.localdate()
        EmploymentHistory.objects.filter(driver=driver, ended_on__isnull=True).update(
            ended_on=today
        )
        if driver.employer_id:
            EmploymentHistory.objects.create(
                driver=driver, employer=driver.employer, started_on=today
            )
    changes = audit.diff(before, audit.snapshot(driver, FILE_FIELDS), protected=PROTECTED)
    if changes:
        audit.record(
            actor,
            "driver.update",
            driver,
            changes=changes,
            organisation=driver.organisation_id,
            note=note,
        )
    return driver


@transaction.atomic
def assign_broker(driver: Driver, broker: User | None, *, actor) -> Driver:
    if broker is not None and broker.role != Role.BROKER:
        raise DomainError(_("Only a care broker can be assigned."), field="care_broker")
    return update_driver(driver, actor=actor, care_broker=broker)


@transaction.atomic
def add_note(driver: Driver, *, actor, text: str) -> Note:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("The note is empty."), field="text")
    note = Note.objects.create(driver=driver, author=actor, text=text)
    audit.record(actor, "driver.note", driver, organisation=driver.organisation_id)
    return note


@transaction.atomic
def record_consent(driver: Driver, *, actor, purpose: str, channel: str) -> Consent:
    existing = Consent.objects.filter(driver=driver, purpose=purpose, withdrawn_at__isnull=True)
    if existing.exists():
        return existing.first()
    consent = Consent.objects.create(
        driver=driver,
        purpose=purpose,
        channel=channel,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor,
        "driver.consent",
        driver,
        changes={"purpose": [None, purpose], "channel": [None, channel]},
        organisation=driver.organisation_id,
    )
    return consent


@transaction.atomic
def withdraw_consent(consent: Consent, *, actor) -> Consent:
    updated = Consent.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("This consent was already withdrawn."))
    consent.refresh_from_db()
    audit.record(
        actor,
        "driver.consent_withdrawn",
        consent.driver,
        changes={"purpose": [consent.purpose, None]},
        organisation=consent.driver.organisation_id,
    )
    return consent


def reveal(driver_or_member, *, actor, field: str, reason: str = "") -> str:
    """The clear value of a protected field, written to the access log."""
    from .access import may_reveal

    if field not in PROTECTED:
        raise DomainError(_("This field is not protected."), field="field")
    if not may_reveal(actor):
        raise DomainError(_("Your role may not see full values."), code="forbidden")
    value = getattr(driver_or_member, field)
    driver = getattr(driver_or_member, "driver", driver_or_member)
    with transaction.atomic():
        audit.record_access(
            actor,
            driver_or_member,
            field,
            reason=reason or _("Viewed in the console"),
            organisation=driver.organisation_id,
        )
    return value


# --- family, vehicles -------------------------------------------------------------------------
#
# Kept by the driver himself and by staff of his file (access.require_keeper): an ID number
# the driver gives for a family member goes to staff for confirmation (a correction), as his
# own protected fields do; removing a family member is for staff.

FAMILY_FIELDS = [
    "relation",
    "name",
    "birth_date",
    "sex",
    "lives_with_driver",
    "school",
    "grade",
    "employment",
    "employer_name",
    "monthly_income",
]
_FAMILY_AUDIT = [*FAMILY_FIELDS, "id_number"]
_FAMILY_CHOICES = {
    "relation": (FamilyMember.Relation, gettext_noop("Unknown relation.")),
    "employment": (FamilyMember.Employment, gettext_noop("Unknown employment.")),
}
VEHICLE_FIELDS = ["plate", "truck_type", "ownership", "new_energy"]


def _refuse_anonymised(driver: Driver) -> None:
    if driver.is_anonymised:
        raise Conflict(_("This file was anonymised and cannot be changed."), code="anonymised")


def _check_family(fields: dict) -> None:
    for key, value in fields.items():
        if key not in FAMILY_FIELDS:
            raise DomainError(_("This field cannot be changed here."), field=key)
        if key in _FAMILY_CHOICES and value not in _FAMILY_CHOICES[key][0].values:
            raise DomainError(_(_FAMILY_CHOICES[key][1]), code=f"invalid_{key}", field=key)
        if key == "sex" and value not in ("", *Sex.values):
            raise DomainError(_("Unknown sex."), code="invalid_sex", field="sex")
        if key == "monthly_income" and value is not None and not 0 <= value <= 10_000_000:
            raise DomainError(
                _("Enter a monthly income between 0 and 10,000,000 yuan."),
                code="invalid_income",
                field="monthly_income",
            )
        if key == "name" and not (value or "").strip():
            raise DomainError(_("A name is required."), code="name_required", field="name")
    if "name" in fields:
        fields["name"] = fields["name"].strip()


def _set_member_id(member: FamilyMember, number: str) -> None:
    """Staff set (or clear) a family member's ID number; his birth date and sex follow it."""
    if number:
        parsed = clean_id(number)
        member.id_number = parsed.number
        member.id_hash = pii.lookup_hash(parsed.number, kind="id")
        member.birth_date = parsed.birth_date
        member.sex = parsed.sex
    else:
        member.id_number = ""
        member.id_hash = ""


@transaction.atomic
def add_family_member(
    driver: Driver, *, actor, id_number: str = "", phone: str = "", **fields
) -> FamilyMember:
    capacity = access.require_keeper(actor, driver)
    _refuse_anonymised(driver)
    _check_family(fields)
    if "name" not in fields:
        raise DomainError(_("A name is required."), code="name_required", field="name")
    member = FamilyMember(driver=driver, **fields)
    if phone:
        member.phone = _clean_phone(phone)
        member.phone_hash = pii.lookup_hash(member.phone, kind="phone")
    id_number = (id_number or "").strip()
    if id_number and capacity == access.STAFF:
        parsed = clean_id(id_number)
        member.id_number = parsed.number
        member.id_hash = pii.lookup_hash(parsed.number, kind="id")
        member.birth_date = member.birth_date or parsed.birth_date
        member.sex = member.sex or parsed.sex
    elif id_number:
        clean_id(id_number)  # a typo is refused now, not after staff looked at it
    member.save()
    audit.record(
        actor,
        "family.create",
        member,
        changes=audit.diff({}, audit.snapshot(member, _FAMILY_AUDIT), protected=PROTECTED),
        organisation=driver.organisation_id,
    )
    if id_number and capacity == access.SELF:
        request_correction(
            driver, actor=actor, field="id_number", new_value=id_number, member=member
        )
    return member


@transaction.atomic
def update_family_member(
    member: FamilyMember, *, actor, id_number: str | None = None, **fields
) -> FamilyMember:
    """Correct a family member; a new ID number from the driver waits for staff."""
    capacity = access.require_keeper(actor, member.driver)
    _refuse_anonymised(member.driver)
    member = FamilyMember.objects.select_for_update().select_related("driver").get(pk=member.pk)
    _check_family(fields)
    before = audit.snapshot(member, _FAMILY_AUDIT)
    for key, value in fields.items():
        setattr(member, key, value)
    ask = None
    if id_number is not None:
        id_number = id_number.strip()
        if capacity == access.STAFF:
            _set_member_id(member, id_number)
        elif id_number and id_number != member.id_number:
            ask = clean_id(id_number).number
    member.save()
    changes = audit.diff(before, audit.snapshot(member, _FAMILY_AUDIT), protected=PROTECTED)
    if changes:
        audit.record(
            actor,
            "family.update",
            member,
            changes=changes,
            organisation=member.driver.organisation_id,
        )
    if ask:
        request_correction(
            member.driver, actor=actor, field="id_number", new_value=ask, member=member
        )
    return member


@transaction.atomic
def remove_family_member(member: FamilyMember, *, actor) -> None:
    """Staff remove a family member; one still in a programme (after-school care, the
    workshop) is ended there first, so that its history is not deleted with him."""
    access.require_keeper(actor, member.driver, staff_only=True)
    _refuse_anonymised(member.driver)
    for relation in member._meta.related_objects:
        if relation.related_model is CorrectionRequest or relation.on_delete is not CASCADE:
            continue
        if relation.related_model._base_manager.filter(**{relation.field.name: member}).exists():
            raise Conflict(
                _(
                    "%(name)s is still in a programme (after-school care or the workshop): "
                    "end it there first."
                )
                % {"name": member.name},
                code="in_programme",
            )
    audit.record(actor, "family.delete", member, organisation=member.driver.organisation_id)
    if not FamilyMember.objects.filter(pk=member.pk).delete()[0]:
        raise Conflict(_("This family member was already removed."), code="already_removed")


def _clean_vehicle(fields: dict) -> dict:
    for key in fields:
        if key not in ("plate", "truck_type", "ownership"):
            raise DomainError(_("This field cannot be changed here."), field=key)
    if "truck_type" in fields and fields["truck_type"] not in Vehicle.TruckType.values:
        raise DomainError(_("Unknown truck type."), code="invalid_truck_type", field="truck_type")
    if "ownership" in fields and fields["ownership"] not in Vehicle.Ownership.values:
        raise DomainError(_("Unknown ownership."), code="invalid_ownership", field="ownership")
    if "plate" in fields:
        try:
            fields["plate"], fields["new_energy"] = plates.parse(fields["plate"])
        except plates.InvalidPlate:
            raise DomainError(
                _("Not a mainland plate (e.g. 浙B12345, or 8 characters for new-energy vehicles)."),
                code="invalid_plate",
                field="plate",
            ) from None
    return fields


_DUPLICATE_PLATE = gettext_noop("This vehicle is already on the file.")


@transaction.atomic
def add_vehicle(
    driver: Driver, *, actor, plate: str, truck_type: str = "tractor", ownership: str = "company"
) -> Vehicle:
    access.require_keeper(actor, driver)
    _refuse_anonymised(driver)
    fields = _clean_vehicle({"plate": plate, "truck_type": truck_type, "ownership": ownership})
    duplicate = _(_DUPLICATE_PLATE)
    if Vehicle.objects.filter(driver=driver, plate=fields["plate"]).exists():
        raise Conflict(duplicate, code="duplicate_plate")
    with conflict_on_duplicate(duplicate, code="duplicate_plate"):
        vehicle = Vehicle.objects.create(driver=driver, **fields)
    audit.record(
        actor,
        "vehicle.create",
        driver,
        changes=audit.diff({}, audit.snapshot(vehicle, VEHICLE_FIELDS)),
        organisation=driver.organisation_id,
    )
    return vehicle


@transaction.atomic
def update_vehicle(vehicle: Vehicle, *, actor, **fields) -> Vehicle:
    """Correct a vehicle: its plate, type or ownership (the driver himself, or staff)."""
    access.require_keeper(actor, vehicle.driver)
    _refuse_anonymised(vehicle.driver)
    fields = _clean_vehicle(dict(fields))
    vehicle = (
        Vehicle.objects.select_for_update().select_related("driver").filter(pk=vehicle.pk).first()
    )
    if vehicle is None:
        raise Conflict(_("This vehicle was removed a moment ago."), code="already_removed")
    before = audit.snapshot(vehicle, VEHICLE_FIELDS)
    duplicate = _(_DUPLICATE_PLATE)
    if (
        "plate" in fields
        and Vehicle.objects.filter(driver=vehicle.driver, plate=fields["plate"])
        .exclude(pk=vehicle.pk)
        .exists()
    ):
        raise Conflict(duplicate, code="duplicate_plate")
    for key, value in fields.items():
        setattr(vehicle, key, value)
    with conflict_on_duplicate(duplicate, code="duplicate_plate"):
        vehicle.save()
    changes = audit.diff(before, audit.snapshot(vehicle, VEHICLE_FIELDS))
    if changes:
        audit.record(
            actor,
            "vehicle.update",
            vehicle.driver,
            changes=changes,
            organisation=vehicle.driver.organisation_id,
        )
    return vehicle


@transaction.atomic
def remove_vehicle(vehicle: Vehicle, *, actor) -> None:
    access.require_keeper(actor, vehicle.driver)
    _refuse_anonymised(vehicle.driver)
    audit.record(
        actor,
        "vehicle.delete",
        vehicle.driver,
        changes={"plate": [vehicle.plate, None]},
        organisation=vehicle.driver.organisation_id,
    )
    if not Vehicle.objects.filter(pk=vehicle.pk).delete()[0]:
        raise Conflict(_("This vehicle was already removed."), code="already_removed")


# --- corrections by the driver -------------------------------------------------------------------


@transaction.atomic
def request_correction(
    driver: Driver, *, actor, field: str, new_value: str, reason: str = "", member=None
) -> CorrectionRequest:
    """The driver asks staff to correct a field of his file, or a family member's ID number."""
    if member is not None and (member.driver_id != driver.pk or field not in FAMILY_CORRECTABLE):
        raise DomainError(_("This field cannot be corrected."), field="field")
    if field not in CORRECTABLE:
        raise DomainError(_("This field cannot be corrected."), field="field")
    new_value = (new_value or "").strip()
    if field == "id_number":
        new_value = clean_id(new_value).number
    elif field == "phone":
        new_value = _clean_phone(new_value)
    elif field == "licence_expiry":
        try:
            date.fromisoformat(new_value)
        except ValueError:
            raise DomainError(_("Enter a date as YYYY-MM-DD."), field="new_value") from None
    elif not new_value:
        raise DomainError(_("Enter the correct value."), field="new_value")
    if CorrectionRequest.objects.filter(
        driver=driver, family_member=member, field=field, status=CorrectionRequest.Status.PENDING
    ).exists():
        raise Conflict(_("A correction of this field is already waiting for confirmation."))
    correction = CorrectionRequest.objects.create(
        driver=driver, family_member=member, field=field, new_value=new_value, reason=reason[:200]
    )
    audit.record(
        actor,
        "driver.correction_requested",
        driver,
        changes={field: ["***", "***"] if field in PROTECTED else [None, new_value]},
        organisation=driver.organisation_id,
        note=member.name if member is not None else "",
    )
    return correction


@transaction.atomic
def decide_correction(
    correction: CorrectionRequest, *, actor, confirm: bool, note: str = ""
) -> CorrectionRequest:
    status = CorrectionRequest.Status.CONFIRMED if confirm else CorrectionRequest.Status.REJECTED
    updated = CorrectionRequest.objects.filter(
        pk=correction.pk, status=CorrectionRequest.Status.PENDING
    ).update(status=status, decided_by=actor, decided_at=timezone.now(), decision_note=note[:200])
    if not updated:
        raise Conflict(_("This correction was already decided."))
    correction.refresh_from_db()
    if confirm and correction.family_member_id:
        update_family_member(correction.family_member, actor=actor, id_number=correction.new_value)
    elif confirm:
        value = correction.new_value
        if correction.field == "licence_expiry":
            value = date.fromisoformat(value)
        update_driver(
            correction.driver,
            actor=actor,
            note=_("Correction confirmed"),
            **{correction.field: value},
        )
    audit.record(
        actor,
        "driver.correction_confirmed" if confirm else "driver.correction_rejected",
        correction.driver,
        organisation=correction.driver.organisation_id,
        note=note,
    )
    return correction


# --- self-service --------------------------------------------------------------------------------


@transaction.atomic
def register_driver(
    *,
    name: str,
    phone_number: str,
    id_number: str,
    password: str,
    organisation: Organisation,
    consents: list[str],
    phone_proof=None,
) -> tuple[User, Driver]:
    """A driver registers himself: links his existing file (same ID and phone) or opens a new one.

    ``phone_proof`` is the registration code he received on that number, just used
    (``accounts.codes.verify_code``): without it nothing is registered. A file found by
    the ID number is claimed only when it holds the same number, so the code went to the
    phone on the file; a file without a number is claimed through staff.
    """
    parsed = clean_id(id_number)
    mobile = _clean_phone(phone_number)
    if not codes.proves(phone_proof, mobile, codes.Purpose.REGISTER):
        raise DomainError(
            _("Prove your mobile number with the code we text to it."),
            code="phone_not_proven",
            field="code",
        )
    if Consent.Purpose.FILE not in consents or Consent.Purpose.SENSITIVE not in consents:
        raise DomainError(
            _("Keeping your file and processing your ID number need your consent."),
            code="consent_required",
        )
    if User.objects.filter(phone_hash=pii.lookup_hash(mobile, kind="phone")).exists():
        raise Conflict(
            _("This mobile number already has a login. Log in, or ask staff to reset it."),
            code="login_exists",
        )
    id_hash = pii.lookup_hash(parsed.number, kind="id")
    driver = Driver.objects.select_for_update().filter(id_hash=id_hash).first()
    if driver is not None:
        if driver.user_id is not None:
            raise Conflict(_("This file already has a login."), code="login_exists")
        if not driver.phone_hash:
            raise DomainError(
                _(
                    "Your file has no mobile number yet. Ask staff at your Driver's Home to "
                    "add it, then register again."
                ),
                code="file_without_phone",
            )
        if driver.phone_hash != pii.lookup_hash(mobile, kind="phone"):
            # Someone who knows a driver's ID number must not take over his file.
            raise DomainError(
                _(
                    "The mobile number does not match the one on your file. "
                    "Ask staff at your Driver's Home to correct it."
                ),
                code="phone_mismatch",
            )
    user = User(username=f"d{mobile}", role=Role.DRIVER, full_name=name.strip(), phone=mobile)
    user.set_password(password)
    try:
        user.save()
    except IntegrityError:
        raise Conflict(_("This mobile number already has a login."), code="login_exists") from None
    if driver is None:
        driver = create_driver(
            actor=user,
            organisation=organisation,
            name=name,
            id_number=parsed.number,
            phone=mobile,
            user=user,
        )
    else:
        driver = update_driver(driver, actor=user, user=user, phone=mobile)
    for purpose in consents:
        record_consent(driver, actor=user, purpose=purpose, channel=Consent.Channel.WEB)
    audit.record(user, "driver.register", driver, organisation=driver.organisation_id)
    return user, driver


def export_for_driver(driver: Driver) -> dict:
    """Everything the platform holds about the driver (for his own download)."""
    from .timeline import timeline_for

    def d(value):
        return value.isoformat() if value else None

    return {
        "file": {
            "name": driver.name,
            "id_number": driver.id_number,
            "phone": driver.phone,
            "birth_date": d(driver.birth_date),
            "sex": driver.get_sex_display() if driver.sex else "",
            "hometown": driver.hometown,
            "household_registration": driver.household_registration,
            "residence": driver.get_residence_type_display(),
            "tags": driver.tags,
            "licence_class": driver.licence_class,
            "licence_expiry": d(driver.licence_expiry),
            "qualification_expiry": d(driver.qualification_expiry),
            "social_insurance": driver.get_social_insurance_display(),
            "party_membership": driver.get_party_membership_display(),
            "party_branch": driver.party_branch,
            "union_member": driver.union_member,
            "employer": driver.employer.name if driver.employer_id else "",
            "file_held_by": driver.organisation.name,
            "care_broker": driver.care_broker.display_name if driver.care_broker_id else "",
            "created_at": d(driver.created_at),
        },
        "family": [
            {
                "relation": m.get_relation_display(),
                "name": m.name,
                "birth_date": d(m.birth_date),
                "school": m.school,
                "grade": m.grade,
                "employment": m.get_employment_display(),
            }
            for m in driver.family.all()
        ],
        "vehicles": [
            {"plate": v.plate, "type": v.get_truck_type_display()} for v in driver.vehicles.all()
        ],
        "employment": [
            {"employer": e.employer.name, "from": d(e.started_on), "until": d(e.ended_on)}
            for e in driver.employment.select_related("employer")
        ],
        "housing": [
            {
                "apartment": str(a.apartment),
                "moved_in": d(a.started_on),
                "moved_out": d(a.ended_on),
            }
            for a in driver.allocations.select_related("apartment__building")
        ],
        "consents": [
            {
                "purpose": c.get_purpose_display(),
                "how": c.get_channel_display(),
                "given": d(c.given_at),
                "withdrawn": d(c.withdrawn_at),
            }
            for c in driver.consents.all()
        ],
        "timeline": [
            {
                "at": d(e["at"]),
                "kind": e["kind"],
                "title": str(e["title"]),
                "detail": str(e.get("detail", "")),
            }
            for e in timeline_for(driver, driver.user, limit=500)
        ],
    }


@transaction.atomic
def anonymise_driver(driver: Driver, *, actor, reason: str = "") -> Driver:
    """Delete what identifies the driver; keep what the statistics count.

    Kept: the file's organisation, employer, residence type, lifecycle node, tags,
    birth year, sex, and every service record, request and check-in pointing at it.
    Removed: name, ID and phone numbers and their hashes, hometown, registration,
    party branch, vehicles (plates identify), notes' text, family names and IDs, the login
    (name, phone, e-mail), and his personal key: what the audit log, the access log and
    the notices hold about him was sealed under it and can no longer be read by anyone.
    On SQLite the transaction runs with ``secure_delete``, so the old values are
    overwritten in the database file rather than left in free space.
    """
    with _secure_delete():
        return _anonymise(driver, actor=actor, reason=reason)


class _secure_delete:
    """SQLite: zero the space freed by this transaction's deletes and updates (the
    erased values would otherwise stay readable in free pages until reused)."""

    def __enter__(self):
        from django.db import connection

        self.connection = connection if connection.vendor == "sqlite" else None
        if self.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA secure_delete")
                self.before = cursor.fetchone()[0]
                cursor.execute("PRAGMA secure_delete = ON")
        return self

    def __exit__(self, *exc):
        if self.connection is not None:
            with self.connection.cursor() as cursor:
                if not self.before:
                    cursor.execute("PRAGMA secure_delete = OFF")
        return False


def _anonymise(driver: Driver, *, actor, reason: str) -> Driver:
    driver = Driver.objects.select_for_update().get(pk=driver.pk)
    if driver.is_anonymised:
        raise Conflict(_("This file was already anonymised."), code="anonymised")
    label = _("Anonymised driver")
    driver.name = f"{label} {str(driver.public_id)[:8]}"
    driver.name_pinyin = driver.name_initials = ""
    driver.id_number = driver.phone = ""
    driver.id_hash = driver.phone_hash = None
    driver.phone_last4 = ""
    if driver.birth_date:
        driver.birth_date = driver.birth_date.replace(month=1, day=1)
    driver.hometown = driver.household_registration = driver.party_branch = ""
    driver.anonymised_at = timezone.now()
    user = driver.user
    names = {driver.phone, getattr(user, "username", ""), getattr(user, "phone", "")} - {""}
    driver.user = None
    driver.save()
    for member in driver.family.all():
        member.name = str(member.get_relation_display())
        member.id_number = member.phone = ""
        member.id_hash = member.phone_hash = ""
        member.school = member.employer_name = ""
        if member.birth_date:
            member.birth_date = member.birth_date.replace(month=1, day=1)
        member.save()
    driver.vehicles.all().delete()
    driver.notes.update(text="—")
    CorrectionRequest.objects.filter(driver=driver).delete()
    driver.consents.filter(withdrawn_at__isnull=True).update(withdrawn_at=timezone.now())
    if user is not None:
        # His WeChat openid goes with his login (the binding is his alone).
        WeChatBinding.objects.filter(user=user).delete()
        user.is_active = False
        user.full_name = user.first_name = user.last_name = user.email = ""
        user.phone = ""
        user.username = f"deleted-{user.pk}"
        user.set_unusable_password()
        user.save()
    personal.erase(driver)
    _forget_notice_addresses(driver)
    _forget_logins(names)
    # Written after the erasure, in clear: the file's new name and why it was erased.
    audit.record(
        actor, "driver.anonymise", driver, organisation=driver.organisation_id, note=reason
    )
    return driver


def _forget_logins(names: set[str]) -> None:
    """django-axes' records of his logins and failed attempts name him by what he typed
    (his username or mobile number)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__in=names).delete()


def _forget_notice_addresses(driver: Driver) -> None:
    """The masked phone of the notices sent to him (their text and number were sealed)."""
    from driverhome.notifications.models import Notification

    Notification.objects.filter(driver=driver).exclude(phone_masked="").update(phone_masked="")


# --- apartments ----------------------------------------------------------------------------------


@transaction.atomic
def allocate_apartment(
    apartment: Apartment, driver: Driver, *, actor, started_on: date | None = None
) -> Allocation:
    apartment = (
        Apartment.objects.select_for_update().select_related("building").get(pk=apartment.pk)
    )
    housing.check_open(apartment)
    if Allocation.objects.filter(apartment=apartment, ended_on__isnull=True).exists():
        raise Conflict(_("This apartment is occupied."), code="occupied")
    if Allocation.objects.filter(driver=driver, ended_on__isnull=True).exists():
        raise Conflict(_("This driver already has an apartment."), code="has_apartment")
    housing.check_fits(apartment, driver)
    try:
        with transaction.atomic():
            allocation = Allocation.objects.create(
                apartment=apartment,
                driver=driver,
                started_on=started_on or timezone.localdate(),
                created_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        raise Conflict(_("Someone allocated this apartment a moment ago.")) from None
    WaitingListEntry.objects.filter(
        driver=driver, building=apartment.building, status=WaitingListEntry.Status.WAITING
    ).update(status=WaitingListEntry.Status.ALLOCATED)
    if driver.residence_type != ResidenceType.APARTMENT:
        Driver.objects.filter(pk=driver.pk).update(residence_type=ResidenceType.APARTMENT)
    audit.record(
        actor,
        "apartment.allocate",
        driver,
        changes={"apartment": [None, str(apartment)]},
        organisation=apartment.building.organisation_id,
    )
    return allocation


#: where a driver lives after leaving the base's apartment, unless staff say otherwise
RESIDENCE_AFTER_VACATING = ResidenceType.RENTED


@transaction.atomic
def vacate(
    allocation: Allocation,
    *,
    actor,
    ended_on: date | None = None,
    reason: str = "",
    residence_type: str | None = RESIDENCE_AFTER_VACATING,
) -> Allocation:
    """End an allocation. The driver's residence type, "base apartment" while he lived there,
    becomes ``residence_type`` (rented nearby unless staff say where he goes; ``None`` keeps
    it, as a transfer to another apartment does)."""
    if residence_type == ResidenceType.APARTMENT or (
        residence_type is not None and residence_type not in ResidenceType.values
    ):
        raise DomainError(
            _("Say where the driver lives now: not in a base apartment."),
            code="invalid_residence",
            field="residence_type",
        )
    updated = Allocation.objects.filter(pk=allocation.pk, ended_on__isnull=True).update(
        ended_on=ended_on or timezone.localdate(), end_reason=reason[:120]
    )
    if not updated:
        raise Conflict(_("This apartment was already vacated."))
    allocation.refresh_from_db()
    changes = {"apartment": [str(allocation.apartment), None]}
    if residence_type is not None:
        moved = Driver.objects.filter(
            pk=allocation.driver_id, residence_type=ResidenceType.APARTMENT
        ).update(residence_type=residence_type, updated_at=timezone.now())
        if moved:
            changes["residence_type"] = [ResidenceType.APARTMENT.value, residence_type]
            allocation.driver.residence_type = residence_type
    audit.record(
        actor,
        "apartment.vacate",
        allocation.driver,
        changes=changes,
        organisation=allocation.apartment.building.organisation_id,
        note=reason,
    )
    return allocation


@transaction.atomic
def transfer(allocation: Allocation, to: Apartment, *, actor) -> Allocation:
    vacate(
        allocation,
        actor=actor,
        reason=_("Transferred to %(apartment)s") % {"apartment": to},
        residence_type=None,
    )
    return allocate_apartment(to, allocation.driver, actor=actor)


@transaction.atomic
def join_waiting_list(
    building: Building, driver: Driver, *, actor, household_size: int = 1, note: str = ""
) -> WaitingListEntry:
    if WaitingListEntry.objects.filter(
        building=building, driver=driver, status=WaitingListEntry.Status.WAITING
    ).exists():
        raise Conflict(_("This driver is already on the waiting list."), code="already_waiting")
    with conflict_on_duplicate(
        _("This driver is already on the waiting list."), code="already_waiting"
    ):
        entry = WaitingListEntry.objects.create(
            building=building,
            driver=driver,
            household_size=max(1, household_size),
            note=note[:200],
        )
    audit.record(
        actor,
        "apartment.waiting_list",
        driver,
        changes={"building": [None, building.name]},
        organisation=building.organisation_id,
    )
    return entry


@transaction.atomic
def withdraw_waiting(entry: WaitingListEntry, *, actor) -> WaitingListEntry:
    updated = WaitingListEntry.objects.filter(
        pk=entry.pk, status=WaitingListEntry.Status.WAITING
    ).update(status=WaitingListEntry.Status.WITHDRAWN)
    if not updated:
        raise Conflict(_("This entry is no longer waiting."))
    entry.refresh_from_db()
    audit.record(
        actor,
        "apartment.waiting_withdrawn",
        entry.driver,
        organisation=entry.building.organisation_id,
    )
    return entry
