"""Requests and complaints: the closed loop (收集 → 报送 → 处理 → 反馈 → 回访).

An :class:`Appeal` moves through these statuses; the allowed transitions are
exactly the pairs in ``TRANSITIONS`` below, and :func:`check_transition` is the
one function that decides:

    collected  → reported   (dispatched to a handling unit)
    collected  → withdrawn | merged
    reported   → handling   (the unit accepts it)
    reported   → returned   (the unit sends it back as misdirected, with a reason)
    reported   → withdrawn | merged
    returned   → reported   (dispatched again, usually to another unit)
    returned   → withdrawn | merged
    handling   → answered   (the reply to the driver)
    handling   → withdrawn | merged
    answered   → visited    (return visit: resolved yes / partly / no, satisfaction 1–5)
    visited    → closed
    visited    → handling   (re-handling, 重办: anything short of "resolved, 3 or
                             more" that is on the unit's side; ``rehandle_count`` + 1)
    closed     → handling   (reopened: the driver asked within ``REOPEN_DAYS`` days
                             with a reason, and a supervisor accepted)

The driver's own rating closes the request only when :func:`closes_on_rating`
says so (resolved, 3 or more); anything else waits in ``visited`` for a staff
decision, with a deadline the supervision ladder chases.

``withdrawn`` and ``merged`` are final; ``closed`` is final but for a reopening.
Extension requests, supervision, broker transfers, the driver's added messages
and photos, and reopening requests do not change the status (their rows repeat
the current status). Every transition
writes one append-only :class:`Transition` row; the public ones are the
driver's timeline.

"Overdue" is never stored: ``due_at`` is the deadline of the current stage and
an open request is overdue when ``due_at`` is in the past.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from driverhome.accounts.models import AppendOnly, AppendOnlyQuerySet, Role
from driverhome.accounts.scoping import ScopedQuerySet, subtree_ids
from driverhome.core import dates, pii, validation, workdays
from driverhome.core.errors import Conflict


class AppealType(models.TextChoices):
    ENQUIRY = "enquiry", _("Enquiry")
    HELP = "help", _("Help")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    EMERGENCY = "emergency", _("Emergency")


class Category(models.Model):
    """The editable tree of request categories (groups C01.., leaves C01-01..)."""

    code = models.SlugField(_("code"), max_length=16, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=pgettext_lazy("appeal", "group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    default_type = models.CharField(
        _("default type"), max_length=12, choices=AppealType.choices, default=AppealType.HELP
    )
    #: which kind of unit handles it by default (Organisation.UnitKind, or "site" / "subdistrict")
    default_unit_kind = models.CharField(_("default unit kind"), max_length=24, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class RoutingRule(models.Model):
    """Category → default handling unit in an area (the nearest area rule wins)."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("category")
    )
    area = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("area"),
    )
    unit = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("handling unit"),
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="routing_one_unit_per_area")
        ]

    def __str__(self) -> str:
        return f"{self.category_id} → {self.unit_id}"


