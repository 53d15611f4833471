"""Mainland mobile numbers, validated against libphonenumber's metadata.

The number-plan check only depends on the first digits (fixed length 11), so
the verdict is cached per 7-digit prefix: validating 30,000 numbers costs a
few hundred calls into ``phonenumbers`` instead of 30,000.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType

_SHAPE = re.compile(r"^1[3-9]\d{9}$")
_STRIP = str.maketrans("", "", " -()\u00a0")


class InvalidPhone(ValueError):
    pass


@lru_cache(maxsize=20_000)
def _prefix_is_mobile(prefix7: str) -> bool:
    try:
        number = phonenumbers.parse(prefix7 + "0000", "CN")
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number(number):
        return False
    return phonenumbers.number_type(number) in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def normalise(text: str) -> str:
    """``+86 138-1234-5678`` -> ``13812345678`` (no validation)."""
    value = str(text or "").translate(_STRIP)
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    if value.endswith(".0"):  # a number read from a spreadsheet cell as a float
        value = value[:-2]
    return value


def parse_mobile(text: str) -> str:
    """The 11-digit national form of a valid mainland mobile number, or ``InvalidPhone``."""
    value = normalise(text)
    if not _SHAPE.match(value) or not _prefix_is_mobile(value[:7]):
        raise InvalidPhone("Not a valid mainland mobile number (11 digits starting with 1).")
    return value


def is_mobile(text: str) -> bool:
    try:
        parse_mobile(text)
    except InvalidPhone:
        return False
    return True
