"""Driver's Home sites: the first ones of each district near its centre, the rest across the country's corridors.

Each site has an operator organisation (made by the accounts generator),
capacity, a facility list, free-place history (a year of reports for a district's own
sites, which the forecast trains on, a day for the rest) and an official grade for some. Check-ins and reviews come later (``visits``), once drivers exist.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from driverhome.core.modules import optional_import

from . import availability
from .bulk import Inserter, next_id, reset_sequences

KINDS = (
    ("logistics_park", 45),
    ("port", 10),
    ("industrial_park", 15),
    ("filling_station", 15),
    ("service_area", 14),
    ("border_port", 1),
)
NAME_WORDS = {
    "logistics_park": "物流园司机之家",
    "port": "港区司机之家",
    "industrial_park": "工业园司机之家",
    "filling_station": "加油站司机之家",
    "service_area": "服务区司机之家",
    "border_port": "口岸司机之家",
}
LOCAL_SITES_PER_DISTRICT = 10
HISTORY = timedelta(days=365)  # back past the Spring Festival and National Day
SHORT_HISTORY = timedelta(days=21)  # small runs (tests): enough to train on
AHEAD = timedelta(days=30)  # markets already planned
TZ = ZoneInfo("Asia/Shanghai")


def available() -> bool:
    return optional_import("driverhome.stations.models") is not None


def generate(ctx) -> None:
    from driverhome.stations import models as sm

    rng = ctx.rng("stations")
    operators = ctx.shared["operators"]
    districts = ctx.shared["districts"]
    now = ctx.now
    facilities = list(sm.Facility.objects.values_list("pk", flat=True))
    kinds, weights = zip(*KINDS, strict=True)
    grades = [g for g, _label in getattr(sm, "GRADE_CHOICES", ())]
    first = next_id(sm.Station)
    stations, station_facilities, updates = [], [], []
    sites = []
    markets: dict[int, list] = {}
    local_count = {d["index"]: 0 for d in districts}
    history = HISTORY if ctx.sizes.sites >= 300 else SHORT_HISTORY
    for i, op in enumerate(operators):
        info = districts[op["district"]]
        pk = first + i
        if local_count[info["index"]] < LOCAL_SITES_PER_DISTRICT:
            local_count[info["index"]] += 1
            lat = info["center"][0] + rng.gauss(0, 0.08)
            lon = info["center"][1] + rng.gauss(0, 0.08)
            city, province = info["name"][:2] + "市", "浙江省"
        else:
            # The national network along the freight corridors of eastern and central China.
            lat = rng.uniform(22.0, 41.0)
            lon = rng.uniform(105.0, 122.5)
            city, province = "", ""
        kind = rng.choices(kinds, weights)[0]
        truck = rng.choice((20, 40, 60, 100, 150, 300))
        beds = rng.choice((0, 10, 20, 40, 80))
        free = rng.randint(0, truck)
        stations.append(
            {
                "id": pk,
                "code": f"syn-{i + 1:05d}",
                "name": f"{info['name'][2:] if city else ''}{NAME_WORDS[kind]}{i + 1}",
                "kind": kind,
                "operator_id": op["id"],
                "address": f"{city}{info['name'][2:] if city else ''}港城大道{rng.randint(1, 999)}号",
                "city": city,
                "province": province,
                "lat": round(lat, 6),
                "lon": round(lon, 6),
                "open_24h": rng.random() < 0.7,
                "phone": f"0574-8{rng.randint(1000000, 9999999)}",
                "supervision_phone": "12345",
                "truck_bays": truck,
                "car_bays": rng.choice((0, 10, 30)),
                "beds": beds,
                "rooms": beds // 2,
                "free_truck_bays": free,
                "free_beds": rng.randint(0, beds) if beds else 0,
                "availability_at": now - timedelta(minutes=rng.randint(1, 240)),
                "official_grade": rng.choice(grades) if grades and rng.random() < 0.6 else "",
                "created_at": now - timedelta(days=rng.randint(30, 1500)),
                "checkin_key": "%032x" % rng.getrandbits(128),
            }
        )
        sites.append({"id": pk, "district": info["index"], "local": bool(city)})
        for facility in rng.sample(facilities, min(len(facilities), rng.randint(6, 14))):
            station_facilities.append(
                {"station_id": pk, "facility_id": facility, "is_free": rng.random() < 0.8}
            )
        if city:
            # A district's own sites: a year of reports every 10-30 minutes, which the
            # free-place forecast trains and is backtested on; markets on fixed days.
            days = availability.market_days((now - history).date(), (now + AHEAD).date())
            spans = availability.market_spans(days, TZ)
            markets[pk] = [(a.isoformat(), b.isoformat()) for a, b in spans]
            reports = availability.history(
                rng, truck_bays=truck, beds=beds, start=now - history, end=now, tz=TZ, markets=spans
            )
            for at, trucks, free_beds in reports:
                updates.append(
                    {
                        "station_id": pk,
                        "at": at,
                        "free_truck_bays": trucks,
                        "free_beds": free_beds,
                        "source": "sensor",
                    }
                )
            stations[-1]["free_truck_bays"], stations[-1]["free_beds"] = reports[-1][1:]
            stations[-1]["availability_at"] = reports[-1][0]
            continue
        for h in range(24):
            updates.append(
                {
                    "station_id": pk,
                    "at": now - timedelta(hours=h, minutes=rng.randint(0, 59)),
                    "free_truck_bays": max(0, min(truck, free + rng.randint(-10, 10))),
                    "source": rng.choice(("console", "sensor", "api")),
                }
            )
    ctx.progress.start("sites", len(stations) + len(station_facilities) + len(updates))
    Inserter(sm.Station, progress=ctx.progress).write(stations)
    Inserter(sm.StationFacility, progress=ctx.progress).write(station_facilities)
    Inserter(sm.AvailabilityUpdate, progress=ctx.progress).write(updates)
    ctx.progress.finish()
    reset_sequences(sm.Station, sm.StationFacility, sm.AvailabilityUpdate)
    ctx.shared["sites"] = sites
    ctx.shared["markets"] = markets
