"""His own file, kept by him and by staff: vehicles and family members from the phone, the file
page and the API; protected values through staff; audit rows; who may do what."""

import json

import pytest

from driverhome.accounts.models import AuditLog
from driverhome.core.errors import Conflict, PermissionDeniedError
from driverhome.drivers import actions
from driverhome.drivers.models import CorrectionRequest, Driver, FamilyMember, Vehicle

from .factories import make_driver, next_id


@pytest.fixture
def own(orgs, personas):
    """The driver persona's file, held at Xiapu."""
    driver = make_driver(orgs["xiapu"], name="王建国")
    Driver.objects.filter(pk=driver.pk).update(user=personas["driver"])
    driver.refresh_from_db()
    return driver


@pytest.fixture
def truck(own):
    return actions.add_vehicle(own, actor=None, plate="浙B12345")


@pytest.fixture
def child(own):
    return actions.add_family_member(own, actor=None, relation="child", name="王小明")


def _json(response):
    return json.loads(response.content or b"null")


def _audit(action):
    return AuditLog.objects.filter(action=action)


# --- the driver, from his phone ------------------------------------------------------------


@pytest.mark.django_db
def test_driver_adds_a_vehicle_from_his_page(client_for, own):
    client = client_for("driver")
    page = client.get("/d/drivers/vehicles/new/")
    assert page.status_code == 200
    response = client.post(
        "/d/drivers/vehicles/new/", {"plate": "浙b 67890", "truck_type": "box", "ownership": "own"}
    )
    assert response.status_code == 302
    vehicle = Vehicle.objects.get(driver=own)
    assert (vehicle.plate, vehicle.truck_type, vehicle.ownership) == ("浙B67890", "box", "own")
    row = _audit("vehicle.create").get()
    assert row.actor_id == own.user_id


@pytest.mark.django_db
def test_driver_gets_the_reason_for_a_bad_plate(client_for, own):
    response = client_for("driver").post(
        "/d/drivers/vehicles/new/", {"plate": "B123", "truck_type": "box", "ownership": "own"}
    )
    assert response.status_code == 200
    assert not Vehicle.objects.exists()
    assert "浙B12345" in response.content.decode()  # the message shows what a plate looks like


@pytest.mark.django_db
def test_driver_corrects_and_removes_his_vehicle(client_for, own, truck):
    client = client_for("driver")
    url = f"/d/drivers/vehicles/{truck.public_id}/"
    response = client.post(url, {"plate": "浙B12346", "truck_type": "tanker", "ownership": "own"})
    assert response.status_code == 302
    truck.refresh_from_db()
    assert (truck.plate, truck.truck_type) == ("浙B12346", "tanker")
    assert "plate" in _audit("vehicle.update").get().changes
    assert client.post(f"{url}remove/").status_code == 302
    assert not Vehicle.objects.filter(pk=truck.pk).exists()
    assert _audit("vehicle.delete").exists()


@pytest.mark.django_db
def test_driver_adds_a_family_member_and_the_id_number_waits_for_staff(client_for, own):
    id_number = next_id()
    response = client_for("driver").post(
        "/d/drivers/family/new/",
        {
            "relation": "child",
            "name": "王小红",
            "birth_date": "2016-05-01",
            "lives_with_driver": "on",
            "school": "霞浦小学",
            "grade": "四年级",
            "employment": "student",
            "id_number": id_number,
        },
    )
    assert response.status_code == 302
    member = FamilyMember.objects.get(driver=own)
    assert member.name == "王小红" and member.school == "霞浦小学"
    assert member.id_number == ""  # not until staff confirm it
    correction = CorrectionRequest.objects.get(family_member=member)
    assert (correction.field, correction.status) == ("id_number", "pending")
    assert _audit("family.create").exists()
    assert _audit("driver.correction_requested").exists()
    page = client_for("driver").get("/d/drivers/").content.decode()
    assert "王小红" in page


@pytest.mark.django_db
def test_staff_confirm_the_family_id_number(client_for, own, child, personas):
    id_number = next_id()
    actions.update_family_member(child, actor=personas["driver"], id_number=id_number)
    correction = CorrectionRequest.objects.get(family_member=child)
    listing = client_for("site_staff").get("/console/drivers/corrections/").content.decode()
    assert "王小明" in listing
    client_for("site_staff").post(
        f"/console/drivers/corrections/{correction.public_id}/decide/", {"decision": "confirm"}
    )
    child.refresh_from_db()
    assert child.id_number == id_number and child.birth_date is not None
    row = _audit("family.update").get()
    assert row.changes["id_number"] == ["***", "***"] or "***" in json.dumps(row.changes)
    assert id_number not in json.dumps(row.changes)


