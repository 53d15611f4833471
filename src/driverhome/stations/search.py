"""Nearest search: a bounding-box prefilter on indexed coordinates, then exact distance.

The prefilter is plain range conditions on ``lat``/``lon`` (index
``station_latlon_idx``), so it runs the same on SQLite and PostgreSQL. Filters
that SQL can answer (free bays, free bed, facility, free showers, grade) are
applied in the same query; "open now" needs each site's schedule and time zone
and is checked in Python on the few rows the box lets through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from driverhome.core import geo
from driverhome.core.errors import DomainError
from driverhome.core.pagination import decode_cursor, encode_cursor

from .models import GRADES, HoursException, Station, StationFacility, WeeklyHours

DEFAULT_RADIUS_KM = 100.0
MAX_RADIUS_KM = 2000.0
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass
class Filters:
    open_now: bool = False
    free_bays: bool = False
    free_bed: bool = False
    facility: str = ""
    free_showers: bool = False
    min_grade: str = ""

    @property
    def any(self) -> bool:
        return any(
            [
                self.open_now,
                self.free_bays,
                self.free_bed,
                self.facility,
                self.free_showers,
                self.min_grade,
            ]
        )


@dataclass
class Hit:
    station: Station
    distance_km: float | None
    open_now: bool


def parse_point(lat, lon) -> tuple[float, float] | None:
    """Both empty -> None; otherwise two valid WGS-84 numbers or a clear error."""
    if lat in (None, "") and lon in (None, ""):
        return None
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise DomainError(
            _("Latitude and longitude must both be numbers."), code="bad_position"
        ) from None
    if not geo.valid_point(lat_f, lon_f):
        raise DomainError(
            _("Latitude must lie between -90 and 90, longitude between -180 and 180."),
            code="bad_position",
        )
    return lat_f, lon_f


def parse_grade(value: str) -> str:
    value = (value or "").strip().upper()
    if value and value not in GRADES:
        raise DomainError(_("The grade must be one of 1A to 5A."), code="bad_grade")
    return value


def filtered(queryset, filters: Filters, now: datetime):
    """Apply the filters SQL can answer. Free places count only while the figure is fresh."""
    fresh_since = now - timedelta(minutes=settings.AVAILABILITY_STALE_MINUTES)
    if filters.free_bays:
        queryset = queryset.filter(free_truck_bays__gt=0, availability_at__gt=fresh_since)
    if filters.free_bed:
        queryset = queryset.filter(free_beds__gt=0, availability_at__gt=fresh_since)
    if filters.facility:
        queryset = queryset.filter(
            Exists(
                StationFacility.objects.filter(
                    station=OuterRef("pk"), facility__code=filters.facility
                )
            )
        )
    if filters.free_showers:
        queryset = queryset.filter(
            Exists(
                StationFacility.objects.filter(
                    station=OuterRef("pk"), facility__code="shower", is_free=True
                )
            )
        )
    if filters.min_grade:
        queryset = queryset.filter(official_grade__in=GRADES[GRADES.index(filters.min_grade) :])
    return queryset


def with_schedule(queryset):
    return queryset.prefetch_related(
        Prefetch("weekly_hours", queryset=WeeklyHours.objects.all()),
        Prefetch("hours_exceptions", queryset=HoursException.objects.all()),
    )


def _open(station: Station, now: datetime) -> bool:
    return station.is_open_at(
        now, list(station.weekly_hours.all()), list(station.hours_exceptions.all())
    )


def nearest(
    lat: float,
    lon: float,
    *,
    filters: Filters | None = None,
    radius_km: float = DEFAULT_RADIUS_KM,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    now: datetime | None = None,
    queryset=None,
) -> tuple[list[Hit], str | None]:
    """Sites within ``radius_km`` of the point, nearest first; a cursor continues the list."""
    filters = filters or Filters()
    now = now or timezone.now()
    radius_km = max(0.0, min(float(radius_km), MAX_RADIUS_KM))
    limit = max(1, min(int(limit), MAX_LIMIT))
    after = None
    if cursor:
        distance, code = decode_cursor(cursor)
        if not isinstance(distance, int | float) or not isinstance(code, str):
            raise DomainError(_("The page cursor is not valid."), code="bad_cursor")
        after = (float(distance), code)
    box = geo.bounding_box(lat, lon, radius_km)
    base = queryset if queryset is not None else Station.objects.public()
    candidates = filtered(base.filter(geo.bbox_q(box)), filters, now)
    candidates = with_schedule(candidates.only(*LIST_FIELDS))
    hits = []
    for station in candidates:
        distance = geo.haversine_km(lat, lon, station.lat, station.lon)
        if distance > radius_km:
            continue
        key = (round(distance, 3), station.code)
        if after is not None and key <= after:
            continue
        is_open = _open(station, now)
        if filters.open_now and not is_open:
            continue
        hits.append((key, Hit(station, round(distance, 3), is_open)))
    hits.sort(key=lambda pair: pair[0])
    page = [hit for _key, hit in hits[: limit + 1]]
    next_cursor = None
    if len(page) > limit:
        page = page[:limit]
        last = page[-1]
        next_cursor = encode_cursor([last.distance_km, last.station.code])
    return page, next_cursor


def listing(
    *,
    filters: Filters | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    now: datetime | None = None,
    queryset=None,
) -> tuple[list[Hit], str | None]:
    """Without a position: sites by code (keyset on the code), the same filters."""
    filters = filters or Filters()
    now = now or timezone.now()
    limit = max(1, min(int(limit), MAX_LIMIT))
    base = queryset if queryset is not None else Station.objects.public()
    qs = with_schedule(filtered(base, filters, now).only(*LIST_FIELDS)).order_by("code")
    if cursor:
        _first, code = decode_cursor(cursor)
        qs = qs.filter(code__gt=str(code))
    hits: list[Hit] = []
    next_cursor = None
    # "open now" is decided in Python: read in chunks until the page is full.
    chunk = limit + 1 if not filters.open_now else max(limit * 4, 50)
    last_code = None
    while True:
        rows = list(qs.filter(code__gt=last_code)[:chunk] if last_code else qs[:chunk])
        for station in rows:
            is_open = _open(station, now)
            if filters.open_now and not is_open:
                continue
            if len(hits) == limit:
                next_cursor = encode_cursor([0, hits[-1].station.code])
                return hits, next_cursor
            hits.append(Hit(station, None, is_open))
        if len(rows) < chunk:
            return hits, None
        last_code = rows[-1].code


LIST_FIELDS = (
    "id",
    "code",
    "name",
    "kind",
    "operator_id",
    "address",
    "lat",
    "lon",
    "time_zone",
    "open_24h",
    "truck_bays",
    "car_bays",
    "beds",
    "low_threshold",
    "free_truck_bays",
    "free_car_bays",
    "free_beds",
    "availability_at",
    "official_grade",
    "is_active",
    "phone",
)


def sql_only_nearest(lat: float, lon: float, radius_km: float, limit: int):
    """The bare query (no filters, no schedule): the benchmark's baseline and a check in tests."""
    box = geo.bounding_box(lat, lon, radius_km)
    rows = Station.objects.filter(Q(is_active=True) & geo.bbox_q(box)).values_list(
        "code", "lat", "lon"
    )
    hits = sorted((geo.haversine_km(lat, lon, la, lo), code) for code, la, lo in rows)
    return [(code, d) for d, code in hits if d <= radius_km][:limit]
