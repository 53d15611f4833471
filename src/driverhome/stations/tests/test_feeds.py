"""Open data: the TPIMS-shaped feeds and the HSDS v3 export, validated against the official schemas."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from driverhome.stations import actions, feeds
from driverhome.stations.models import AvailabilityUpdate

from .factories import make_station, with_facilities, with_hours

pytestmark = pytest.mark.django_db
SCHEMAS = Path(__file__).parent / "hsds-v3"
TABLES = {
    "organizations": "organization.json",
    "locations": "location.json",
    "services": "service.json",
    "service_at_locations": "service_at_location.json",
    "schedules": "schedule.json",
}


def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append(
            (path.name, Resource.from_contents(contents, default_specification=DRAFT202012))
        )
    return Registry().with_resources(resources)


def validate(tables: dict) -> list[str]:
    registry = _registry()
    errors = []
    for table, schema_file in TABLES.items():
        schema = registry.contents(schema_file)
        validator = Draft202012Validator(schema, registry=registry)
        for row in tables[table]:
            errors += [f"{table}: {e.message}" for e in validator.iter_errors(row)]
    return errors


@pytest.fixture
def directory(orgs):
    a = with_facilities(
        make_station(orgs["xiapu"], "alpha", phone="0574-1", supervision_phone="0574-2"),
        "parking",
        "shower",
        paid=("dining",),
    )
    b = with_hours(
        make_station(orgs["guoju"], "beta", truck_bays=40, low_threshold=10), "06:30", "22:30"
    )
    actions.add_hours_exception(
        b, actor=None, day=timezone.localdate() + timedelta(days=3), closed=True
    )
    return a, b


def test_hsds_export_is_valid_against_the_official_v3_schemas(directory):
    tables = feeds.hsds_export()
    assert {k: len(v) for k, v in tables.items()} == {
        "organizations": 2,
        "locations": 2,
        "services": 2,
        "service_at_locations": 2,
        "schedules": 9,
    }
    assert validate(tables) == []


def test_the_validator_does_reject_a_broken_export(directory):
    tables = feeds.hsds_export()
    del tables["services"][0]["status"]
    tables["locations"][0]["location_type"] = "spaceship"
    errors = validate(tables)
    assert any("status" in e for e in errors) and any("spaceship" in e for e in errors)


def test_hsds_ids_are_stable_uuids_and_link_up(directory):
    first, second = feeds.hsds_export(), feeds.hsds_export()
    assert first == second
    location_ids = {row["id"] for row in first["locations"]}
    assert {row["location_id"] for row in first["service_at_locations"]} == location_ids


def test_export_hsds_command_writes_one_file_per_table(directory, tmp_path):
    call_command("export-hsds", str(tmp_path / "out"))
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert written == {f"{name}.json" for name in TABLES}
    tables = {n: json.loads((tmp_path / "out" / f"{n}.json").read_text()) for n in TABLES}
    assert validate(tables) == []


def test_hsds_api_is_public(directory, client):
    response = client.get("/api/v1/stations/open-data/hsds")
    assert response.status_code == 200 and validate(response.json()) == []


def test_tpims_static_shape(directory, client):
    rows = client.get("/api/v1/stations/open-data/tpims-static").json()
    beta = next(r for r in rows if r["siteId"] == "beta")
    assert set(beta) >= {
        "siteId",
        "timeStamp",
        "timeStampStatic",
        "name",
        "ownership",
        "capacity",
        "lowThreshold",
        "location",
        "amenities",
        "images",
        "logos",
    }
    assert beta["capacity"] == 40 and beta["lowThreshold"] == 10
    assert set(beta["location"]) >= {"latitude", "longitude", "streetAdr", "city", "state", "zip"}


def test_tpims_dynamic_reports_number_low_closed_trend_and_trust(directory):
    alpha, beta = directory
    now = timezone.now()
    source = AvailabilityUpdate.Source.SENSOR
    actions.update_availability(
        alpha, actor=None, source=source, free_truck_bays=80, at=now - timedelta(minutes=40)
    )
    actions.update_availability(
        alpha, actor=None, source=source, free_truck_bays=20, at=now - timedelta(minutes=2)
    )
    actions.update_availability(
        beta, actor=None, source=source, free_truck_bays=5, at=now - timedelta(minutes=2)
    )
    rows = {r["siteId"]: r for r in feeds.tpims_dynamic(now=now)}
    assert rows["alpha"]["reportedAvailable"] == "20"
    assert rows["alpha"]["trend"] == "FILLING" and rows["alpha"]["trustData"] is True
    assert set(rows["alpha"]) >= {
        "siteId",
        "timeStamp",
        "reportedAvailable",
        "trend",
        "open",
        "trustData",
        "capacity",
    }
    beta_open = beta.is_open_at(now)
    expected = "LOW" if beta_open else "CLOSED"
    assert rows["beta"]["reportedAvailable"] == expected and rows["beta"]["open"] is beta_open
    later = {r["siteId"]: r for r in feeds.tpims_dynamic(now=now + timedelta(hours=2))}
    assert later["alpha"]["trustData"] is False  # stale
