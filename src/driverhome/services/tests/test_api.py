"""The API: a broker's day from the recommendations to the figures; scoping; pinned query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from driverhome.drivers.models import Driver
from driverhome.services import actions

from .conftest import make_driver

pytestmark = pytest.mark.django_db


def test_recommendation_to_record_to_figures(
    api, driver, catalogue, care_term, workshop, personas, orgs
):
    actions.refresh_recommendations(Driver.objects.all())
    staff = api("site_staff")
    worklist = staff.get("/api/v1/services/recommendations").json()["items"]
    assert worklist and worklist[0]["urgency"] >= worklist[-1]["urgency"]
    care = next(r for r in worklist if r["item"] == "N06-02")
    accepted = staff.post(
        f"/api/v1/services/recommendations/{care['id']}/accept", {}, content_type="application/json"
    )
    assert accepted.status_code == 201 and accepted.json()["kind"] == "record"

    child = driver.family.get(relation="child")
    enrolled = staff.post(
        "/api/v1/services/care/terms/t-care/enrolments",
        {"child": str(child.public_id)},
        content_type="application/json",
    )
    assert enrolled.status_code == 201 and enrolled.json()["status"] == "enrolled"

    spouse = driver.family.get(relation="spouse")
    member = actions.add_workshop_member(
        actor=personas["site_staff"],
        workshop=workshop,
        spouse=spouse,
        mode="on_site",
        joined_on=timezone.localdate() - timedelta(days=60),
    )
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    earned = staff.post(
        "/api/v1/services/workshops/t-kasao/earnings",
        {"member": str(member.public_id), "month": month.isoformat(), "amount": 2600},
        content_type="application/json",
    )
    assert earned.status_code == 201
    changed = staff.post(
        "/api/v1/services/career-changes",
        {
            "driver": str(driver.public_id),
            "from_job": "集卡司机",
            "to_job": "叉车司机",
            "changed_on": timezone.localdate().isoformat(),
            "help": "training",
        },
        content_type="application/json",
    )
    assert changed.status_code == 201
    numbers = staff.get("/api/v1/services/figures").json()
    assert numbers["children_in_care"] == 1
    assert numbers["kasao_employed"] == 1
    assert numbers["kasao_families_income_raised"] == 1
    assert numbers["career_changes"] == 1
    assert numbers["lifecycle_nodes"] == 14 and numbers["service_items"] == 80
    assert numbers["services_delivered_by_node"] == {"N06": 1}


def test_bad_input_gets_a_clear_error_and_changes_nothing(api, driver, catalogue):
    staff = api("site_staff")
    bad = staff.post(
        "/api/v1/services/records",
        {"driver": str(driver.public_id), "item": "N07-01", "outcome": "lost"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    rules = api("admin").patch(
        "/api/v1/services/items/N06-02",
        {"eligibility": {"rules": [{"rule": "nope"}]}},
        content_type="application/json",
    )
    assert rules.status_code == 400 and rules.json()["code"] == "bad_rules"
    assert staff.get("/api/v1/services/records").json()["items"] == []


def test_objects_outside_the_scope_are_404(api, driver, other_driver, catalogue, orgs):
    outsider = api("outsider")
    assert outsider.get(f"/api/v1/services/journey/{driver.public_id}").status_code == 404
    assert (
        outsider.post(
            "/api/v1/services/records",
            {"driver": str(driver.public_id), "item": "N07-01"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert outsider.get("/api/v1/services/figures", {"org": orgs["xiapu"].code}).status_code == 404
    # Guoju staff cannot put a Xiapu driver into a group record.
    guoju = api("guoju_staff")
    bulk = guoju.post(
        "/api/v1/services/records/bulk",
        {"drivers": [str(driver.public_id), str(other_driver.public_id)], "item": "N13-01"},
        content_type="application/json",
    )
    assert bulk.status_code == 404


def test_a_driver_sees_his_services_and_suggestions(api, driver, catalogue, personas):
    actions.record_service(actor=personas["site_staff"], driver=driver, item=catalogue["N07-01"])
    mine = api("driver").get("/api/v1/services/mine").json()
    assert [r["item"] for r in mine["records"]] == ["N07-01"]
    assert "N06-02" in {s["item"] for s in mine["suggestions"]}
    assert api("other_driver").get("/api/v1/services/mine").status_code == 404


def test_list_query_counts_do_not_grow_with_rows(api, orgs, catalogue, personas):
    staff = api("site_staff")
    drivers = [make_driver(orgs["xiapu"], name=f"司机{n}") for n in range(3)]
    actions.record_services_bulk(actor=personas["admin"], drivers=drivers, item=catalogue["N13-01"])
    actions.refresh_recommendations(Driver.objects.all())

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert staff.get(url).status_code == 200
        return len(ctx.captured_queries)

    # The token's first use looks it up and writes its "last used" time; after that the
    # process holds it (accounts.auth.RECENT_TOKENS) and each list is one query.
    staff.get("/api/v1/me")
    before = (count("/api/v1/services/records"), count("/api/v1/services/recommendations"))
    more = [make_driver(orgs["xiapu"], name=f"新司机{n}") for n in range(5)]
    actions.record_services_bulk(actor=personas["admin"], drivers=more, item=catalogue["N13-01"])
    actions.refresh_recommendations(Driver.objects.all())
    after = (count("/api/v1/services/records"), count("/api/v1/services/recommendations"))
    assert before == after
    assert after == (1, 1)


def test_workshop_members_show_the_family_gain(api, driver, workshop, personas):
    spouse = driver.family.get(relation="spouse")
    member = actions.add_workshop_member(
        actor=personas["site_staff"],
        workshop=workshop,
        spouse=spouse,
        mode="home",
        joined_on=timezone.localdate() - timedelta(days=70),
        income_before=300,
    )
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    actions.record_monthly_earning(
        actor=personas["site_staff"], member=member, month=month, amount=1500
    )
    rows = api("site_staff").get("/api/v1/services/workshops/t-kasao/members").json()
    assert rows[0]["monthly_gain"] == 1200 and rows[0]["mode"] == "home"
    assert api("outsider").get("/api/v1/services/workshops/t-kasao/members").status_code == 404
