"""Opening a site: supervisors and administrators, for an operator in their scope, audited."""

import pytest

from driverhome.accounts.models import AuditLog
from driverhome.stations.models import Station

pytestmark = pytest.mark.django_db


def body(operator: str, code: str = "chaiqiao") -> dict:
    return {
        "code": code,
        "name": "柴桥司机之家",
        "kind": "logistics_park",
        "operator": operator,
        "address": "北仑区柴桥街道",
        "lat": 29.87,
        "lon": 121.93,
        "beds": 12,
    }


def test_a_supervisor_opens_a_site_from_the_api_and_it_is_audited(api, orgs):
    response = api("supervisor").post(
        "/api/v1/stations", body(orgs["xiapu"].code), content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["code"] == "chaiqiao"
    station = Station.objects.get(code="chaiqiao")
    assert station.operator == orgs["xiapu"] and station.beds == 12
    assert AuditLog.objects.filter(action="station.create", object_id=str(station.pk)).exists()


def test_an_operator_outside_the_supervisors_district_is_refused(api, orgs):
    response = api("supervisor").post(
        "/api/v1/stations", body(orgs["other_sub"].code), content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["field"] == "operator"
    assert not Station.objects.exists()


def test_a_second_site_with_the_same_code_is_a_conflict(api, orgs):
    client = api("admin")
    first = client.post("/api/v1/stations", body("t-xiapu"), content_type="application/json")
    assert first.status_code == 201
    again = client.post("/api/v1/stations", body("t-guoju"), content_type="application/json")
    assert again.status_code == 409
    assert Station.objects.count() == 1


def test_a_bad_value_is_a_400_naming_the_field(api, orgs):
    data = {**body("t-xiapu"), "kind": "castle"}
    response = api("admin").post("/api/v1/stations", data, content_type="application/json")
    assert response.status_code == 400
    assert not Station.objects.exists()


def test_site_staff_cannot_open_a_site_from_the_page(client_for, orgs):
    response = client_for("site_staff").post(
        "/console/stations/new/", {"code": "x", "operator": orgs["xiapu"].pk}
    )
    assert response.status_code in (403, 404)
    assert not Station.objects.exists()
