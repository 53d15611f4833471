"""The default category tree and time limits, from ``data/*.csv`` (copied from the shared catalogue)."""

from __future__ import annotations

import copy
import csv
from pathlib import Path

from driverhome.core.tablecache import TableCache

from .models import Category

DATA = Path(__file__).resolve().parent / "data"

#: the catalogue's "default_unit" words → Organisation.UnitKind (or "site" / "subdistrict")
UNIT_KINDS = {
    "labour bureau": "labour",
    "human resources bureau": "labour",
    "transport bureau": "transport",
    "traffic police": "traffic_police",
    "public security": "public_security",
    "social insurance": "social_insurance",
    "health commission": "health",
    "health station": "health",
    "education office": "education",
    "justice bureau": "justice",
    "civil affairs": "civil_affairs",
    "port operator": "port",
    "site operator": "site",
    "logistics base operator": "site",
    "sub-district": "subdistrict",
}


def read_categories() -> list[dict]:
    with open(DATA / "request-categories.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_time_limits() -> list[dict]:
    with open(DATA / "request-time-limits.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def seed(Category, TimeLimit) -> None:
    """Create what is missing; never overwrite what staff edited."""
    groups = {}
    order = 0
    for row in read_categories():
        order += 1
        group = groups.get(row["group_code"])
        if group is None:
            group, _ = Category.objects.get_or_create(
                code=row["group_code"],
                defaults={
                    "name": row["group_zh"],
                    "name_en": row["group_en"],
                    "order": order,
                    "default_type": row["default_type"],
                },
            )
            groups[row["group_code"]] = group
        Category.objects.get_or_create(
            code=row["code"],
            defaults={
                "parent": group,
                "name": row["name_zh"],
                "name_en": row["name_en"],
                "default_type": row["default_type"],
                "default_unit_kind": UNIT_KINDS.get(row["default_unit"].strip(), ""),
                "order": order,
            },
        )
    for row in read_time_limits():
        TimeLimit.objects.get_or_create(
            appeal_type=row["type"],
            category=None,
            defaults={"answer_days": int(row["days"]), "day_kind": row["day_kind"]},
        )


def _load_leaves() -> dict:
    return {
        category.code: category
        for category in Category.objects.filter(is_active=True, parent__isnull=False)
    }


#: the active leaves of the category tree, by code
LEAVES = TableCache("appeals.categories", _load_leaves, watch=[Category])


def active_leaf(code: str) -> Category | None:
    """The active leaf category with this code (a request is filed under a leaf), or None.

    Read from the process's copy of the tree (see ``core.tablecache``): intake
    looks its category up on every request and the tree changes a few times a year.
    """
    category = LEAVES.get().get(code or "")
    return copy.copy(category) if category is not None else None
