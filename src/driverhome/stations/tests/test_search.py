"""Nearest search: distance order, every filter, bounding-box edges, pagination, the API."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from driverhome.core import geo
from driverhome.stations import actions, search
from driverhome.stations.models import AvailabilityUpdate, Station

from .factories import make_station, with_facilities, with_hours

pytestmark = pytest.mark.django_db

HERE = (29.90, 121.90)


def _fresh(station, trucks=None, beds=None):
    actions.update_availability(
        station,
        actor=None,
        source=AvailabilityUpdate.Source.CONSOLE,
        free_truck_bays=trucks,
        free_beds=beds,
    )


@pytest.fixture
def sites(orgs):
    near = make_station(orgs["xiapu"], "near", lat=29.91, lon=121.90)  # ~1.1 km
    mid = make_station(orgs["xiapu"], "mid", lat=29.95, lon=121.90)  # ~5.6 km
    far = make_station(orgs["guoju"], "far", lat=30.30, lon=121.90)  # ~44 km
    return {"near": near, "mid": mid, "far": far}


def codes(hits):
    return [h.station.code for h in hits]


def test_nearest_first_with_distance(sites):
    hits, cursor = search.nearest(*HERE)
    assert codes(hits) == ["near", "mid", "far"]
    assert hits[0].distance_km == pytest.approx(1.11, abs=0.02)
    assert cursor is None


def test_radius_limits_the_results(sites):
    hits, _ = search.nearest(*HERE, radius_km=10)
    assert codes(hits) == ["near", "mid"]


def test_point_just_inside_the_box_corner_but_outside_the_radius_is_left_out(orgs):
    box = geo.bounding_box(*HERE, 10)
    # The box's north-east corner is ~14 km away: the prefilter lets it through, the exact distance does not.
    make_station(orgs["xiapu"], "corner", lat=box.max_lat - 0.001, lon=box.lon_ranges[0][1] - 0.001)
    make_station(orgs["xiapu"], "edge", lat=box.max_lat - 0.001, lon=HERE[1])
    hits, _ = search.nearest(*HERE, radius_km=10)
    assert codes(hits) == ["edge"]
    assert hits[0].distance_km <= 10


def test_sites_across_the_antimeridian_are_found(orgs):
    make_station(orgs["xiapu"], "east", lat=-17.0, lon=179.95)
    make_station(orgs["xiapu"], "west", lat=-17.0, lon=-179.95)
    hits, _ = search.nearest(-17.0, 179.99, radius_km=20)
    assert set(codes(hits)) == {"east", "west"}


def test_filter_free_bays_needs_a_fresh_figure_above_zero(sites):
    _fresh(sites["near"], trucks=0)
    _fresh(sites["mid"], trucks=7)
    hits, _ = search.nearest(*HERE, filters=search.Filters(free_bays=True))
    assert codes(hits) == ["mid"]
    later = timezone.now() + timedelta(minutes=31)
    hits, _ = search.nearest(*HERE, filters=search.Filters(free_bays=True), now=later)
    assert codes(hits) == []  # stale after AVAILABILITY_STALE_MINUTES


def test_filter_free_bed(sites):
    _fresh(sites["near"], trucks=5, beds=0)
    _fresh(sites["far"], beds=2)
    hits, _ = search.nearest(*HERE, filters=search.Filters(free_bed=True))
    assert codes(hits) == ["far"]


def test_filter_has_facility(sites):
    with_facilities(sites["mid"], "parking", "wifi")
    with_facilities(sites["far"], "parking")
    hits, _ = search.nearest(*HERE, filters=search.Filters(facility="wifi"))
    assert codes(hits) == ["mid"]


def test_filter_free_showers_skips_paid_showers(sites):
    with_facilities(sites["near"], "parking", paid=("shower",))
    with_facilities(sites["far"], "shower")
    hits, _ = search.nearest(*HERE, filters=search.Filters(free_showers=True))
    assert codes(hits) == ["far"]


def test_filter_grade_4a_or_higher(sites):
    actions.award_grade(sites["near"], actor=None, year=2025, grade="3A")
    actions.award_grade(sites["mid"], actor=None, year=2025, grade="4A")
    actions.award_grade(sites["far"], actor=None, year=2025, grade="5A")
    hits, _ = search.nearest(*HERE, filters=search.Filters(min_grade="4A"))
    assert codes(hits) == ["mid", "far"]


def test_filter_open_now_uses_the_site_schedule(sites):
    with_hours(sites["near"], "08:00", "18:00")
    tz = ZoneInfo("Asia/Shanghai")
    night = datetime(2026, 3, 4, 23, 0, tzinfo=tz)
    noon = datetime(2026, 3, 4, 12, 0, tzinfo=tz)
    hits, _ = search.nearest(*HERE, filters=search.Filters(open_now=True), now=night)
    assert codes(hits) == ["mid", "far"]
    hits, _ = search.nearest(*HERE, filters=search.Filters(open_now=True), now=noon)
    assert codes(hits) == ["near", "mid", "far"]


def test_filters_combine(sites):
    with_facilities(sites["mid"], "shower", "wifi")
    with_facilities(sites["far"], "shower", "wifi")
    _fresh(sites["far"], trucks=3)
    hits, _ = search.nearest(
        *HERE, filters=search.Filters(free_showers=True, free_bays=True, facility="wifi")
    )
    assert codes(hits) == ["far"]


def test_inactive_sites_are_not_listed(sites):
    actions.update_station(sites["near"], actor=None, is_active=False)
    hits, _ = search.nearest(*HERE)
    assert "near" not in codes(hits)


def test_cursor_continues_the_list_without_repeats(sites):
    first, cursor = search.nearest(*HERE, limit=2)
    assert codes(first) == ["near", "mid"] and cursor
    rest, cursor2 = search.nearest(*HERE, limit=2, cursor=cursor)
    assert codes(rest) == ["far"] and cursor2 is None


def test_listing_without_a_position_goes_by_code_with_filters(sites):
    with_hours(sites["mid"], "08:00", "09:00")
    hits, cursor = search.listing(limit=2)
    assert codes(hits) == ["far", "mid"] and cursor
    hits, _ = search.listing(limit=2, cursor=cursor)
    assert codes(hits) == ["near"]
    tz = ZoneInfo("Asia/Shanghai")
    hits, _ = search.listing(
        filters=search.Filters(open_now=True), now=datetime(2026, 3, 4, 12, tzinfo=tz)
    )
    assert codes(hits) == ["far", "near"]


def test_bare_sql_search_agrees_with_the_full_search(sites):
    full, _ = search.nearest(*HERE, radius_km=50)
    bare = search.sql_only_nearest(*HERE, 50, 20)
    assert [c for c, _d in bare] == codes(full)


def test_api_nearest_answers_anonymous_drivers_with_distance(sites, client):
    with_facilities(sites["mid"], "shower")
    response = client.get(
        "/api/v1/stations", {"lat": HERE[0], "lon": HERE[1], "free_showers": "true"}
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["code"] for i in items] == ["mid"]
    assert items[0]["distance_km"] == pytest.approx(5.56, abs=0.05)
    assert items[0]["availability"]["stale"] is True


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"lat": "abc", "lon": "121"}, "invalid"),  # not a number: the schema says which field
        ({"lat": "95", "lon": "121"}, "bad_position"),
        ({"lat": "29.9"}, "bad_position"),
        ({"min_grade": "6A"}, "bad_grade"),
        ({"cursor": "not-a-cursor"}, "bad_cursor"),
    ],
)
def test_api_bad_input_gets_a_clear_error(sites, client, query, code):
    response = client.get("/api/v1/stations", query)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_api_list_query_count_is_pinned(orgs, client, django_assert_max_num_queries):
    for i in range(12):
        station = make_station(orgs["xiapu"], f"q{i:02d}", lat=29.9 + i / 100, lon=121.9)
        with_hours(station, "08:00", "20:00")
    # Positions, hours, exceptions, the page of sites and their forecasts: one query each.
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/stations", {"lat": 29.9, "lon": 121.9, "open_now": "1"})
    assert response.status_code == 200
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/stations", {"limit": 5})
    assert len(response.json()["items"]) == 5


def test_nearby_page_query_count_is_pinned(orgs, client, django_assert_max_num_queries):
    for i in range(12):
        make_station(orgs["xiapu"], f"p{i:02d}", lat=29.9 + i / 100, lon=121.9)
    with django_assert_max_num_queries(6):
        response = client.get("/d/stations/", {"lat": 29.9, "lon": 121.9})
    assert response.status_code == 200
    assert Station.objects.count() == 12
