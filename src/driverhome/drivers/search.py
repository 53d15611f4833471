"""Finding a driver: name, pinyin, initials, plate, last four phone digits, full ID or phone number.

Every kind of query is an index lookup, so it stays fast on a million files:

* the name's full pinyin (``zhangwei``) and initials (``zw``) are stored in indexed
  columns when the name is written (``name_keys``), and matched by prefix;
* a plate typed with its province character (``浙B7A``) is matched by prefix on
  ``Vehicle.plate`` (indexed);
* a plate typed without it, or any part of one of at least four characters (``b7a123``,
  ``7A12``, its last digits ``1234``), is a prefix of one of the plate's tails from its
  second, third, fourth or fifth character: each tail has an index on its expression
  (``vehicle_plate_from_N_idx``), so the four prefix matches are four index ranges;
* four digits are matched on ``phone_last4`` (indexed), and as the end of a plate;
* a full ID or phone number is turned into its keyed hash and matched exactly
  (``id_hash`` / ``phone_hash``, unique indexes) — the clear value is never compared.

Prefix matches are a range (``>= prefix`` and ``< prefix + U+FFFF``) on SQLite and
``LIKE 'prefix%'`` on PostgreSQL, each of which walks the column's index.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.db.models import CharField, F, Func, Q, QuerySet
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from driverhome.core import idnumber, phone, pii, plates

#: up to this many drivers matched by a plate prefix are looked up by their ids
PLATE_IDS_INLINE = 2000

#: the shortest part of a plate searched without its province character
PLATE_PART_MIN = 4
#: the plate's tails that carry an index (from the 2nd to the 5th character, 1-based): any
#: part of at least four characters after the province character starts one of them
PLATE_TAILS = (2, 3, 4, 5)

_CJK = re.compile(r"[\u3400-\u9fff]")
_ID_SHAPE = re.compile(r"^\d{17}[\dXx]$")
# Letters and digits with at least one digit, perhaps ending with a plate's last sign (挂…).
_PLATE_PART = re.compile(r"^(?=.*\d)[A-Z0-9]+[挂学警港澳]?$")
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
        if PLATE_PART_MIN < len(digits) <= 7:
            return "plate_part", digits
        return "digits", digits
    if plates.looks_like_plate(value) and len(value) >= 2 and not _CJK.match(value[1]):
        return "plate", plates.normalise(value)
    plate = plates.normalise(value)
    if _PLATE_PART.match(plate):
        return ("plate_part" if len(plate) >= PLATE_PART_MIN else "short"), plate
    if _CJK.search(value):
        return "name", value
    letters = "".join(ch for ch in value.lower() if ch.isalnum())
    return "pinyin", letters


#: what each kind of search text was searched as, for the message when nothing matches
SEARCHED_AS = {
    "id": lambda: _("as an ID number"),
    "phone": lambda: _("as a mobile number"),
    "last4": lambda: _("as the last 4 digits of a mobile number or a plate"),
    "plate": lambda: _("as a plate"),
    "plate_part": lambda: _("as a plate or part of one"),
    "name": lambda: _("as a name"),
    "pinyin": lambda: _("as the pinyin or initials of a name"),
}


def nothing_found(text: str, *, scope: str = "") -> str:
    """Why a search found nobody, naming what was searched and how (never a wrong reason).

    ``scope`` says where the search looked (the caller's files by default).
    """
    kind, value = classify(text)
    shown = " ".join(str(text or "").split())[:40]
    if kind == "short" or (kind == "digits" and len(value) < PLATE_PART_MIN):
        return _(
            "“%(text)s” is too short to search: type at least 4 characters of a plate, the "
            "last 4 digits or the whole mobile number, the ID number, or a name."
        ) % {"text": shown}
    if kind == "digits":
        return _(
            "“%(text)s” is neither a whole mobile number (11 digits) nor an ID number "
            "(18 characters): type the whole number, or its last 4 digits."
        ) % {"text": shown}
    if kind == "empty":
        return _("Type a name, pinyin, initials, plate or mobile number.")
    return _("No driver %(scope)s matches “%(text)s” (searched %(how)s).") % {
        "scope": scope or _("in the files you can see"),
        "text": shown,
        "how": SEARCHED_AS.get(kind, SEARCHED_AS["name"])(),
    }


def plate_part_q(value: str) -> Q:
    """Vehicles whose plate, after its province character, contains ``value`` (4+ characters)."""
    condition = Q()
    for start in PLATE_TAILS:
        condition |= _prefix(f"plate_from_{start}", value)
    return condition


class PlateTail(Func):
    """``SUBSTR(plate, N)`` with N written into the SQL, as in the index's expression (a bound
    parameter, as ``Substr`` sends it, is another expression to SQLite's planner)."""

    output_field = CharField()

    def __init__(self, start: int):
        super().__init__(F("plate"))
        self.start = int(start)

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        function = "SUBSTRING" if connection.vendor == "postgresql" else "SUBSTR"
        return f"{function}({column}, {self.start})", params


def vehicles_with_plate_part(value: str) -> QuerySet:
    from .models import Vehicle

    tails = {f"plate_from_{start}": PlateTail(start) for start in PLATE_TAILS}
    return Vehicle.objects.alias(**tails).filter(plate_part_q(value))


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
        return queryset.filter(
            Q(phone_last4=value) | Q(pk__in=_driver_ids(vehicles_with_plate_part(value)))
        )
    if kind == "plate_part":
        return queryset.filter(pk__in=_driver_ids(vehicles_with_plate_part(value)))
    if kind == "plate":
        return queryset.filter(pk__in=_driver_ids(Vehicle.objects.filter(_prefix("plate", value))))
    if kind == "name":
        return queryset.filter(_prefix("name", value))
    if kind == "pinyin" and value:
        return queryset.filter(_prefix("name_pinyin", value) | _prefix("name_initials", value))
    return queryset.none()


def _driver_ids(vehicles: QuerySet):
    """The drivers of ``vehicles``: a list of ids when they are few, else a subquery."""
    # Read first when they are few: left to the planner as a subquery, PostgreSQL misjudged
    # a plate prefix as matching thousands and walked the drivers newest first looking for
    # them (9,500 drivers for 26 hits, 60 ms at 30,000 drivers, 5 ms this way). A broad
    # prefix keeps the subquery, where that walk finds its page quickly.
    vehicles = vehicles.values_list("driver_id", flat=True)
    few = list(vehicles[: PLATE_IDS_INLINE + 1])
    if len(few) <= PLATE_IDS_INLINE:
        return few
    return vehicles
