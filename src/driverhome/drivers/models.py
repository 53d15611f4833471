"""The driver's file (一人一档): drivers, families, vehicles, employers, apartments, consent, notes.

Personal identifiers (ID and phone numbers) are held only as ciphertext
(:class:`core.pii.EncryptedTextField`) with a keyed hash beside them for exact
lookup and uniqueness; ``phone_last4`` and the name's pinyin and initials are
stored in indexed columns so search stays an index lookup on a million rows.

Scoping: staff see the drivers whose file is held in their organisation's
subtree; a care broker also sees the drivers assigned to him; a driver sees his
own file only.

Workflows:

* ``Allocation``: active (``ended_on`` empty) -> ended (vacated or transferred).
  One active allocation per apartment and per driver (database constraints); the
  household (the driver and the family members living with him) fits the apartment's
  capacity, and neither the apartment nor its building is out of service.
* ``Building`` / ``Apartment``: in service <-> out of service, only while nobody lives
  there (drivers/housing.py).
* ``WaitingListEntry``: waiting -> allocated | withdrawn.
* ``CorrectionRequest``: pending -> confirmed | rejected (decided by staff).
* ``ImportJob``: pending -> running -> done | failed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from driverhome.accounts.models import Organisation, PersonalKey, Role
from driverhome.accounts.scoping import ScopedQuerySet, subtree_ids
from driverhome.core import pii, validation


class DriverScopedQuerySet(ScopedQuerySet):
    """Scope for the driver and everything hanging off a driver.

    ``driver_path`` is the lookup from this model to its Driver ("" for Driver itself).
    """

    driver_path: str = ""

    @classmethod
    def for_model(cls, *, driver_path: str):
        prefix = f"{driver_path}__" if driver_path else ""
        subclass = type(
            cls.__name__,
            (cls,),
            {
                "driver_path": driver_path,
                "scope_field": f"{prefix}organisation",
                "__module__": cls.__module__,
            },
        )
        return models.Manager.from_queryset(subclass)()

    def _prefix(self) -> str:
        return f"{self.driver_path}__" if self.driver_path else ""

    def for_user(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.BROKER and not user.is_superuser:
            path = user.scope_path
            assigned = Q(**{f"{self._prefix()}care_broker": user})
            if path is None:
                return self.filter(assigned)
            if path == "/":
                return self
            return self.filter(
                Q(**{f"{self.scope_field}__in": subtree_ids(path)}) | assigned
            ).distinct()
        return super().for_user(user)

    def for_driver(self, user):
        return self.filter(**{f"{self._prefix()}user": user})

    def active(self):
        return self.filter(**{f"{self._prefix()}anonymised_at__isnull": True})

    def with_tag(self, tag: str):
        return self.filter(**{f"{self._prefix()}tags__icontains": f'"{tag}"'})


class ResidenceType(models.TextChoices):
    APARTMENT = "apartment", _("Base apartment")
    RENTED = "rented", _("Rented nearby")
    CAB = "cab", _("Lives in the cab")
    LOCAL = "local", _("Local resident")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Tag(models.TextChoices):
    HARDSHIP = "hardship", _("Hardship")
    VETERAN = "veteran", _("Veteran")
    DISABILITY = "disability", _("Disability")
    MODEL_WORKER = "model_worker", _("Model worker")
    NEW_ARRIVAL = "new_arrival", _("New arrival")
    ELDERLY = "elderly", _("Over 55")
    VOLUNTEER = "volunteer", _("Volunteer")


class LicenceClass(models.TextChoices):
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    A3 = "A3", "A3"
    B1 = "B1", "B1"
    B2 = "B2", "B2"
    C1 = "C1", "C1"
    C2 = "C2", "C2"


class SocialInsurance(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    EMPLOYEE = "employee", _("Insured by employer")
    FLEXIBLE = "flexible", _("Insured as flexible worker")
    RESIDENT = "resident", _("Resident scheme only")
    NONE = "none", _("Not insured")


class PartyMembership(models.TextChoices):
    NONE = "none", _("Not a member")
    MEMBER = "member", _("Party member")
    MOBILE = "mobile", _("Mobile party member")
    PROBATIONARY = "probationary", _("Probationary member")


class Driver(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    # Search keys, kept in step with ``name`` by actions (see drivers/search.py).
    name_pinyin = models.CharField(max_length=120, blank=True, db_index=True, editable=False)
    name_initials = models.CharField(max_length=30, blank=True, db_index=True, editable=False)

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("file held by"),
        on_delete=models.PROTECT,
        related_name="driver_files",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="driver_file",
    )
    care_broker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("care broker"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="brokered_drivers",
    )
    employer = models.ForeignKey(
        Organisation,
        verbose_name=_("employer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employed_drivers",
        limit_choices_to={"kind": Organisation.Kind.LOGISTICS_COMPANY},
    )

    # Protected identifiers: ciphertext + keyed hash; never in clear in the database.
    id_number = pii.EncryptedTextField(_("ID number"), blank=True, default="")
    # NULL when there is no value (anonymised files): plain unique indexes, usable by IN lookups.
    id_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    phone = pii.EncryptedTextField(_("mobile phone"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, default="", db_index=True)
    # His own key: the audit and access logs and his notices hold his values sealed under
    # it; erasure destroys it (accounts/personal.py). Created on first use.
    personal_key = models.ForeignKey(
        PersonalKey,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # Derived from the ID number.
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)

    hometown = models.CharField(_("hometown"), max_length=60, blank=True)
    household_registration = models.CharField(
        _("household registration"), max_length=120, blank=True
    )
    residence_type = models.CharField(
        _("residence"),
        max_length=16,
        choices=ResidenceType.choices,
        default=ResidenceType.RENTED,
        db_index=True,
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    current_node = models.ForeignKey(
        "services.LifecycleNode",
        verbose_name=_("lifecycle node"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drivers",
    )

    licence_class = models.CharField(
        _("driving licence class"), max_length=4, choices=LicenceClass.choices, blank=True
    )
    licence_expiry = models.DateField(_("driving licence expiry"), null=True, blank=True)
    qualification_expiry = models.DateField(
        _("qualification certificate expiry"), null=True, blank=True
    )
    social_insurance = models.CharField(
        _("social insurance"),
        max_length=16,
        choices=SocialInsurance.choices,
        default=SocialInsurance.UNKNOWN,
    )
    party_membership = models.CharField(
        _("party membership"),
        max_length=16,
        choices=PartyMembership.choices,
        default=PartyMembership.NONE,
    )
    party_branch = models.CharField(_("party branch"), max_length=120, blank=True)
    union_member = models.BooleanField(_("union member"), default=False)

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)

    objects = DriverScopedQuerySet.for_model(driver_path="")

    class Meta:
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="driver_org_created_idx"),
            # The drivers list of a large area (a city, a province) in its order: walked
            # backwards, keeping the rows of the area, instead of sorting the area's drivers.
            models.Index(fields=["-created_at", "-id"], name="driver_created_idx"),
            models.Index(fields=["employer"], name="driver_employer_idx"),
            # A search by a Chinese name is a prefix match on it (drivers/search.py):
            # LIKE 'x%' on PostgreSQL needs the pattern operator class, SQLite a plain index.
            models.Index(
                fields=["name"], name="driver_name_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_masked(self) -> str:
        return pii.mask_id(self.id_number)

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(self.phone)

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    def set_id_number(self, value: str) -> None:
        from driverhome.core import idnumber

        self.id_number = value
        if value:
            parsed = idnumber.parse(value)
            self.id_number = parsed.number
            self.id_hash = pii.lookup_hash(parsed.number, kind="id")
            self.birth_date = parsed.birth_date
            self.sex = parsed.sex
        else:
            self.id_hash = None

    def set_phone(self, value: str) -> None:
        self.phone = value
        self.phone_hash = pii.lookup_hash(value, kind="phone") if value else None
        self.phone_last4 = value[-4:] if value else ""

    def age_on(self, day) -> int | None:
        if not self.birth_date:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class FamilyMember(models.Model):
    class Relation(models.TextChoices):
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        OTHER = "other", _("Other relative")

    class Employment(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        EMPLOYED = "employed", _("Employed")
        SEEKING = "seeking", _("Looking for work")
        HOME = "home", _("At home")
        WORKSHOP = "workshop", _("Kasao workshop")
        STUDENT = "student", _("Student")
        PRESCHOOL = "preschool", _("Pre-school")
        RETIRED = "retired", _("Retired")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    driver = models.ForeignKey(
        Driver, verbose_name=_("driver"), on_delete=models.CASCADE, related_name="family"
    )
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    id_number = pii.EncryptedTextField(_("ID number"), blank=True, default="")
    id_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    phone = pii.EncryptedTextField(_("mobile phone"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    lives_with_driver = models.BooleanField(_("lives with the driver"), default=True)
    school = models.CharField(_("school"), max_length=120, blank=True)
    grade = models.CharField(pgettext_lazy("school grade", "grade"), max_length=30, blank=True)
    employment = models.CharField(
        _("employment"), max_length=12, choices=Employment.choices, default=Employment.UNKNOWN
    )
    employer_name = models.CharField(_("employer"), max_length=120, blank=True)
    monthly_income = models.PositiveIntegerField(_("monthly income (yuan)"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = DriverScopedQuerySet.for_model(driver_path="driver")

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        indexes = [models.Index(fields=["relation", "birth_date"], name="family_rel_birth_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def id_masked(self) -> str:
        return pii.mask_id(self.id_number)

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(self.phone)

    def age_on(self, day) -> int | None:
        if not self.birth_date:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class Vehicle(models.Model):
    class TruckType(models.TextChoices):
        TRACTOR = "tractor", _("Container tractor")
        BOX = "box", _("Box truck")
        FLATBED = "flatbed", _("Flatbed")
        TANKER = "tanker", _("Tanker")
        REFRIGERATED = "reefer", _("Refrigerated")
        OTHER = "other", _("Other")

    class Ownership(models.TextChoices):
        OWN = "own", _("Own vehicle")
        COMPANY = "company", _("Company vehicle")
        AFFILIATED = "affiliated", _("Affiliated (挂靠)")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    driver = models.ForeignKey(
        Driver, verbose_name=_("driver"), on_delete=models.CASCADE, related_name="vehicles"
    )
    plate = models.CharField(_("plate"), max_length=10, db_index=True)
    truck_type = models.CharField(
        _("truck type"), max_length=10, choices=TruckType.choices, default=TruckType.TRACTOR
    )
    ownership = models.CharField(
        _("ownership"), max_length=10, choices=Ownership.choices, default=Ownership.COMPANY
    )
    new_energy = models.BooleanField(_("new energy"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = DriverScopedQuerySet.for_model(driver_path="driver")

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            models.UniqueConstraint(fields=["driver", "plate"], name="vehicle_driver_plate_unique")
        ]
        # A plate searched without its province character, by a part or by its last digits
        # (drivers/search.py) is a prefix of one of its tails from the 2nd to the 5th
        # character: indexes on those expressions, vehicle_plate_from_N_idx, are made by
        # migration 0008 in each engine's own words (PostgreSQL needs the pattern operator
        # class on the expression, which a portable Index cannot say).

    def __str__(self) -> str:
        return self.plate


class EmploymentHistory(models.Model):
    """One period with one employer; the open one matches ``Driver.employer``."""

    driver = models.ForeignKey(
        Driver, verbose_name=_("driver"), on_delete=models.CASCADE, related_name="employment"
    )
    employer = models.ForeignKey(
        Organisation,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="employment_history",
    )
    started_on = models.DateField(_("from"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = DriverScopedQuerySet.for_model(driver_path="driver")

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employment history")
        ordering = ["-started_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.driver} @ {self.employer}"


class Consent(models.Model):
    class Purpose(models.TextChoices):
        FILE = "file", _("Keeping my file")
        SENSITIVE = "sensitive", _("Processing sensitive information (ID, family, children)")
        CONTACT = "contact", _("Contact by SMS and phone")
        SHARING = "sharing", _("Sharing with the handling units for my requests")

    class Channel(models.TextChoices):
        WEB = "web", _("Online")
        PAPER = "paper", _("Signed on paper")
        IMPORT = "import", _("Collected by the employer")
        STAFF = "staff", _("Recorded by staff")

    driver = models.ForeignKey(
        Driver, verbose_name=_("driver"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    version = models.CharField(_("text version"), max_length=20, default="2026-01")
    channel = models.CharField(_("how"), max_length=10, choices=Channel.choices)
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DriverScopedQuerySet.for_model(driver_path="driver")

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.driver} {self.purpose}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class Note(models.Model):
    driver = models.ForeignKey(
        Driver, verbose_name=_("driver"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = DriverScopedQuerySet.for_model(driver_path="driver")

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:40]


class CorrectionRequest(models.Model):
    """A driver's correction of a protected field, waiting for staff to confirm it.

    The field is his own, or that of one of his family members (``family_member``: the
    ID number he gives for a spouse or child is checked by staff like his own).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    driver = models.ForeignKey(
        Driver, verbose_name=_("driver"), on_delete=models.CASCADE, related_name="corrections"
    )
    family_member = models.ForeignKey(
        FamilyMember,
        verbose_name=_("family member"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    field = models.CharField(_("field"), max_length=32)
    # May be an ID or phone number: encrypted like the field itself.
    new_value = pii.EncryptedTextField(_("new value"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=200, blank=True)

    objects = DriverScopedQuerySet.for_model(driver_path="driver")

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self) -> str:
        return f"{self.driver} {self.field}"


class Building(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=80)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("managed by"),
        on_delete=models.PROTECT,
        related_name="buildings",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)
    # A building out of service (renovation, closure) takes no new households, and its
    # apartments leave the dashboard's count; it is taken out only once nobody lives there.
    out_of_service = models.BooleanField(_("out of service"), default=False)

    objects = ScopedQuerySet.as_manager(scope_field="organisation")

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Apartment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="apartments"
    )
    number = models.CharField(pgettext_lazy("apartment", "number"), max_length=16)
    floor = models.PositiveSmallIntegerField(_("floor"), default=1)
    capacity = models.PositiveSmallIntegerField(_("capacity (persons)"), default=4)
    out_of_service = models.BooleanField(_("out of service"), default=False)

    objects = ScopedQuerySet.as_manager(scope_field="building__organisation")

    class Meta:
        verbose_name = _("apartment")
        verbose_name_plural = _("apartments")
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="apartment_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.building.name} {self.number}"


