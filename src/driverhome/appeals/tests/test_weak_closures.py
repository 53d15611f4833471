"""Supervisors see the weak closures per unit and period; the worklist panels count what
the lists they open show."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from driverhome.appeals import actions, weak
from driverhome.appeals.console import worklist_panels
from driverhome.appeals.models import Appeal

from .conftest import frozen
from .factories import appeal_in_stage

pytestmark = pytest.mark.django_db


def closed_with(personas, orgs, resolved, score):
    appeal = appeal_in_stage(personas, orgs, "answered")
    actions.return_visit(
        appeal, actor=personas["broker"], resolved=resolved, satisfaction=score, close=False
    )
    actions.close(appeal, actor=personas["broker"], note="经协商结案")
    return appeal


@pytest.fixture
def closures(personas, orgs):
    return {
        "good": closed_with(personas, orgs, "yes", 4),
        "partly": closed_with(personas, orgs, "partly", 4),
        "low": closed_with(personas, orgs, "yes", 2),
        "no": closed_with(personas, orgs, "no", 1),
    }


def test_weak_closures_are_partly_not_resolved_or_rated_below_3(closures, personas):
    scoped = Appeal.objects.for_user(personas["supervisor"])
    found = set(weak.weak_closures(scoped, *weak.default_period()))
    assert found == {closures["partly"], closures["low"], closures["no"]}
    (row,) = weak.per_unit(scoped, *weak.default_period())
    assert row["unit"] == "t-labour"
    assert (row["closed"], row["weak"], row["partly"], row["not_resolved"], row["low_rating"]) == (
        4,
        3,
        1,
        1,
        2,
    )
    assert row["share"] == 75.0


def test_the_period_counts(closures, personas):
    scoped = Appeal.objects.for_user(personas["supervisor"])
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert not weak.weak_closures(scoped, tomorrow, tomorrow).exists()
    assert weak.per_unit(scoped, tomorrow, tomorrow) == []


def test_the_page_the_api_and_the_panel_agree(closures, client_for, api, personas, rf):
    page = client_for("supervisor").get(reverse("appeals:weak-closures"))
    assert page.status_code == 200
    body = page.content.decode()
    for name in ("partly", "low", "no"):
        assert closures[name].tracking_no in body
    assert closures["good"].tracking_no not in body
    data = api("supervisor").get("/api/v1/appeals/weak-closures").json()
    assert {i["tracking_no"] for i in data["items"]} == {
        closures[n].tracking_no for n in ("partly", "low", "no")
    }
    assert data["rows"][0]["weak"] == 3
    request = rf.get("/console/")
    request.user = personas["supervisor"]
    panel = next(
        p for p in worklist_panels(request) if p["url"].startswith(reverse("appeals:weak-closures"))
    )
    assert panel["count"] == 3
    opened = client_for("supervisor").get(panel["url"]).content.decode()
    assert sum(closures[n].tracking_no in opened for n in closures) == panel["count"]


def test_weak_closures_are_for_supervisors_in_their_scope(closures, client_for, api):
    assert client_for("broker").get(reverse("appeals:weak-closures")).status_code in (403, 404)
    assert api("unit_handler").get("/api/v1/appeals/weak-closures").status_code == 404
    outside = api("outsider_supervisor").get("/api/v1/appeals/weak-closures").json()
    assert outside["items"] == [] and outside["rows"] == []
    bad = api("supervisor").get("/api/v1/appeals/weak-closures?start=2026-05-02&end=2026-05-01")
    assert bad.status_code == 400


@pytest.mark.parametrize("who", ["site_staff", "unit_handler", "broker", "supervisor"])
def test_each_worklist_panel_counts_what_its_list_shows(who, personas, orgs, client_for, rf):
    overdue = appeal_in_stage(personas, orgs, "reported")
    soon = appeal_in_stage(personas, orgs, "handling")
    later = appeal_in_stage(personas, orgs, "answered")
    appeal_in_stage(personas, orgs, "collected")  # waits for the site to dispatch it
    now = timezone.now()
    Appeal.objects.filter(pk=overdue.pk).update(due_at=now - timedelta(hours=3))
    Appeal.objects.filter(pk=soon.pk).update(due_at=now + timedelta(hours=20))
    Appeal.objects.filter(pk=later.pk).update(due_at=now + timedelta(days=5))
    actions.supervise(soon, actor=personas["supervisor"], note="请抓紧")
    request = rf.get("/console/")
    request.user = personas[who]
    client = client_for(who)
    with frozen(now):
        panels = worklist_panels(request)
    counted = 0
    for panel in panels:
        if "/appeals/" not in panel["url"] or "weak-closures" in panel["url"]:
            continue
        counted += panel["count"]
        listed = client.get(panel["url"]).content.decode().count('<td><a href="/console/appeals/')
        assert listed == panel["count"], (who, panel["title"], panel["url"])
        assert "me" in str(panel["title"]) or "我" in str(panel["title"])
    assert counted, who
