"""Per-person keys: crypto-shredding for the rows that can never be changed.

The audit log and the access log are append-only, and a rendered notice is kept as
sent: neither can be rewritten when a driver's file is erased. So the values of one
person they hold (a driver's name, hometown, party branch, the text written about him,
the phone an SMS went to) are sealed under that person's own key
(:class:`accounts.models.PersonalKey`, a random Fernet key itself encrypted under the
field keys), and erasure destroys the key (:func:`erase`): what was sealed under it is
unreadable from then on, in the database, its WAL and every backup taken afterwards.

*Whose* key a row uses is decided by :func:`holder_of`: the object itself when it has a
``personal_key`` (a driver's file), else the driver it belongs to (a ``driver`` foreign
key, directly or through one related object such as a family member), else the driver
file of a driver's login. Rows about nobody in particular stay in clear.

Keys are created when first needed (:func:`key_of`), so every path that creates a driver
(forms, API, importer, demo, synthetic data) gets one without knowing about it. The key's
material is kept in each process for at most ``TTL`` seconds for writing (an intake
names its driver's key without a query); reading always loads the key row, so an erased
key opens nothing anywhere.
"""

from __future__ import annotations

import threading
import time

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from driverhome.core import pii

from .models import PersonalKey

TTL = 60.0
_material: dict[int, tuple[str, float]] = {}
_lock = threading.Lock()


def _remember(key: PersonalKey) -> str | None:
    if not key.key:
        _material.pop(key.pk, None)
        return None
    with _lock:
        _material[key.pk] = (key.key, time.monotonic())
    return key.key


def material(key_id: int) -> str | None:
    """The key with this id, or ``None`` once erased."""
    held = _material.get(key_id)
    if held is not None and time.monotonic() - held[1] < TTL:
        return held[0]
    key = PersonalKey.objects.filter(pk=key_id).first()
    return _remember(key) if key is not None else None


def label(holder: models.Model) -> str:
    """``PersonalKey.holder`` of ``holder``: ``drivers.driver:42``."""
    return f"{holder._meta.label_lower}:{holder.pk}"


def key_of(holder: models.Model) -> int | None:
    """The id of ``holder``'s personal key, created on first use.

    ``holder`` has a ``personal_key`` foreign key (a driver's file): the link spares the
    look-up by ``PersonalKey.holder``, which stays the authority (an instance saved from
    a copy read before the link cannot lose the key). ``None`` when the holder was erased:
    there is nothing left to seal."""
    if holder is None or holder.pk is None:
        return None
    if getattr(holder, "anonymised_at", None) is not None:
        return None
    if holder.personal_key_id is not None:
        cached = holder._state.fields_cache.get("personal_key")
        if cached is not None:
            _remember(cached)
        return holder.personal_key_id
    name = label(holder)
    key = PersonalKey.objects.filter(holder=name).first()
    if key is None:
        try:
            with transaction.atomic():
                key = PersonalKey.objects.create(holder=name, key=pii.new_personal_key())
        except IntegrityError:  # created a moment ago by another writer
            key = PersonalKey.objects.get(holder=name)
    type(holder)._base_manager.filter(pk=holder.pk).update(personal_key=key)
    holder.personal_key = key
    _remember(key)
    return key.pk


def holder_of(obj) -> models.Model | None:
    """The person (a driver's file) whose values ``obj``'s log rows may hold, or ``None``."""
    if obj is None or not isinstance(obj, models.Model):
        return None
    meta = obj._meta
    names = {f.name for f in meta.concrete_fields}
    if "personal_key" in names:
        return obj
    if "driver" in names:
        if getattr(obj, "driver_id", None) is None:
            return None
        return obj.driver
    for field in meta.concrete_fields:
        if not field.is_relation or field.related_model is None:
            continue
        related_names = {f.name for f in field.related_model._meta.concrete_fields}
        if "driver" in related_names and getattr(obj, field.attname, None) is not None:
            related = getattr(obj, field.name)
            return related.driver if related.driver_id is not None else None
    driver_file = getattr(type(obj), "driver_file", None)
    if driver_file is not None and getattr(obj, "role", None) == "driver":
        try:
            return obj.driver_file
        except models.ObjectDoesNotExist:
            return None
    return None


def seal_for(holder, values: dict) -> tuple[int, str] | None:
    """``(key id, token)`` of ``values`` sealed under ``holder``'s key; ``None`` without one."""
    key_id = key_of(holder)
    if key_id is None:
        return None
    key = material(key_id)
    if key is None:
        return None
    return key_id, pii.seal(key, values)


def open_row(row) -> dict | None:
    """The values sealed in ``row`` (an ``accounts.models.Sealed``), ``None`` once erased.

    Loads the key row unless the caller selected it (``select_related("personal_key")``)."""
    if not row.sealed or row.personal_key_id is None:
        return None
    key = row.personal_key
    if not key.key:
        return None
    try:
        return pii.unseal(key.key, row.sealed)
    except ValueError:
        return None


def erase(holder: models.Model) -> None:
    """Destroy ``holder``'s personal key: everything sealed under it is unreadable for good."""
    keys = PersonalKey.objects.filter(holder=label(holder))
    for key_id in keys.values_list("pk", flat=True):
        _material.pop(key_id, None)
    keys.update(key="", erased_at=timezone.now())
