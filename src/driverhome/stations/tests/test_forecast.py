"""The forecast in use: the periodic refresh, the API, the site page, the nearby flag, the command."""

import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from driverhome.core.synth import availability
from driverhome.stations import actions, forecast
from driverhome.stations.api import ForecastOut
from driverhome.stations.models import AvailabilityUpdate, StationForecast

from .factories import make_station

pytestmark = pytest.mark.django_db
SENSOR = AvailabilityUpdate.Source.SENSOR


def _with_history(station, days, *, last_minutes_ago=5, seed=1):
    now = timezone.now()
    reports = availability.history(
        random.Random(seed),
        truck_bays=station.truck_bays,
        beds=station.beds,
        start=now - timedelta(days=days),
        end=now - timedelta(minutes=last_minutes_ago + 30),
        tz=station.tz,
    )
    AvailabilityUpdate.objects.bulk_create(
        AvailabilityUpdate(station=station, at=at, free_truck_bays=t, free_beds=b, source=SENSOR)
        for at, t, b in reports[:-1]
    )
    _at, trucks, beds = reports[-1]
    actions.update_availability(
        station,
        actor=None,
        source=SENSOR,
        free_truck_bays=trucks,
        free_beds=beds,
        at=now - timedelta(minutes=last_minutes_ago),
    )
    station.refresh_from_db()
    return station


@pytest.fixture
def site(orgs):
    station = make_station(orgs["xiapu"], "fc-site", truck_bays=120, beds=20, low_threshold=5)
    return _with_history(station, 22)


@pytest.fixture
def young_site(orgs):
    station = make_station(orgs["xiapu"], "fc-young", truck_bays=40, beds=0, lat=29.95)
    return _with_history(station, 3, seed=2)


def test_the_refresh_stores_twelve_hours_of_forecasts_with_intervals(site, young_site):
    stats = forecast.refresh()
    assert (stats.sites, stats.forecasts, stats.without, stats.refitted) == (2, 1, 1, 2)
    row = StationForecast.objects.get(station=site)
    assert row.basis == "live" and row.reason == ""
    assert set(row.steps) == {"trucks", "beds"}
    assert len(row.steps["trucks"]) == 24
    for expected, low, high in row.steps["trucks"]:
        assert 0 <= low <= expected <= high <= 120
    young = StationForecast.objects.get(station=young_site)
    # Three days back from now touch three or four local dates, by the time of day.
    assert (young.steps, young.reason) == ({}, "history") and young.history_days in (3, 4)


def test_a_second_refresh_within_the_day_reuses_the_model(site):
    forecast.refresh()
    stats = forecast.refresh()
    assert (stats.refitted, stats.forecasts) == (0, 1)
    assert StationForecast.objects.count() == 1


def test_a_bounded_pass_fits_the_stalest_first_and_leaves_the_rest_for_later(orgs, site):
    other = _with_history(make_station(orgs["xiapu"], "fc-other", truck_bays=60, beds=0), 22)
    forecast.refresh([site, other])
    week_ago = timezone.now() - forecast.REFIT_AFTER - timedelta(hours=1)
    StationForecast.objects.filter(station=other).update(trained_at=week_ago)
    StationForecast.objects.filter(station=site).update(trained_at=week_ago - timedelta(days=1))

    stats = forecast.refresh([other, site], max_fits=1)
    assert (stats.refitted, stats.deferred, stats.forecasts) == (1, 1, 2)
    fresh = StationForecast.objects.get(station=site)
    waiting = StationForecast.objects.get(station=other)
    assert fresh.trained_at > week_ago and waiting.trained_at == week_ago
    assert len(waiting.steps["trucks"]) == 24  # still forecasting from its older model

    stats = forecast.refresh([other, site], max_fits=1)
    assert (stats.refitted, stats.deferred) == (1, 0)
    assert StationForecast.objects.get(station=other).trained_at > week_ago


