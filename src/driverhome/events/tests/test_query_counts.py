"""Pinned query counts: list pages and endpoints do not grow with the number of rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from driverhome.events import actions

from .helpers import make_event

pytestmark = pytest.mark.django_db


def _count(client, url, **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.fixture
def busy(station, drivers):
    events = [make_event(station, days=d, capacity=5) for d in (1, 2, 3)]
    for event in events:
        for d in drivers[:6]:
            actions.register(event, d, actor=None)
    return events


def _grow(station, drivers):
    for d in (4, 5, 6):
        event = make_event(station, days=d, capacity=5)
        for driver in drivers[:6]:
            actions.register(event, driver, actor=None)


def test_calendar_query_count_is_pinned(client_for, busy, station, drivers):
    client = client_for("site_staff")
    month = busy[0].starts_at.strftime("%Y-%m")
    first = _count(client, f"/console/events/?month={month}")
    _grow(station, drivers)
    assert _count(client, f"/console/events/?month={month}") == first
    assert first <= 8


def test_event_page_query_count_is_pinned(client_for, busy, drivers):
    client = client_for("site_staff")
    event = busy[0]
    first = _count(client, f"/console/events/{event.code}/")
    actions.check_in(
        event, drivers[7], actor=None, method="lookup", now=event.starts_at
    )  # a walk-in
    actions.register(event, drivers[6], actor=None)
    assert _count(client, f"/console/events/{event.code}/") == first
    assert first <= 25


def test_driver_list_query_count_is_pinned(client_for, busy, driver, station, drivers):
    client = client_for("driver")
    first = _count(client, "/d/events/")
    _grow(station, drivers)
    assert _count(client, "/d/events/") == first
    assert first <= 8


def test_api_list_and_registrations_query_counts_are_pinned(api, busy, station, drivers):
    client = api("site_staff")
    _count(client, "/api/v1/me")  # the token's first use is recorded once
    first = _count(client, "/api/v1/events")
    registrations = _count(client, f"/api/v1/events/{busy[0].code}/registrations")
    for d in drivers[6:]:
        actions.register(busy[0], d, actor=None)
    _grow(station, drivers)
    assert _count(client, "/api/v1/events") == first
    assert _count(client, f"/api/v1/events/{busy[0].code}/registrations") == registrations
    assert first <= 8 and registrations <= 8
