"""Photos of a problem: checked by content (Pillow), re-encoded without metadata, size-limited."""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from driverhome.core.errors import DomainError

MAX_PHOTOS = 4
MAX_SIDE = 2560
ALLOWED = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


def clean_image(upload) -> tuple[bytes, str, str, int, int]:
    """(bytes without metadata, content type, extension, width, height) or DomainError."""
    size = getattr(upload, "size", None)
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    if size is None:
        size = len(data)
    if size > settings.UPLOAD_MAX_BYTES:
        raise DomainError(
            _("The photo is too large (at most %(mb)s MB).")
            % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
            code="photo_too_large",
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DomainError(_("The file is not a photo we can read."), code="photo_invalid") from None
    if image.format not in ALLOWED:
        raise DomainError(_("Photos must be JPEG, PNG or WebP."), code="photo_format")
    content_type, ext = ALLOWED[image.format]
    fmt = image.format
    image = ImageOps.exif_transpose(image)  # keep the orientation, then drop the EXIF
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    image.info = {}  # no EXIF, GPS, comments or profiles survive
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    else:
        image.save(out, fmt)
    return out.getvalue(), content_type, ext, image.width, image.height


def store(appeal, upload):
    from .models import Photo

    data, content_type, ext, width, height = clean_image(upload)
    now = timezone.now()
    name = default_storage.save(f"appeals/{now:%Y/%m}/{uuid.uuid4().hex}.{ext}", ContentFile(data))
    return Photo.objects.create(
        appeal=appeal,
        file=name,
        content_type=content_type,
        size=len(data),
        width=width,
        height=height,
    )
