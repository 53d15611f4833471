"""SMS gateways. ``settings.SMS_BACKEND`` names the class; it needs one method, ``send``.

The default :class:`LogBackend` writes the message to the log (the notification
row in the database keeps the text), so the platform works offline and in
development. A real gateway subclasses :class:`BaseBackend` and raises
:class:`SendError` on failure; the job retries.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string

from driverhome.core import pii

logger = logging.getLogger("driverhome.sms")


class SendError(Exception):
    """The gateway refused or could not be reached; the send will be retried."""


class BaseBackend(ABC):
    """An SMS gateway: subclasses implement ``send``."""

    @abstractmethod
    def send(self, phone: str, text: str) -> str:
        """Send one SMS; return the gateway's message id."""


class LogBackend(BaseBackend):
    def send(self, phone: str, text: str) -> str:
        logger.info("sms", extra={"to": pii.mask_phone(phone), "text": text})
        return "log"


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


class MemoryBackend(BaseBackend):
    """Keeps the messages in ``MemoryBackend.outbox`` as (phone, text): for tests."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> str:
        MemoryBackend.outbox.append((phone, text))
        return f"memory-{len(MemoryBackend.outbox)}"
