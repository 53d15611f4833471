"""Uploaded images: checked by content, re-encoded, stored outside the web root.

Every app that accepts a photo (a request's evidence, a site's pictures) goes
through this module:

* :func:`clean_image` reads at most ``settings.UPLOAD_MAX_BYTES``, decodes the
  file with Pillow (the name and the browser's content type are ignored), accepts
  JPEG, PNG and WebP only, refuses decompression bombs, turns the picture upright
  and re-encodes it, which drops EXIF (GPS position, camera serial), XMP, ICC
  and comments.
* :func:`store_image` cleans and saves under the default storage
  (``DATA_DIR/uploads``), which is not served by the web server or whitenoise.
* :func:`upload_response` is what an app's view returns *after* it has checked
  that the user may see the object the file belongs to (``get_for_user``)::

      def appeal_photo(request, tracking_no, photo_id):
          appeal = get_for_user(Appeal.objects, request.user, tracking_no=tracking_no)
          photo = get_object_or_404(appeal.photos, pk=photo_id)
          return upload_response(photo.file_name)

  It answers with ``nosniff``, a sandboxing Content-Security-Policy and a
  private cache, so a stored file can never run as a page.
"""

from __future__ import annotations

import io
import mimetypes
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import DomainError

# Pillow format -> (content type, file extension)
FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
}
#: Larger pictures are scaled down to this many pixels on the long side.
MAX_SIDE = 2560
#: Refuse images that would decode to more pixels than this (decompression bombs).
MAX_PIXELS = 40_000_000


class UploadError(DomainError):
    code = "upload_invalid"


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _read_limited(upload) -> bytes:
    limit = settings.UPLOAD_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _too_large(limit)
    if hasattr(upload, "seek"):
        try:
            upload.seek(0)
        except (OSError, ValueError):
            pass
    data = upload.read(limit + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > limit:
        raise _too_large(limit)
    if not data:
        raise UploadError(_("The file is empty."))
    return data


def _too_large(limit: int) -> UploadError:
    return UploadError(
        _("The file is too large: at most %(mb)s MB.") % {"mb": round(limit / 1024 / 1024, 1)},
        code="upload_too_large",
    )


def clean_image(upload) -> CleanImage:
    """Decode, check and re-encode an uploaded image; raise :class:`UploadError` if it is not one."""
    data = _read_limited(upload)
    not_image = UploadError(_("The file is not a picture (JPEG, PNG or WebP)."), code="not_image")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            probe.verify()  # structure and checksums, without decoding the pixels
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_image from None
    if fmt not in FORMATS:
        raise not_image
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise UploadError(_("The picture has too many pixels."), code="upload_too_large")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA" if "transparency" in image.info else "RGB")
            if fmt == "JPEG" and image.mode in ("RGBA", "LA"):
                image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            # A fresh encode: no exif=, icc_profile= or comment is passed on.
            if fmt == "JPEG":
                image.save(out, "JPEG", quality=85, optimize=True)
            elif fmt == "PNG":
                image.save(out, "PNG", optimize=True)
            else:
                image.save(out, "WEBP", quality=85)
            width, height = image.size
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise not_image from None
    content_type, extension = FORMATS[fmt]
    return CleanImage(out.getvalue(), content_type, extension, width, height)


def store_image(upload, *, folder: str) -> str:
    """Clean an uploaded image and save it; returns the storage name to keep on the model."""
    folder = folder.strip("/")
    if not folder or ".." in PurePosixPath(folder).parts:
        raise ValueError(f"bad upload folder {folder!r}")
    image = clean_image(upload)
    name = f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{image.extension}"
    return default_storage.save(name, ContentFile(image.content))


def _safe_name(name: str) -> str:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name or "\x00" in name:
        raise Http404
    return str(path)


def upload_response(name: str, *, download_name: str | None = None) -> FileResponse:
    """Serve a stored upload. Call it only after checking that the user may see its object."""
    name = _safe_name(name)
    if not default_storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if content_type not in {ct for ct, _ext in FORMATS.values()}:
        content_type = "application/octet-stream"
    response = FileResponse(
        default_storage.open(name, "rb"),
        content_type=content_type,
        as_attachment=download_name is not None,
        filename=download_name or PurePosixPath(name).name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def delete_upload(name: str) -> None:
    name = _safe_name(name)
    if default_storage.exists(name):
        default_storage.delete(name)
