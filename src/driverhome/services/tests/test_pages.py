"""Pages: a broker's day on the console, the driver's phone page, and pinned query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from driverhome.drivers.models import Driver
from driverhome.services import actions
from driverhome.services.models import (
    CareEnrolment,
    CareerChange,
    MonthlyEarning,
    ServiceRecord,
    ServiceRequest,
)

from .conftest import make_driver

pytestmark = pytest.mark.django_db


def test_recommendations_page_lists_and_accepts(client_for, driver, catalogue):
    actions.refresh_recommendations(Driver.objects.all())
    page = client_for("site_staff").get(reverse("services:recommendations"))
    assert page.status_code == 200
    assert "王建国" in page.content.decode()
    reco = driver.service_recommendations.get(item__code="N06-02")
    response = client_for("site_staff").post(
        reverse("services:recommendation-accept", args=[reco.public_id])
    )
    assert response.status_code == 302
    assert ServiceRecord.objects.filter(
        driver=driver, item__code="N06-02", source="recommendation"
    ).exists()


def test_recording_a_service_from_the_form(client_for, driver, catalogue):
    url = reverse("services:record-new") + f"?driver={driver.public_id}"
    assert client_for("site_staff").get(url).status_code == 200
    response = client_for("site_staff").post(
        url,
        {
            "driver": str(driver.public_id),
            "item": catalogue["N07-01"].pk,
            "family_member": "",
            "delivered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "place": "健康驿站",
            "outcome": "delivered",
            "notes": "",
        },
    )
    assert response.status_code == 302
    assert ServiceRecord.objects.get(driver=driver).place == "健康驿站"


def test_group_record_with_an_unknown_line_records_nothing(client_for, driver, catalogue):
    response = client_for("site_staff").post(
        reverse("services:record-bulk"),
        {
            "item": catalogue["N13-01"].pk,
            "drivers": f"{driver.public_id}\n13800000000",
            "delivered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200 and "13800000000" in response.content.decode()
    assert not ServiceRecord.objects.exists()


def test_journey_shows_received_and_eligible(client_for, driver, catalogue, personas):
    actions.record_service(actor=personas["site_staff"], driver=driver, item=catalogue["N07-01"])
    page = client_for("site_staff").get(reverse("services:journey", args=[driver.public_id]))
    body = page.content.decode()
    assert (
        page.status_code == 200
        and catalogue["N07-01"].name in body
        and catalogue["N06-02"].name in body
    )
    assert (
        client_for("outsider").get(reverse("services:journey", args=[driver.public_id])).status_code
        == 404
    )


def test_care_workshop_and_career_change_pages(client_for, driver, care_term, workshop, personas):
    staff = client_for("site_staff")
    child = driver.family.get(relation="child")
    staff.post(
        reverse("services:care-enrol", args=[care_term.code]), {"child": str(child.public_id)}
    )
    assert CareEnrolment.objects.get(child=child).status == "enrolled"
    assert staff.get(reverse("services:care-term", args=[care_term.code])).status_code == 200

    spouse = driver.family.get(relation="spouse")
    member = actions.add_workshop_member(
        actor=personas["site_staff"],
        workshop=workshop,
        spouse=spouse,
        mode="home",
        joined_on=timezone.localdate() - timedelta(days=60),
    )
    staff.post(
        reverse("services:workshop-earning", args=[workshop.code]),
        {
            "member": str(member.public_id),
            "month": timezone.localdate().strftime("%Y-%m"),
            "amount": "1800",
        },
    )
    assert MonthlyEarning.objects.get(member=member).amount == 1800
    assert "1800" in staff.get(reverse("services:workshop")).content.decode()

    staff.post(
        reverse("services:training"),
        {
            "driver": str(driver.public_id),
            "from_job": "集卡司机",
            "to_job": "叉车司机",
            "changed_on": timezone.localdate().isoformat(),
            "help": "matching",
        },
    )
    assert CareerChange.objects.get(driver=driver).to_job == "叉车司机"


def test_admin_edits_an_items_rules_and_a_bad_rule_is_shown(client_for, catalogue):
    url = reverse("services:item-edit", args=["N06-02"])
    item = catalogue["N06-02"]
    data = {
        "code": item.code,
        "node": item.node_id,
        "name": item.name,
        "name_en": item.name_en,
        "channel": "on_site",
        "beneficiary": "child",
        "base_urgency": 10,
        "is_active": "on",
        "eligibility": '{"rules": [{"rule": "child_age", "min": 3, "max": 10}]}',
    }
    assert client_for("admin").post(url, data).status_code == 302
    item.refresh_from_db()
    assert item.eligibility["rules"][0]["max"] == 10
    bad = client_for("admin").post(url, {**data, "eligibility": '{"rules": [{"rule": "nope"}]}'})
    assert bad.status_code == 200 and "nope" in bad.content.decode()


def test_driver_sees_suggestions_and_asks_for_one(client_for, driver, catalogue):
    me = client_for("driver")
    page = me.get(reverse("services_driver:my-services"))
    assert page.status_code == 200 and catalogue["N06-02"].name in page.content.decode()
    me.post(reverse("services_driver:suggestion-accept", args=["N06-02"]))
    req = ServiceRequest.objects.get(driver=driver)
    assert req.item.code == "N06-02" and req.family_member.relation == "child"


def test_page_query_counts_are_pinned(client_for, orgs, catalogue, personas):
    staff = client_for("site_staff")

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert staff.get(url).status_code == 200
        return len(ctx.captured_queries)

    def grow(n):
        drivers = [make_driver(orgs["xiapu"], name=f"司机{n}-{k}") for k in range(n)]
        actions.record_services_bulk(
            actor=personas["admin"], drivers=drivers, item=catalogue["N13-01"]
        )
        actions.refresh_recommendations(Driver.objects.all())

    urls = [
        reverse("services:recommendations"),
        reverse("services:record-list"),
        reverse("services:care"),
        reverse("services:training"),
        reverse("services:catalogue"),
    ]
    grow(2)
    before = [count(u) for u in urls]
    grow(6)
    assert [count(u) for u in urls] == before


def test_journey_and_my_services_query_counts_do_not_grow_with_records(
    client_for, driver, catalogue, personas
):
    staff, me = client_for("site_staff"), client_for("driver")
    journey = reverse("services:journey", args=[driver.public_id])
    mine = reverse("services_driver:my-services")

    def count(client, url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    actions.record_service(actor=personas["site_staff"], driver=driver, item=catalogue["N07-01"])
    before = (count(staff, journey), count(me, mine))
    for code in ("N13-01", "N10-02", "N02-01", "N09-02"):
        actions.record_service(actor=personas["site_staff"], driver=driver, item=catalogue[code])
    assert (count(staff, journey), count(me, mine)) == before