@pytest.mark.django_db
def test_driver_corrects_a_family_member_but_not_someone_elses(client_for, own, child, orgs):
    client = client_for("driver")
    response = client.post(
        f"/d/drivers/family/{child.public_id}/",
        {"relation": "child", "name": "王晓明", "employment": "student", "grade": "五年级"},
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.name, child.grade) == ("王晓明", "五年级")
    stranger = make_driver(orgs["xiapu"], name="赵六")
    theirs = actions.add_family_member(stranger, actor=None, relation="spouse", name="钱七")
    their_truck = actions.add_vehicle(stranger, actor=None, plate="浙B99999")
    assert client.get(f"/d/drivers/family/{theirs.public_id}/").status_code == 404
    assert client.post(f"/d/drivers/vehicles/{their_truck.public_id}/remove/").status_code == 404
    assert Vehicle.objects.filter(pk=their_truck.pk).exists()


@pytest.mark.django_db
def test_a_driver_may_not_remove_a_family_member(own, child, personas):
    with pytest.raises(PermissionDeniedError):
        actions.remove_family_member(child, actor=personas["driver"])
    assert FamilyMember.objects.filter(pk=child.pk).exists()


@pytest.mark.django_db
def test_another_driver_may_not_change_the_file(own, truck, personas):
    with pytest.raises(PermissionDeniedError):
        actions.update_vehicle(truck, actor=personas["other_driver"], plate="浙B00001")


# --- the driver's API ------------------------------------------------------------------------


