"""Full-lifecycle service (全周期服务): the catalogue of nodes and service items.

The catalogue is platform-wide data edited by administrators: 14 lifecycle
nodes of a driver's working life, and the service items hung on them. Each
item carries its eligibility as declarative rules (JSON, see
``services/eligibility.py`` for the vocabulary), so administrators change who
is recommended an item without a release.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from driverhome.accounts.scoping import ScopedQuerySet


class LifecycleNode(models.Model):
    """One of the key nodes of a driver's working life (入职, 规划, 社保, 关爱, ...)."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("lifecycle node")
        verbose_name_plural = _("lifecycle nodes")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        """The name in the current language (the Chinese name is the source)."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class ServiceItem(models.Model):
    """A service a driver (or a family member) can receive at one node.

    ``eligibility`` is ``{"match": "all"|"any", "rules": [{"rule": ..., ...}]}``;
    an empty rule list means the item is offered to everyone on request but
    never recommended automatically.
    """

    class Channel(models.TextChoices):
        ON_SITE = "on_site", _("On site")
        MARKET = "market", _("At a market")
        PHONE = "phone", _("By phone")
        REFERRAL = "referral", _("Referral")
        TRAINING = "training", _("Training session")

    class Beneficiary(models.TextChoices):
        DRIVER = "driver", _("The driver")
        CHILD = "child", _("A child")
        SPOUSE = "spouse", _("The spouse")
        FAMILY = "family", _("A family member")

    code = models.CharField(_("code"), max_length=12, unique=True)
    node = models.ForeignKey(
        LifecycleNode, verbose_name=_("node"), on_delete=models.PROTECT, related_name="items"
    )
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    provider = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("provider"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="provided_service_items",
    )
    provider_label = models.CharField(_("provided by"), max_length=80, blank=True)
    channel = models.CharField(
        _("how delivered"), max_length=12, choices=Channel.choices, default=Channel.ON_SITE
    )
    beneficiary = models.CharField(
        _("for"), max_length=8, choices=Beneficiary.choices, default=Beneficiary.DRIVER
    )
    eligibility = models.JSONField(_("eligibility rules"), default=dict, blank=True)
    eligibility_hint = models.CharField(_("eligibility (plain words)"), max_length=120, blank=True)
    clause = models.CharField(_("standard clause"), max_length=120, blank=True)
    # How urgent a recommendation of this item is when no rule says otherwise (0-100).
    base_urgency = models.PositiveSmallIntegerField(_("base urgency"), default=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["node__order", "order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(base_urgency__lte=100), name="service_item_urgency_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def rules(self) -> list[dict]:
        return list((self.eligibility or {}).get("rules") or [])


# --- Records --------------------------------------------------------------------------


def _driver_scoped(driver_path: str = "driver"):
    """Rows hanging off a driver are seen by whoever may see that driver."""
    from driverhome.drivers.models import DriverScopedQuerySet

    return DriverScopedQuerySet.for_model(driver_path=driver_path)


class ServiceRecord(models.Model):
    """A driver (or one of his family) received a service item: when, where, by whom, with what outcome."""

    class Outcome(models.TextChoices):
        DELIVERED = "delivered", _("Delivered")
        REFERRED = "referred", _("Referred on")
        IN_PROGRESS = "in_progress", _("In progress")
        DECLINED = "declined", _("Declined by the driver")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Recorded by staff")
        BULK = "bulk", _("Group record")
        RECOMMENDATION = "recommendation", _("From a recommendation")
        REQUEST = "request", _("From the driver's request")
        EVENT = "event", _("At an event")
        PROGRAMME = "programme", _("From a programme")
        IMPORT = "import", _("Imported")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    driver = models.ForeignKey(
        "drivers.Driver",
        verbose_name=_("driver"),
        on_delete=models.CASCADE,
        related_name="service_records",
    )
    family_member = models.ForeignKey(
        "drivers.FamilyMember",
        verbose_name=_("family member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_records",
    )
    item = models.ForeignKey(
        ServiceItem,
        verbose_name=_("service item"),
        on_delete=models.PROTECT,
        related_name="records",
    )
    delivered_at = models.DateTimeField(_("delivered at"), default=timezone.now)
    place = models.CharField(_("place"), max_length=120, blank=True)
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("Driver's Home"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_records",
    )
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_records",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_records",
    )
    provider = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("provided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delivered_service_records",
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.DELIVERED
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.MANUAL
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = _driver_scoped()

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        indexes = [
            # A driver's journey and "my services": his records newest first.
            models.Index(fields=["driver", "-delivered_at"], name="svc_record_driver_idx"),
            # services_delivered per item and period (figures, dashboard).
            models.Index(fields=["item", "delivered_at"], name="svc_record_item_idx"),
            # The records list and figures by period.
            models.Index(fields=["-delivered_at"], name="svc_record_delivered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} · {self.driver}"


class Recommendation(models.Model):
    """An eligible, not-yet-received item for a driver, kept up to date by ``refresh_recommendations``.

    Transitions: open -> accepted (a record or a request was opened) | dismissed
    (by staff, with a reason); an open row that is no longer eligible is removed
    by the next refresh. Accepted and dismissed rows stay as history.
    """

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("request status", "Open")
        ACCEPTED = "accepted", _("Accepted")
        DISMISSED = "dismissed", _("Dismissed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    driver = models.ForeignKey(
        "drivers.Driver", on_delete=models.CASCADE, related_name="service_recommendations"
    )
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="recommendations")
    family_member = models.ForeignKey(
        "drivers.FamilyMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    urgency = models.PositiveSmallIntegerField(_("urgency"), default=0)
    # [[message id, {parameters}], ...]: translated when shown (see eligibility.render_reasons).
    reasons = models.JSONField(_("why"), default=list, blank=True)
    due = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    computed_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.CharField(_("note"), max_length=200, blank=True)

    objects = _driver_scoped()

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        constraints = [
            # One open suggestion per driver and item: the refresh upserts on it.
            models.UniqueConstraint(
                fields=["driver", "item"],
                condition=models.Q(status="open"),
                name="svc_reco_open_unique",
            )
        ]
        indexes = [
            # The broker's worklist: open rows, most urgent first.
            models.Index(
                fields=["-urgency", "id"],
                condition=models.Q(status="open"),
                name="svc_reco_worklist_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} → {self.driver}"

    @property
    def reason(self) -> str:
        from .eligibility import render_reasons

        return render_reasons(self.reasons)


class ServiceRequest(models.Model):
    """A driver asked for an item ("you may be eligible for …" → "I want this").

    Transitions: open -> done (a service record was made) | declined (with a reason).
    """

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("request status", "Waiting")
        DONE = "done", pgettext_lazy("request status", "Done")
        DECLINED = "declined", _("Declined")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    driver = models.ForeignKey(
        "drivers.Driver", on_delete=models.CASCADE, related_name="service_requests"
    )
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="requests")
    family_member = models.ForeignKey(
        "drivers.FamilyMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recommendation = models.ForeignKey(
        Recommendation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    record = models.ForeignKey(
        ServiceRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = _driver_scoped()

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        constraints = [
            models.UniqueConstraint(
                fields=["driver", "item"],
                condition=models.Q(status="open"),
                name="svc_request_open_unique",
            )
        ]
        indexes = [
            # The worklist panel: open requests oldest first.
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="open"),
                name="svc_request_open_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item.code} ← {self.driver}"


# --- Programme: after-school care (托管) -------------------------------------------------


class CareTerm(models.Model):
    """One term of after-school care at one site, with its capacity."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        related_name="care_terms",
    )
    site_name = models.CharField(_("site"), max_length=120)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    capacity = models.PositiveIntegerField(_("capacity"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ScopedQuerySet.as_manager(scope_field="organisation")

    class Meta:
        verbose_name = _("after-school care term")
        verbose_name_plural = _("after-school care terms")
        ordering = ["-starts_on", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="care_term_dates"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.site_name}"


class CareEnrolment(models.Model):
    """A child in one care term. Transitions: waiting -> enrolled -> completed | withdrawn;
    waiting -> withdrawn. A place freed by a withdrawal goes to the first waiting child."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("On the waiting list")
        ENROLLED = "enrolled", _("Enrolled")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", pgettext_lazy("enrolment", "Withdrawn")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    term = models.ForeignKey(CareTerm, on_delete=models.PROTECT, related_name="enrolments")
    driver = models.ForeignKey(
        "drivers.Driver", on_delete=models.CASCADE, related_name="care_enrolments"
    )
    child = models.ForeignKey(
        "drivers.FamilyMember", on_delete=models.CASCADE, related_name="care_enrolments"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    applied_at = models.DateTimeField(pgettext_lazy("enrolment", "applied"), default=timezone.now)
    enrolled_on = models.DateField(_("enrolled"), null=True, blank=True)
    ended_on = models.DateField(_("ended"), null=True, blank=True)

    objects = _driver_scoped()

    class Meta:
        verbose_name = _("care enrolment")
        verbose_name_plural = _("care enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["term", "child"],
                condition=~models.Q(status="withdrawn"),
                name="care_enrolment_child_once",
            )
        ]
        indexes = [
            # Capacity check and the waiting list of one term.
            models.Index(fields=["term", "status", "applied_at"], name="care_enrolment_term_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.child} · {self.term}"


class CareAttendance(models.Model):
    enrolment = models.ForeignKey(
        CareEnrolment, on_delete=models.CASCADE, related_name="attendance"
    )
    day = models.DateField(_("day"))
    present = models.BooleanField(_("present"), default=True)

    class Meta:
        verbose_name = _("care attendance")
        verbose_name_plural = _("care attendance")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "day"], name="care_attendance_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.day}"


# --- Programme: the 卡嫂 workshop (共富工坊) -----------------------------------------------


class Workshop(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        related_name="workshops",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ScopedQuerySet.as_manager(scope_field="organisation")

    class Meta:
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class WorkshopMember(models.Model):
    """A driver's spouse working for the workshop.

    ``on_site`` members are employed at the workshop itself (the report's
    "employed" count); ``home`` members take processing orders home. Both earn,
    and the family's income gain is the member's monthly earnings minus her
    monthly income before she joined (``income_before``).
    """

    class Mode(models.TextChoices):
        ON_SITE = "on_site", _("At the workshop")
        HOME = "home", _("At home (processing orders)")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="members")
    driver = models.ForeignKey(
        "drivers.Driver", on_delete=models.CASCADE, related_name="workshop_members"
    )
    spouse = models.ForeignKey(
        "drivers.FamilyMember", on_delete=models.CASCADE, related_name="workshop_memberships"
    )
    mode = models.CharField(_("works"), max_length=8, choices=Mode.choices)
    joined_on = models.DateField(_("joined"))
    left_on = models.DateField(_("left"), null=True, blank=True)
    income_before = models.PositiveIntegerField(
        _("monthly income before joining (yuan)"), default=0
    )

    objects = _driver_scoped()

    class Meta:
        verbose_name = _("workshop member")
        verbose_name_plural = _("workshop members")
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "spouse"],
                condition=models.Q(left_on__isnull=True),
                name="workshop_member_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.spouse} · {self.workshop}"


class WorkOrder(models.Model):
    """An order the workshop took on (sewing, assembly, packing ...), paid per piece."""

    class Status(models.TextChoices):
        OPEN = "open", _("In production")
        DONE = "done", _("Delivered to the client")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="orders")
    client = models.CharField(_("client"), max_length=120)
    description = models.CharField(_("work"), max_length=200)
    piece_rate = models.DecimalField(_("pay per piece (yuan)"), max_digits=8, decimal_places=2)
    quantity = models.PositiveIntegerField(_("pieces ordered"))
    received_on = models.DateField(_("received"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-received_on", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class MonthlyEarning(models.Model):
    """What one member produced and earned in one month (first day of the month in ``month``)."""

    member = models.ForeignKey(WorkshopMember, on_delete=models.CASCADE, related_name="earnings")
    month = models.DateField(_("month"))
    order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="earnings"
    )
    pieces = models.PositiveIntegerField(_("pieces"), default=0)
    amount = models.DecimalField(_("earned (yuan)"), max_digits=9, decimal_places=2)
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("monthly earning")
        verbose_name_plural = _("monthly earnings")
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="earning_member_month"),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="earning_month_first_day"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="earning_not_negative"),
        ]
        indexes = [
            # The income-gain figures: all earnings of a period.
            models.Index(fields=["month"], name="earning_month_idx")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%Y-%m} {self.amount}"


# --- Programme: skills training and career change (转岗) ---------------------------------


class TrainingCourse(models.Model):
    """A course (appliance repair, electric heavy trucks ...); its sessions are events."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    item = models.ForeignKey(
        ServiceItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="courses"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        related_name="training_courses",
    )
    hours = models.PositiveSmallIntegerField(pgettext_lazy("training", "hours"), default=0)
    certificate_name = models.CharField(_("certificate"), max_length=120, blank=True)

    objects = ScopedQuerySet.as_manager(scope_field="organisation")

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    driver = models.ForeignKey(
        "drivers.Driver", on_delete=models.CASCADE, related_name="certificates"
    )
    course = models.ForeignKey(
        TrainingCourse,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certificates",
    )
    name = models.CharField(_("certificate"), max_length=120)
    number = models.CharField(_("number"), max_length=60, blank=True)
    issued_on = models.DateField(_("issued"))
    issuer = models.CharField(_("issued by"), max_length=120, blank=True)

    objects = _driver_scoped()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.name


class CareerChange(models.Model):
    """A driver moved to a new job (转岗): from what, to what, when, with which help."""

    class Help(models.TextChoices):
        TRAINING = "training", _("Skills training")
        MATCHING = "matching", _("Job matching")
        REFERRAL = "referral", _("Referral to an employer")
        GUIDANCE = "guidance", _("Career guidance")
        SELF = "self", _("On his own")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    driver = models.ForeignKey(
        "drivers.Driver", on_delete=models.CASCADE, related_name="career_changes"
    )
    from_job = models.CharField(_("from job"), max_length=120)
    to_job = models.CharField(_("to job"), max_length=120)
    new_employer = models.CharField(_("new employer"), max_length=120, blank=True)
    changed_on = models.DateField(_("changed on"))
    help = models.CharField(_("help given"), max_length=10, choices=Help.choices)
    course = models.ForeignKey(
        TrainingCourse, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = _driver_scoped()

    class Meta:
        verbose_name = _("career change")
        verbose_name_plural = _("career changes")
        indexes = [models.Index(fields=["changed_on"], name="career_change_on_idx")]

    def __str__(self) -> str:
        return f"{self.driver}: {self.from_job} → {self.to_job}"
