"""Writing the audit and access logs. Actions call these inside their transaction.

A row about a person (``personal.holder_of``: a driver's file or anything of his) holds
his values sealed under his personal key, so that erasing him makes them unreadable
although the row itself can never change; see ``accounts/personal.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from driverhome.core.context import current_ip, current_request_id
from driverhome.core.fastinsert import insert

from . import personal
from .models import AccessLog, AuditLog, Organisation

_HOLDER = object()  # "find the person from the object"


def _jsonable(value: Any):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """The current values of ``fields`` (foreign keys as their id), for a later ``diff``."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        values[name] = _jsonable(getattr(obj, field.attname))
    return values


def diff(before: dict, after: dict, *, protected: frozenset[str] = frozenset()) -> dict:
    """``{field: [old, new]}`` for the fields that changed; protected fields say only that they changed."""
    changes = {}
    for key in set(before) | set(after):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes[key] = ["***", "***"] if key in protected else [old, new]
    return changes


def actor_label(actor) -> str:
    """How history rows name their actor. A driver's login is named by its number, not its
    username (``d`` + his mobile number): history is append-only and must outlive his erasure."""
    if actor is None:
        return "system"
    if getattr(actor, "role", None) == "driver" and getattr(actor, "pk", None):
        return f"driver-{actor.pk}"
    return getattr(actor, "username", str(actor))


_actor_label = actor_label


def _organisation_id(organisation) -> int | None:
    if organisation is None:
        return None
    if isinstance(organisation, Organisation):
        return organisation.pk
    return int(organisation)


def record(actor, action: str, obj: models.Model | None = None, **details) -> AuditLog:
    """Write one audit row; ``details`` as ``entry`` takes them."""
    return insert(entry(actor, action, obj, **details))


def entry(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    changes: dict | None = None,
    organisation=None,
    note: str = "",
    object_type: str | None = None,
    object_id: str | None = None,
    person=_HOLDER,
) -> AuditLog:
    """The row ``record`` writes, built but not stored. For an object not yet saved, the
    caller sets ``object_id`` once it has its key.

    ``person`` is whose values the row holds (default: ``personal.holder_of(obj)``; ``None``
    for nobody's): with one, ``object_repr``, the values of ``changes`` and ``note`` are
    sealed under his key and the clear ``changes`` keep only the field names."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        if not object_id:
            key = getattr(obj, "public_id", None) or obj.pk
            object_id = str(key) if key is not None else ""
    object_repr = str(obj)[:200] if obj is not None else ""
    changes = _jsonable(changes or {})
    if person is _HOLDER:
        person = personal.holder_of(obj)
    sealed = (
        personal.seal_for(person, {"object_repr": object_repr, "changes": changes, "note": note})
        if person is not None
        else None
    )
    key_id = token = None
    if sealed is not None:
        key_id, token = sealed
        object_repr, note = "", ""
        changes = {name: ["***", "***"] for name in changes}
    return AuditLog(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor),
        action=action,
        object_type=object_type or "",
        object_id=object_id or "",
        object_repr=object_repr,
        organisation_id=_organisation_id(organisation),
        changes=changes,
        note=note,
        ip=current_ip() or None,
        request_id=current_request_id() or "",
        personal_key_id=key_id,
        sealed=token,
    )


def record_access(
    actor, subject: models.Model, field: str, *, reason: str = "", organisation=None
) -> AccessLog:
    """Write one access-log row: ``actor`` saw ``field`` of ``subject`` in clear, for ``reason``."""
    return insert(access_entry(actor, subject, field, reason=reason, organisation=organisation))


def access_entry(
    actor, subject: models.Model, field: str, *, reason: str = "", organisation=None
) -> AccessLog:
    """The row ``record_access`` writes, not stored (for bulk writers such as exports).

    About a person (``personal.holder_of(subject)``), ``subject_repr`` and ``reason`` are
    sealed under his key."""
    subject_repr, reason = str(subject)[:200], reason[:200]
    sealed = personal.seal_for(
        personal.holder_of(subject), {"subject_repr": subject_repr, "reason": reason}
    )
    key_id = token = None
    if sealed is not None:
        key_id, token = sealed
        subject_repr = reason = ""
    return AccessLog(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor),
        subject_type=subject._meta.label_lower,
        subject_id=str(getattr(subject, "public_id", None) or subject.pk),
        subject_repr=subject_repr,
        field=field,
        reason=reason,
        organisation_id=_organisation_id(organisation),
        ip=current_ip() or None,
        personal_key_id=key_id,
        sealed=token,
    )
