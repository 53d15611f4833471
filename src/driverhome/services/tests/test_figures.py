"""Each figure is computed from records, follows edits to them, and respects area and period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from driverhome.services import actions, figures
from driverhome.services.models import CareEnrolment, MonthlyEarning, ServiceRecord

from .conftest import add_member, make_driver, years_ago

pytestmark = pytest.mark.django_db


def month_ago(n: int) -> date:
    day = timezone.localdate().replace(day=1)
    for _ in range(n):
        day = (day - timedelta(days=1)).replace(day=1)
    return day


def test_catalogue_counts_come_from_the_catalogue(catalogue, personas):
    assert figures.lifecycle_nodes("/") == 14
    assert figures.service_items("/") == 80
    actions.save_item(actor=personas["admin"], item=catalogue["N14-05"], is_active=False)
    assert figures.service_items("/") == 79


def test_children_in_care_counts_enrolled_children_once(orgs, driver, care_term, personas):
    child = driver.family.get(relation="child")
    second = add_member(driver, "child", "王小红", years_ago(5))
    third = add_member(driver, "child", "王小刚", years_ago(4))
    actions.enrol_child(actor=personas["site_staff"], term=care_term, child=child)
    actions.enrol_child(actor=personas["site_staff"], term=care_term, child=second)
    waiting = actions.enrol_child(actor=personas["site_staff"], term=care_term, child=third)
    assert waiting.status == CareEnrolment.Status.WAITING
    xiapu, guoju = orgs["xiapu"].path, orgs["guoju"].path
    assert figures.children_in_care(xiapu) == 2
    assert figures.children_in_care(orgs["district"].path) == 2
    assert figures.children_in_care(guoju) == 0
    # A withdrawal frees the place for the waiting child: still two in care.
    first = CareEnrolment.objects.get(child=child)
    promoted = actions.withdraw_enrolment(first, actor=personas["site_staff"])
    assert promoted.child == third
    assert figures.children_in_care(xiapu) == 2
    # The period must overlap the term.
    assert figures.children_in_care(xiapu, start=care_term.ends_on + timedelta(days=1)) == 0


def test_workshop_employed_and_families_with_raised_income(orgs, workshop, personas):
    staff = personas["site_staff"]
    members = []
    for n, (mode, before, earned) in enumerate(
        [("on_site", 0, 2500), ("on_site", 1000, 1800), ("home", 0, 1200), ("home", 500, 1200)]
    ):
        d = make_driver(orgs["xiapu"], name=f"司机{n}")
        spouse = add_member(d, "spouse", f"卡嫂{n}", years_ago(35))
        m = actions.add_workshop_member(
            actor=staff,
            workshop=workshop,
            spouse=spouse,
            mode=mode,
            joined_on=month_ago(4),
            income_before=before,
        )
        for k in (1, 2):
            actions.record_monthly_earning(actor=staff, member=m, month=month_ago(k), amount=earned)
        members.append(m)
    path = orgs["xiapu"].path
    assert figures.kasao_employed(path) == 2
    # Gains: 2500, 800, 1200, 700 -> two families at ¥1,000 or more.
    assert figures.kasao_families_income_raised(path) == 2
    assert (
        figures.kasao_monthly_income_gain_yuan(path) == 1200
    )  # every counted family gained ≥ 1,200
    assert figures.kasao_average_monthly_gain_yuan(path) == 1850
    # Correcting a month changes the figure.
    actions.record_monthly_earning(actor=staff, member=members[1], month=month_ago(1), amount=2400)
    actions.record_monthly_earning(actor=staff, member=members[1], month=month_ago(2), amount=2400)
    assert figures.kasao_families_income_raised(path) == 3
    assert MonthlyEarning.objects.filter(member=members[1]).count() == 2
    # A member who left before the period is not employed in it.
    actions.member_leaves(members[0], actor=staff, left_on=month_ago(3))
    assert figures.kasao_employed(path, start=month_ago(2)) == 1
    assert figures.kasao_employed(orgs["guoju"].path) == 0


def test_career_changes_and_services_delivered(orgs, driver, other_driver, catalogue, personas):
    staff = personas["site_staff"]
    today = timezone.localdate()
    change = actions.record_career_change(
        actor=staff,
        driver=driver,
        from_job="集卡司机",
        to_job="叉车司机",
        changed_on=today,
        help="training",
    )
    actions.record_career_change(
        actor=personas["admin"],
        driver=other_driver,
        from_job="集卡司机",
        to_job="仓管",
        changed_on=today,
        help="matching",
    )
    assert figures.career_changes(orgs["xiapu"].path) == 1
    assert figures.career_changes(orgs["district"].path) == 2
    actions.update_career_change(change, actor=staff, changed_on=today - timedelta(days=400))
    assert figures.career_changes(orgs["xiapu"].path, start=today - timedelta(days=30)) == 0

    record = actions.record_service(actor=staff, driver=driver, item=catalogue["N13-01"])
    actions.record_services_bulk(
        actor=personas["admin"], drivers=[driver, other_driver], item=catalogue["N10-02"]
    )
    assert figures.services_delivered(orgs["xiapu"].path) == 2
    assert figures.services_delivered(orgs["district"].path) == 3
    assert figures.services_delivered(orgs["xiapu"].path, by="node") == {"N10": 1, "N13": 1}
    assert figures.services_delivered(orgs["district"].path, by="item") == {
        "N10-02": 2,
        "N13-01": 1,
    }
    actions.update_service_record(record, actor=staff, outcome="declined")
    assert figures.services_delivered(orgs["xiapu"].path) == 1
    assert figures.drivers_served(orgs["district"].path) == 2
    assert figures.drivers_served(orgs["xiapu"].path) == 1
    assert figures.drivers_served("/") == 2
    assert figures.drivers_served("/", start=today + timedelta(days=1)) == 0
    assert figures.drivers_served("/", end=today) == 0
    # A driver whose only record was declined was not served.
    other_record = ServiceRecord.objects.get(driver=other_driver)
    actions.update_service_record(other_record, actor=personas["admin"], outcome="declined")
    assert figures.drivers_served(orgs["district"].path) == 1


def test_training_sessions_come_from_the_events_app(orgs):
    from driverhome.core.modules import optional_import

    if optional_import("driverhome.events.figures") is None:
        assert figures.training_sessions("/") == 0
    else:
        assert figures.training_sessions(orgs["xiapu"].path) == 0
