"""SMS gateways. ``settings.SMS_BACKEND`` names the class.

The default :class:`LogBackend` writes the message to the log (the notification
row in the database keeps the text), so the platform works offline and in
development. Real providers (:mod:`.providers`) send a template code with its
parameters under a signature (:meth:`BaseBackend.send_message`); a free-text
gateway implements ``send(phone, text)`` only.

Failures are :class:`SendError` (retried with back-off) or
:class:`PermanentSendError` (given up at once: a bad template, number or
signature). ``maybe_sent`` marks a failure after which the provider may hold the
message (a timeout): before the next attempt the job asks the provider
(:meth:`BaseBackend.find_sent`) so that the driver never gets it twice.
"""

from __future__ import annotations

import logging
from abc import ABC
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string

from driverhome.core import pii

logger = logging.getLogger("driverhome.sms")

#: short names accepted by DRIVERHOME_SMS_BACKEND
BACKENDS = {
    "log": "driverhome.notifications.backends.LogBackend",
    "aliyun": "driverhome.notifications.providers.aliyun.AliyunBackend",
    "tencent": "driverhome.notifications.providers.tencent.TencentBackend",
}


class SendError(Exception):
    """The gateway refused or could not be reached; the send will be retried."""

    retry = True

    def __init__(self, message: str = "", *, code: str = "", maybe_sent: bool = False):
        super().__init__(message)
        self.code = code
        self.maybe_sent = maybe_sent


class PermanentSendError(SendError):
    """The provider refused the message for a reason another attempt will not change."""

    retry = False


@dataclass(frozen=True)
class OutgoingSms:
    phone: str
    text: str
    #: the kind of message (``messages.TEMPLATES`` key)
    template: str
    #: the message's parameters by its own names
    params: dict[str, str] = field(default_factory=dict)
    #: the idempotency key the provider echoes (OutId, SessionContext)
    out_id: str = ""
    #: the path of the message's page (the ``link`` parameter)
    url: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryStatus:
    """A provider's report on one message."""

    provider_message_id: str
    delivered: bool
    code: str
    reason: str
    reported_at: datetime
    out_id: str = ""


class BaseBackend(ABC):  # noqa: B024 - either method may be the one a gateway implements
    """An SMS gateway. Template providers implement ``send_message``; free-text gateways
    ``send``. Both return the gateway's message id."""

    #: the provider's name in the configuration ("" for gateways without templates)
    provider = ""

    def send(self, phone: str, text: str) -> str:
        raise PermanentSendError("this gateway sends templates only", code="free_text")

    def send_message(self, message: OutgoingSms) -> str:
        return self.send(message.phone, message.text)

    def find_sent(self, message: OutgoingSms) -> str | None:
        """The provider's id of ``message`` if it already holds it; None if not or unknown."""
        return None

    def query_reports(self, messages: list[OutgoingSms]) -> list[DeliveryStatus]:
        """Delivery reports for sent messages, from the provider's query API."""
        return []


class LogBackend(BaseBackend):
    def send(self, phone: str, text: str) -> str:
        logger.info("sms", extra={"to": pii.mask_phone(phone), "text": text})
        return "log"


def backend_path(name: str) -> str:
    return BACKENDS.get(name, name)


def get_backend() -> BaseBackend:
    return import_string(backend_path(settings.SMS_BACKEND))()


class MemoryBackend(BaseBackend):
    """Keeps the messages in ``MemoryBackend.outbox`` as (phone, text): for tests."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> str:
        MemoryBackend.outbox.append((phone, text))
        return f"memory-{len(MemoryBackend.outbox)}"
