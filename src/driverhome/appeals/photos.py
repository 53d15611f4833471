"""Photos of a problem, through ``core.uploads`` (checked by content, metadata stripped, size-limited)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from driverhome.core.uploads import clean_image

MAX_PHOTOS = 4


def store(appeal, upload):
    import uuid

    from .models import Photo

    image = clean_image(upload)
    name = default_storage.save(
        f"appeals/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{image.extension}",
        ContentFile(image.content),
    )
    return Photo.objects.create(
        appeal=appeal,
        file=name,
        content_type=image.content_type,
        size=len(image.content),
        width=image.width,
        height=image.height,
    )
