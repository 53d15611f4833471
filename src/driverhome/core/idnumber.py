"""Mainland resident identity card numbers (GB 11643-1999).

18 characters: 6-digit region code, 8-digit birth date, 3-digit sequence (odd
for men, even for women), and an ISO 7064 MOD 11-2 check character (0-9 or X).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from operator import mul

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


class InvalidIdNumber(ValueError):
    """The text is not a valid 18-digit ID number; ``reason`` says why (a stable code)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    sex: str  # "M" or "F"
    region: str


def normalise(text: str) -> str:
    return "".join(str(text or "").split()).upper().replace("x", "X")


def check_char(first17: str) -> str:
    """The MOD 11-2 check character of the first 17 digits."""
    total = sum(map(mul, map(int, first17), WEIGHTS))
    return CHECK_CHARS[total % 11]


def parse(text: str, *, today: date | None = None) -> IdNumber:
    number = normalise(text)
    if len(number) != 18:
        raise InvalidIdNumber("length", "An ID number has 18 characters.")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber("characters", "An ID number has 17 digits and a digit or X.")
    if number[0] == "0" or number[:2] in ("00",):
        raise InvalidIdNumber("region", "The region code of the ID number is not valid.")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            "birth_date", "The birth date in the ID number is not valid."
        ) from None
    today = today or date.today()
    if born > today or born.year < 1900:
        raise InvalidIdNumber("birth_date", "The birth date in the ID number is not valid.")
    if check_char(number[:17]) != number[17]:
        raise InvalidIdNumber("check_digit", "The check digit of the ID number is wrong.")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumber(number=number, birth_date=born, sex=sex, region=number[:6])


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except InvalidIdNumber:
        return False
    return True


def make(region: str, born: date, sequence: int) -> str:
    """Build a valid number (demo data and tests): ``sequence`` 0..999, odd = male."""
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
