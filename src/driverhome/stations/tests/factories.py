"""Sites, drivers and visits for the tests, made through the actions like real data."""

from __future__ import annotations

import io
from datetime import time

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from driverhome.stations import actions
from driverhome.stations.models import Station

_counter = {"n": 0}


def make_station(operator, code: str = "", *, lat=29.90, lon=121.93, **fields) -> Station:
    _counter["n"] += 1
    code = code or f"site-{_counter['n']}"
    defaults = {
        "name": fields.pop("name", f"司机之家 {code}"),
        "kind": Station.Kind.LOGISTICS_PARK,
        "address": "北仑区测试路 1 号",
        "lat": lat,
        "lon": lon,
        "truck_bays": 100,
        "car_bays": 10,
        "beds": 20,
    }
    defaults.update(fields)
    return actions.create_station(actor=None, operator=operator, code=code, **defaults)


def with_facilities(station: Station, *codes: str, paid: tuple = ()) -> Station:
    items = [{"code": c, "is_free": True} for c in codes]
    items += [{"code": c, "is_free": False, "price": "¥10"} for c in paid]
    actions.set_facilities(station, actor=None, items=items)
    return station


def with_hours(station: Station, opens: str, closes: str, days=range(7)) -> Station:
    actions.set_hours(
        station,
        actor=None,
        open_24h=False,
        weekly=[(d, time.fromisoformat(opens), time.fromisoformat(closes)) for d in days],
    )
    station.refresh_from_db()
    return station


_phones = {"n": 0}


def make_driver(organisation, user=None, *, name="张师傅", phone: str | None = None):
    from driverhome.drivers.actions import create_driver

    _phones["n"] += 1
    phone = phone or f"1381234{_phones['n']:04d}"
    return create_driver(actor=None, organisation=organisation, name=name, user=user, phone=phone)


def png_upload(name: str = "site.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
