"""Outgoing messages: SMS through a pluggable gateway, and notices in the staff console.

A notification is written ``queued`` inside the sender's transaction; after the
commit a background job hands SMS to ``settings.SMS_BACKEND`` and marks it
``sent`` or, after the last attempt, ``failed`` (with the error, visible in the
console and retried from there). Console notices are ``sent`` at once.

    queued → sent
    queued → queued (a failed attempt that will be retried; attempts + 1)
    queued → failed  (the last attempt failed)
    failed → queued  (retried by staff)
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from driverhome.accounts.models import Role, Sealed
from driverhome.core import pii

MAX_ATTEMPTS = 4


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """One's own notices; supervisors and administrators also the failures in their subtree."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        mine = Q(recipient_user=user)
        if user.role in (Role.SUPERVISOR, Role.ADMIN) and user.organisation_id:
            mine |= Q(organisation__path__startswith=user.organisation.path)
        return self.filter(mine)


class Notification(Sealed):
    """One message. A notice about a driver (to him, or to staff about his request) holds
    its text and the phone it goes to sealed under his personal key (``text`` and
    ``phone`` empty): erasing him leaves it unreadable. ``body`` and ``address`` read it."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        CONSOLE = "console", _("Console notice")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    phone = pii.EncryptedTextField(_("phone"), blank=True, default="")
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    driver = models.ForeignKey(
        "drivers.Driver", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    #: the organisation the message is about (who may see a failure)
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    template = models.CharField(_("template"), max_length=40)
    language = models.CharField(max_length=8, default="zh-hans")
    text = models.TextField(_("text"))
    url = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # "My notices" in the console.
            models.Index(fields=["recipient_user", "-created_at"], name="notice_recipient_idx"),
            # The failed-sends page and the retry sweep.
            models.Index(
                fields=["status", "-created_at"],
                name="notice_unsent_idx",
                condition=~Q(status="sent"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel="sms") | ~Q(phone="") | Q(sealed__isnull=False),
                name="notice_sms_has_phone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.phone_masked or self.recipient_user_id}"

    @property
    def body(self) -> str:
        """The text as sent; ``—`` once the person it was about was erased."""
        return self.shown("text")

    @property
    def address(self) -> str:
        """The phone number it goes to ("" once erased)."""
        if not self.sealed:
            return self.phone
        opened = self.opened
        return opened.get("phone", "") if opened else ""
