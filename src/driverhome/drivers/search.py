"""Finding a driver: name, pinyin, initials, plate, last four phone digits, full ID or phone number.

Every kind of query is an index lookup, so it stays fast on a million files:

* the name's full pinyin (``zhangwei``) and initials (``zw``) are stored in indexed
  columns when the name is written (``name_keys``), and matched by prefix;
* a plate is matched by prefix on ``Vehicle.plate`` (indexed);
* four digits are matched on ``phone_last4`` (indexed);
* a full ID or phone number is turned into its keyed hash and matched exactly
  (``id_hash`` / ``phone_hash``, unique indexes) — the clear value is never compared.

Prefix matches are a range (``>= prefix`` and ``< prefix + U+FFFF``) on SQLite and
``LIKE 'prefix%'`` on PostgreSQL, each of which walks the column's index.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.db.models import Q, QuerySet
from pypinyin import lazy_pinyin

from driverhome.core import idnumber, phone, pii, plates

#: up to this many drivers matched by a plate prefix are looked up by their ids
PLATE_IDS_INLINE = 2000

_CJK = re.compile(r"[\u3400-\u9fff]")
_ID_SHAPE = re.compile(r"^\d{17}[\dXx]$")
_HIGH = "\uffff"


@lru_cache(maxsize=20_000)
def _syllables(char: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(char, errors="ignore"))


@lru_cache(maxsize=100_000)
def name_keys(name: str) -> tuple[str, str]:
    """``张伟`` -> ``("zhangwei", "zw")``; letters in the name are kept, other signs dropped.

    Names are converted character by character (cached): a Chinese name is not a
    dictionary phrase, so the result is the same and an import of 30,000 new names
    costs a few thousand pypinyin calls.
    """
    raw = [s for ch in (name or "") for s in (_syllables(ch) if ord(ch) > 127 else (ch,))]
    text = "".join(raw)
    if text.isascii() and raw and all(len(part) == 1 for part in raw):
        raw = text.split()  # a Latin name: keep words together
    syllables = [s.lower() for s in raw if s.strip()]
    syllables = ["".join(ch for ch in s if ch.isalnum()) for s in syllables]
    syllables = [s for s in syllables if s]
    full = "".join(syllables)[:120]
    initials = "".join(s[0] for s in syllables)[:30]
    return full, initials


def _prefix(field: str, value: str) -> Q:
    from django.db import connection

    if connection.vendor == "postgresql":
        # LIKE 'x%' uses the varchar_pattern_ops index Django adds for indexed CharFields.
        return Q(**{f"{field}__startswith": value})
    # SQLite's LIKE is case-insensitive and skips a plain index; a range uses it.
    return Q(**{f"{field}__gte": value, f"{field}__lt": value + _HIGH})


def classify(text: str) -> tuple[str, str]:
    """What the search text looks like: (kind, normalised value)."""
    value = "".join(str(text or "").split())
    if not value:
        return "empty", ""
    if _ID_SHAPE.match(value):
        return "id", idnumber.normalise(value)
    digits = phone.normalise(value)
    if digits.isdigit():
        if len(digits) == 11:
            return "phone", digits
        if len(digits) == 4:
            return "last4", digits
        return "digits", digits
    if plates.looks_like_plate(value) and len(value) >= 2 and not _CJK.match(value[1]):
        return "plate", plates.normalise(value)
    if _CJK.search(value):
        return "name", value
    letters = "".join(ch for ch in value.lower() if ch.isalnum())
    return "pinyin", letters


def find_drivers(queryset: QuerySet, text: str) -> QuerySet:
    """Narrow ``queryset`` (already scoped with ``for_user``) to the drivers matching ``text``."""
    from .models import Vehicle

    kind, value = classify(text)
    if kind == "empty":
        return queryset
    if kind == "id":
        return queryset.filter(id_hash=pii.lookup_hash(value, kind="id"))
    if kind == "phone":
        return queryset.filter(phone_hash=pii.lookup_hash(value, kind="phone"))
    if kind == "last4":
        return queryset.filter(phone_last4=value)
    if kind == "plate":
        vehicles = Vehicle.objects.filter(_prefix("plate", value)).values_list(
            "driver_id", flat=True
        )
        # The drivers of the matching vehicles, read first when they are few: left to the
        # planner as a subquery, PostgreSQL misjudged a plate prefix as matching thousands
        # and walked the drivers newest first looking for them (9,500 drivers for 26 hits,
        # 60 ms at 30,000 drivers, 5 ms this way). A broad prefix keeps the subquery, where
        # that walk finds its page quickly.
        few = list(vehicles[: PLATE_IDS_INLINE + 1])
        if len(few) <= PLATE_IDS_INLINE:
            return queryset.filter(pk__in=few)
        return queryset.filter(pk__in=vehicles)
    if kind == "name":
        return queryset.filter(_prefix("name", value))
    if kind == "pinyin" and value:
        return queryset.filter(_prefix("name_pinyin", value) | _prefix("name_initials", value))
    return queryset.none()
