"""Navigation from the phone: each app gets the site's point in its own system; the page
shows where the site is with or without map tiles."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.test import override_settings

from driverhome.core import geo
from driverhome.stations import navigation

from .factories import make_station

# Published reference conversions (wandergis/coordtransform, test/app.js), input (39.915, 116.404).
WGS84 = (39.915, 116.404)
GCJ02_OF_WGS84 = (39.91640428150164, 116.41024449916938)
BD09_OF_GCJ02 = (39.92133699351021, 116.41036949371029)
GCJ02_OF_BD09 = (39.90865673957631, 116.39762729119315)


def test_wgs84_to_gcj02_matches_the_published_reference():
    assert geo.wgs84_to_gcj02(*WGS84) == pytest.approx(GCJ02_OF_WGS84, abs=1e-9)


def test_gcj02_to_bd09_and_back_match_the_published_reference():
    assert geo.gcj02_to_bd09(*WGS84) == pytest.approx(BD09_OF_GCJ02, abs=1e-9)
    assert geo.bd09_to_gcj02(*WGS84) == pytest.approx(GCJ02_OF_BD09, abs=1e-9)
    # The round trip comes back within a few centimetres.
    back = geo.bd09_to_gcj02(*geo.gcj02_to_bd09(*WGS84))
    assert geo.haversine_km(*back, *WGS84) < 0.001


def test_wgs84_to_bd09_goes_through_gcj02():
    expected = geo.gcj02_to_bd09(*GCJ02_OF_WGS84)
    assert geo.wgs84_to_bd09(*WGS84) == pytest.approx(expected, abs=1e-12)
    assert geo.wgs84_to_bd09(51.5, -0.12) == (51.5, -0.12)  # outside China: unchanged


def _query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def test_each_app_gets_the_point_in_its_own_system():
    lat, lon = WGS84
    amap = _query(navigation.amap_url(lat, lon, "霞浦司机之家"))
    assert amap["to"] == "116.410244,39.916404,霞浦司机之家"  # lon,lat in GCJ-02
    assert amap["coordinate"] == "gaode" and amap["mode"] == "car"
    baidu = _query(navigation.baidu_url(lat, lon, "霞浦司机之家", "北仑区霞浦街道"))
    blat, blon = geo.gcj02_to_bd09(*GCJ02_OF_WGS84)
    assert baidu["location"] == f"{blat:.6f},{blon:.6f}"  # lat,lng in BD-09
    assert baidu["coord_type"] == "bd09ll" and baidu["content"] == "北仑区霞浦街道"
    tencent = _query(navigation.tencent_url(lat, lon, "霞浦司机之家"))
    assert tencent["tocoord"] == "39.916404,116.410244"  # lat,lng in GCJ-02
    assert tencent["type"] == "drive" and tencent["to"] == "霞浦司机之家"
    fallback = navigation.geo_uri(lat, lon, "霞浦司机之家")
    assert fallback.startswith("geo:39.915000,116.404000?")  # WGS-84 as RFC 5870 wants


@pytest.mark.parametrize(
    ("bearing", "direction"),
    [
        (0, "north"),
        (44, "north-east"),
        (90, "east"),
        (220, "south-west"),
        (338, "north"),
        (300, "north-west"),
    ],
)
def test_compass_directions(bearing, direction):
    from django.utils import translation

    with translation.override("en"):
        assert navigation.compass(bearing) == direction


@pytest.mark.django_db
def test_the_position_is_described_from_the_nearest_other_site(orgs):
    here = make_station(orgs["xiapu"], name="霞浦司机之家", lat=29.90, lon=121.93)
    make_station(orgs["xiapu"], name="梅山司机之家", lat=29.80, lon=121.93)  # 11 km south
    make_station(orgs["xiapu"], name="远处司机之家", lat=29.50, lon=121.93)
    from django.utils import translation

    with translation.override("en"):
        text = navigation.where(here)["description"]
    assert text == "About 11.1 km north of 梅山司机之家."
    with translation.override("zh-hans"):
        assert "梅山司机之家" in navigation.where(here)["description"]
        assert "正北方向" in navigation.where(here)["description"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_without_tiles_the_site_page_has_no_map_but_the_address_and_the_apps(
    client, orgs, language
):
    station = make_station(orgs["xiapu"], name="霞浦司机之家", lat=29.90, lon=121.93)
    response = client.get(f"/d/stations/{station.code}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="map"' not in html and "leaflet" not in html
    assert station.address in html
    for host in ("uri.amap.com", "api.map.baidu.com", "apis.map.qq.com"):
        assert host in html
    assert 'href="geo:29.900000,121.930000?' in html


@pytest.mark.django_db
@override_settings(
    MAP_TILE_URL="https://tiles.example.gov.cn/{z}/{x}/{y}.png", MAP_TILE_CRS="gcj02"
)
def test_with_tiles_the_site_page_shows_a_small_map_of_the_site(client, orgs):
    import json
    import re

    station = make_station(orgs["xiapu"], lat=29.90, lon=121.93)
    html = client.get(f"/d/stations/{station.code}/").content.decode()
    assert 'id="map"' in html and "leaflet.js" in html
    island = re.search(r'<script id="map-config" type="application/json">(.*?)</script>', html)
    config = json.loads(island.group(1))
    assert config["pick"] is False
    (point,) = config["points"]
    glat, glon = geo.wgs84_to_gcj02(29.90, 121.93)
    assert (point["lat"], point["lon"]) == (round(glat, 6), round(glon, 6))
