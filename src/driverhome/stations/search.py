"""Nearest search: a bounding-box prefilter on indexed coordinates, then exact distance.

The prefilter is plain range conditions on ``lat``/``lon`` (index
``station_latlon_idx``), so it runs the same on SQLite and PostgreSQL. Filters
that SQL can answer (free bays, free bed, facility, free showers, grade) are
applied in the same query; "open now" needs each site's schedule and time zone
and is checked in Python on the few rows the box lets through.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
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


def schedules(rows, now: datetime) -> tuple[dict, dict]:
    """Weekly hours and nearby exceptions of the given sites, grouped by site id (two queries).

    Plain grouping instead of ``prefetch_related``: building a related manager per
    site costs more than the whole search when a box holds a few hundred sites.
    """
    ids = [r.pk for r in rows]
    partial = [r.pk for r in rows if not r.open_24h]
    weekly: dict[int, list] = defaultdict(list)
    exceptions: dict[int, list] = defaultdict(list)
    if partial:
        for w in WeeklyHours.objects.filter(station_id__in=partial):
            weekly[w.station_id].append(w)
    if ids:
        day = now.date()
        for e in HoursException.objects.filter(
            station_id__in=ids, date__gte=day - timedelta(days=2), date__lte=day + timedelta(days=2)
        ):
            exceptions[e.station_id].append(e)
    return weekly, exceptions


def _is_open(row, now: datetime, weekly: dict, exceptions: dict) -> bool:
    return row.is_open_at(now, weekly.get(row.pk, []), exceptions.get(row.pk, []))


@dataclass
class _Row:
    """What the search needs of a site before it knows which ones it will show."""

    pk: int
    code: str
    lat: float
    lon: float
    open_24h: bool
    time_zone: str

    @property
    def station(self) -> Station:
        return Station(id=self.pk, open_24h=self.open_24h, time_zone=self.time_zone)

    def is_open_at(self, now, weekly, exceptions) -> bool:
        return self.station.is_open_at(now, weekly, exceptions)


ROW_FIELDS = ("pk", "code", "lat", "lon", "open_24h", "time_zone")


def _load(rows: list[_Row]) -> dict[int, Station]:
    return Station.objects.only(*LIST_FIELDS).in_bulk([r.pk for r in rows])


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
    keyed = []
    for values in candidates.values_list(*ROW_FIELDS):
        row = _Row(*values)
        distance = round(geo.haversine_km(lat, lon, row.lat, row.lon), 3)
        if distance > radius_km:
            continue
        key = (distance, row.code)
        if after is not None and key <= after:
            continue
        keyed.append((key, row))
    keyed.sort(key=lambda pair: pair[0])
    if filters.open_now:
        weekly, exceptions = schedules([row for _k, row in keyed], now)
        keyed = [(k, row) for k, row in keyed if _is_open(row, now, weekly, exceptions)]
        page_rows = keyed[: limit + 1]
    else:
        page_rows = keyed[: limit + 1]
        weekly, exceptions = schedules([row for _k, row in page_rows], now)
    next_cursor = None
    if len(page_rows) > limit:
        page_rows = page_rows[:limit]
        next_cursor = encode_cursor([page_rows[-1][0][0], page_rows[-1][0][1]])
    stations = _load([row for _k, row in page_rows])
    hits = [
        Hit(stations[row.pk], key[0], _is_open(row, now, weekly, exceptions))
        for key, row in page_rows
    ]
    return hits, next_cursor


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
    qs = filtered(base, filters, now).order_by("code")
    if cursor:
        _first, code = decode_cursor(cursor)
        qs = qs.filter(code__gt=str(code))
    picked: list[tuple[_Row, bool]] = []
    weekly: dict = {}
    exceptions: dict = {}
    # "open now" is decided in Python: read in chunks until the page is full.
    chunk = limit + 1 if not filters.open_now else max(limit * 4, 50)
    last_code = None
    more = False
    while True:
        window = qs.filter(code__gt=last_code) if last_code else qs
        rows = [_Row(*values) for values in window.values_list(*ROW_FIELDS)[:chunk]]
        w, e = schedules(rows, now)
        weekly.update(w)
        exceptions.update(e)
        for row in rows:
            is_open = _is_open(row, now, weekly, exceptions)
            if filters.open_now and not is_open:
                continue
            if len(picked) == limit:
                more = True
                break
            picked.append((row, is_open))
        if more or len(rows) < chunk:
            break
        last_code = rows[-1].code
    stations = _load([row for row, _o in picked])
    hits = [Hit(stations[row.pk], None, is_open) for row, is_open in picked]
    next_cursor = encode_cursor([0, hits[-1].station.code]) if more and hits else None
    return hits, next_cursor


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