class TimeLimit(models.Model):
    """Time limits per type, optionally narrowed to one category (the category row wins)."""

    class DayKind(models.TextChoices):
        WORKING = "working", _("Working days")
        CALENDAR = "calendar", _("Calendar days")

    appeal_type = models.CharField(_("type"), max_length=12, choices=AppealType.choices)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("category")
    )
    answer_days = models.PositiveSmallIntegerField(_("days to answer"))
    day_kind = models.CharField(
        _("day kind"), max_length=10, choices=DayKind.choices, default=DayKind.WORKING
    )
    accept_days = models.PositiveSmallIntegerField(_("working days to accept"), default=1)
    visit_days = models.PositiveSmallIntegerField(_("working days to the return visit"), default=1)
    reminder_percent = models.PositiveSmallIntegerField(
        _("reminder point (percent of the time)"), default=80
    )

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [
            models.UniqueConstraint(
                fields=["appeal_type", "category"], name="timelimit_type_category_unique"
            ),
            models.UniqueConstraint(
                fields=["appeal_type"],
                condition=Q(category__isnull=True),
                name="timelimit_type_default_unique",
            ),
            models.CheckConstraint(
                condition=Q(reminder_percent__gte=1, reminder_percent__lte=99),
                name="timelimit_reminder_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_appeal_type_display()} {self.answer_days}"


def _subtree_condition(path: str) -> Q:
    """Owned by an organisation of the subtree, or handled by a unit of it.

    Compared by id against the subtree's organisations (one indexed range on their path)
    rather than by joining both organisations and testing their paths: the planner then
    filters each candidate row with a hashed list instead of two joins, which made a
    district's overdue worklist over a province's three million requests 2.6 times faster.
    """
    organisations = subtree_ids(path)
    return Q(organisation_id__in=organisations) | Q(handling_unit_id__in=organisations)


class AppealQuerySet(ScopedQuerySet):
    """Staff see requests filed in their subtree, handled by their unit, of drivers whose file
    their subtree holds, or (brokers) of the drivers they follow (see ``access``)."""

    def for_user(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.DRIVER and not user.is_superuser:
            # His own requests, and those they were merged into (he follows the survivor).
            merged_into = Appeal.objects.filter(
                driver__user=user, merged_into__isnull=False
            ).values("merged_into")
            return self.filter(Q(driver__user=user) | Q(pk__in=merged_into))
        from .access import staff_condition

        condition = staff_condition(user)
        if condition is None:
            return self
        return self.filter(condition)

    def in_subtree(self, path: str):
        if path == "/":
            return self
        return self.filter(_subtree_condition(path))

    def open(self):
        return self.filter(status__in=Appeal.OPEN_STATUSES)

    def overdue(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())


class Appeal(models.Model):
    class Status(models.TextChoices):
        COLLECTED = "collected", _("Collected")
        REPORTED = "reported", _("Dispatched")
        RETURNED = "returned", _("Returned as misdirected")
        HANDLING = "handling", _("Being handled")
        ANSWERED = "answered", _("Answered")
        VISITED = "visited", _("Return visit made")
        CLOSED = "closed", pgettext_lazy("appeal", "Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        MERGED = "merged", _("Merged")

    class Channel(models.TextChoices):
        APP = "app", _("Driver app")
        PHONE = "phone", _("Phone call")
        WALK_IN = "walk_in", _("Walk-in")
        MARKET = "market", _("Red Collar Market desk")
        PAPER = "paper", _("Paper form")
        API = "api", _("API")
        OPEN311 = "open311", _("Open311")

    S = Status
    TRANSITIONS: dict[str, frozenset[str]] = {
        S.COLLECTED: frozenset({S.REPORTED, S.WITHDRAWN, S.MERGED}),
        S.REPORTED: frozenset({S.HANDLING, S.RETURNED, S.WITHDRAWN, S.MERGED}),
        S.RETURNED: frozenset({S.REPORTED, S.WITHDRAWN, S.MERGED}),
        S.HANDLING: frozenset({S.ANSWERED, S.WITHDRAWN, S.MERGED}),
        S.ANSWERED: frozenset({S.VISITED}),
        S.VISITED: frozenset({S.CLOSED, S.HANDLING}),
        S.CLOSED: frozenset({S.HANDLING}),
        S.WITHDRAWN: frozenset(),
        S.MERGED: frozenset(),
    }
    OPEN_STATUSES = (S.COLLECTED, S.REPORTED, S.RETURNED, S.HANDLING, S.ANSWERED, S.VISITED)
    FINAL_STATUSES = (S.CLOSED, S.WITHDRAWN, S.MERGED)
    #: stages in which the handling unit owes the answer
    UNIT_STATUSES = (S.REPORTED, S.HANDLING)
    #: days after closing in which the driver may ask to reopen
    REOPEN_DAYS = 15
    #: the lowest satisfaction with which the driver's "resolved" closes the request
    SELF_CLOSE_MIN_SATISFACTION = 3

    tracking_no = models.CharField(_("tracking number"), max_length=20, unique=True)
    appeal_type = models.CharField(_("type"), max_length=12, choices=AppealType.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("category")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    driver = models.ForeignKey(
        "drivers.Driver",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("driver"),
    )
    # A reporter without a driver's file (a hotline caller, an Open311 citizen): his contact
    # is held as ciphertext under the field keys, shown masked (``reporter_*_masked``), in
    # clear only through ``appeals.pii.reporter_contact`` (access-logged).
    reporter_name = pii.EncryptedTextField(_("reporter name"), blank=True, default="")
    reporter_phone = pii.EncryptedTextField(_("reporter phone"), blank=True, default="")
    reporter_email = pii.EncryptedTextField(_("reporter e-mail"), blank=True, default="")
    #: keyed hash of the reporter's phone (``pii.lookup_hash(kind="phone")``): his requests
    reporter_phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    anonymous = models.BooleanField(_("anonymous to the handling unit"), default=False)
    description = models.TextField(_("description"), max_length=4000)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    station = models.ForeignKey(
        "stations.Station",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals",
        verbose_name=_("Driver's Home"),
    )
    event = models.ForeignKey(
        "events.Event",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals",
        verbose_name=_("event"),
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("area"),
    )
    handling_unit = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_appeals",
        verbose_name=_("handling unit"),
    )
    care_broker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="broker_appeals",
        verbose_name=_("care broker"),
    )
    open311_key = models.ForeignKey(
        "appeals.Open311Key", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(pgettext_lazy("appeal", "received"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.COLLECTED
    )
    # Deadlines per stage; due_at is the current stage's deadline (None when final).
    accept_due_at = models.DateTimeField(_("accept by"), null=True, blank=True)
    answer_due_at = models.DateTimeField(_("answer by"), null=True, blank=True)
    visit_due_at = models.DateTimeField(_("return visit by"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True, editable=False)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("appeal", "closed"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    rehandle_count = models.PositiveSmallIntegerField(_("re-handled"), default=0)
    supervised = models.BooleanField(_("under supervision"), default=False)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name=_("merged into"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-received_at"]
        indexes = [
            # The overdue / due-soon worklists: rows walked in deadline order. ``due_at`` is
            # NULL once a request is final, so the index holds open work only; a plain index
            # (not a partial one) because SQLite cannot match a partial index's condition
            # against the bound parameters of ``status IN (...)``.
            models.Index(fields=["due_at"], name="appeal_due_idx"),
            # The console list and the API list (keyset by received_at within an area).
            models.Index(fields=["organisation", "-received_at"], name="appeal_org_received_idx"),
            # A unit's queue.
            models.Index(fields=["handling_unit", "status"], name="appeal_unit_status_idx"),
            # Similar requests on intake and hotspots: same category, recent.
            models.Index(fields=["category", "-received_at"], name="appeal_cat_received_idx"),
            # A driver's own requests.
            models.Index(fields=["driver", "-received_at"], name="appeal_driver_idx"),
            # Figures per period.
            models.Index(fields=["received_at"], name="appeal_received_idx"),
            # A caller's earlier requests, found by his phone's keyed hash (hotline desk).
            models.Index(fields=["reporter_phone_hash"], name="appeal_reporter_phone_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="appeal_merged_has_target",
            ),
            # A date no page could show (year 1 read in Shanghai is year 0) never lands.
            models.CheckConstraint(
                condition=Q(received_at__gte=dates.STORED_EARLIEST)
                & Q(received_at__lt=dates.STORED_LATEST),
                name="appeal_received_at_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_no

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    # A deadline in a year whose holidays are not known yet was counted Monday to Friday;
    # it is shown as provisional until the year's calendar is entered (and it is recomputed).
    @property
    def due_provisional(self) -> bool:
        return self.is_open and workdays.is_provisional(self.due_at)

    @property
    def accept_due_provisional(self) -> bool:
        return self.is_open and workdays.is_provisional(self.accept_due_at)

    @property
    def answer_due_provisional(self) -> bool:
        return self.is_open and workdays.is_provisional(self.answer_due_at)

    @property
    def visit_due_provisional(self) -> bool:
        return self.is_open and workdays.is_provisional(self.visit_due_at)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    @property
    def reporter_label(self) -> str:
        """Who filed it: the driver's name, or the caller's (names are shown as the driver
        file shows them; phone and e-mail only masked)."""
        if self.driver_id:
            return self.driver.name
        return self.reporter_name or "—"

    @property
    def reporter_name_masked(self) -> str:
        return pii.mask_name(self.reporter_name)

    @property
    def reporter_phone_masked(self) -> str:
        return pii.mask_phone(self.reporter_phone)

    @property
    def reporter_email_masked(self) -> str:
        return pii.mask_email(self.reporter_email)

    def set_reporter(self, *, name: str = "", phone: str = "", email: str = "") -> None:
        """The caller's contact (already validated), with its look-up hash."""
        self.reporter_name, self.reporter_phone, self.reporter_email = name, phone, email
        self.reporter_phone_hash = pii.lookup_hash(phone, kind="phone") if phone else ""

    def allowed_next(self) -> frozenset[str]:
        return self.TRANSITIONS.get(self.status, frozenset())


def closes_on_rating(resolved: str, satisfaction: int) -> bool:
    """Whether a rating closes the request by itself: resolved, and 3 of 5 or more."""
    return resolved == ReturnVisit.Resolved.YES and (
        satisfaction >= Appeal.SELF_CLOSE_MIN_SATISFACTION
    )


def weak_rating() -> Q:
    """A return visit short of "resolved, 3 or more" (on ``ReturnVisit`` rows)."""
    return ~Q(resolved=ReturnVisit.Resolved.YES) | Q(
        satisfaction__lt=Appeal.SELF_CLOSE_MIN_SATISFACTION
    )


def check_transition(current: str, target: str) -> None:
    """The one place that decides whether ``current → target`` is allowed."""
    if target in Appeal.TRANSITIONS.get(current, frozenset()):
        return
    from django.utils.translation import gettext

    labels = dict(Appeal.Status.choices)
    raise Conflict(
        gettext("A request that is “%(current)s” cannot become “%(target)s”.")
        % {"current": labels.get(current, current), "target": labels.get(target, target)},
        code="forbidden_transition",
    )


class TrackingCounter(models.Model):
    """The last tracking number issued per day (BL20261128-0042)."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day} {self.last}"


class Transition(AppendOnly):
    """One step of a request's workflow: append-only (never updated or deleted; a request
    is never deleted either, it is withdrawn, merged or closed)."""

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Added by the driver")
        REOPEN_ASKED = "reopen_asked", _("Asked to reopen")
        REOPEN_REFUSED = "reopen_refused", _("Reopening refused")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=Appeal.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Appeal.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    #: the unit or broker the request went to, where it matters
    target = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    public_note = models.TextField(blank=True)
    public = models.BooleanField(default=True)
    at = models.DateTimeField(default=timezone.now)
    #: what a row that keeps the status records (None for a status change); nullable so
    #: that adding it is a plain ADD COLUMN, which leaves the append-only triggers alone
    kind = models.CharField(max_length=16, null=True, blank=True, choices=Kind.choices)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["at", "pk"]
        indexes = [
            # A request's timeline.
            models.Index(fields=["appeal", "at"], name="transition_appeal_idx")
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Photo(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="photos")
    file = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.public_id)


class AwaitsDecision(models.Model):
    """Something asked with a reason that a supervisor decides (an extension, a reopening)."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        abstract = True


class Extension(AwaitsDecision):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", pgettext_lazy("appeal", "Rejected")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("extra working days"))
    reason = models.TextField(_("reason"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appeal"],
                condition=Q(status="pending"),
                name="extension_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(days__gte=1, days__lte=30), name="extension_days_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} +{self.days}"


class ReturnVisit(models.Model):
    class Resolved(models.TextChoices):
        YES = "yes", _("Resolved")
        PARTLY = "partly", _("Partly resolved")
        NO = "no", _("Not resolved")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="visits")
    resolved = models.CharField(_("resolved"), max_length=8, choices=Resolved.choices)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"))
    comment = models.TextField(pgettext_lazy("appeal", "comment"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    round = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1, satisfaction__lte=5),
                name="visit_satisfaction_range",
            ),
            # One visit per handling round (re-handling starts a new round).
            models.UniqueConstraint(fields=["appeal", "round"], name="visit_one_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.resolved} {self.satisfaction}"

    @property
    def satisfied(self) -> bool:
        return self.satisfaction >= 4


class Supervision(models.Model):
    class Kind(models.TextChoices):
        MANUAL = "manual", _("Put under supervision")
        REMINDER = "reminder", _("Reminder before the deadline")
        MISSED = "missed", _("Deadline missed")
        ESCALATED = "escalated", _("Escalated to the supervisor")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="supervisions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    #: the deadline this row is about: the ladder sends each step once per deadline
    due_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # The claim that makes the reminder job idempotent.
            models.UniqueConstraint(
                fields=["appeal", "kind", "due_at"],
                condition=~Q(kind="manual"),
                name="supervision_once_per_deadline",
            )
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.kind}"


class BrokerTransfer(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("appeal", "Waiting")
        ACCEPTED = "accepted", pgettext_lazy("appeal", "Accepted")
        DECLINED = "declined", pgettext_lazy("appeal", "Declined")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="transfers")
    from_broker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    to_broker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incoming_transfers"
    )
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appeal"], condition=Q(status="pending"), name="transfer_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} → {self.to_broker_id}"


class IdempotencyKey(models.Model):
    """A client's retry key: the same key and body give the first result again."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=120)
    request_hash = models.CharField(max_length=64)
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class Open311Key(models.Model):
    """An ``api_key`` for a client system posting Open311 requests; only a hash is stored."""

    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, name: str, organisation) -> tuple[Open311Key, str]:
        prefix = secrets.token_hex(4)
        key = f"o311_{prefix}_{secrets.token_urlsafe(24)}"
        obj = cls.objects.create(
            name=name, prefix=prefix, key_hash=cls.hash_key(key), organisation=organisation
        )
        return obj, key


class Reopening(AwaitsDecision):
    """The driver's request to reopen a closed request, decided by a supervisor."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        ACCEPTED = "accepted", pgettext_lazy("reopening", "Reopened")
        REFUSED = "refused", pgettext_lazy("reopening", "Refused")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="reopenings")
    reason = models.TextField(_("reason"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)

    class Meta:
        verbose_name = _("reopening request")
        verbose_name_plural = _("reopening requests")
        constraints = [
            models.UniqueConstraint(
                fields=["appeal"], condition=Q(status="pending"), name="reopening_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.status}"


# The clear value of the caller's encrypted contact has the bounds its form always had.
validation.declare(Appeal, "reporter_name", validation.Rule(max_length=60))
validation.declare(Appeal, "reporter_phone", validation.Rule(max_length=32))
validation.declare(Appeal, "reporter_email", validation.Rule(max_length=254))