class Allocation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    apartment = models.ForeignKey(
        Apartment, verbose_name=_("apartment"), on_delete=models.PROTECT, related_name="allocations"
    )
    driver = models.ForeignKey(
        Driver, verbose_name=_("driver"), on_delete=models.PROTECT, related_name="allocations"
    )
    started_on = models.DateField(_("moved in"))
    ended_on = models.DateField(_("moved out"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager(scope_field="apartment__building__organisation")

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.UniqueConstraint(
                fields=["apartment"],
                condition=Q(ended_on__isnull=True),
                name="allocation_one_household_per_apartment",
            ),
            models.UniqueConstraint(
                fields=["driver"],
                condition=Q(ended_on__isnull=True),
                name="allocation_one_apartment_per_driver",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.apartment} ← {self.driver}"


class WaitingListEntry(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        ALLOCATED = "allocated", _("Allocated")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="waiting"
    )
    driver = models.ForeignKey(
        Driver, verbose_name=_("driver"), on_delete=models.CASCADE, related_name="waiting"
    )
    applied_at = models.DateTimeField(_("applied"), default=timezone.now, db_index=True)
    household_size = models.PositiveSmallIntegerField(_("household size"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager(scope_field="building__organisation")

    class Meta:
        verbose_name = _("waiting list entry")
        verbose_name_plural = _("waiting list")
        ordering = ["applied_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "driver"],
                condition=Q(status="waiting"),
                name="waiting_once_per_building",
            )
        ]

    def __str__(self) -> str:
        return f"{self.building} {self.driver}"


class ImportJob(models.Model):
    """One roster upload, run as a job of the job queue (drivers/tasks.py).

    The file itself is kept encrypted outside the database and removed after the run (or
    after ``IMPORT_UPLOAD_RETENTION_HOURS`` at the latest). A running job names the process
    that claimed it (``worker``) and keeps ``heartbeat_at`` fresh; a job whose process is
    gone is marked failed by ``importer.recover_jobs``, with the rows committed so far.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="driver_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=200)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(
        pgettext_lazy("import outcome", "created"), default=0
    )
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    rejected_count = models.PositiveIntegerField(
        pgettext_lazy("import outcome", "rejected"), default=0
    )
    error = models.TextField(_("error"), blank=True)
    # host:pid:start of the process running the job, and its last sign of life.
    worker = models.CharField(max_length=120, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    # [[row, outcome, column, reason], ...] — never clear ID or phone numbers.
    results = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager(scope_field="organisation")

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.filename

    @property
    def error_rows(self) -> list[list]:
        """The first 500 rejected rows (the page; the Excel report has them all)."""
        return [r for r in self.results if r[1] == "rejected"][:500]

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in (self.Status.DONE, self.Status.FAILED) else 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))


# Rules the model fields cannot carry themselves (core/validation.py): the clear value of an
# encrypted number, and tags, a JSON list of Tag values, each at most once.
for _model in ("Driver", "FamilyMember"):
    validation.declare(globals()[_model], "id_number", validation.Rule(max_length=18))
    validation.declare(globals()[_model], "phone", validation.Rule(max_length=20))
validation.declare(
    Driver,
    "tags",
    validation.Rule(
        max_items=len(Tag.values), item=validation.Rule(choices=validation.choices_of(Tag))
    ),
)
