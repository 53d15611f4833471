"""Red Collar Markets, training sessions, briefings and activities.

An :class:`Event` happens at a Driver's Home (``station``) and is organised by an
organisation (``organiser``, the scope: staff see the events their subtree
organises or that take place at the sites their subtree runs). Events may come
from a repeating :class:`Schedule`; each occurrence is then an ordinary event
that can be moved or cancelled on its own.

Event status (``EventChange`` keeps every transition, append-only)::

    scheduled -> cancelled      (cancel_event: registered drivers are told)
    scheduled -> held           (close_event: after it took place; no-shows are counted)
    scheduled -> scheduled      (move_event: new start/end; registered drivers are told)

Registration status (``RegistrationChange`` keeps every transition)::

    (new) -> confirmed | pending | waitlisted
    pending -> confirmed        (the driver confirms in time)
    pending -> expired          (not confirmed before ``confirm_by``; the place goes to the next)
    waitlisted -> pending       (a place freed: the first on the waiting list moves up)
    confirmed | pending | waitlisted -> cancelled

A driver signing up himself is confirmed at once (one tap). A registration made
by staff, and a place offered from the waiting list, are *pending* until the
driver confirms. Pending and confirmed registrations hold a place.
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from driverhome.accounts.models import Role
from driverhome.accounts.scoping import ScopedQuerySet

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_code(prefix: str) -> str:
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


class Kind(models.TextChoices):
    MARKET = "market", pgettext_lazy("event kind", "Red Collar Market")
    TRAINING = "training", pgettext_lazy("event kind", "Training session")
    BRIEFING = "briefing", pgettext_lazy("event kind", "Policy briefing")
    ACTIVITY = "activity", pgettext_lazy("event kind", "Activity")


class EventScopedQuerySet(ScopedQuerySet):
    """Staff see events organised in their subtree or held at sites their subtree runs.

    Drivers see every event that is published (not cancelled) — the calendar is public
    to drivers; their own registrations are read through ``Registration``.
    """

    scope_field = "organiser"

    def in_subtree(self, path: str):
        if path == "/":
            return self
        return self.filter(
            Q(organiser__path__startswith=path) | Q(station__operator__path__startswith=path)
        )

    def for_driver(self, user):
        return self.exclude(status=Event.Status.CANCELLED)


class Schedule(models.Model):
    """A repeating rule that generates events: weekly, or the nth weekday(s) of each month."""

    class Rule(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        MONTHLY = "monthly", _("Monthly, on given weekdays")

    code = models.CharField(_("code"), max_length=16, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MARKET)
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    organiser = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="event_schedules",
    )
    rule = models.CharField(_("repeats"), max_length=16, choices=Rule.choices)
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # 0 Monday .. 6 Sunday
    #: which weekdays of the month for MONTHLY: [2, -1] = second and last
    nths = models.JSONField(_("weeks of the month"), default=list, blank=True)
    interval = models.PositiveSmallIntegerField(_("every n weeks"), default=1)
    first_date = models.DateField(pgettext_lazy("date", "from"))
    last_date = models.DateField(pgettext_lazy("date", "until"))
    start_time = models.TimeField(_("starts at"))
    end_time = models.TimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    skip_holidays = models.BooleanField(_("skip statutory holidays"), default=True)
    course = models.ForeignKey(
        "services.TrainingCourse",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ScopedQuerySet.as_manager(scope_field="organiser")

    class Meta:
        verbose_name = _("repeating schedule")
        verbose_name_plural = _("repeating schedules")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="schedule_weekday_valid"
            ),
            models.CheckConstraint(
                condition=Q(last_date__gte=models.F("first_date")), name="schedule_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="schedule_times_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Event(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    STATUS_BADGES = {"scheduled": "badge-blue", "held": "badge-green", "cancelled": "badge-red"}

    code = models.CharField(_("code"), max_length=16, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    organiser = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="organised_events",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED
    )
    schedule = models.ForeignKey(
        Schedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    #: the date the schedule generated this occurrence for (unchanged when it is moved)
    occurrence_date = models.DateField(null=True, blank=True, editable=False)
    #: a training session belongs to a course of the training programme (services app)
    course = models.ForeignKey(
        "services.TrainingCourse",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    service_items = models.ManyToManyField(
        "services.ServiceItem", verbose_name=_("services offered"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    #: when the day-before reminders were sent (claimed with a conditional UPDATE)
    reminders_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = EventScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "held", "cancelled"]),
                name="event_status_valid",
            ),
            # A schedule generates each date once: re-running the generator adds nothing.
            models.UniqueConstraint(
                fields=["schedule", "occurrence_date"],
                condition=Q(schedule__isnull=False),
                name="event_one_occurrence_per_date",
            ),
        ]
        indexes = [
            # The calendar and the driver's upcoming list: events by start time.
            models.Index(fields=["starts_at"], name="event_starts_idx"),
            # figures.py: held markets / training sessions of a kind in a period.
            models.Index(fields=["kind", "status", "starts_at"], name="event_kind_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {timezone.localtime(self.starts_at):%Y-%m-%d}"

    @property
    def status_badge(self) -> str:
        return self.STATUS_BADGES.get(self.status, "")

    @property
    def is_open_for_registration(self) -> bool:
        return self.status == self.Status.SCHEDULED and self.ends_at > timezone.now()


class EventChange(models.Model):
    """Append-only history of an event: created, moved, cancelled, held."""

    class Action(models.TextChoices):
        CREATED = "created", pgettext_lazy("status", "Created")
        MOVED = "moved", _("Moved")
        CANCELLED = "cancelled", _("Cancelled")
        HELD = "held", _("Closed as held")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(max_length=16, choices=Action.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    old_starts_at = models.DateTimeField(null=True, blank=True)
    new_starts_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("EventChange is append-only")
        super().save(*args, **kwargs)


class Participant(models.Model):
    """An organisation taking part in an event, with its stall and what it offers there."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    stall = models.CharField(_("stall"), max_length=40, blank=True)
    offers = models.CharField(_("offers"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("participating organisation")
        verbose_name_plural = _("participating organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "organisation"], name="participant_once_per_event"
            )
        ]
        ordering = ["stall", "pk"]

    def __str__(self) -> str:
        return f"{self.stall} {self.organisation}"


ACTIVE_REGISTRATION = ("pending", "confirmed", "waitlisted")
HOLDS_PLACE = ("pending", "confirmed")


class RegistrationQuerySet(models.QuerySet):
    def for_user(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.DRIVER and not user.is_superuser:
            return self.filter(driver__user=user)
        return self.filter(event__in=Event.objects.for_user(user))


class Registration(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    class Channel(models.TextChoices):
        SELF = "self", _("Signed up himself")
        STAFF = "staff", _("Registered by staff")
        API = "api", _("API")

    STATUS_BADGES = {
        "pending": "badge-amber",
        "confirmed": "badge-green",
        "waitlisted": "badge-blue",
        "cancelled": "",
        "expired": "badge-red",
    }

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    driver = models.ForeignKey(
        "drivers.Driver", on_delete=models.CASCADE, related_name="event_registrations"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    #: the waiting-list order: time of joining it (ties broken by id)
    queued_at = models.DateTimeField(default=timezone.now)
    confirm_by = models.DateTimeField(_("confirm by"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            # One live registration per driver and event (cancelled/expired ones stay as history).
            models.UniqueConstraint(
                fields=["event", "driver"],
                condition=Q(status__in=ACTIVE_REGISTRATION),
                name="registration_one_active_per_driver",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "confirmed", "waitlisted", "cancelled", "expired"]
                ),
                name="registration_status_valid",
            ),
        ]
        indexes = [
            # expire_registrations: pending registrations past their deadline.
            models.Index(
                fields=["confirm_by"],
                condition=Q(status="pending"),
                name="registration_pending_idx",
            ),
            # promote_waitlist: the waiting list of one event in order.
            models.Index(
                fields=["event", "queued_at"],
                condition=Q(status="waitlisted"),
                name="registration_waitlist_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.driver} @ {self.event}"

    @property
    def status_badge(self) -> str:
        return self.STATUS_BADGES.get(self.status, "")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_REGISTRATION


class RegistrationChange(models.Model):
    """Append-only history of a registration's status."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.registration_id} {self.from_status}->{self.to_status}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("RegistrationChange is append-only")
        super().save(*args, **kwargs)


class CheckInQuerySet(models.QuerySet):
    def for_user(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.DRIVER and not user.is_superuser:
            return self.filter(driver__user=user)
        return self.filter(event__in=Event.objects.for_user(user))


class CheckIn(models.Model):
    """A driver present at an event. One per driver and event, whatever the retries."""

    class Method(models.TextChoices):
        DRIVER_QR = "driver_qr", _("Driver's QR code scanned")
        EVENT_QR = "event_qr", _("Driver scanned the event's code")
        LOOKUP = "lookup", _("Found by phone or plate")
        API = "api", _("API")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="check_ins")
    driver = models.ForeignKey("drivers.Driver", on_delete=models.CASCADE, related_name="+")
    registration = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    walk_in = models.BooleanField(_("walk-in"), default=False)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    checked_in_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("time"), default=timezone.now)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["event", "driver"], name="checkin_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.driver} @ {self.event}"


class Feedback(models.Model):
    """An attendee's rating of an event (1-5) and comment; one per driver, may be revised."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="feedback")
    driver = models.ForeignKey("drivers.Driver", on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(pgettext_lazy("registration", "comment"), blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.UniqueConstraint(fields=["event", "driver"], name="feedback_once_per_driver"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 {self.event_id}"


class CompletionQuerySet(models.QuerySet):
    def for_user(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.DRIVER and not user.is_superuser:
            return self.filter(driver__user=user)
        from driverhome.services.models import TrainingCourse

        return self.filter(course__in=TrainingCourse.objects.for_user(user))


class Completion(models.Model):
    """A driver completed a training course (staff confirm it from his attendance): the certificate."""

    certificate_no = models.CharField(_("certificate number"), max_length=24, unique=True)
    course = models.ForeignKey(
        "services.TrainingCourse", on_delete=models.PROTECT, related_name="completions"
    )
    driver = models.ForeignKey("drivers.Driver", on_delete=models.CASCADE, related_name="+")
    sessions_attended = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CompletionQuerySet.as_manager()

    class Meta:
        verbose_name = _("course completion")
        verbose_name_plural = _("course completions")
        constraints = [
            models.UniqueConstraint(fields=["course", "driver"], name="completion_once_per_course")
        ]

    def __str__(self) -> str:
        return self.certificate_no
