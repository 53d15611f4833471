"""Free places: history, the current figure, staleness, the console taps and the sensor's token."""

from datetime import timedelta

import pytest
from django.utils import timezone

from driverhome.accounts.models import ApiToken, AuditLog
from driverhome.core.errors import DomainError
from driverhome.stations import actions
from driverhome.stations.models import AvailabilityUpdate

from .factories import make_station

pytestmark = pytest.mark.django_db
CONSOLE = AvailabilityUpdate.Source.CONSOLE


def test_updates_are_kept_as_history_and_the_latest_is_current(orgs):
    station = make_station(orgs["xiapu"])
    actions.update_availability(
        station, actor=None, source=CONSOLE, free_truck_bays=10, free_beds=4
    )
    actions.update_availability(station, actor=None, source=CONSOLE, free_truck_bays=8)
    station.refresh_from_db()
    assert (station.free_truck_bays, station.free_beds) == (8, 4)
    assert station.availability.count() == 2
    assert AuditLog.objects.filter(action="station.availability").count() == 2


def test_a_late_report_goes_into_the_history_only(orgs):
    station = make_station(orgs["xiapu"])
    actions.update_availability(station, actor=None, source=CONSOLE, free_truck_bays=10)
    actions.update_availability(
        station,
        actor=None,
        source=CONSOLE,
        free_truck_bays=50,
        at=timezone.now() - timedelta(minutes=10),
    )
    station.refresh_from_db()
    assert station.free_truck_bays == 10
    assert station.availability.count() == 2


def test_figure_is_stale_after_the_configured_minutes(orgs, settings):
    settings.AVAILABILITY_STALE_MINUTES = 15
    station = make_station(orgs["xiapu"])
    assert station.availability_is_stale()  # never reported
    actions.update_availability(station, actor=None, source=CONSOLE, free_truck_bays=3)
    station.refresh_from_db()
    now = timezone.now()
    assert not station.availability_is_stale(now + timedelta(minutes=14))
    assert station.availability_is_stale(now + timedelta(minutes=15))
    assert station.trusted_free_truck_bays(now + timedelta(minutes=16)) is None
    assert station.availability_age_minutes(now + timedelta(minutes=16)) == 16


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"free_truck_bays": -1}, "bad_count"),
        ({"free_truck_bays": 101}, "over_capacity"),
        ({"free_beds": "many"}, "bad_count"),
        ({}, "nothing_reported"),
    ],
)
def test_bad_figures_are_refused_and_change_nothing(orgs, values, code):
    station = make_station(orgs["xiapu"])
    with pytest.raises(DomainError) as err:
        actions.update_availability(station, actor=None, source=CONSOLE, **values)
    assert err.value.code == code
    assert not station.availability.exists()


def test_console_taps_move_within_zero_and_capacity(orgs, client_for, personas):
    station = make_station(orgs["xiapu"], truck_bays=5, beds=2)
    client = client_for("site_staff")
    url = f"/console/stations/{station.code}/availability/"
    client.post(url, {"truck_delta": "1"})
    client.post(url, {"truck_delta": "5"})
    client.post(url, {"bed_delta": "-1"})
    station.refresh_from_db()
    assert (station.free_truck_bays, station.free_beds) == (5, 0)
    response = client.post(url, {"free_truck_bays": "3", "free_beds": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b'id="availability"' in response.content
    station.refresh_from_db()
    assert (station.free_truck_bays, station.free_beds) == (3, 1)
    assert station.availability.first().actor == personas["site_staff"]


def test_sensor_token_may_report_its_own_site_only(orgs, personas, client):
    station = make_station(orgs["xiapu"])
    other = make_station(orgs["xiapu"])
    token, key = actions.issue_sensor_token(station, actor=personas["site_staff"], name="gate")
    assert token.scope == f"availability:{station.code}"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    ok = client.post(
        f"/api/v1/stations/{station.code}/availability",
        {"free_truck_bays": 9},
        content_type="application/json",
        **headers,
    )
    assert ok.status_code == 201 and ok.json()["source"] == "sensor"
    station.refresh_from_db()
    assert station.free_truck_bays == 9
    # Another site's availability, or any other endpoint: not authenticated at all.
    assert (
        client.post(
            f"/api/v1/stations/{other.code}/availability",
            {"free_truck_bays": 1},
            content_type="application/json",
            **headers,
        ).status_code
        == 401
    )
    assert client.get("/api/v1/me", **headers).status_code == 401
    assert client.get(f"/api/v1/stations/{station.code}/checkins", **headers).status_code == 401


def test_full_rights_staff_token_of_the_operator_may_report(orgs, api, personas):
    station = make_station(orgs["xiapu"])
    body = {"free_truck_bays": 4, "free_beds": 2}
    url = f"/api/v1/stations/{station.code}/availability"
    ok = api("site_staff").post(url, body, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["source"] == "api"
    assert api("guoju_staff").post(url, body, content_type="application/json").status_code == 404
    assert api("driver").post(url, body, content_type="application/json").status_code == 404
    bad = api("site_staff").post(url, {"free_truck_bays": 1000}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "over_capacity"


def test_sensor_token_is_issued_from_the_console_and_shown_once(orgs, client_for):
    station = make_station(orgs["xiapu"])
    response = client_for("site_staff").post(
        f"/console/stations/{station.code}/sensor-token/", {"name": "东门道闸"}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="东门道闸")
    assert token.scope == f"availability:{station.code}"
    assert response.context["new_key"].startswith(f"dh_{token.prefix}_")
    assert AuditLog.objects.filter(action="station.sensor_token").exists()


def test_history_api_is_paginated_for_staff(orgs, api):
    station = make_station(orgs["xiapu"])
    for n in range(3):
        actions.update_availability(station, actor=None, source=CONSOLE, free_truck_bays=n)
    data = api("supervisor").get(f"/api/v1/stations/{station.code}/availability").json()
    assert [i["free_truck_bays"] for i in data["items"]] == [2, 1, 0]
