import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from driverhome.accounts.models import AccessLog, AuditLog
from driverhome.drivers import actions
from driverhome.drivers.models import Driver
from driverhome.drivers.search import find_drivers, name_keys

from .factories import make_driver, next_id, next_phone


@pytest.fixture
def driver(orgs, personas):
    d = make_driver(
        orgs["xiapu"], name="张伟", id_number="330206199001011237" if False else next_id()
    )
    actions.add_vehicle(d, actor=None, plate="浙B7A123")
    return d


def test_name_keys():
    assert name_keys("张伟") == ("zhangwei", "zw")
    assert name_keys("吕小绿") == ("lvxiaolv", "lxl")


@pytest.mark.django_db
def test_search_by_name_pinyin_initials_plate_last4_and_id(orgs, personas, driver):
    other = make_driver(orgs["xiapu"], name="李明")
    qs = Driver.objects.for_user(personas["supervisor"])
    for text in (
        "张伟",
        "张",
        "zhangwei",
        "zhang",
        "zw",
        "浙B7A",
        "浙b7a123",
        driver.phone[-4:],
        driver.id_number,
        driver.phone,
    ):
        found = list(find_drivers(qs, text))
        assert found == [driver], text
    assert list(find_drivers(qs, "lm")) == [other]
    assert list(find_drivers(qs, "330206199001019999")) == []


@pytest.mark.django_db
def test_plate_search_reads_few_matches_by_id_and_many_through_the_subquery(
    orgs, personas, driver, monkeypatch
):
    from driverhome.drivers import search

    second = make_driver(orgs["xiapu"], name="王强")
    actions.add_vehicle(second, actor=None, plate="浙B7A555")
    outside = make_driver(orgs["other_sub"], name="赵六")  # another district: out of scope
    actions.add_vehicle(outside, actor=None, plate="浙B7A999")
    qs = Driver.objects.for_user(personas["supervisor"])
    few = find_drivers(qs, "浙B7A")
    assert "drivers_vehicle" not in str(few.query)  # the ids were read first
    monkeypatch.setattr(search, "PLATE_IDS_INLINE", 1)
    many = find_drivers(qs, "浙B7A")
    assert "drivers_vehicle" in str(many.query)
    assert set(few) == set(many) == {driver, second}


@pytest.mark.django_db
def test_search_by_id_uses_the_hash_not_the_clear_value(orgs, personas, driver):
    qs = find_drivers(Driver.objects.for_user(personas["supervisor"]), driver.id_number)
    assert driver.id_number not in str(qs.query)


@pytest.mark.django_db
def test_masked_everywhere(client_for, driver):
    page = client_for("site_staff").get(f"/console/drivers/{driver.public_id}/").content.decode()
    assert driver.id_masked in page and driver.id_number not in page
    assert driver.phone_masked in page and driver.phone not in page
    assert driver.id_masked == driver.id_number[:4] + "*" * 10 + driver.id_number[-4:]
    assert driver.phone_masked == driver.phone[:3] + "****" + driver.phone[-4:]
    listing = client_for("site_staff").get("/console/drivers/").content.decode()
    assert driver.phone not in listing and driver.id_number not in listing


@pytest.mark.django_db
def test_api_is_masked_by_default_and_reveal_is_logged(api, driver, personas):
    body = api("site_staff").get(f"/api/v1/drivers/{driver.public_id}").json()
    assert body["id_number"] == driver.id_masked and body["phone"] == driver.phone_masked
    response = api("site_staff").post(
        f"/api/v1/drivers/{driver.public_id}/reveal",
        data=json.dumps({"field": "id_number", "reason": "社保核对"}),
        content_type="application/json",
    )
    assert response.json()["value"] == driver.id_number
    entry = AccessLog.objects.get()
    assert (entry.actor, entry.subject_id, entry.field, entry.shown_reason) == (
        personas["site_staff"],
        str(driver.public_id),
        "id_number",
        "社保核对",
    )


@pytest.mark.django_db
def test_reveal_page_needs_a_reason_and_logs(client_for, driver):
    client = client_for("broker")
    Driver.objects.filter(pk=driver.pk).update(care_broker=client.session and None)
    client = client_for("supervisor")
    url = f"/console/drivers/{driver.public_id}/reveal/phone/"
    assert client.post(url, {"reason": ""}).status_code == 400
    assert not AccessLog.objects.exists()
    response = client.post(url, {"reason": "回访"})
    assert driver.phone in response.content.decode()
    assert AccessLog.objects.filter(field="phone").count() == 1


