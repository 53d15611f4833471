"""The timeline entries, the worklist panels and the refresh command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from driverhome.services import actions, console, timeline
from driverhome.services.models import Recommendation

pytestmark = pytest.mark.django_db


def test_timeline_lists_services_programmes_and_career_changes(
    driver, catalogue, care_term, personas
):
    staff = personas["site_staff"]
    actions.record_service(actor=staff, driver=driver, item=catalogue["N07-01"])
    actions.enrol_child(actor=staff, term=care_term, child=driver.family.get(relation="child"))
    actions.record_career_change(
        actor=staff,
        driver=driver,
        from_job="集卡司机",
        to_job="叉车司机",
        changed_on=timezone.localdate(),
        help="self",
    )
    kinds = {e["kind"] for e in timeline.entries_for_driver(driver, staff)}
    assert kinds == {"service", "care", "career_change"}
    assert all(
        e["at"] and e["title"] and e["url"] for e in timeline.entries_for_driver(driver, staff)
    )


def test_worklist_panels_show_suggestions_and_requests_in_scope(driver, catalogue, personas):
    call_command("refresh-recommendations", stdout=StringIO())
    actions.request_service(actor=personas["driver"], driver=driver, item=catalogue["N07-01"])
    request = RequestFactory().get("/console/")
    request.user = personas["site_staff"]
    offer, asking = console.worklist_panels(request)
    assert offer["count"] == Recommendation.objects.filter(status="open").count() > 0
    assert asking["count"] == 1
    request.user = personas["outsider"]
    assert [p["count"] for p in console.worklist_panels(request)] == [0, 0]
    request.user = personas["unit_handler"]
    assert console.worklist_panels(request) == []


def test_refresh_command_for_one_area(driver, other_driver, catalogue, orgs):
    out = StringIO()
    call_command("refresh-recommendations", "--org", orgs["guoju"].code, stdout=out)
    assert "drivers 1" in out.getvalue()
    assert not Recommendation.objects.filter(driver=driver).exists()
    with pytest.raises(Exception, match="No organisation"):
        call_command("refresh-recommendations", "--org", "nowhere", stdout=StringIO())


def test_a_driver_reading_his_timeline_is_sent_to_his_own_services_page(
    driver, catalogue, personas
):
    from django.urls import reverse

    actions.record_service(actor=personas["site_staff"], driver=driver, item=catalogue["N07-01"])
    entries = timeline.entries_for_driver(driver, personas["driver"])
    assert {e["url"] for e in entries} == {reverse("services_driver:my-services")}
