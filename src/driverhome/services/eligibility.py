"""Declarative eligibility rules over the driver's file, evaluated in bulk.

An item's ``eligibility`` is data that administrators edit::

    {"match": "all", "rules": [{"rule": "child_age", "min": 3, "max": 12}],
     "repeat_days": 365}

``match`` is ``all`` (default) or ``any``; ``repeat_days`` makes an item come
back that many days after it was last received (otherwise an item once
received is never recommended again). An empty rule list means the item is
never recommended automatically.

The evaluator never touches the database: :func:`facts_for_drivers` loads
everything it needs for many drivers in a fixed number of queries, then each
rule is a pure function of :class:`Facts`. A rule answers ``None`` (does not
apply) or a :class:`Hit` with an urgency (0-100), a reason the broker reads,
an optional due date and the family member it concerns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from driverhome.core.errors import DomainError

#: The school-admission deadline (month, day): a child who is 6 by 31 August starts school.
ADMISSION_DEADLINE = (8, 31)


@dataclass
class Person:
    id: int
    name: str
    birth_date: date | None = None
    employment: str = ""


@dataclass
class Facts:
    """What the rules may know about one driver."""

    driver_id: int
    birth_date: date | None = None
    on_file_since: date | None = None
    residence: str = ""
    tags: frozenset[str] = frozenset()
    licence_class: str = ""
    licence_expires: date | None = None
    certificate_expires: date | None = None
    social_insurance: str = ""
    has_care_broker: bool = False
    has_employer: bool = False
    party_status: str = ""
    union_member: bool = False
    vehicles: int = 0
    children: list[Person] = field(default_factory=list)
    spouses: list[Person] = field(default_factory=list)
    #: item code -> date it was last received
    received: dict[str, date] = field(default_factory=dict)


def R(msgid: str, params: dict | None = None) -> list:
    """A reason kept as (message id, parameters): stored as JSON, translated when shown."""
    return [
        msgid,
        {k: (v.isoformat() if isinstance(v, date) else v) for k, v in (params or {}).items()},
    ]


def _choice_labels() -> dict[str, dict]:
    from driverhome.drivers.models import PartyMembership, ResidenceType, Tag

    return {
        "kind": dict(ResidenceType.choices),
        "tag": dict(Tag.choices),
        "status": dict(PartyMembership.choices),
    }


def render_reasons(reasons) -> str:
    """The reasons in the current language, joined."""
    if isinstance(reasons, str):
        return reasons
    labels = _choice_labels()
    parts = []
    for msgid, params in reasons or []:
        shown = {}
        for key, value in params.items():
            if key == "what":
                value = _(value)
            elif key in labels:
                value = labels[key].get(value, value)
            shown[key] = value
        try:
            parts.append(_(msgid) % shown)
        except (KeyError, TypeError, ValueError):
            parts.append(msgid)
    return "; ".join(parts)


@dataclass
class Hit:
    urgency: int
    reason: list
    due: date | None = None
    family_member_id: int | None = None


def _age(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def next_admission_deadline(today: date) -> date:
    month, day = ADMISSION_DEADLINE
    deadline = date(today.year, month, day)
    return deadline if deadline >= today else date(today.year + 1, month, day)


# --- the rules -------------------------------------------------------------------------
# Each: (facts, params, today) -> Hit | None. PARAMS lists the parameters and their types.


def rule_child_age(f: Facts, p: dict, today: date) -> Hit | None:
    lo, hi = int(p.get("min", 0)), int(p.get("max", 17))
    for child in f.children:
        age = _age(child.birth_date, today)
        if age is not None and lo <= age <= hi:
            return Hit(
                20,
                R(gettext_noop("%(name)s is %(age)s"), {"name": child.name, "age": age}),
                family_member_id=child.id,
            )
    return None


def rule_child_turns(f: Facts, p: dict, today: date) -> Hit | None:
    """A child reaches ``age`` by the next school-admission deadline: the points must be in order."""
    target = int(p.get("age", 6))
    deadline = next_admission_deadline(today)
    for child in f.children:
        if child.birth_date is None:
            continue
        if (
            _age(child.birth_date, deadline) == target
            and _age(child.birth_date, today) < target + 1
        ):
            days_left = (deadline - today).days
            urgency = 60 + max(0, 35 - days_left // 10)
            return Hit(
                min(urgency, 95),
                R(
                    gettext_noop(
                        "%(name)s turns %(age)s before the school-admission deadline %(deadline)s"
                    ),
                    {"name": child.name, "age": target, "deadline": deadline.isoformat()},
                ),
                due=deadline,
                family_member_id=child.id,
            )
    return None


def _expiry_hit(expires: date | None, days: int, today: date, what: str, missing: bool):
    if expires is None:
        if missing:
            return Hit(45, R(gettext_noop("%(what)s: no date on file"), {"what": what}))
        return None
    left = (expires - today).days
    if left < 0:
        return Hit(
            95,
            R(gettext_noop("%(what)s expired on %(date)s"), {"what": what, "date": expires}),
            due=expires,
        )
    if left <= days:
        return Hit(
            50 + (days - left) * 40 // max(days, 1),
            R(gettext_noop("%(what)s expires on %(date)s"), {"what": what, "date": expires}),
            due=expires,
        )
    return None


def rule_licence_expires_within(f: Facts, p: dict, today: date) -> Hit | None:
    return _expiry_hit(
        f.licence_expires, int(p.get("days", 90)), today, gettext_noop("Driving licence"), False
    )


def rule_certificate_expires_within(f: Facts, p: dict, today: date) -> Hit | None:
    return _expiry_hit(
        f.certificate_expires,
        int(p.get("days", 90)),
        today,
        gettext_noop("Qualification certificate"),
        bool(p.get("missing", True)),
    )


def rule_no_social_insurance(f: Facts, p: dict, today: date) -> Hit | None:
    if f.social_insurance in ("", "none", "unknown"):
        return Hit(40, R(gettext_noop("No social insurance recorded")))
    return None


def rule_residence(f: Facts, p: dict, today: date) -> Hit | None:
    wanted = set(p.get("in") or [])
    if f.residence in wanted:
        return Hit(
            30 if f.residence == "cab" else 10,
            R(gettext_noop("Residence: %(kind)s"), {"kind": f.residence}),
        )
    return None


def rule_not_residence(f: Facts, p: dict, today: date) -> Hit | None:
    if f.residence and f.residence not in set(p.get("in") or []):
        return Hit(10, R(gettext_noop("Residence: %(kind)s"), {"kind": f.residence}))
    return None


def rule_tag(f: Facts, p: dict, today: date) -> Hit | None:
    tag = str(p.get("tag", ""))
    if tag in f.tags:
        return Hit(30, R(gettext_noop("Tagged %(tag)s"), {"tag": tag}))
    return None


def rule_no_service_within(f: Facts, p: dict, today: date) -> Hit | None:
    """None of ``items`` received in the last ``days`` days (e.g. no care visit in 90 days)."""
    days = int(p.get("days", 90))
    last = max((f.received[c] for c in p.get("items") or [] if c in f.received), default=None)
    if last is None:
        return Hit(85, R(gettext_noop("Not received yet")))
    since = (today - last).days
    if since >= days:
        return Hit(
            min(95, 70 + (since - days) // 10),
            R(gettext_noop("Last received %(days)s days ago"), {"days": since}),
            due=last + timedelta(days=days),
        )
    return None


def rule_driver_age(f: Facts, p: dict, today: date) -> Hit | None:
    age = _age(f.birth_date, today)
    if age is None:
        return None
    if int(p.get("min", 0)) <= age <= int(p.get("max", 200)):
        return Hit(15, R(gettext_noop("Aged %(age)s"), {"age": age}))
    return None


def rule_spouse(f: Facts, p: dict, today: date) -> Hit | None:
    wanted = set(p.get("employment") or [])
    for spouse in f.spouses:
        if not wanted or spouse.employment in wanted:
            return Hit(
                25,
                R(gettext_noop("Spouse %(name)s"), {"name": spouse.name}),
                family_member_id=spouse.id,
            )
    return None


def rule_no_care_broker(f: Facts, p: dict, today: date) -> Hit | None:
    return None if f.has_care_broker else Hit(35, R(gettext_noop("No care broker assigned")))


def rule_has_employer(f: Facts, p: dict, today: date) -> Hit | None:
    return Hit(5, R(gettext_noop("Employed by a company"))) if f.has_employer else None


def rule_no_employer(f: Facts, p: dict, today: date) -> Hit | None:
    return None if f.has_employer else Hit(15, R(gettext_noop("No employer on file")))


def rule_party(f: Facts, p: dict, today: date) -> Hit | None:
    if f.party_status in set(p.get("in") or []):
        return Hit(20, R(gettext_noop("Party membership: %(status)s"), {"status": f.party_status}))
    return None


def rule_not_union_member(f: Facts, p: dict, today: date) -> Hit | None:
    return None if f.union_member else Hit(10, R(gettext_noop("Not a union member")))


def rule_licence_class_not_in(f: Facts, p: dict, today: date) -> Hit | None:
    if f.licence_class and f.licence_class not in set(p.get("classes") or []):
        return Hit(10, R(gettext_noop("Licence class %(cls)s"), {"cls": f.licence_class}))
    return None


def rule_on_file_within(f: Facts, p: dict, today: date) -> Hit | None:
    if f.on_file_since and (today - f.on_file_since).days <= int(p.get("days", 30)):
        return Hit(50, R(gettext_noop("New on file since %(date)s"), {"date": f.on_file_since}))
    return None


def rule_birthday_this_month(f: Facts, p: dict, today: date) -> Hit | None:
    if f.birth_date and f.birth_date.month == today.month:
        return Hit(
            30, R(gettext_noop("Birthday on %(day)s"), {"day": f.birth_date.strftime("%m-%d")})
        )
    return None


def rule_owns_vehicle(f: Facts, p: dict, today: date) -> Hit | None:
    return Hit(5, R(gettext_noop("Has a truck on file"))) if f.vehicles else None


def rule_received(f: Facts, p: dict, today: date) -> Hit | None:
    """Has received one of ``items`` (e.g. completed a training: the certificate follows)."""
    got = [c for c in p.get("items") or [] if c in f.received]
    return (
        Hit(30, R(gettext_noop("Received %(items)s"), {"items": ", ".join(got)})) if got else None
    )


# name -> (function, parameters {name: type}, description)
RULES: dict[str, tuple[Callable, dict[str, type], str]] = {
    "child_age": (
        rule_child_age,
        {"min": int, "max": int},
        gettext_lazy("has a child aged min–max"),
    ),
    "child_turns": (
        rule_child_turns,
        {"age": int},
        gettext_lazy("a child reaches this age by the school-admission deadline"),
    ),
    "licence_expires_within": (
        rule_licence_expires_within,
        {"days": int},
        gettext_lazy("driving licence expires within N days (or has expired)"),
    ),
    "certificate_expires_within": (
        rule_certificate_expires_within,
        {"days": int, "missing": bool},
        gettext_lazy("qualification certificate expires within N days, or is missing"),
    ),
    "no_social_insurance": (
        rule_no_social_insurance,
        {},
        gettext_lazy("no social insurance recorded"),
    ),
    "residence": (rule_residence, {"in": list}, gettext_lazy("lives in one of these ways")),
    "not_residence": (
        rule_not_residence,
        {"in": list},
        gettext_lazy("lives in none of these ways"),
    ),
    "tag": (rule_tag, {"tag": str}, gettext_lazy("carries this tag (hardship, veteran …)")),
    "no_service_within": (
        rule_no_service_within,
        {"items": list, "days": int},
        gettext_lazy("none of these items received in the last N days"),
    ),
    "driver_age": (rule_driver_age, {"min": int, "max": int}, gettext_lazy("driver aged min–max")),
    "spouse": (
        rule_spouse,
        {"employment": list},
        gettext_lazy("has a spouse (with one of these employment states)"),
    ),
    "no_care_broker": (rule_no_care_broker, {}, gettext_lazy("no care broker assigned")),
    "has_employer": (rule_has_employer, {}, gettext_lazy("employed by a company")),
    "no_employer": (rule_no_employer, {}, gettext_lazy("no employer on file")),
    "party": (rule_party, {"in": list}, gettext_lazy("party membership is one of")),
    "not_union_member": (rule_not_union_member, {}, gettext_lazy("not a trade union member")),
    "licence_class_not_in": (
        rule_licence_class_not_in,
        {"classes": list},
        gettext_lazy("licence class is none of"),
    ),
    "on_file_within": (
        rule_on_file_within,
        {"days": int},
        gettext_lazy("on file for at most N days"),
    ),
    "birthday_this_month": (rule_birthday_this_month, {}, gettext_lazy("birthday this month")),
    "owns_vehicle": (rule_owns_vehicle, {}, gettext_lazy("has a truck on file")),
    "received": (rule_received, {"items": list}, gettext_lazy("has received one of these items")),
}


def validate(eligibility) -> dict:
    """Check an eligibility document and return it normalised; a clear DomainError otherwise."""
    if eligibility in (None, "", {}):
        return {}
    if not isinstance(eligibility, dict):
        raise DomainError(
            _("Eligibility must be an object with a list of rules."), code="bad_rules"
        )
    unknown_keys = set(eligibility) - {"match", "rules", "repeat_days"}
    if unknown_keys:
        raise DomainError(
            _("Unknown eligibility keys: %(keys)s") % {"keys": ", ".join(sorted(unknown_keys))},
            code="bad_rules",
        )
    match = eligibility.get("match", "all")
    if match not in ("all", "any"):
        raise DomainError(_("“match” must be “all” or “any”."), code="bad_rules")
    rules = eligibility.get("rules") or []
    if not isinstance(rules, list):
        raise DomainError(_("“rules” must be a list."), code="bad_rules")
    clean = []
    for number, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict) or rule.get("rule") not in RULES:
            raise DomainError(
                _("Rule %(n)s: unknown rule %(name)s. Known rules: %(known)s")
                % {
                    "n": number,
                    "name": rule.get("rule") if isinstance(rule, dict) else rule,
                    "known": ", ".join(sorted(RULES)),
                },
                code="bad_rules",
            )
        _fn, params, _desc = RULES[rule["rule"]]
        out = {"rule": rule["rule"]}
        for key, value in rule.items():
            if key == "rule":
                continue
            if key == "urgency":
                if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
                    raise DomainError(
                        _("Rule %(n)s: “urgency” must be a whole number from 0 to 100.")
                        % {"n": number},
                        code="bad_rules",
                    )
                out[key] = value
                continue
            if key not in params:
                raise DomainError(
                    _("Rule %(n)s (%(name)s): unknown parameter “%(key)s”.")
                    % {"n": number, "name": rule["rule"], "key": key},
                    code="bad_rules",
                )
            kind = params[key]
            ok = (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
                if kind is list
                else isinstance(value, kind) and not (kind is int and isinstance(value, bool))
            )
            if not ok or (kind is int and value < 0):
                raise DomainError(
                    _("Rule %(n)s (%(name)s): “%(key)s” has the wrong type.")
                    % {"n": number, "name": rule["rule"], "key": key},
                    code="bad_rules",
                )
            out[key] = value
        clean.append(out)
    result = {"match": match, "rules": clean}
    repeat = eligibility.get("repeat_days")
    if repeat is not None:
        if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
            raise DomainError(_("“repeat_days” must be a positive whole number."), code="bad_rules")
        result["repeat_days"] = repeat
    return result


def compile_rules(eligibility: dict) -> tuple[bool, list, int | None]:
    """(all must match, [(rule function, parameters, urgency override)], repeat days), resolved once."""
    eligibility = eligibility or {}
    rules = []
    for rule in eligibility.get("rules") or []:
        entry = RULES.get(rule.get("rule"))
        if entry is None:
            continue
        override = rule.get("urgency")
        rules.append((entry[0], rule, override if isinstance(override, int) else None))
    return eligibility.get("match", "all") == "all", rules, eligibility.get("repeat_days")


def evaluate_compiled(compiled, facts: Facts, today: date, item_code: str = "") -> Hit | None:
    match_all, rules, repeat = compiled
    if not rules:
        return None
    if item_code:
        last = facts.received.get(item_code)
        if last is not None and (not repeat or (today - last).days < repeat):
            return None
    hits = []
    for fn, params, override in rules:
        hit = fn(facts, params, today)
        if hit is None:
            if match_all:
                return None
            continue
        if override is not None:
            hit.urgency = override
        hits.append(hit)
    if not hits:
        return None
    if len(hits) == 1:
        hits[0].reason = [hits[0].reason]
        return hits[0]
    top = max(hits, key=lambda h: h.urgency)
    return Hit(
        urgency=top.urgency,
        reason=[h.reason for h in hits],
        due=min((h.due for h in hits if h.due), default=None),
        family_member_id=next((h.family_member_id for h in hits if h.family_member_id), None),
    )


def evaluate(eligibility: dict, facts: Facts, today: date, *, item_code: str = "") -> Hit | None:
    """Whether a driver is eligible for an item he has not (recently) received."""
    return evaluate_compiled(compile_rules(eligibility), facts, today, item_code)


@dataclass
class Suggestion:
    driver_id: int
    item_id: int
    item_code: str
    urgency: int
    reasons: list
    due: date | None
    family_member_id: int | None

    @property
    def reason(self) -> str:
        return render_reasons(self.reasons)


def suggestions(items: Iterable, facts_list: Iterable[Facts], today: date) -> list[Suggestion]:
    """Every (driver, item) pair that is eligible, ranked: most urgent first, then earliest due."""
    compiled = [
        (item, compile_rules(item.eligibility))
        for item in items
        if item.is_active and (item.eligibility or {}).get("rules")
    ]
    out = []
    for facts in facts_list:
        for item, rules in compiled:
            hit = evaluate_compiled(rules, facts, today, item.code)
            if hit is None:
                continue
            out.append(
                Suggestion(
                    driver_id=facts.driver_id,
                    item_id=item.pk,
                    item_code=item.code,
                    urgency=min(100, hit.urgency + item.base_urgency // 5),
                    reasons=hit.reason,
                    due=hit.due,
                    family_member_id=hit.family_member_id,
                )
            )
    out.sort(key=rank_key)
    return out


def rank_key(s) -> tuple:
    return (-s.urgency, s.due or date.max, s.driver_id, s.item_code)


def group_by(rows, key) -> dict:
    grouped = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return grouped


# --- loading the facts ---------------------------------------------------------------


def facts_for_drivers(drivers) -> list[Facts]:
    """The facts of every driver in ``drivers`` (a queryset) in four queries, whatever their number."""
    from django.db.models import Count, Max

    from driverhome.drivers.models import FamilyMember, Vehicle

    from .models import ServiceRecord

    rows = list(
        drivers.values(
            "pk",
            "birth_date",
            "created_at",
            "residence_type",
            "tags",
            "licence_class",
            "licence_expiry",
            "qualification_expiry",
            "social_insurance",
            "care_broker_id",
            "employer_id",
            "party_membership",
            "union_member",
        )
    )
    if not rows:
        return []
    ids = drivers.values("pk")
    family = group_by(
        FamilyMember.objects.filter(
            driver_id__in=ids,
            relation__in=[FamilyMember.Relation.CHILD, FamilyMember.Relation.SPOUSE],
        ).values_list("driver_id", "pk", "relation", "name", "birth_date", "employment"),
        key=lambda r: r[0],
    )
    vehicles = dict(
        Vehicle.objects.filter(driver_id__in=ids)
        .values("driver_id")
        .annotate(n=Count("pk"))
        .values_list("driver_id", "n")
    )
    received = group_by(
        ServiceRecord.objects.filter(driver_id__in=ids)
        .exclude(outcome=ServiceRecord.Outcome.DECLINED)
        .values("driver_id", "item__code")
        .annotate(last=Max("delivered_at"))
        .values_list("driver_id", "item__code", "last"),
        key=lambda r: r[0],
    )
    out = []
    for row in rows:
        pk = row["pk"]
        members = family.get(pk, [])
        out.append(
            Facts(
                driver_id=pk,
                birth_date=row["birth_date"],
                on_file_since=row["created_at"].date() if row["created_at"] else None,
                residence=row["residence_type"] or "",
                tags=frozenset(row["tags"] or []),
                licence_class=row["licence_class"] or "",
                licence_expires=row["licence_expiry"],
                certificate_expires=row["qualification_expiry"],
                social_insurance=row["social_insurance"] or "",
                has_care_broker=row["care_broker_id"] is not None,
                has_employer=row["employer_id"] is not None,
                party_status=row["party_membership"] or "",
                union_member=bool(row["union_member"]),
                vehicles=vehicles.get(pk, 0),
                children=[Person(m[1], m[3], m[4], m[5]) for m in members if m[2] == "child"],
                spouses=[Person(m[1], m[3], m[4], m[5]) for m in members if m[2] == "spouse"],
                received={code: _as_date(last) for _d, code, last in received.get(pk, [])},
            )
        )
    return out


def _as_date(value) -> date:
    from django.utils import timezone

    if hasattr(value, "date"):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value
