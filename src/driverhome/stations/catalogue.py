"""The default catalogues shipped in ``stations/data/``: facilities and the grading rubric.

Loaded by a data migration (so every installation starts with them) and again by
the demo; loading never overwrites what administrators have changed since.
"""

from __future__ import annotations

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

FACILITY_KINDS = {
    "required": "required",
    "free basic": "free_basic",
    "encouraged": "encouraged",
    "extra": "extra",
}


def _rows(name: str) -> list[dict]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def facility_rows() -> list[dict]:
    rows = []
    for order, row in enumerate(_rows("facilities.csv"), start=1):
        rows.append(
            {
                "code": row["code"].strip(),
                "name": row["name_zh"].strip(),
                "name_en": row["name_en"].strip(),
                "kind": FACILITY_KINDS[row["kind"].strip()],
                "usually_free": row["usual_price"].strip() == "free",
                "order": order * 10,
            }
        )
    return rows


def rubric_rows() -> list[dict]:
    return [
        {
            "code": row["code"].strip(),
            "group": row["group"].strip(),
            "name": row["criterion_zh"].strip(),
            "name_en": row["criterion_en"].strip(),
            "points": int(row["points"]),
            "source": row["source"].strip(),
            "rule": row["rule"].strip(),
        }
        for row in _rows("grading-rubric.csv")
    ]


def threshold_rows() -> list[dict]:
    return [
        {
            "grade": row["grade"].strip(),
            "min_score": int(row["min_score"]),
            "requires": [part.strip() for part in row["also_requires"].split(";") if part.strip()],
        }
        for row in _rows("grading-thresholds.csv")
    ]


def load_defaults(facility_model, criterion_model, threshold_model) -> int:
    """Create the missing catalogue rows; returns how many were created. Existing rows are kept."""
    created = 0
    for row in facility_rows():
        _obj, new = facility_model.objects.get_or_create(code=row["code"], defaults=row)
        created += new
    for row in rubric_rows():
        _obj, new = criterion_model.objects.get_or_create(code=row["code"], defaults=row)
        created += new
    for row in threshold_rows():
        _obj, new = threshold_model.objects.get_or_create(grade=row["grade"], defaults=row)
        created += new
    return created
