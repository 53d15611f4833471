"""Outgoing messages: SMS through a pluggable gateway, and notices in the staff console.

A notification is written ``queued`` inside the sender's transaction; after the
commit a background job hands SMS to ``settings.SMS_BACKEND`` and marks it
``sent`` or, after the last attempt, ``failed`` (with the error, visible in the
console and retried from there). Console notices are ``sent`` at once.

    queued → sent
    queued → queued (a failed attempt that will be retried; attempts + 1)
    queued → failed  (the last attempt failed, the provider refused it for good, or the
                      number reached its daily limit)
    failed → queued  (retried by staff)

An SMS is sent to a real provider as a template code with named parameters
(``params``, encrypted); the rendered ``text`` stays for the log gateway, the
console and the message history. The provider's delivery report, pushed to the
callback or fetched by the periodic query, fills ``delivery`` once
(:class:`DeliveryReport` holds one row per message). A resend by staff is a new
notification whose ``resend_of`` names the original.
"""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
        #: an SMS that reached a driver bound to the service account as its notice instead
        WECHAT = "wechat", _("WeChat notice")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")  # claimed by one worker: no other may send it
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Delivery(models.TextChoices):
        DELIVERED = "delivered", pgettext_lazy("sms", "Delivered")
        UNDELIVERED = "undelivered", _("Not delivered")

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
    #: when a worker claimed it for sending; a claim older than the sweep's cutoff was lost
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    #: the template's parameters as sent to a provider, JSON, encrypted (names, answers)
    params = pii.EncryptedTextField(blank=True, default="")
    #: the keyed hash of the phone number: the per-number daily limit counts by it
    phone_hash = models.CharField(max_length=64, blank=True, default="")
    #: the idempotency key handed to the provider (OutId / SessionContext) and the
    #: public code of the message in the API
    out_id = models.UUIDField(default=uuid.uuid4, unique=True, null=True, editable=False)
    provider = models.CharField(
        pgettext_lazy("sms", "provider"), max_length=16, blank=True, default=""
    )
    #: the provider's id of the sent message (Alibaba BizId, Tencent SerialNo)
    provider_message_id = models.CharField(max_length=64, blank=True, default="")
    #: the provider's code of the last refusal (``isv.BUSINESS_LIMIT_CONTROL``, ...)
    provider_code = models.CharField(_("provider code"), max_length=80, blank=True, default="")
    #: the last attempt may have reached the provider (a timeout): before sending again the
    #: provider is asked whether it has the message
    maybe_sent = models.BooleanField(default=False)
    delivery = models.CharField(
        _("delivery"), max_length=12, choices=Delivery.choices, blank=True, default=""
    )
    delivery_code = models.CharField(max_length=80, blank=True, default="")
    delivery_reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    delivered_at = models.DateTimeField(_("delivery reported"), null=True, blank=True)
    resend_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resends"
    )

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
            # The daily limit per number: SMS sent to one number today.
            models.Index(
                fields=["phone_hash", "sent_at"],
                name="notice_phone_day_idx",
                condition=Q(channel="sms"),
            ),
            # Delivery reports find their message by the provider's id.
            models.Index(
                fields=["provider", "provider_message_id"],
                name="notice_provider_msg_idx",
                condition=~Q(provider_message_id=""),
            ),
            # Failures per provider and kind; messages the provider did not deliver.
            models.Index(
                fields=["delivery", "-created_at"],
                name="notice_undelivered_idx",
                condition=Q(delivery="undelivered"),
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
    def template_params(self) -> dict[str, str]:
        """The parameters a provider fills in: sealed with the text when the message is
        about a person ({} once he was erased)."""
        raw = self.shown("params", default=None) if self.sealed else self.params
        return json.loads(raw) if raw else {}

    @property
    def state(self) -> tuple[str, str]:
        """What a person reads of the message's fate: (label, badge colour)."""
        if self.delivery == self.Delivery.DELIVERED:
            return pgettext_lazy("sms", "Delivered"), "green"
        if self.delivery == self.Delivery.UNDELIVERED:
            return _("Not delivered"), "red"
        if self.status == self.Status.SENT:
            return _("Sent"), "blue"
        if self.status == self.Status.FAILED:
            return _("Not sent"), "red"
        return _("Waiting to be sent"), "amber"

    @property
    def needs_attention(self) -> bool:
        """Failed, or sent but reported undelivered: staff may send it again."""
        return self.channel == self.Channel.SMS and (
            self.status == self.Status.FAILED or self.delivery == self.Delivery.UNDELIVERED
        )

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


class DeliveryReport(models.Model):
    """A provider's delivery report, one per message: a report pushed twice (or pushed and
    also fetched by the query job) is written once and never changed."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=16)
    provider_message_id = models.CharField(max_length=64)
    delivered = models.BooleanField()
    code = models.CharField(max_length=80, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    reported_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    #: "push" (the provider's callback) or "query" (the periodic job)
    source = models.CharField(max_length=8)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_message_id"], name="delivery_report_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_message_id}: {self.code}"


class TemplateMapping(models.Model):
    """A provider's template for one kind of message, set in the console by an administrator.

    It overrides the entry of the same provider and key in the configuration file
    (``DRIVERHOME_SMS_TEMPLATES``); ``params`` maps the provider's parameter names to
    the message's own (``{"no": "tracking_no"}``; Tencent's are ``"1"``, ``"2"``, ...).
    """

    provider = models.CharField(pgettext_lazy("sms", "provider"), max_length=16)
    key = models.CharField(_("message kind"), max_length=60)
    code = models.CharField(_("template code"), max_length=40)
    signature = models.CharField(_("signature"), max_length=40, blank=True)
    params = models.JSONField(_("parameters"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("SMS template")
        constraints = [
            models.UniqueConstraint(fields=["provider", "key"], name="template_mapping_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.key} → {self.code}"
