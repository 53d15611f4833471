"""The default catalogue: 14 nodes and 80 items from ``data/lifecycle-services.csv``.

``DEFAULT_RULES`` turns the CSV's plain-words eligibility hints into rules the
evaluator runs (see ``eligibility.py``). Hints the driver's file cannot decide
(e.g. "non-local household registration") stay as words only: those items are
offered on request but not recommended automatically. Administrators edit both
afterwards; loading again never overwrites an edited item.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.utils.translation import gettext_noop

CSV_PATH = Path(__file__).parent / "data" / "lifecycle-services.csv"

CHANNELS = {
    "on site": "on_site",
    "market": "market",
    "phone": "phone",
    "referral": "referral",
    "training": "training",
}

# Provider words in the CSV -> demo organisation code (used when that organisation exists).
PROVIDER_ORGS = {
    "labour bureau": "beilun-hrss",
    "human resources bureau": "beilun-hrss",
    "transport bureau": "beilun-transport",
    "traffic police": "beilun-traffic-police",
    "social insurance": "beilun-si",
    "medical insurance": "beilun-si",
    "civil affairs": "beilun-civil",
    "housing bureau": "beilun-housing",
    "public security": "beilun-police",
    "education office": "beilun-education",
    "health commission": "beilun-health",
    "justice bureau": "beilun-justice",
    "trade union": "beilun-union",
    "market regulation": "beilun-market",
    "industry party committee": "beilun-party",
    "sub-district": "xiapu",
    "site": "xiapu-community",
    "health station": "xiapu-community",
}

_HARDSHIP = {"rule": "tag", "tag": "hardship"}

DEFAULT_RULES: dict[str, dict] = {
    "N01-01": {"rules": [{"rule": "on_file_within", "days": 30}]},
    "N01-03": {
        "match": "any",
        "rules": [
            {"rule": "certificate_expires_within", "days": 90, "missing": True},
            {"rule": "licence_expires_within", "days": 90},
        ],
        "repeat_days": 180,
    },
    "N01-06": {"rules": [{"rule": "not_union_member", "urgency": 10}]},
    "N02-02": {"rules": [{"rule": "licence_class_not_in", "classes": ["A1", "A2"]}]},
    "N03-01": {"rules": [{"rule": "no_social_insurance"}]},
    "N04-01": {"rules": [{"rule": "birthday_this_month"}], "repeat_days": 300},
    "N04-03": {"rules": [_HARDSHIP], "repeat_days": 180},
    "N04-05": {"rules": [{"rule": "no_care_broker"}]},
    "N04-06": {
        "rules": [_HARDSHIP, {"rule": "no_service_within", "items": ["N04-06"], "days": 90}],
        "repeat_days": 90,
    },
    "N05-01": {"rules": [{"rule": "residence", "in": ["cab", "rented"]}]},
    "N05-05": {"rules": [{"rule": "residence", "in": ["cab"]}], "repeat_days": 365},
    "N06-01": {
        "match": "any",
        "rules": [{"rule": "child_turns", "age": 6}, {"rule": "child_turns", "age": 12}],
    },
    "N06-02": {"rules": [{"rule": "child_age", "min": 3, "max": 12}]},
    "N06-03": {"rules": [{"rule": "child_age", "min": 6, "max": 14}], "repeat_days": 180},
    "N06-05": {
        "rules": [_HARDSHIP, {"rule": "child_age", "min": 6, "max": 17}],
        "repeat_days": 365,
    },
    "N06-06": {"rules": [{"rule": "child_age", "min": 6, "max": 15, "urgency": 10}]},
    "N06-07": {
        "rules": [{"rule": "child_age", "min": 0, "max": 13, "urgency": 5}],
        "repeat_days": 180,
    },
    "N07-01": {
        "rules": [{"rule": "no_service_within", "items": ["N07-01"], "days": 365, "urgency": 25}],
        "repeat_days": 365,
    },
    "N07-03": {"rules": [{"rule": "driver_age", "min": 40}], "repeat_days": 365},
    "N08-05": {"rules": [{"rule": "received", "items": ["N08-01", "N08-02", "N08-03", "N08-04"]}]},
    "N11-03": {"rules": [{"rule": "owns_vehicle", "urgency": 5}], "repeat_days": 365},
    "N12-01": {"rules": [{"rule": "spouse", "employment": ["home", "seeking"]}]},
    "N12-02": {
        "rules": [{"rule": "spouse", "employment": ["home", "seeking", "unknown"], "urgency": 10}]
    },
    "N12-03": {"rules": [{"rule": "spouse", "employment": ["seeking"]}]},
    "N13-02": {"rules": [{"rule": "party", "in": ["mobile"]}]},
    "N14-01": {"rules": [{"rule": "driver_age", "min": 50}]},
    "N14-02": {"rules": [{"rule": "received", "items": ["N14-01"]}]},
    "N14-03": {"rules": [{"rule": "driver_age", "min": 58, "urgency": 40}]},
}

# Items whose beneficiary is a family member rather than the driver.
BENEFICIARY = {
    "N06-01": "child",
    "N06-02": "child",
    "N06-03": "child",
    "N06-05": "child",
    "N06-06": "child",
    "N06-07": "family",
    "N12-01": "spouse",
    "N12-02": "spouse",
    "N12-03": "spouse",
    "N12-04": "spouse",
    "N12-05": "spouse",
}

# Items whose recommendations matter most get a higher base urgency.
BASE_URGENCY = {"N04-06": 30, "N06-01": 30, "N01-03": 25, "N03-01": 20, "N04-03": 20}


# The CSV's eligibility hints, so that the catalogue page shows them in the reader's language
# (a hint an administrator types later is shown as typed).
HINTS = (
    gettext_noop("age 58+"),
    gettext_noop("age over 40"),
    gettext_noop("age over 50 or health restriction"),
    gettext_noop("birthday this month"),
    gettext_noop("career change planned"),
    gettext_noop("certificate missing or expiring"),
    gettext_noop("changed province"),
    gettext_noop("child aged 3-12"),
    gettext_noop("child aged 5-6 or 11-12"),
    gettext_noop("child aged 6-14"),
    gettext_noop("child under 14"),
    gettext_noop("completed training"),
    gettext_noop("employed"),
    gettext_noop("family in district"),
    gettext_noop("hardship tag"),
    gettext_noop("hardship tag and school-age child"),
    gettext_noop("hardship tag, no visit in 90 days"),
    gettext_noop("injury reported"),
    gettext_noop("left employer"),
    gettext_noop("licence class below A2"),
    gettext_noop("lives in the cab"),
    gettext_noop("mobile party member"),
    gettext_noop("new driver"),
    gettext_noop("no care broker"),
    gettext_noop("no check in 12 months"),
    gettext_noop("no social insurance recorded"),
    gettext_noop("non-local household registration"),
    gettext_noop("not a union member"),
    gettext_noop("not housed in base"),
    gettext_noop("owner-operator"),
    gettext_noop("owns a truck"),
    gettext_noop("owns a truck older than 12 years"),
    gettext_noop("party member, changed branch"),
    gettext_noop("platform driver"),
    gettext_noop("rents nearby"),
    gettext_noop("school-age child"),
    gettext_noop("serious illness recorded"),
    gettext_noop("spouse"),
    gettext_noop("spouse without work"),
)


def read_rows() -> list[dict]:
    with CSV_PATH.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_default_catalogue(
    node_model=None, item_model=None, org_model=None, *, codes=None
) -> tuple[int, int]:
    """Create the missing nodes and items; returns (nodes, items) created.

    Rows are matched by their stable code and only missing codes are inserted, so an item a
    deployment renamed, re-ruled or took out of service stays as it is. ``codes`` limits the
    load to the items a data migration adds (a later version names its new codes, so that an
    item a deployment deleted is not brought back by an unrelated upgrade). Data migrations
    pass their historical models; without them the current models are used.
    """
    if node_model is None:
        from driverhome.accounts.models import Organisation as org_model

        from .models import LifecycleNode as node_model
        from .models import ServiceItem as item_model

    rows = read_rows()
    if codes is not None:
        wanted = set(codes)
        rows = [row for row in rows if row["item_code"] in wanted]
    order_of = {row["item_code"]: order for order, row in enumerate(read_rows())}
    nodes = {n.code: n for n in node_model.objects.all()}
    existing = set(item_model.objects.values_list("code", flat=True))
    orgs = {o.code: o for o in org_model.objects.filter(code__in=set(PROVIDER_ORGS.values()))}
    new_nodes = 0
    for row in rows:
        code = row["node_code"]
        if code not in nodes:
            nodes[code] = node_model.objects.create(
                code=code, name=row["node_zh"], name_en=row["node_en"], order=int(code[1:])
            )
            new_nodes += 1
    new_items = []
    for row in rows:
        code = row["item_code"]
        if code in existing:
            continue
        new_items.append(
            item_model(
                code=code,
                node=nodes[row["node_code"]],
                name=row["item_zh"],
                name_en=row["item_en"],
                provider=orgs.get(PROVIDER_ORGS.get(row["provider"], "")),
                provider_label=row["provider"],
                channel=CHANNELS.get(row["channel"], "on_site"),
                beneficiary=BENEFICIARY.get(code, "driver"),
                eligibility=DEFAULT_RULES.get(code, {}),
                eligibility_hint=row["eligibility_hint"],
                clause="《货车司机服务规范》 " + code,
                base_urgency=BASE_URGENCY.get(code, 10),
                order=order_of[code],
            )
        )
    item_model.objects.bulk_create(new_items)
    return new_nodes, len(new_items)
