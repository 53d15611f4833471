"""Fixtures: a Xiapu site, the driver persona's file, a few other drivers, a market."""

from __future__ import annotations

import pytest

from .helpers import make_driver, make_event, make_station


@pytest.fixture
def station(orgs):
    return make_station(orgs["xiapu"])


@pytest.fixture
def driver(orgs, personas):
    return make_driver(
        orgs["xiapu"], user=personas["driver"], phone="13800138000", plate="浙B12345"
    )


@pytest.fixture
def drivers(orgs):
    """Eight drivers with files at Xiapu (no logins)."""
    return [make_driver(orgs["xiapu"], name=f"司机{i}", phone=f"1390000000{i}") for i in range(8)]


@pytest.fixture
def market(station):
    return make_event(station, capacity=2)


@pytest.fixture
def sent():
    """The messages queued so far: (template, driver public id) pairs."""
    from driverhome.notifications.models import Notification

    def collect(template=None):
        rows = Notification.objects.filter(channel="sms").order_by("pk")
        if template:
            rows = rows.filter(template=template)
        return [(n.template, n.driver.public_id if n.driver_id else None) for n in rows]

    return collect
