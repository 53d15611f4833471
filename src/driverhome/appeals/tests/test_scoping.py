"""Who sees which request: the unit only its cases, the broker his drivers', the outsider nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from driverhome.appeals.models import Appeal

from .factories import appeal_in_stage, driver_for, file

pytestmark = pytest.mark.django_db


def test_a_unit_handler_sees_only_his_units_cases(client_for, api, personas, orgs):
    labour_case = appeal_in_stage(personas, orgs, "reported")
    unassigned = file(personas["site_staff"], reporter_name="王", code="C02-01")
    assert set(Appeal.objects.for_user(personas["unit_handler"])) == {labour_case}
    assert not Appeal.objects.for_user(personas["police_handler"]).exists()
    police = client_for("police_handler")
    assert (
        police.get(reverse("appeals:appeal-detail", args=[labour_case.tracking_no])).status_code
        == 404
    )
    assert (
        api("police_handler").get(f"/api/v1/appeals/{labour_case.tracking_no}").status_code == 404
    )
    assert unassigned in Appeal.objects.for_user(personas["site_staff"])


def test_an_outsider_gets_404(client_for, api, personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "handling")
    assert (
        client_for("outsider")
        .get(reverse("appeals:appeal-detail", args=[appeal.tracking_no]))
        .status_code
        == 404
    )
    assert api("outsider").get(f"/api/v1/appeals/{appeal.tracking_no}").status_code == 404
    assert api("outsider").get("/api/v1/appeals").json()["items"] == []


def test_a_broker_sees_the_requests_of_his_drivers_outside_his_area(personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "collected")  # filed in Xiapu; broker works in Guoju
    assert appeal in Appeal.objects.for_user(personas["broker"])
    assert appeal not in Appeal.objects.for_user(personas["guoju_staff"])


def test_a_driver_sees_only_his_own(api, personas, orgs):
    mine = appeal_in_stage(personas, orgs, "collected")
    other = driver_for(personas["other_driver"], orgs["xiapu"], name="李师傅")
    theirs = file(personas["other_driver"], driver=other)
    items = {a["tracking_no"] for a in api("driver").get("/api/v1/appeals").json()["items"]}
    assert items == {mine.tracking_no}
    assert api("driver").get(f"/api/v1/appeals/{theirs.tracking_no}").status_code == 404


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_pages_run_a_fixed_number_of_queries(client_for, api, personas, orgs):
    for _ in range(3):
        appeal_in_stage(personas, orgs, "handling")
    file(personas["site_staff"], reporter_name="王", code="C02-01")  # no unit yet
    staff, phone = client_for("supervisor"), client_for("driver")
    console = _count(staff, reverse("appeals:appeal-list"))
    mine = _count(phone, reverse("appeals_driver:my-appeals"))
    api_list = _count(api("supervisor"), "/api/v1/appeals")
    for _ in range(5):
        appeal_in_stage(personas, orgs, "answered")
    assert _count(staff, reverse("appeals:appeal-list")) == console
    assert _count(phone, reverse("appeals_driver:my-appeals")) == mine
    assert _count(api("supervisor"), "/api/v1/appeals") == api_list
    assert (console, mine) == (5, 3)


def test_the_list_follows_the_dashboards_links(client_for, personas, orgs):
    handling = appeal_in_stage(personas, orgs, "handling")
    visited = appeal_in_stage(personas, orgs, "visited")
    from driverhome.appeals import actions

    actions.rehandle(visited, actor=personas["broker"], note="未解决")
    page = client_for("supervisor")

    def listed(**query):
        response = page.get(reverse("appeals:appeal-list"), query)
        return {a.tracking_no for a in response.context["page"].items}

    assert listed(state="open") == {handling.tracking_no, visited.tracking_no}
    assert listed(rehandled="1") == {visited.tracking_no}
    assert listed(state="answered") == {visited.tracking_no}
    assert listed(state="closed") == set()
