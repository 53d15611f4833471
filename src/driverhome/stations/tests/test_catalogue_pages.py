"""Officials edit the facility catalogue and the grading rubric in the console, audited."""

import pytest

from driverhome.accounts.models import AuditLog
from driverhome.stations.models import Facility, RubricCriterion

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_and_renames_a_facility(client_for, personas):
    admin = client_for("admin")
    page = admin.get("/console/stations/catalogue/")
    assert page.status_code == 200 and "shower" in page.content.decode()
    added = admin.post(
        "/console/stations/catalogue/facilities/new/",
        {
            "code": "ev-charger",
            "name": "充电桩",
            "name_en": "EV charging",
            "kind": "extra",
            "order": 300,
        },
    )
    assert added.status_code == 302, added.content.decode()[-3000:]
    facility = Facility.objects.get(code="ev-charger")
    assert facility.kind == "extra" and not facility.is_active  # unticked box: out of use
    assert AuditLog.objects.filter(action="facility.create", object_id=str(facility.pk)).exists()
    renamed = admin.post(
        "/console/stations/catalogue/facilities/ev-charger/",
        {
            "code": "other",  # the code stays
            "name": "新能源充电桩",
            "name_en": "EV charging",
            "kind": "extra",
            "order": 300,
            "is_active": "on",
        },
    )
    assert renamed.status_code == 302
    facility.refresh_from_db()
    assert facility.code == "ev-charger" and facility.name == "新能源充电桩" and facility.is_active
    entry = AuditLog.objects.get(action="facility.update")
    assert entry.changes["name"] == ["充电桩", "新能源充电桩"] and "code" not in entry.changes


def test_an_administrator_changes_a_rubric_lines_points(client_for):
    criterion = RubricCriterion.objects.get(code="F01")
    response = client_for("admin").post(
        "/console/stations/catalogue/rubric/F01/",
        {"name": criterion.name, "name_en": criterion.name_en, "points": 150, "is_active": "on"},
    )
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.points == 150
    entry = AuditLog.objects.get(action="rubriccriterion.update")
    assert entry.changes == {"points": [180, 150]}


def test_site_staff_see_the_catalogue_but_cannot_change_it(client_for):
    staff = client_for("site_staff")
    assert staff.get("/console/stations/catalogue/").status_code == 200
    response = staff.post(
        "/console/stations/catalogue/rubric/F01/", {"name": "x", "name_en": "x", "points": 1}
    )
    assert response.status_code in (403, 404)
    assert RubricCriterion.objects.get(code="F01").points == 180
    assert not AuditLog.objects.exists()


def test_the_api_lists_adds_and_changes_catalogue_entries(api):
    client = api("admin")
    listed = client.get("/api/v1/stations/catalogue")
    assert listed.status_code == 200
    assert {"shower", "parking"} <= {f["code"] for f in listed.json()["facilities"]}
    added = client.post(
        "/api/v1/stations/catalogue/facilities",
        {"code": "ev-charger", "name": "充电桩", "name_en": "EV charging", "kind": "extra"},
        content_type="application/json",
    )
    assert added.status_code == 201
    again = client.post(
        "/api/v1/stations/catalogue/facilities",
        {"code": "ev-charger", "name": "充电桩", "name_en": "EV charging", "kind": "extra"},
        content_type="application/json",
    )
    assert again.status_code == 409
    bad = client.patch(
        "/api/v1/stations/catalogue/facilities/ev-charger",
        {"kind": "castle"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    points = client.patch(
        "/api/v1/stations/catalogue/rubric/F01", {"points": 170}, content_type="application/json"
    )
    assert points.status_code == 200 and points.json()["points"] == 170
    assert AuditLog.objects.filter(action="facility.create").count() == 1
    assert AuditLog.objects.get(action="rubriccriterion.update").changes == {"points": [180, 170]}
