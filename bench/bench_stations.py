"""Nearest Driver's Home at national scale (3,000 sites), in one run:

* ours through the API: ``GET /api/v1/stations?lat=&lon=&radius_km=100&limit=20`` on gunicorn
  (bounding-box prefilter on the indexed coordinates, exact distance, opening hours, free
  places, JSON), and the same search in process (``stations.search.nearest``, no HTTP);
* the floor: the bare SQL query — the same bounding box in one raw ``SELECT code, lat, lon``
  and a haversine sort of the rows it returns, nothing else;
* for scale, the same search without the prefilter (every site read, every distance computed).

The search points are fixed (freight hubs of eastern and central China), so every run asks
the same questions.
"""

from __future__ import annotations

import itertools

from bench.harness import Result, benchmark, measure

RADIUS_KM = 100.0
LIMIT = 20
POINTS = [
    (29.93, 121.87),  # Ningbo Beilun
    (31.23, 121.47),  # Shanghai
    (30.27, 120.15),  # Hangzhou
    (32.06, 118.80),  # Nanjing
    (30.59, 114.31),  # Wuhan
    (34.75, 113.62),  # Zhengzhou
    (36.07, 120.38),  # Qingdao
    (39.08, 117.20),  # Tianjin
    (23.13, 113.26),  # Guangzhou
    (28.23, 112.94),  # Changsha
    (29.56, 106.55),  # Chongqing
    (26.07, 119.30),  # Fuzhou
]


def _bare_sql(lat: float, lon: float):
    from django.db import connection

    from driverhome.core import geo
    from driverhome.stations.models import Station

    box = geo.bounding_box(lat, lon, RADIUS_KM)
    (lo, hi) = box.lon_ranges[0]
    table = Station._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT code, lat, lon FROM {table} "  # noqa: S608 - table name from the model
            "WHERE is_active AND lat BETWEEN %s AND %s AND lon BETWEEN %s AND %s",
            [box.min_lat, box.max_lat, lo, hi],
        )
        rows = cursor.fetchall()
    hits = sorted((geo.haversine_km(lat, lon, la, lo_), code) for code, la, lo_ in rows)
    return [(code, d) for d, code in hits if d <= RADIUS_KM][:LIMIT]


def _full_scan(lat: float, lon: float):
    from driverhome.core import geo
    from driverhome.stations.models import Station

    rows = Station.objects.filter(is_active=True).values_list("code", "lat", "lon")
    hits = sorted((geo.haversine_km(lat, lon, la, lo), code) for code, la, lo in rows)
    return [(code, d) for d, code in hits if d <= RADIUS_KM][:LIMIT]


@benchmark("nearest site")
def nearest_site(ctx):
    import httpx

    from driverhome.stations import search
    from driverhome.stations.models import Station

    ctx.db()
    sites = Station.objects.filter(is_active=True).count()
    if sites == 0:
        return [Result("nearest site (no sites generated)", None, None, "ms")]
    base = ctx.server_url()
    client = httpx.Client(base_url=base, timeout=30)
    points = itertools.cycle(POINTS)

    # The answers must agree before the times mean anything.
    for lat, lon in POINTS[:4]:
        api = client.get(
            "/api/v1/stations",
            params={"lat": lat, "lon": lon, "radius_km": RADIUS_KM, "limit": LIMIT},
        )
        api.raise_for_status()
        codes = [item["code"] for item in api.json()["items"]]
        bare = [code for code, _d in _bare_sql(lat, lon)]
        if codes != bare:
            raise AssertionError(f"API and bare SQL disagree at {lat},{lon}: {codes} vs {bare}")

    def via_api():
        lat, lon = next(points)
        response = client.get(
            "/api/v1/stations",
            params={"lat": lat, "lon": lon, "radius_km": RADIUS_KM, "limit": LIMIT},
        )
        response.raise_for_status()

    def in_process():
        lat, lon = next(points)
        search.nearest(lat, lon, radius_km=RADIUS_KM, limit=LIMIT)

    def bare_sql():
        lat, lon = next(points)
        _bare_sql(lat, lon)

    def full_scan():
        lat, lon = next(points)
        _full_scan(lat, lon)

    repeat = max(ctx.repeat, len(POINTS))
    api_s = measure(via_api, repeat=repeat, warmup=2)
    search_s = measure(in_process, repeat=repeat, warmup=2)
    bare_s = measure(bare_sql, repeat=repeat, warmup=2)
    scan_s = measure(full_scan, repeat=repeat, warmup=1)
    client.close()
    note = f"{sites:,} sites, radius {RADIUS_KM:.0f} km, {LIMIT} results, {ctx.engine}"
    return [
        Result(
            "nearest sites: API (HTTP, JSON) vs bare SQL bounding box",
            api_s * 1000,
            bare_s * 1000,
            "ms",
            note=note,
        ),
        Result(
            "nearest sites: search in process vs bare SQL bounding box",
            search_s * 1000,
            bare_s * 1000,
            "ms",
            note="schedule, free places and filters included",
        ),
        Result(
            "nearest sites: bounding-box prefilter vs reading every site",
            bare_s * 1000,
            scan_s * 1000,
            "ms",
            note="the value of station_latlon_idx",
        ),
    ]
