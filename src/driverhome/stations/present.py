"""The public view of a site, shared by the API, the driver pages and the feeds."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Avg, Count
from django.urls import reverse
from django.utils import timezone

from driverhome.core import geo

from .models import Review, Station


def availability(station: Station, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    stale = station.availability_is_stale(now)
    return {
        "free_truck_bays": station.free_truck_bays,
        "free_car_bays": station.free_car_bays,
        "free_beds": station.free_beds,
        "updated_at": station.availability_at,
        "minutes_ago": station.availability_age_minutes(now),
        "stale": stale,
        "trusted": not stale,
        "stale_after_minutes": settings.AVAILABILITY_STALE_MINUTES,
    }


def summary(station: Station, *, distance_km=None, open_now=None, now=None) -> dict:
    """One result of the nearest search / directory list."""
    return {
        "code": station.code,
        "name": station.name,
        "kind": station.kind,
        "address": station.address,
        "lat": station.lat,
        "lon": station.lon,
        "distance_km": distance_km,
        "open_now": station.is_open_now() if open_now is None else open_now,
        "open_24h": station.open_24h,
        "capacity": {
            "truck_bays": station.truck_bays,
            "car_bays": station.car_bays,
            "beds": station.beds,
        },
        "availability": availability(station, now),
        "official_grade": station.official_grade or None,
        "url": reverse("stations_driver:station-detail", kwargs={"code": station.code}),
    }


def rating(station: Station) -> dict:
    agg = Review.objects.filter(station=station, status=Review.Status.VISIBLE).aggregate(
        n=Count("id"), c=Avg("cleanliness"), s=Avg("service"), f=Avg("facilities")
    )
    if not agg["n"]:
        return {
            "count": 0,
            "average": None,
            "cleanliness": None,
            "service": None,
            "facilities": None,
        }
    return {
        "count": agg["n"],
        "average": round((agg["c"] + agg["s"] + agg["f"]) / 3, 1),
        "cleanliness": round(agg["c"], 1),
        "service": round(agg["s"], 1),
        "facilities": round(agg["f"], 1),
    }


def map_point(station: Station, *, crs: str | None = None) -> tuple[float, float]:
    """Coordinates as the configured tile source expects them."""
    crs = crs or settings.MAP_TILE_CRS
    if crs == "gcj02":
        return geo.wgs84_to_gcj02(station.lat, station.lon)
    return station.lat, station.lon


def schematic(stations, *, width: int = 320, height: int = 220, pad: int = 24) -> list[dict]:
    """Positions for the plain SVG schematic shown when no tile source is configured.

    An equirectangular projection scaled to the box (longitude shrunk by cos(latitude)),
    keeping the sites' relative positions and true proportions.
    """
    points = [(s, s.lat, s.lon) for s in stations]
    if not points:
        return []
    import math

    lats = [p[1] for p in points]
    lons = [p[2] for p in points]
    mid_lat = (min(lats) + max(lats)) / 2
    kx = math.cos(math.radians(mid_lat))
    span_x = max((max(lons) - min(lons)) * kx, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2
    result = []
    for station, lat, lon in points:
        x = off_x + (lon - min(lons)) * kx * scale
        y = height - (off_y + (lat - min(lats)) * scale)
        result.append({"station": station, "x": round(x, 1), "y": round(y, 1)})
    return result


def scale_bar(stations, *, width: int = 320, pad: int = 24) -> dict | None:
    """A scale bar for the schematic: a round number of kilometres and its length in pixels."""
    pts = list(stations)
    if len(pts) < 2:
        return None
    import math

    lats = [s.lat for s in pts]
    lons = [s.lon for s in pts]
    mid_lat = (min(lats) + max(lats)) / 2
    kx = math.cos(math.radians(mid_lat))
    span_x = max((max(lons) - min(lons)) * kx, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    height = 220
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)  # px per degree
    km_per_px = geo.KM_PER_DEGREE_LAT / scale
    for km in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500):
        if km / km_per_px >= 40:
            return {"km": km, "px": round(km / km_per_px, 1)}
    return None


def visible_reviews(station: Station):
    return Review.objects.filter(station=station, status=Review.Status.VISIBLE)
