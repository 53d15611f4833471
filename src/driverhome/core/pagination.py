"""Keyset pagination: every list walks an index instead of skipping rows with OFFSET.

A cursor is an opaque string encoding the sort key of the last row seen. Lists
are ordered by one column plus the primary key as tie-breaker, e.g.
``paginate(qs, order="-received_at", cursor=request.GET.get("cursor"))``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .errors import DomainError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass
class Page:
    items: list
    next_cursor: str | None
    page_size: int

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def _encode(value):
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    return value


def _decode(value):
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        if "dec" in value:
            return Decimal(value["dec"])
    return value


def encode_cursor(values: list) -> str:
    raw = json.dumps([_encode(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != 2:
            raise ValueError
        return [_decode(v) for v in values]
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise DomainError(_("The page cursor is not valid."), code="bad_cursor") from None


def paginate(
    queryset: QuerySet,
    *,
    order: str = "-pk",
    cursor: str | None = None,
    page_size: int | None = None,
) -> Page:
    size = max(1, min(int(page_size or DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE))
    descending = order.startswith("-")
    field = order.lstrip("-")
    ordering = [order, "-pk" if descending else "pk"] if field != "pk" else [order]
    queryset = queryset.order_by(*ordering)
    if cursor:
        last_value, last_pk = decode_cursor(cursor)
        op = "lt" if descending else "gt"
        if field == "pk":
            queryset = queryset.filter(**{f"pk__{op}": last_pk})
        else:
            # The redundant range bound lets PostgreSQL walk the index on `field`
            # instead of scanning everything the OR could match.
            queryset = queryset.filter(**{f"{field}__{op}e": last_value}).filter(
                Q(**{f"{field}__{op}": last_value}) | Q(**{field: last_value, f"pk__{op}": last_pk})
            )
    rows = list(queryset[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        value = last.pk if field == "pk" else _attr(last, field)
        next_cursor = encode_cursor([value, last.pk])
    return Page(items=rows, next_cursor=next_cursor, page_size=size)


def _attr(obj, dotted: str):
    for part in dotted.split("__"):
        obj = getattr(obj, part)
        if hasattr(obj, "pk") and not isinstance(obj, int | str):
            obj = obj.pk
    return obj