@pytest.mark.django_db
def test_unit_handler_cannot_reveal(api, driver):
    response = api("unit_handler").post(
        f"/api/v1/drivers/{driver.public_id}/reveal",
        data=json.dumps({"field": "id_number", "reason": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_export_is_masked_unless_full_and_then_logged(client_for, driver):
    from driverhome.drivers import importer

    client = client_for("site_staff")
    masked = importer.read_table(client.get("/console/drivers/export.xlsx").content, "x.xlsx")
    assert masked[1][1] == driver.id_masked and masked[1][2] == driver.phone_masked
    assert not AccessLog.objects.exists()
    full = importer.read_table(
        client.get("/console/drivers/export.xlsx?full=1&reason=audit").content, "x.xlsx"
    )
    assert full[1][1] == driver.id_number
    assert AccessLog.objects.filter(subject_id=str(driver.public_id)).count() == 1


@pytest.mark.django_db
def test_scoping_outside_the_area_is_404(client_for, api, driver, orgs):
    assert client_for("outsider").get(f"/console/drivers/{driver.public_id}/").status_code == 404
    assert api("outsider").get(f"/api/v1/drivers/{driver.public_id}").status_code == 404
    assert client_for("guoju_staff").get(f"/console/drivers/{driver.public_id}/").status_code == 404
    assert api("outsider").get("/api/v1/drivers").json()["items"] == []


@pytest.mark.django_db
def test_broker_sees_the_drivers_assigned_to_him(client_for, personas, driver):
    url = f"/console/drivers/{driver.public_id}/"
    assert client_for("broker").get(url).status_code == 404
    actions.assign_broker(driver, personas["broker"], actor=personas["supervisor"])
    assert client_for("broker").get(url).status_code == 200
    assert list(Driver.objects.for_user(personas["broker"])) == [driver]


@pytest.mark.django_db
def test_driver_sees_only_himself(personas, driver, orgs):
    make_driver(orgs["xiapu"], name="李明")
    Driver.objects.filter(pk=driver.pk).update(user=personas["driver"])
    assert list(Driver.objects.for_user(personas["driver"])) == [driver]
    assert list(Driver.objects.for_user(personas["other_driver"])) == []


@pytest.mark.django_db
def test_edit_writes_audit_with_protected_values_hidden(client_for, driver, personas):
    new_phone = next_phone()
    actions.update_driver(driver, actor=personas["site_staff"], phone=new_phone, hometown="安徽")
    entry = AuditLog.objects.filter(action="driver.update").get()
    assert entry.shown_changes["phone"] == ["***", "***"]
    assert entry.shown_changes["hometown"] == ["", "安徽"]
    assert new_phone not in json.dumps(entry.shown_changes)
    # Sealed under the driver's key: the clear column names the fields only.
    assert entry.changes["hometown"] == ["***", "***"] and "安徽" not in json.dumps(entry.changes)


@pytest.mark.django_db
def test_duplicate_id_number_is_a_conflict(orgs, driver):
    from driverhome.core.errors import Conflict

    with pytest.raises(Conflict):
        make_driver(orgs["xiapu"], id_number=driver.id_number)


@pytest.mark.django_db
def test_timeline_shows_notes_housing_and_file_changes(client_for, personas, driver):
    actions.add_note(driver, actor=personas["site_staff"], text="回访：运费问题已解决")
    actions.update_driver(driver, actor=personas["site_staff"], hometown="河南")
    page = client_for("site_staff").get(f"/console/drivers/{driver.public_id}/").content.decode()
    assert "回访：运费问题已解决" in page
    assert "hometown" in page and "河南" in page  # the change names the field and its value


def _list_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_list_query_counts_are_pinned(client_for, orgs, personas):
    client = client_for("supervisor")
    for _ in range(3):
        d = make_driver(orgs["xiapu"], name="王芳")
        actions.assign_broker(d, personas["broker"], actor=None)
    few = _list_queries(client, "/console/drivers/")
    for _ in range(10):
        make_driver(orgs["xiapu"], name="赵强")
    assert _list_queries(client, "/console/drivers/") == few
    assert few <= 8
    api_client_queries = _list_queries(client, "/api/v1/drivers")
    assert api_client_queries <= 6


@pytest.mark.django_db
def test_apartment_list_query_count_is_pinned(client_for, orgs):
    from driverhome.drivers.models import Apartment, Building

    building = Building.objects.create(code="b1", name="1号楼", organisation=orgs["xiapu"])
    for n in range(5):
        Apartment.objects.create(building=building, number=f"10{n}")
    client = client_for("site_staff")
    few = _list_queries(client, "/console/drivers/apartments/")
    for n in range(20):
        Apartment.objects.create(building=building, number=f"20{n}")
    assert _list_queries(client, "/console/drivers/apartments/") == few
