import pytest
from django.test import RequestFactory

from driverhome.events import actions, console, timeline

pytestmark = pytest.mark.django_db


def test_timeline_lists_registrations_attendance_and_certificates(personas, orgs, market, driver):
    from .helpers import make_course, make_event

    actions.register(market, driver, actor=None)
    course = make_course(orgs["xiapu"])
    session = make_event(market.station, kind="training", course=course)
    actions.check_in(session, driver, actor=None, method="lookup", now=session.starts_at)
    actions.complete_course(course, driver, actor=personas["site_staff"])
    kinds = sorted(e["kind"] for e in timeline.entries_for_driver(driver, personas["site_staff"]))
    assert kinds == ["event.attended", "event.certificate", "event.registration"]
    mine = timeline.entries_for_driver(driver, personas["driver"])
    assert all(e["url"].startswith("/d/events/") for e in mine)
    # Staff of another district see nothing of events outside their scope.
    outsider = timeline.entries_for_driver(driver, personas["outsider"])
    assert outsider == []


def test_worklist_panel_shows_the_coming_weeks_events(personas, market):
    request = RequestFactory().get("/console/")
    request.user = personas["site_staff"]
    panels = console.worklist_panels(request)
    assert panels[0]["count"] == 1
    assert panels[0]["items"][0]["url"].endswith(f"/{market.code}/")
    request.user = personas["outsider"]
    assert console.worklist_panels(request)[0]["count"] == 0
    request.user = personas["unit_handler"]
    assert console.worklist_panels(request) == []
