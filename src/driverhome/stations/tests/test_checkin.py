"""Check-in by the QR poster and by staff; once per driver, site and day; visits per day."""

import pytest
from django.utils import timezone

from driverhome.accounts.models import AuditLog
from driverhome.core.errors import DomainError
from driverhome.stations import actions, figures
from driverhome.stations.models import CheckIn

from .factories import make_driver, make_station, with_facilities

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(orgs):
    return with_facilities(make_station(orgs["xiapu"]), "parking", "shower", "hot_water")


@pytest.fixture
def driver(orgs, personas):
    return make_driver(orgs["xiapu"], personas["driver"], phone="13812340001")


def test_checking_in_twice_the_same_day_counts_one_visit(site, driver):
    first = actions.check_in(site, driver, actor=None, channel="qr", services_used=["shower"])
    second = actions.check_in(site, driver, actor=None, channel="qr", services_used=["hot_water"])
    assert first.created and not second.created
    assert first.pk == second.pk
    assert CheckIn.objects.count() == 1
    assert CheckIn.objects.get().services_used == ["hot_water", "shower"]
    assert AuditLog.objects.filter(action="station.check_in").count() == 1


def test_unknown_service_is_refused(site, driver):
    with pytest.raises(DomainError):
        actions.check_in(site, driver, actor=None, channel="qr", services_used=["spa"])
    assert not CheckIn.objects.exists()


def test_driver_checks_in_by_scanning_the_poster(site, driver, client_for):
    client = client_for("driver")
    url = f"/d/stations/{site.code}/check-in/{site.checkin_key}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"services_used": ["shower"]})
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert checkin.driver == driver and checkin.channel == "qr"
    assert checkin.services_used == ["shower"]


def test_a_wrong_or_renewed_poster_key_does_not_check_in(site, driver, client_for):
    client = client_for("driver")
    old = site.checkin_key
    actions.renew_checkin_key(site, actor=None)
    assert client.post(f"/d/stations/{site.code}/check-in/{old}/").status_code == 404
    assert not CheckIn.objects.exists()


def test_anonymous_scan_is_sent_to_log_in_first(site, client):
    response = client.get(f"/d/stations/{site.code}/check-in/{site.checkin_key}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_driver_checks_in_through_the_api_with_the_key(site, driver, api):
    url = f"/api/v1/stations/{site.code}/checkins"
    bad = api("driver").post(url, {"key": "nope"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_key"
    ok = api("driver").post(url, {"key": site.checkin_key}, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["created"] is True
    again = api("driver").post(url, {"key": site.checkin_key}, content_type="application/json")
    assert again.status_code == 200 and again.json()["created"] is False


def test_staff_check_a_driver_in_by_phone_or_plate(site, driver, personas, client_for):
    from driverhome.drivers.actions import add_vehicle

    add_vehicle(driver, actor=None, plate="浙B12345")
    client = client_for("site_staff")
    client.post(f"/console/stations/{site.code}/check-ins/new/", {"who": "浙B12345"})
    checkin = CheckIn.objects.get()
    assert checkin.channel == "staff" and checkin.actor == personas["site_staff"]
    page = client.get(f"/console/stations/{site.code}/check-ins/")
    assert driver.name in page.content.decode()


def test_staff_lookup_outside_their_scope_finds_nobody(orgs, personas):
    site = make_station(orgs["guoju"])
    make_driver(orgs["xiapu"], phone="13812349999")
    with pytest.raises(DomainError) as err:
        actions.check_in_by_lookup(site, "13812349999", actor=personas["guoju_staff"])
    assert err.value.code == "driver_not_found"


def test_visits_per_site_per_day(site, orgs, api):
    drivers = [make_driver(orgs["xiapu"], name=f"司机{i}") for i in range(3)]
    for d in drivers:
        actions.check_in(site, d, actor=None, channel="staff")
    today = timezone.localdate()
    data = api("site_staff").get(f"/api/v1/stations/{site.code}/visits").json()
    assert data == [{"day": today.isoformat(), "visits": 3}]
    assert figures.site_visits(orgs["district"].path, today, today) == 3
    assert figures.site_visits(orgs["other_district"].path) == 0
    assert figures.site_visits_by_site("/") == {site.code: 3}


def test_checkins_show_on_the_driver_timeline(site, driver, personas):
    from driverhome.stations.timeline import entries_for_driver

    actions.check_in(site, driver, actor=None, channel="qr", services_used=["shower"])
    entries = entries_for_driver(driver, personas["site_staff"])
    assert len(entries) == 1 and entries[0]["kind"] == "check_in"
    assert site.name in entries[0]["title"] and "淋浴" in entries[0]["detail"]
