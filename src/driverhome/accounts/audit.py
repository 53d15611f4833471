"""Writing the audit and access logs. Actions call these inside their transaction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from driverhome.core.context import current_ip, current_request_id
from driverhome.core.fastinsert import insert

from .models import AccessLog, AuditLog, Organisation


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


def _actor_label(actor) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "username", str(actor))


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
) -> AuditLog:
    """The row ``record`` writes, built but not stored. For an object not yet saved, the
    caller sets ``object_id`` once it has its key."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        if not object_id:
            key = getattr(obj, "public_id", None) or obj.pk
            object_id = str(key) if key is not None else ""
    return AuditLog(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor),
        action=action,
        object_type=object_type or "",
        object_id=object_id or "",
        object_repr=str(obj)[:200] if obj is not None else "",
        organisation_id=_organisation_id(organisation),
        changes=_jsonable(changes or {}),
        note=note,
        ip=current_ip() or None,
        request_id=current_request_id() or "",
    )


def record_access(
    actor, subject: models.Model, field: str, *, reason: str = "", organisation=None
) -> AccessLog:
    return AccessLog.objects.create(
        actor=actor,
        actor_label=_actor_label(actor),
        subject_type=subject._meta.label_lower,
        subject_id=str(getattr(subject, "public_id", None) or subject.pk),
        subject_repr=str(subject)[:200],
        field=field,
        reason=reason[:200],
        organisation_id=_organisation_id(organisation),
        ip=current_ip() or None,
    )
