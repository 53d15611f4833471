"""Mainland vehicle plates (GA 36-2018), the new-energy 8-character plates included.

* ordinary: province + issuing-office letter + 5 letters/digits, e.g. ``浙B12345``;
  the last character may be 挂 (trailer), 学 (learner) or 警 (police);
* new energy, small vehicles: province + letter + D/A-K or F/L-Z + 5 characters,
  e.g. ``浙BD12345``; large vehicles: province + letter + 5 digits + D/F, e.g. ``浙B12345D``.

Letters I and O are never used.
"""

from __future__ import annotations

import re

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_L = "A-HJ-NP-Z"  # letters without I and O
_ORDINARY = re.compile(rf"^[{PROVINCES}][{_L}][{_L}0-9]{{4}}[{_L}0-9挂学警港澳]$")
_NEW_ENERGY_SMALL = re.compile(rf"^[{PROVINCES}][{_L}][DABCEFGHJK][{_L}0-9]\d{{4}}$")
_NEW_ENERGY_LARGE = re.compile(rf"^[{PROVINCES}][{_L}]\d{{5}}[DF]$")
_STRIP = str.maketrans("", "", " ·•.-_\u00a0\u3000")


class InvalidPlate(ValueError):
    pass


def normalise(text: str) -> str:
    return str(text or "").translate(_STRIP).upper()


def parse(text: str) -> tuple[str, bool]:
    """``(plate, is_new_energy)`` or ``InvalidPlate``."""
    plate = normalise(text)
    if len(plate) == 7 and _ORDINARY.match(plate):
        return plate, False
    if len(plate) == 8 and (_NEW_ENERGY_SMALL.match(plate) or _NEW_ENERGY_LARGE.match(plate)):
        return plate, True
    raise InvalidPlate(
        "Not a mainland plate (e.g. 浙B12345, or 8 characters for new-energy vehicles)."
    )


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except InvalidPlate:
        return False
    return True


def looks_like_plate(text: str) -> bool:
    """A search box hint: starts with a province character."""
    value = normalise(text)
    return bool(value) and value[0] in PROVINCES
