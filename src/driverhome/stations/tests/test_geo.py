import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driverhome.core import geo


def test_haversine_of_one_degree_of_latitude_is_about_111_km():
    assert geo.haversine_km(29.0, 121.0, 30.0, 121.0) == pytest.approx(111.19, abs=0.05)


def test_haversine_between_jiyun_and_guoju_is_about_17_km():
    assert geo.haversine_km(29.9312, 121.8705, 29.8652, 122.0287) == pytest.approx(17.1, abs=0.3)


@settings(deadline=None, max_examples=300)
@given(
    st.floats(-80, 80),
    st.floats(-179.9, 179.9),
    st.floats(0.1, 500),
    st.floats(0, 2 * math.pi),
    st.floats(0, 1),
)
def test_every_point_within_the_radius_lies_in_the_bounding_box(lat, lon, radius, bearing, frac):
    # Walk a great circle from the centre for frac * radius km in the given direction.
    d = radius * frac / geo.EARTH_RADIUS_KM
    phi1, lmb1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(d) + math.cos(phi1) * math.sin(d) * math.cos(bearing)
    )
    lmb2 = lmb1 + math.atan2(
        math.sin(bearing) * math.sin(d) * math.cos(phi1),
        math.cos(d) - math.sin(phi1) * math.sin(phi2),
    )
    plat = math.degrees(phi2)
    plon = (math.degrees(lmb2) + 540) % 360 - 180
    box = geo.bounding_box(lat, lon, radius)
    assert geo.haversine_km(lat, lon, plat, plon) <= radius + 1e-6
    assert box.contains(plat, plon)


def test_bounding_box_splits_at_the_antimeridian():
    box = geo.bounding_box(0, 179.9, 50)
    assert len(box.lon_ranges) == 2
    assert box.contains(0, -179.9)
    assert box.contains(0, 179.95)
    assert not box.contains(0, 170)


def test_bounding_box_near_a_pole_takes_every_longitude():
    box = geo.bounding_box(89.9, 0, 50)
    assert box.lon_ranges == ((-180.0, 180.0),)


def test_negative_radius_is_refused():
    with pytest.raises(ValueError):
        geo.bounding_box(30, 120, -1)


def test_gcj02_shift_in_ningbo_is_a_few_hundred_metres():
    lat, lon = 29.9312, 121.8705
    glat, glon = geo.wgs84_to_gcj02(lat, lon)
    shift = geo.haversine_km(lat, lon, glat, glon)
    assert 0.2 < shift < 0.8
    back = geo.gcj02_to_wgs84(glat, glon)
    assert geo.haversine_km(lat, lon, *back) < 0.001


def test_gcj02_leaves_points_outside_china_unchanged():
    assert geo.wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)
