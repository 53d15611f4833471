"""Each eligibility rule, the rule validator, and the ranking of suggestions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from driverhome.core.errors import DomainError
from driverhome.services import eligibility as el
from driverhome.services.catalogue import DEFAULT_RULES

TODAY = date(2026, 3, 10)


def facts(**kw) -> el.Facts:
    return el.Facts(driver_id=kw.pop("driver_id", 1), **kw)


def child(age_years: int, days: int = 0, pk: int = 7) -> el.Person:
    return el.Person(pk, "小明", TODAY.replace(year=TODAY.year - age_years) - timedelta(days=days))


def hit(rule: dict, f: el.Facts, today=TODAY):
    return el.evaluate({"rules": [rule]}, f, today)


def test_child_aged_3_to_12_matches_and_names_the_child():
    rule = {"rule": "child_age", "min": 3, "max": 12}
    found = hit(rule, facts(children=[child(8)]))
    assert found is not None and found.family_member_id == 7
    assert hit(rule, facts(children=[child(2)])) is None
    assert hit(rule, facts(children=[child(13)])) is None
    assert hit(rule, facts()) is None


def test_child_turning_6_before_the_admission_deadline():
    rule = {"rule": "child_turns", "age": 6}
    # Born 1 July 2020: 6 on 1 July 2026, before 31 August 2026.
    turning = el.Person(3, "小红", date(2020, 7, 1))
    found = hit(rule, facts(children=[turning]))
    assert found is not None and found.due == date(2026, 8, 31)
    # Born 1 October 2020: still 5 at the deadline.
    late = el.Person(4, "小刚", date(2020, 10, 1))
    assert hit(rule, facts(children=[late])) is None


def test_licence_expiring_within_90_days():
    rule = {"rule": "licence_expires_within", "days": 90}
    soon = hit(rule, facts(licence_expires=TODAY + timedelta(days=10)))
    later = hit(rule, facts(licence_expires=TODAY + timedelta(days=80)))
    assert soon.urgency > later.urgency
    assert hit(rule, facts(licence_expires=TODAY + timedelta(days=91))) is None
    assert hit(rule, facts(licence_expires=TODAY - timedelta(days=1))).urgency == 95
    assert hit(rule, facts()) is None


def test_certificate_missing_counts_unless_told_otherwise():
    assert hit({"rule": "certificate_expires_within", "days": 90}, facts()) is not None
    assert (
        hit({"rule": "certificate_expires_within", "days": 90, "missing": False}, facts()) is None
    )


def test_no_social_insurance_recorded():
    rule = {"rule": "no_social_insurance"}
    assert hit(rule, facts(social_insurance="none")) is not None
    assert hit(rule, facts(social_insurance="unknown")) is not None
    assert hit(rule, facts(social_insurance="employee")) is None


def test_lives_in_the_cab():
    rule = {"rule": "residence", "in": ["cab"]}
    assert hit(rule, facts(residence="cab")) is not None
    assert hit(rule, facts(residence="apartment")) is None
    assert hit({"rule": "not_residence", "in": ["apartment"]}, facts(residence="cab")) is not None


def test_hardship_with_no_care_visit_in_90_days():
    rules = {
        "rules": [
            {"rule": "tag", "tag": "hardship"},
            {"rule": "no_service_within", "items": ["N04-06"], "days": 90},
        ]
    }
    never = el.evaluate(rules, facts(tags=frozenset({"hardship"})), TODAY)
    old = el.evaluate(
        rules,
        facts(tags=frozenset({"hardship"}), received={"N04-06": TODAY - timedelta(days=120)}),
        TODAY,
    )
    recent = el.evaluate(
        rules,
        facts(tags=frozenset({"hardship"}), received={"N04-06": TODAY - timedelta(days=30)}),
        TODAY,
    )
    assert never is not None and old is not None and recent is None
    assert el.evaluate(rules, facts(), TODAY) is None


def test_other_rules():
    f = facts(
        birth_date=date(1970, 3, 2),
        spouses=[el.Person(9, "李", None, "home")],
        party_status="mobile",
        vehicles=1,
        on_file_since=TODAY - timedelta(days=3),
        licence_class="B2",
        received={"N08-02": TODAY},
    )
    assert hit({"rule": "driver_age", "min": 50}, f) is not None
    assert hit({"rule": "driver_age", "min": 58}, f) is None
    assert hit({"rule": "spouse", "employment": ["home"]}, f).family_member_id == 9
    assert hit({"rule": "spouse", "employment": ["employed"]}, f) is None
    assert hit({"rule": "party", "in": ["mobile"]}, f) is not None
    assert hit({"rule": "owns_vehicle"}, f) is not None
    assert hit({"rule": "on_file_within", "days": 30}, f) is not None
    assert hit({"rule": "licence_class_not_in", "classes": ["A1", "A2"]}, f) is not None
    assert hit({"rule": "birthday_this_month"}, f) is not None
    assert hit({"rule": "received", "items": ["N08-02"]}, f) is not None
    assert hit({"rule": "no_care_broker"}, f) is not None
    assert hit({"rule": "no_care_broker"}, facts(has_care_broker=True)) is None
    assert hit({"rule": "not_union_member"}, facts(union_member=True)) is None
    assert hit({"rule": "has_employer"}, facts(has_employer=True)) is not None
    assert hit({"rule": "no_employer"}, facts(has_employer=True)) is None


def test_match_any_and_all():
    f = facts(residence="cab", social_insurance="employee")
    both = [{"rule": "residence", "in": ["cab"]}, {"rule": "no_social_insurance"}]
    assert el.evaluate({"match": "all", "rules": both}, f, TODAY) is None
    assert el.evaluate({"match": "any", "rules": both}, f, TODAY) is not None


def test_an_item_received_is_not_suggested_again_unless_it_repeats():
    rules = {"rules": [{"rule": "residence", "in": ["cab"]}]}
    f = facts(residence="cab", received={"N05-05": TODAY - timedelta(days=100)})
    assert el.evaluate(rules, f, TODAY, item_code="N05-05") is None
    assert el.evaluate({**rules, "repeat_days": 90}, f, TODAY, item_code="N05-05") is not None


def test_urgency_can_be_set_per_rule():
    found = hit({"rule": "residence", "in": ["cab"], "urgency": 77}, facts(residence="cab"))
    assert found.urgency == 77


@pytest.mark.parametrize(
    "bad",
    [
        "rules",
        {"rules": [{"rule": "no_such_rule"}]},
        {"rules": [{"rule": "child_age", "min": "three"}]},
        {"rules": [{"rule": "child_age", "colour": 3}]},
        {"match": "some", "rules": []},
        {"rules": [], "repeat_days": 0},
        {"rules": [{"rule": "tag", "tag": "hardship", "urgency": 101}]},
        {"rules": [], "extra": 1},
    ],
)
def test_bad_rules_are_refused_with_a_clear_error(bad):
    with pytest.raises(DomainError):
        el.validate(bad)


def test_every_default_rule_set_is_valid():
    for code, rules in DEFAULT_RULES.items():
        assert el.validate(rules)["rules"], code


class Item:
    def __init__(self, pk, code, eligibility, base_urgency=10):
        self.pk, self.code, self.eligibility = pk, code, eligibility
        self.base_urgency, self.is_active = base_urgency, True


def test_ranking_puts_the_most_urgent_first():
    items = [
        Item(1, "N06-01", {"rules": [{"rule": "child_turns", "age": 6}]}),
        Item(2, "N01-03", {"rules": [{"rule": "licence_expires_within", "days": 90}]}),
        Item(3, "N05-05", {"rules": [{"rule": "residence", "in": ["cab"]}]}),
        Item(
            4,
            "N04-06",
            {
                "rules": [
                    {"rule": "tag", "tag": "hardship"},
                    {"rule": "no_service_within", "items": ["N04-06"], "days": 90},
                ]
            },
        ),
    ]
    people = [
        facts(driver_id=1, residence="cab"),
        facts(driver_id=2, licence_expires=TODAY + timedelta(days=5)),
        facts(driver_id=3, licence_expires=TODAY + timedelta(days=85)),
        facts(driver_id=4, children=[el.Person(5, "小红", date(2020, 7, 1))]),
        facts(driver_id=5, tags=frozenset({"hardship"})),
    ]
    ranked = el.suggestions(items, people, TODAY)
    order = [(s.driver_id, s.item_code) for s in ranked]
    assert order[0] == (2, "N01-03")  # licence expires in 5 days
    assert order[-1] == (1, "N05-05")  # cab safety tips are the least urgent
    assert order.index((5, "N04-06")) < order.index((3, "N01-03"))
    assert order.index((4, "N06-01")) < order.index((1, "N05-05"))
    assert [s.urgency for s in ranked] == sorted((s.urgency for s in ranked), reverse=True)


def test_reasons_are_translated_when_shown():
    from django.utils import translation

    f = facts(licence_expires=TODAY + timedelta(days=10), residence="cab")
    found = el.evaluate(
        {
            "rules": [
                {"rule": "licence_expires_within", "days": 90},
                {"rule": "residence", "in": ["cab"]},
            ]
        },
        f,
        TODAY,
    )
    with translation.override("en"):
        assert el.render_reasons(found.reason) == (
            "Driving licence expires on 2026-03-20; Residence: Lives in the cab"
        )
    with translation.override("zh-hans"):
        assert el.render_reasons(found.reason).startswith("驾驶证将于 2026-03-20 到期")
