"""Pages: light driver pages, the map with and without tiles, console lists with pinned query counts."""

import re

import pytest

from driverhome.stations import actions
from driverhome.stations.models import AvailabilityUpdate

from .factories import make_driver, make_station, with_facilities, with_hours

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites(orgs):
    a = with_facilities(
        make_station(orgs["xiapu"], "alpha", lat=29.93, lon=121.87),
        "parking",
        "shower",
        "hot_water",
        paid=("dining", "beds"),
    )
    b = with_hours(make_station(orgs["guoju"], "beta", lat=29.86, lon=122.03), "06:30", "22:30")
    actions.update_availability(
        a, actor=None, source=AvailabilityUpdate.Source.CONSOLE, free_truck_bays=12, free_beds=3
    )
    return a, b


def test_site_page_is_light_and_shows_free_and_paid_services(sites, client):
    response = client.get("/d/stations/alpha/")
    body = response.content.decode()
    assert response.status_code == 200
    assert len(response.content) < 100 * 1024
    assert "淋浴" in body and "餐饮" in body and "¥10" in body
    assert "29.93000, 121.87000" in body  # directions as coordinates
    assert "<script>" not in body and "style=" not in body


def test_map_without_tiles_shows_a_schematic_and_a_list(sites, client, settings):
    settings.MAP_TILE_URL = ""
    body = client.get("/d/stations/map/").content.decode()
    assert "<svg" in body and body.count('class="sch-dot"') == 2
    assert "leaflet.js" not in body and "alpha" in body


def test_map_with_tiles_uses_vendored_leaflet_and_a_data_island(sites, client, settings):
    settings.MAP_TILE_URL = "https://t{s}.tianditu.example/{z}/{x}/{y}.png"
    settings.MAP_TILE_CRS = "gcj02"
    body = client.get("/d/stations/map/").content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in body and "/static/stations/map.js" in body
    island = re.search(
        r'<script id="map-config" type="application/json">(.*?)</script>', body, re.S
    )
    assert island
    import json

    config = json.loads(island.group(1))
    alpha = next(p for p in config["points"] if p["code"] == "alpha")
    assert alpha["lat"] != 29.93  # shifted to GCJ-02 for the tile source
    assert re.findall(r"<script(?![^>]*(src=|type=\"application/json\"))", body) == []


def test_nearby_page_filters_and_shows_distance(sites, client):
    body = client.get(
        "/d/stations/", {"lat": 29.9, "lon": 121.9, "free_bays": "on"}
    ).content.decode()
    assert "alpha" in body and "/d/stations/beta/" not in body
    assert 'class="distance"' in body


def test_picking_a_place_on_a_gcj02_map_is_converted_back(sites, client):
    from driverhome.core import geo

    glat, glon = geo.wgs84_to_gcj02(29.93, 121.87)
    response = client.get("/d/stations/", {"lat": glat, "lon": glon, "crs": "gcj02"})
    first = response.context["results"][0]["hit"]
    assert first.station.code == "alpha" and first.distance_km < 0.01


def test_console_list_query_count_is_pinned(orgs, client_for, django_assert_max_num_queries):
    for i in range(15):
        make_station(orgs["xiapu"], f"c{i:02d}")
    client = client_for("supervisor")
    with django_assert_max_num_queries(12):
        response = client.get("/console/stations/")
    assert response.status_code == 200 and len(response.context["rows"]) == 15


def test_console_checkins_and_reviews_query_counts_are_pinned(
    sites, orgs, client_for, django_assert_max_num_queries
):
    alpha = sites[0]
    for i in range(10):
        driver = make_driver(orgs["xiapu"], name=f"司机{i}")
        actions.check_in(alpha, driver, actor=None, channel="staff")
        actions.submit_review(alpha, driver, actor=None, cleanliness=4, service=4, facilities=4)
    client = client_for("site_staff")
    with django_assert_max_num_queries(14):
        assert client.get("/console/stations/alpha/check-ins/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get("/console/stations/alpha/reviews/").status_code == 200
    # The site's overview page: a fixed set of panels, independent of the number of visits.
    with django_assert_max_num_queries(16):
        assert client.get("/console/stations/alpha/").status_code == 200


def test_console_pages_render_for_site_staff(sites, client_for):
    client = client_for("site_staff")
    for path in [
        "edit/",
        "facilities/",
        "hours/",
        "poster/",
        "assessments/",
        "assessments/new/",
        "sensor-token/",
    ]:
        response = client.get(f"/console/stations/alpha/{path}")
        assert response.status_code == 200, path


def test_poster_qr_is_an_svg_of_the_checkin_url(sites, client_for):
    response = client_for("site_staff").get("/console/stations/alpha/poster/qr.svg")
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content and b"<script" not in response.content


def test_editing_the_profile_and_facilities_writes_the_audit_log(sites, client_for):
    from driverhome.accounts.models import AuditLog

    client = client_for("site_staff")
    form = client.get("/console/stations/alpha/edit/").context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update({"name": "新名字", "truck_bays": 150, "is_active": "on"})
    response = client.post("/console/stations/alpha/edit/", data)
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="station.update").exists()
    response = client.post(
        "/console/stations/alpha/facilities/",
        {
            "f_shower_present": "on",
            "f_shower_free": "on",
            "f_dining_present": "on",
            "f_dining_price": "",
        },
    )
    assert response.status_code == 200  # paid without a price: refused, nothing changed
    assert sites[0].facilities.count() == 5


def test_photo_is_uploaded_checked_and_served(sites, client_for, client):
    from .factories import png_upload

    staff = client_for("site_staff")
    staff.post("/console/stations/alpha/photos/", {"image": png_upload(), "caption": "大门"})
    photo = sites[0].photos.get()
    response = client.get(f"/d/stations/alpha/photos/{photo.public_id}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_worklist_shows_stale_free_places(sites, client_for):
    body = client_for("supervisor").get("/console/").content.decode()
    assert "beta" in body or sites[1].name in body


def test_demo_is_idempotent(db):
    from io import StringIO

    from django.core.management import call_command

    from driverhome.accounts.models import AuditLog
    from driverhome.stations.models import Station

    call_command("demo", "--quick", stdout=StringIO())
    count, audit = Station.objects.count(), AuditLog.objects.count()
    assert {"jiyun", "xiapu", "guoju-zhinan"} <= set(Station.objects.values_list("code", flat=True))
    call_command("demo", "--quick", stdout=StringIO())
    assert Station.objects.count() == count
    jiyun = Station.objects.get(code="jiyun")
    assert jiyun.operator.code == "kfq-logistics" and jiyun.official_grade == "5A"
    assert jiyun.facilities.filter(facility__code="finance_station").exists()
    assert AuditLog.objects.count() >= audit