@pytest.mark.django_db
def test_driver_api_adds_corrects_and_removes_vehicles(api, own):
    client = api("driver")
    response = client.post(
        "/api/v1/me/vehicles", {"plate": "浙b54321"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    public_id = _json(response)["public_id"]
    response = client.patch(
        f"/api/v1/me/vehicles/{public_id}", {"ownership": "own"}, content_type="application/json"
    )
    assert response.status_code == 200 and _json(response)["ownership"] == "own"
    assert [v["plate"] for v in _json(client.get("/api/v1/me/vehicles"))] == ["浙B54321"]
    bad = client.patch(
        f"/api/v1/me/vehicles/{public_id}", {"plate": "B1"}, content_type="application/json"
    )
    assert bad.status_code == 400 and _json(bad)["code"] == "invalid_plate"
    assert client.delete(f"/api/v1/me/vehicles/{public_id}").status_code == 204
    assert not Vehicle.objects.filter(driver=own).exists()


@pytest.mark.django_db
def test_driver_api_family_id_number_is_pending(api, own):
    client = api("driver")
    response = client.post(
        "/api/v1/me/family",
        {"relation": "spouse", "name": "李梅", "id_number": next_id()},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = _json(response)
    assert body["id_number_pending"] is True
    member = FamilyMember.objects.get(public_id=body["public_id"])
    assert member.id_number == ""
    response = client.patch(
        f"/api/v1/me/family/{member.public_id}",
        {"employment": "workshop"},
        content_type="application/json",
    )
    assert response.status_code == 200 and _json(response)["employment"] == "workshop"
    bad = client.patch(
        f"/api/v1/me/family/{member.public_id}",
        {"relation": "cousin"},
        content_type="application/json",
    )
    assert bad.status_code == 400


@pytest.mark.django_db
def test_driver_api_cannot_reach_another_file(api, own, orgs):
    stranger = make_driver(orgs["xiapu"], name="赵六")
    theirs = actions.add_vehicle(stranger, actor=None, plate="浙B99999")
    client = api("driver")
    assert client.delete(f"/api/v1/me/vehicles/{theirs.public_id}").status_code == 404
    assert api("other_driver").get("/api/v1/me/vehicles").status_code == 404
    assert api("site_staff").get("/api/v1/me/vehicles").status_code == 404


# --- staff: file page and API ---------------------------------------------------------------


@pytest.mark.django_db
def test_staff_correct_and_remove_a_family_member_from_the_file_page(client_for, own, child):
    client = client_for("site_staff")
    url = f"/console/drivers/{own.public_id}/family/{child.public_id}/"
    assert child.name in client.get(f"/console/drivers/{own.public_id}/").content.decode()
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"relation": "child", "name": "王小明", "employment": "student", "school": "郭巨小学"}
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.school == "郭巨小学"
    assert client.post(f"{url}remove/").status_code == 302
    assert not FamilyMember.objects.filter(pk=child.pk).exists()
    assert _audit("family.delete").get().actor.username == "p-site"


@pytest.mark.django_db
def test_staff_correct_and_remove_a_vehicle_from_the_file_page(client_for, own, truck):
    client = client_for("site_staff")
    url = f"/console/drivers/{own.public_id}/vehicles/{truck.public_id}/"
    response = client.post(url, {"plate": "浙B12399", "truck_type": "reefer", "ownership": "own"})
    assert response.status_code == 302
    truck.refresh_from_db()
    assert truck.plate == "浙B12399"
    assert client.post(f"{url}remove/").status_code == 302
    assert not Vehicle.objects.filter(pk=truck.pk).exists()


@pytest.mark.django_db
def test_out_of_scope_staff_get_404_and_change_nothing(client_for, api, own, truck, child):
    page = client_for("outsider")
    assert (
        page.get(f"/console/drivers/{own.public_id}/family/{child.public_id}/").status_code == 404
    )
    assert (
        page.post(
            f"/console/drivers/{own.public_id}/vehicles/{truck.public_id}/remove/"
        ).status_code
        == 404
    )
    client = api("outsider")
    assert (
        client.delete(f"/api/v1/drivers/{own.public_id}/family/{child.public_id}").status_code
        == 404
    )
    assert (
        client.patch(
            f"/api/v1/drivers/{own.public_id}/vehicles/{truck.public_id}",
            {"plate": "浙B00000"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert api("unit_handler").delete(
        f"/api/v1/drivers/{own.public_id}/vehicles/{truck.public_id}"
    ).status_code in (403, 404)
    assert FamilyMember.objects.filter(pk=child.pk).exists()
    assert Vehicle.objects.get(pk=truck.pk).plate == "浙B12345"


@pytest.mark.django_db
def test_staff_api_edits_and_removes(api, own, truck, child):
    client = api("site_staff")
    base = f"/api/v1/drivers/{own.public_id}"
    response = client.patch(
        f"{base}/family/{child.public_id}",
        {"school": "霞浦小学", "id_number": next_id(born=__import__("datetime").date(2016, 3, 1))},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    child.refresh_from_db()
    assert child.school == "霞浦小学" and child.id_number  # staff set it directly
    assert child.birth_date.year == 2016
    response = client.patch(
        f"{base}/vehicles/{truck.public_id}", {"truck_type": "box"}, content_type="application/json"
    )
    assert response.status_code == 200 and _json(response)["truck_type"] == "box"
    assert client.delete(f"{base}/vehicles/{truck.public_id}").status_code == 204
    assert client.delete(f"{base}/family/{child.public_id}").status_code == 204
    assert not FamilyMember.objects.filter(pk=child.pk).exists()
    assert client.delete(f"{base}/family/{child.public_id}").status_code == 404


@pytest.mark.django_db
def test_a_duplicate_plate_is_a_conflict(api, own, truck):
    second = actions.add_vehicle(own, actor=None, plate="浙B22222")
    response = api("site_staff").patch(
        f"/api/v1/drivers/{own.public_id}/vehicles/{second.public_id}",
        {"plate": "浙b12345"},
        content_type="application/json",
    )
    assert response.status_code == 409
    with pytest.raises(Conflict):
        actions.update_vehicle(second, actor=None, plate="浙B12345")


@pytest.mark.django_db
def test_a_family_member_in_a_programme_is_not_removed_with_its_history(orgs, own, child, personas):
    from datetime import timedelta

    from django.utils import timezone

    from driverhome.services import actions as services
    from driverhome.services.models import CareEnrolment

    today = timezone.localdate()
    term = services.create_care_term(
        actor=None,
        code="t-care",
        name="秋季托管",
        organisation=orgs["xiapu"],
        site_name="霞浦托管点",
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=60),
        capacity=2,
    )
    CareEnrolment.objects.create(term=term, child=child, driver=own, status="enrolled")
    with pytest.raises(Conflict):
        actions.remove_family_member(child, actor=personas["site_staff"])
    assert FamilyMember.objects.filter(pk=child.pk).exists()
