from datetime import timedelta

import pytest
from django.utils import timezone

from driverhome.events import actions, figures
from driverhome.events.models import Registration
from driverhome.events.tests.helpers import make_course, make_event, make_station

pytestmark = pytest.mark.django_db


def test_event_figures_count_registered_attended_no_shows_and_walk_ins(station, drivers):
    event = make_event(station, days=-1, capacity=3)
    for d in drivers[:4]:  # 3 places, one waiting
        Registration.objects.create(
            event=event,
            driver=d,
            status=Registration.Status.WAITLISTED
            if d == drivers[3]
            else Registration.Status.CONFIRMED,
            channel="self",
        )
    actions.check_in(event, drivers[0], actor=None, method="lookup", now=event.starts_at)
    actions.check_in(event, drivers[1], actor=None, method="lookup", now=event.starts_at)
    actions.check_in(event, drivers[6], actor=None, method="lookup", now=event.starts_at)  # walk-in
    live = figures.event_figures(event)
    assert live["registered"] == 3 and live["waiting"] == 1
    assert live["attended"] == 3 and live["walk_ins"] == 1
    assert live["no_shows"] is None  # not over yet
    actions.close_event(event, actor=None)
    event.refresh_from_db()
    closed = figures.event_figures(event)
    assert closed["no_shows"] == 1  # drivers[2]
    assert closed["waiting"] == 0  # released when closed
    actions.rate_event(event, drivers[0], actor=None, rating=5)
    actions.rate_event(event, drivers[1], actor=None, rating=4, comment="不错")
    actions.rate_event(event, drivers[1], actor=None, rating=2)  # changes his rating
    rated = figures.event_figures(event)
    assert rated["rating_average"] == 3.5 and rated["ratings"] == 2


def test_only_attendees_may_rate(station, drivers):
    from driverhome.core.errors import DomainError

    event = make_event(station, days=-1)
    with pytest.raises(DomainError):
        actions.rate_event(event, drivers[0], actor=None, rating=5)
    actions.check_in(event, drivers[0], actor=None, method="lookup", now=event.starts_at)
    with pytest.raises(DomainError):
        actions.rate_event(event, drivers[0], actor=None, rating=6)


def test_report_figures_count_held_events_in_scope_and_period(orgs, station, drivers):
    guoju = make_station(orgs["guoju"], code="t-guoju", name="峙南停车场")
    course = make_course(orgs["xiapu"])
    for days in (-40, -20, -10):
        session = make_event(station, days=days, kind="training", course=course)
        actions.check_in(session, drivers[0], actor=None, method="lookup", now=session.starts_at)
        actions.close_event(session, actor=None)
    cancelled = make_event(station, days=-5, kind="training")
    actions.cancel_event(cancelled, actor=None, reason="停电")
    make_event(station, days=-3, kind="training")  # not closed: not counted as held
    market = make_event(guoju, days=-15)
    actions.check_in(market, drivers[1], actor=None, method="lookup", now=market.starts_at)
    actions.check_in(market, drivers[2], actor=None, method="lookup", now=market.starts_at)
    actions.close_event(market, actor=None)

    everything = "/"
    assert figures.training_sessions(everything) == 3
    assert figures.markets_held(everything) == 1
    assert figures.attendance(everything) == 5
    assert figures.training_sessions(orgs["xiapu"].path) == 3
    assert figures.training_sessions(orgs["guoju"].path) == 0
    assert figures.markets_held(orgs["guoju"].path) == 1
    assert figures.attendance(orgs["other_district"].path) == 0
    since = timezone.now() - timedelta(days=30)
    assert figures.training_sessions(everything, start=since) == 2
    assert figures.training_sessions(everything, end=since) == 1
