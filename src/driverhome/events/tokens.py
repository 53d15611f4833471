"""Signed codes for QR check-in.

* A driver's personal code: his ``public_id`` signed with the site's secret. Staff at the
  door scan it (or type it, or a handheld scanner types it); a forged or altered code
  does not verify. It carries no personal data beyond the opaque id.
* An event's code: a link to the driver-side check-in page with the event code signed,
  so only someone standing in front of the poster (or screen) can check himself in.
"""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core import signing

DRIVER_SALT = "driverhome.events.driver-qr"
EVENT_SALT = "driverhome.events.event-qr"
DRIVER_PREFIX = "DH1:"


def driver_token(driver) -> str:
    return DRIVER_PREFIX + signing.Signer(salt=DRIVER_SALT).sign(str(driver.public_id))


def driver_public_id(text: str) -> uuid.UUID | None:
    """The public id inside a driver's code, or None if the text is not a valid code."""
    text = (text or "").strip()
    if "/" in text and "?" in text:  # a scanner may hand over a whole link
        text = text.rsplit("=", 1)[-1]
    if text.upper().startswith(DRIVER_PREFIX):
        text = text[len(DRIVER_PREFIX) :]
    else:
        return None
    try:
        value = signing.Signer(salt=DRIVER_SALT).unsign(text)
        return uuid.UUID(value)
    except (signing.BadSignature, ValueError):
        return None


def looks_like_driver_token(text: str) -> bool:
    return (text or "").strip().upper().startswith(DRIVER_PREFIX)


def event_token(event) -> str:
    return signing.Signer(salt=EVENT_SALT).sign(event.code).split(":", 1)[1]


def event_token_valid(event, token: str) -> bool:
    try:
        return signing.Signer(salt=EVENT_SALT).unsign(f"{event.code}:{token}") == event.code
    except signing.BadSignature:
        return False


def event_check_in_url(event) -> str:
    from django.urls import reverse

    path = reverse("events_driver:event-self-check-in", args=[event.code, event_token(event)])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def qr_svg(data: str) -> bytes:
    """An SVG QR code (no raster library needed, crisp at any print size)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        box_size=10,
        border=2,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
