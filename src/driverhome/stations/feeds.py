"""Open data: the TPIMS-shaped parking feeds and the Open Referral HSDS v3 export.

TPIMS (the US Truck Parking Information Management System feeds) publishes a
static feed (site id, name, location, capacity, amenities, low threshold) and a
dynamic one (reported available — a number, ``LOW`` or ``CLOSED`` — trend, open
and trust flags), so existing parking-information consumers can read ours.

HSDS v3 is the Open Referral format for directories of services: organizations,
locations, services, service_at_locations and schedules, with UUID identifiers.
Ours are UUIDv5 of the public codes, so they stay the same from one export to the next.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from .models import AvailabilityUpdate, HoursException, Station, StationFacility, WeeklyHours

HSDS_NAMESPACE = uuid.UUID("6f0f7b1e-4d9a-5a51-9d0e-1c3b5a2f7d10")
TREND_WINDOW = timedelta(minutes=30)
BYDAY = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def public_stations():
    return (
        Station.objects.public()
        .select_related("operator")
        .prefetch_related(
            Prefetch("facilities", queryset=StationFacility.objects.select_related("facility")),
            Prefetch("weekly_hours", queryset=WeeklyHours.objects.all()),
            Prefetch("hours_exceptions", queryset=HoursException.objects.all()),
        )
        .order_by("code")
    )


# --- TPIMS ---------------------------------------------------------------------------------


def tpims_static(stations=None, now: datetime | None = None) -> list[dict]:
    now = now or timezone.now()
    stations = public_stations() if stations is None else stations
    rows = []
    for s in stations:
        rows.append(
            {
                "siteId": s.code,
                "timeStamp": _iso(now),
                "timeStampStatic": _iso(s.updated_at),
                "name": s.name,
                "ownership": "PU",
                "capacity": s.truck_bays,
                "lowThreshold": s.low_threshold,
                "location": {
                    "latitude": s.lat,
                    "longitude": s.lon,
                    "streetAdr": s.address,
                    "city": s.city,
                    "state": s.province,
                    "zip": s.postal_code,
                    "timeZone": s.time_zone,
                    "relevantHighway": "",
                    "referencePost": "",
                    "exitId": "",
                    "directionOfTravel": "",
                },
                "amenities": [sf.facility.name_en for sf in s.facilities.all()],
                "images": [],
                "logos": [],
            }
        )
    return rows


def _trend(current: int | None, earlier: int | None, capacity: int) -> str:
    if current is None or earlier is None or capacity <= 0:
        return "STEADY"
    change = (current - earlier) / capacity
    if change > 0.05:
        return "CLEARING"
    if change < -0.05:
        return "FILLING"
    return "STEADY"


def tpims_dynamic(stations=None, now: datetime | None = None) -> list[dict]:
    now = now or timezone.now()
    stations = list(public_stations() if stations is None else stations)
    # One query for the trend of every site: the last report older than the window.
    since = now - TREND_WINDOW * 4
    earlier: dict[int, int] = {}
    history = defaultdict(list)
    for station_id, at, free in (
        AvailabilityUpdate.objects.filter(
            station__in=[s.pk for s in stations],
            at__gte=since,
            at__lte=now - TREND_WINDOW,
            free_truck_bays__isnull=False,
        )
        .order_by("station_id", "at")
        .values_list("station_id", "at", "free_truck_bays")
    ):
        history[station_id].append((at, free))
    for station_id, reports in history.items():
        earlier[station_id] = reports[-1][1]
    rows = []
    for s in stations:
        is_open = s.is_open_at(now, list(s.weekly_hours.all()), list(s.hours_exceptions.all()))
        stale = s.availability_is_stale(now)
        free = s.free_truck_bays
        if not is_open:
            reported = "CLOSED"
        elif free is None:
            reported = None
        elif free < s.low_threshold:
            reported = "LOW"
        else:
            reported = str(free)
        rows.append(
            {
                "siteId": s.code,
                "timeStamp": _iso(now),
                "timeStampStatic": _iso(s.updated_at),
                "reportedAvailable": reported,
                "trend": _trend(free, earlier.get(s.pk), s.truck_bays),
                "open": is_open,
                "trustData": bool(is_open and free is not None and not stale),
                "capacity": s.truck_bays,
                "lastReported": _iso(s.availability_at),
            }
        )
    return rows


# --- HSDS v3 -------------------------------------------------------------------------------


def hsds_id(kind: str, code: str) -> str:
    return str(uuid.uuid5(HSDS_NAMESPACE, f"{kind}:{code}"))


def _schedules(s: Station, location_id: str) -> list[dict]:
    tz_hours = (timezone.now().astimezone(s.tz).utcoffset() or timedelta()).total_seconds() / 3600
    base = {"location_id": location_id, "freq": "WEEKLY", "wkst": "MO", "timezone": tz_hours}
    if s.open_24h:
        return [
            {
                "id": hsds_id("schedule", f"{s.code}:24h"),
                **base,
                "byday": ",".join(BYDAY),
                "opens_at": "00:00",
                "closes_at": "23:59",
                "description": "Open 24 hours / 24小时开放",
            }
        ]
    rows = []
    for w in s.weekly_hours.all():
        rows.append(
            {
                "id": hsds_id("schedule", f"{s.code}:{w.weekday}:{w.opens:%H%M}"),
                **base,
                "byday": BYDAY[w.weekday],
                "opens_at": f"{w.opens:%H:%M}",
                "closes_at": f"{w.closes:%H:%M}",
            }
        )
    for e in s.hours_exceptions.all():
        row = {
            "id": hsds_id("schedule", f"{s.code}:x:{e.date}:{e.opens}"),
            "location_id": location_id,
            "valid_from": e.date.isoformat(),
            "valid_to": e.date.isoformat(),
            "description": e.note or ("Closed" if e.closed else "Special hours"),
        }
        if not e.closed:
            row.update({"opens_at": f"{e.opens:%H:%M}", "closes_at": f"{e.closes:%H:%M}"})
        rows.append(row)
    return rows


def hsds_export(stations=None) -> dict[str, list[dict]]:
    """The directory as HSDS v3 tables: organizations, locations, services, service_at_locations, schedules."""
    stations = list(public_stations() if stations is None else stations)
    organizations, locations, services, links, schedules = {}, [], [], [], []
    for s in stations:
        org = s.operator
        org_id = hsds_id("organization", org.code)
        organizations.setdefault(
            org_id,
            {
                "id": org_id,
                "name": org.name,
                "description": f"Operator of Driver's Homes (司机之家运营单位): {org.name}",
                **({"alternate_name": org.short_name} if org.short_name else {}),
            },
        )
        location_id = hsds_id("location", s.code)
        location = {
            "id": location_id,
            "location_type": "physical",
            "organization_id": org_id,
            "name": s.name,
            "description": s.description or s.name,
            "latitude": s.lat,
            "longitude": s.lon,
            "external_identifier": s.code,
            "external_identifier_type": "driverhome station code",
            "addresses": [
                {
                    "id": hsds_id("address", s.code),
                    "location_id": location_id,
                    "address_1": s.address,
                    "city": s.city or "-",
                    "state_province": s.province or "-",
                    "postal_code": s.postal_code or "-",
                    "country": "CN",
                    "address_type": "physical",
                }
            ],
            "phones": [
                {
                    "id": hsds_id("phone", f"{s.code}:{kind}"),
                    "location_id": location_id,
                    "number": number,
                    "type": "voice",
                    "description": label,
                }
                for kind, number, label in (
                    ("contact", s.phone, "Contact"),
                    ("supervision", s.supervision_phone, "Supervision (监督电话)"),
                )
                if number
            ],
        }
        locations.append(location)
        service_id = hsds_id("service", s.code)
        free = [sf.facility.name for sf in s.facilities.all() if sf.is_free]
        paid = [
            f"{sf.facility.name} {sf.price}".strip() for sf in s.facilities.all() if not sf.is_free
        ]
        services.append(
            {
                "id": service_id,
                "organization_id": org_id,
                "name": f"{s.name} 司机之家服务",
                "description": "Driver's Home: parking, rest and services for truck drivers. "
                + ("Free: " + "、".join(free) + ". " if free else "")
                + ("Paid: " + "、".join(paid) + "." if paid else ""),
                "status": "active" if s.is_active else "inactive",
                "fees_description": ("、".join(paid) if paid else "All listed services are free"),
                "last_modified": _iso(s.updated_at),
            }
        )
        link_id = hsds_id("service_at_location", s.code)
        links.append({"id": link_id, "service_id": service_id, "location_id": location_id})
        for row in _schedules(s, location_id):
            schedules.append({**row, "service_at_location_id": link_id})
    return {
        "organizations": list(organizations.values()),
        "locations": locations,
        "services": services,
        "service_at_locations": links,
        "schedules": schedules,
    }


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path
