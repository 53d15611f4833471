"""The check-in QR code: the poster's URL drawn as an SVG by the ``qrcode`` package."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.urls import reverse

from .models import Station


def poster_url(request, station: Station) -> str:
    """The absolute URL a driver's phone opens when scanning the poster."""
    path = reverse(
        "stations_driver:checkin", kwargs={"code": station.code, "key": station.checkin_key}
    )
    base = (
        settings.SITE_URL.rstrip("/") if settings.SITE_URL else request.build_absolute_uri("/")[:-1]
    )
    return base + path


def qr_svg(text: str) -> str:
    """A standalone SVG (paths only: no scripts, no styles) with a quiet zone."""
    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=4,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode("utf-8")
