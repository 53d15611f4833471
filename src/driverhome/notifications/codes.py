"""Sending one-time codes (accounts/codes.py) by SMS through the configured gateway.

The code is in the message the gateway gets and nowhere else: the notification row keeps
the text with the code masked, and the message is sent at once, in the request, not by
the background job (which would have to store it). A failed send is recorded as failed
and never retried from the stored copy; the person asks for a new code.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from driverhome.core import pii
from driverhome.core.errors import DomainError
from driverhome.core.fastinsert import insert

from .messages import SECRET_PARAMETERS, render, render_params
from .models import Notification

logger = logging.getLogger("driverhome.notifications")

MASK = "******"


def send_code(*, phone: str, purpose: str, code: str, minutes: int, language: str, user=None):
    """Send ``code`` to ``phone`` with the template of ``purpose``; raise if the gateway fails."""
    from .backends import OutgoingSms, get_backend

    template = f"auth.code.{purpose}"
    secret = SECRET_PARAMETERS[template]
    language = language or "zh-hans"
    context = {secret: code, "minutes": minutes}
    stored = render(template, {**context, secret: MASK}, language)
    with transaction.atomic():
        row = insert(
            Notification(
                recipient_user=user,
                phone=phone,
                phone_masked=pii.mask_phone(phone),
                organisation_id=getattr(user, "organisation_id", None),
                channel=Notification.Channel.SMS,
                template=template,
                language=language,
                text=stored,
                status=Notification.Status.QUEUED,
                attempts=1,
            )
        )
    try:
        message = OutgoingSms(
            phone=phone,
            text=render(template, context, language),
            template=template,
            params=render_params(template, context, language),
            out_id=str(row.out_id),
        )
        backend = get_backend()
        provider_id = backend.send_message(message)
    except Exception as exc:  # noqa: BLE001 - any gateway failure: recorded, and the person told
        Notification.objects.filter(pk=row.pk).update(
            status=Notification.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:1000]
        )
        logger.warning("sms code send failed", extra={"notification": row.pk})
        raise DomainError(
            _("The text message could not be sent. Please try again in a minute."),
            code="sms_failed",
        ) from None
    # The provider and its id: the delivery report finds the message by them.
    Notification.objects.filter(pk=row.pk).update(
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
        provider=backend.provider,
        provider_message_id=str(provider_id or "")[:64],
    )