def test_a_site_never_fitted_waits_as_pending_when_the_pass_has_no_time(client, site):
    stats = forecast.refresh(max_fits=0)
    assert (stats.refitted, stats.deferred, stats.forecasts) == (0, 1, 0)
    assert not StationForecast.objects.exists()
    body = client.get("/api/v1/stations/fc-site/forecast", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["available"] is False and body["reason"] == "pending"


def test_the_periodic_job_bounds_its_fitting(monkeypatch, site):
    from driverhome.stations import tasks

    seen = {}
    real = forecast.refresh

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(forecast, "refresh", spy)
    tasks.refresh_forecasts.call_local()
    assert seen["fit_seconds"] == forecast.JOB_FIT_SECONDS
    assert StationForecast.objects.filter(station=site).exists()


def test_stale_live_data_says_so_and_leans_on_the_profile(orgs):
    station = make_station(orgs["xiapu"], "fc-stale", truck_bays=120, beds=0)
    _with_history(station, 22, last_minutes_ago=6 * 60)
    forecast.refresh()
    shown = forecast.presented(station)
    assert shown["available"] and shown["basis"] == "stale" and shown["stale"]
    assert "360" in shown["detail"]


def test_the_api_serves_the_forecast_and_the_expected_free_places_on_arrival(client, site):
    forecast.refresh()
    response = client.get(
        "/api/v1/stations/fc-site/forecast?arrive_in_minutes=90", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    body = response.json()
    ForecastOut.model_validate(body)
    assert body["available"] and body["basis"] == "live" and len(body["steps"]) >= 23
    arrival = body["arrival"]
    assert arrival["truck_bays"]["low"] <= arrival["truck_bays"]["expected"]
    assert arrival["truck_bays"]["expected"] <= arrival["truck_bays"]["high"]
    assert isinstance(arrival["likely_full"], bool)


def test_the_api_estimates_the_arrival_from_the_drivers_position(client, site):
    forecast.refresh()
    # About 60 km north of the site: an hour's drive.
    response = client.get(f"/api/v1/stations/fc-site/forecast?lat={site.lat + 0.54}&lon={site.lon}")
    arrival = response.json()["arrival"]
    minutes = (
        timezone.datetime.fromisoformat(arrival["at"].replace("Z", "+00:00")) - timezone.now()
    ).total_seconds() / 60
    assert 55 <= minutes <= 62


def test_an_arrival_beyond_twelve_hours_is_a_clear_error(client, site):
    response = client.get(
        "/api/v1/stations/fc-site/forecast?arrive_in_minutes=900", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_arrival"


def test_too_little_history_shows_no_forecast_and_says_why_never_zeros(client, young_site):
    forecast.refresh()
    body = client.get("/api/v1/stations/fc-young/forecast", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["available"] is False and body["reason"] == "history"
    assert body["steps"] == [] and body["arrival"] is None
    days = StationForecast.objects.get(station=young_site).history_days
    assert "14 days" in body["detail"] and f"has {days}." in body["detail"] and days < 14
    page = client.get("/d/stations/fc-young/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No forecast yet: it needs 14 days" in page
    assert "forecast-table" not in page


def test_the_site_page_shows_the_forecast_in_both_languages(client, site):
    forecast.refresh()
    page = client.get("/d/stations/fc-site/?arrive=120", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Free places in the next hours" in html and "Arriving about" in html
    assert "forecast-table" in html
    zh = client.get("/d/stations/fc-site/?arrive=120", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "未来几小时的空位" in zh.content.decode()


def test_the_nearby_list_flags_sites_likely_full_on_arrival_and_lists_them_last(client, orgs, site):
    full = make_station(orgs["xiapu"], "fc-full", truck_bays=120, beds=0, low_threshold=200)
    _with_history(full, 22, seed=3)
    forecast.refresh()
    html = client.get(
        f"/d/stations/?lat={full.lat}&lon={full.lon}", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert html.count("Likely full on arrival") == 1
    assert html.index("/d/stations/fc-site/") < html.index("/d/stations/fc-full/")


def test_the_backtest_command_reports_both_baselines(site, capsys):
    call_command("forecast-backtest", "--site", "fc-site", "--weeks", "1")
    out = capsys.readouterr().out
    assert "fc-site: free truck bays (capacity 120)" in out
    assert "persist MAE" in out and "seasonal MAE" in out and "480min" in out


def test_the_refresh_job_is_registered_every_fifteen_minutes():
    from huey.contrib.djhuey import HUEY

    from driverhome.stations.tasks import refresh_forecasts

    assert refresh_forecasts.task_class in HUEY._registry._periodic_tasks


def test_the_nearest_search_api_flags_sites_likely_full_on_arrival(client, orgs, site):
    full = make_station(orgs["xiapu"], "fc-full", truck_bays=120, beds=0, low_threshold=200)
    _with_history(full, 22, seed=3)
    forecast.refresh()
    url = f"/api/v1/stations?lat={full.lat}&lon={full.lon}"
    items = client.get(url).json()["items"]
    assert [i["code"] for i in items] == ["fc-full", "fc-site"]
    flags = {i["code"]: i["arrival"]["likely_full"] for i in items}
    assert flags == {"fc-full": True, "fc-site": False}
    assert items[1]["arrival"]["truck_bays"]["low"] <= items[1]["arrival"]["truck_bays"]["high"]
    avoiding = client.get(url + "&avoid_full=true").json()["items"]
    assert [i["code"] for i in avoiding] == ["fc-site", "fc-full"]
