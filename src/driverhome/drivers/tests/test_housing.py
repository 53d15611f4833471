"""Housing managed by people: buildings and apartments created, edited, taken out of service
and imported; allocation against capacity; vacating resets the residence; the figures."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from driverhome.accounts.models import AuditLog
from driverhome.core.errors import Conflict, DomainError, PermissionDeniedError
from driverhome.dashboard import registry
from driverhome.drivers import actions, figures, housing, housing_import
from driverhome.drivers.models import Allocation, Apartment, Building, FamilyMember

from .factories import make_driver


@pytest.fixture
def building(orgs, personas):
    return housing.create_building(
        actor=personas["site_staff"],
        organisation=orgs["xiapu"],
        code="b1",
        name="1号楼",
        floors=3,
    )


def _family(driver, *relations, lives_with=True):
    for relation in relations:
        FamilyMember.objects.create(
            driver=driver, relation=relation, name="家属", lives_with_driver=lives_with
        )


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


# --- actions -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_create_edit_and_take_out_of_service_with_audit_rows(building, orgs, personas):
    staff = personas["site_staff"]
    apartment = housing.create_apartment(building, actor=staff, number="101", floor=1, capacity=2)
    housing.update_apartment(apartment, actor=staff, capacity=3, floor=2)
    housing.update_building(building, actor=staff, name="一号楼", address="集运基地")
    housing.set_apartment_service(apartment, actor=staff, out_of_service=True, reason="漏水")
    building.refresh_from_db()
    apartment.refresh_from_db()
    assert (building.name, building.address) == ("一号楼", "集运基地")
    assert (apartment.capacity, apartment.floor, apartment.out_of_service) == (3, 2, True)
    actions_written = list(
        AuditLog.objects.filter(actor=staff).order_by("pk").values_list("action", flat=True)
    )
    assert actions_written == [
        "building.create",
        "apartment.create",
        "apartment.update",
        "building.update",
        "apartment.out_of_service",
    ]
    update = AuditLog.objects.get(action="apartment.update")
    assert update.changes["capacity"] == [2, 3]
    # Back into service, and a second identical request is a conflict.
    housing.set_apartment_service(apartment, actor=staff, out_of_service=False)
    with pytest.raises(Conflict):
        housing.set_apartment_service(apartment, actor=staff, out_of_service=False)


@pytest.mark.django_db
def test_bad_values_are_refused_naming_the_field(building, personas, orgs):
    staff = personas["site_staff"]
    cases = [
        (lambda: housing.create_apartment(building, actor=staff, number="", floor=1), "number"),
        (lambda: housing.create_apartment(building, actor=staff, number="1", floor=4), "floor"),
        (
            lambda: housing.create_apartment(building, actor=staff, number="1", capacity=0),
            "capacity",
        ),
        (
            lambda: housing.create_building(
                actor=staff, organisation=orgs["xiapu"], code="有 空格", name="x"
            ),
            "code",
        ),
        (
            lambda: housing.create_building(
                actor=staff, organisation=orgs["xiapu"], code="new", name="x"
            ),
            "code",
        ),
    ]
    for call, field in cases:
        with pytest.raises(DomainError) as caught:
            call()
        assert caught.value.status == 400 and caught.value.extra["field"] == field
    housing.create_apartment(building, actor=staff, number="101")
    with pytest.raises(Conflict):
        housing.create_apartment(building, actor=staff, number="101")
    with pytest.raises(Conflict):
        housing.create_building(actor=staff, organisation=orgs["xiapu"], code="b1", name="again")
    assert Apartment.objects.count() == 1 and Building.objects.count() == 1


@pytest.mark.django_db
def test_roles_and_areas_are_checked_by_the_actions(building, personas, orgs):
    with pytest.raises(PermissionDeniedError):
        housing.create_apartment(building, actor=personas["broker"], number="1")
    # Staff of Guoju may not touch a Xiapu building, nor create one there.
    with pytest.raises(PermissionDeniedError):
        housing.update_building(building, actor=personas["guoju_staff"], name="x")
    with pytest.raises(PermissionDeniedError):
        housing.create_building(
            actor=personas["guoju_staff"], organisation=orgs["xiapu"], code="b2", name="x"
        )
    building.refresh_from_db()
    assert building.name == "1号楼"


@pytest.mark.django_db
def test_allocation_checks_the_household_against_capacity(building, orgs, personas):
    staff = personas["site_staff"]
    small = housing.create_apartment(building, actor=staff, number="101", capacity=2)
    large = housing.create_apartment(building, actor=staff, number="102", capacity=4)
    driver = make_driver(orgs["xiapu"])
    _family(driver, "spouse", "child")
    _family(driver, "parent", lives_with=False)  # lives elsewhere: not counted
    assert housing.household_size(driver) == 3
    with pytest.raises(Conflict) as caught:
        actions.allocate_apartment(small, driver, actor=staff)
    assert caught.value.code == "over_capacity" and "3" in str(caught.value)
    assert not Allocation.objects.exists()
    allocation = actions.allocate_apartment(large, driver, actor=staff)
    # A move to the small apartment is refused and leaves him where he was.
    with pytest.raises(Conflict):
        actions.transfer(allocation, small, actor=staff)
    allocation.refresh_from_db()
    assert allocation.ended_on is None
    # The capacity cannot be lowered below the household living there.
    with pytest.raises(Conflict):
        housing.update_apartment(large, actor=staff, capacity=2)
    large.refresh_from_db()
    assert large.capacity == 4


@pytest.mark.django_db
def test_out_of_service_refuses_allocation_and_occupied_refuses_out_of_service(
    building, orgs, personas
):
    staff = personas["site_staff"]
    closed = housing.create_apartment(building, actor=staff, number="101")
    open_ = housing.create_apartment(building, actor=staff, number="102")
    housing.set_apartment_service(closed, actor=staff, out_of_service=True)
    driver = make_driver(orgs["xiapu"])
    with pytest.raises(Conflict) as caught:
        actions.allocate_apartment(closed, driver, actor=staff)
    assert caught.value.code == "out_of_service"
    allocation = actions.allocate_apartment(open_, driver, actor=staff)
    with pytest.raises(Conflict) as caught:
        housing.set_apartment_service(open_, actor=staff, out_of_service=True)
    assert caught.value.code == "occupied"
    with pytest.raises(Conflict):
        housing.set_building_service(building, actor=staff, out_of_service=True)
    actions.vacate(allocation, actor=staff)
    housing.set_building_service(building, actor=staff, out_of_service=True, reason="翻修")
    # A building out of service takes nobody, even in an apartment in service.
    with pytest.raises(Conflict) as caught:
        actions.allocate_apartment(open_, driver, actor=staff)
    assert caught.value.code == "out_of_service"
    assert figures.apartments_total("/") == 0
    assert AuditLog.objects.get(action="building.out_of_service").note == "翻修"


@pytest.mark.django_db
def test_vacating_resets_the_residence_type_but_a_transfer_keeps_it(building, orgs, personas):
    staff = personas["site_staff"]
    first = housing.create_apartment(building, actor=staff, number="101")
    second = housing.create_apartment(building, actor=staff, number="102")
    driver = make_driver(orgs["xiapu"])
    allocation = actions.allocate_apartment(first, driver, actor=staff)
    moved = actions.transfer(allocation, second, actor=staff)
    driver.refresh_from_db()
    assert driver.residence_type == "apartment"
    actions.vacate(moved, actor=staff, residence_type="cab")
    driver.refresh_from_db()
    assert driver.residence_type == "cab"
    entry = AuditLog.objects.filter(action="apartment.vacate").latest("pk")
    assert "residence_type" in entry.changes
    with pytest.raises(DomainError):
        actions.vacate(moved, actor=staff, residence_type="apartment")


@pytest.mark.django_db
def test_occupancy_and_the_residents_figure_follow_the_records(building, orgs, personas):
    staff = personas["site_staff"]
    a = housing.create_apartment(building, actor=staff, number="101", capacity=4)
    housing.create_apartment(building, actor=staff, number="102", capacity=2)
    closed = housing.create_apartment(building, actor=staff, number="103", capacity=4)
    housing.set_apartment_service(closed, actor=staff, out_of_service=True)
    driver = make_driver(orgs["xiapu"])
    _family(driver, "spouse", "child")
    allocation = actions.allocate_apartment(a, driver, actor=staff)
    [row] = housing.occupancy(Building.objects.all())
    assert row["total"] == 3 and row["in_service"] == 2 and row["out_of_service"] == 1
    assert (row["occupied"], row["free"], row["places"], row["residents"]) == (1, 1, 6, 3)
    assert figures.apartment_residents("/") == 3
    assert figures.apartment_residents(orgs["guoju"].path) == 0
    assert registry.call(registry.BY_KEY["apartment_residents"], "/", None, None) == 3
    actions.vacate(allocation, actor=staff)
    assert figures.apartment_residents("/") == 0


# --- import ------------------------------------------------------------------------------------


GOOD = """楼栋编号,楼栋名称,地址,楼层数,房号,楼层,可住人数
jiyun-9,集运基地司机公寓9号楼,北仑,6,101,1,4
jiyun-9,集运基地司机公寓9号楼,北仑,6,102,1,2
jiyun-9,,,,201,2,
jiyun-10,10号楼,,,
"""


@pytest.mark.django_db
def test_import_creates_then_updates_nothing_twice(orgs, personas):
    staff = personas["site_staff"]
    checked = housing_import.import_housing(
        _csv(GOOD), "h.csv", actor=staff, organisation=orgs["xiapu"], dry_run=True
    )
    assert checked.outcome == "checked" and not Building.objects.exists()
    assert (checked.buildings_created, checked.apartments_created) == (2, 3)
    result = housing_import.import_housing(
        _csv(GOOD), "h.csv", actor=staff, organisation=orgs["xiapu"]
    )
    assert result.outcome == "imported" and result.written
    nine = Building.objects.get(code="jiyun-9")
    assert (nine.name, nine.floors, nine.organisation) == (
        "集运基地司机公寓9号楼",
        6,
        orgs["xiapu"],
    )
    assert Apartment.objects.get(building=nine, number="201").capacity == 4
    assert Building.objects.get(code="jiyun-10").apartments.count() == 0
    assert AuditLog.objects.filter(action="building.create").count() == 2
    assert AuditLog.objects.filter(action="building.import", note__contains="h.csv").count() == 1
    again = housing_import.import_housing(
        _csv(GOOD), "h.csv", actor=staff, organisation=orgs["xiapu"]
    )
    assert (again.buildings_created, again.apartments_created, again.unchanged) == (0, 0, 3)
    changed = housing_import.import_housing(
        _csv("楼栋编号,房号,可住人数\njiyun-9,102,3\n"), "h2.csv", actor=staff, organisation=None
    )
    assert changed.apartments_updated == 1
    assert Apartment.objects.get(building=nine, number="102").capacity == 3


BAD = """楼栋编号,楼栋名称,楼层数,房号,楼层,可住人数
jiyun-9,9号楼,6,101,1,4
jiyun-9,9号楼,6,101,1,4
jiyun-9,9号楼,6,102,9,4
jiyun-9,9号楼,6,103,1,25
jiyun-9,9号楼,6,104,1,两
坏 代码,x,1,1,1,1
jiyun-11,,,101,1,2
jiyun-9,另一个名字,6,105,1,2
"""


@pytest.mark.django_db
def test_import_with_bad_rows_writes_nothing_and_names_each_row(orgs, personas):
    result = housing_import.import_housing(
        _csv(BAD), "bad.csv", actor=personas["site_staff"], organisation=orgs["xiapu"]
    )
    assert result.outcome == "refused" and not result.written
    assert not Building.objects.exists() and not Apartment.objects.exists()
    by_row = {row: (column, reason) for row, column, reason in result.errors}
    assert by_row[3][0] == "房号"  # the same apartment twice
    assert by_row[4][0] == "楼层"  # floor 9 of 6
    assert by_row[5][0] == "可住人数"  # 25 persons
    assert by_row[6][0] == "可住人数"  # not a number
    assert by_row[7][0] == "楼栋编号"  # not a code
    assert by_row[8][0] == "楼栋名称"  # a new building without a name
    assert by_row[9][0] == "楼栋名称"  # another name for the same building
    assert 2 not in by_row
    assert not AuditLog.objects.filter(action__startswith="building.").exists()


@pytest.mark.django_db
def test_import_refuses_what_is_not_a_housing_file_with_a_reason(orgs, personas):
    staff = personas["site_staff"]
    for data, name in (
        (b"\x00\x01\x02 not a sheet", "h.csv"),
        (b"PK\x03\x04 broken zip", "h.xlsx"),
        ("姓名,手机号\n张三,13900000000\n".encode(), "roster.csv"),
        (b"", "empty.csv"),
    ):
        with pytest.raises(DomainError) as caught:
            housing_import.import_housing(data, name, actor=staff, organisation=orgs["xiapu"])
        assert caught.value.status == 400 and caught.value.extra["field"] == "file"
    assert not Building.objects.exists()


@pytest.mark.django_db
def test_import_refuses_a_building_of_another_area_and_a_capacity_below_the_household(
    orgs, personas, building
):
    staff = personas["site_staff"]
    apartment = housing.create_apartment(building, actor=staff, number="101", capacity=4)
    driver = make_driver(orgs["xiapu"])
    _family(driver, "spouse", "child")
    actions.allocate_apartment(apartment, driver, actor=staff)
    result = housing_import.import_housing(
        _csv("楼栋编号,房号,可住人数\nb1,101,2\n"), "h.csv", actor=staff, organisation=None
    )
    assert result.errors == [[2, "可住人数", result.errors[0][2]]]
    result = housing_import.import_housing(
        _csv("楼栋编号,房号\nb1,102\n"),
        "h.csv",
        actor=personas["guoju_staff"],
        organisation=orgs["guoju"],
    )
    assert result.errors[0][1] == "楼栋编号"
    assert not Apartment.objects.filter(number="102").exists()


@pytest.mark.django_db
def test_import_reads_the_template_workbook(orgs, personas):
    result = housing_import.import_housing(
        housing_import.template_xlsx(),
        "template.xlsx",
        actor=personas["site_staff"],
        organisation=orgs["xiapu"],
    )
    assert result.outcome == "imported", result.errors
    assert Building.objects.get(code="jiyun-1").apartments.count() == 2


# --- pages and API ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_manage_housing_from_the_pages(client_for, orgs, personas):
    client = client_for("site_staff")
    response = client.post(
        "/console/drivers/apartments/buildings/new/",
        {"code": "p1", "name": "页面楼", "organisation": orgs["xiapu"].pk, "floors": 2},
    )
    assert response.status_code == 302
    response = client.post(
        "/console/drivers/apartments/buildings/p1/apartments/new/",
        {"number": "101", "floor": 1, "capacity": 2},
    )
    assert response.status_code == 302
    apartment = Apartment.objects.get(building__code="p1", number="101")
    # Floor 3 of a 2-floor building: the form says why, nothing changes.
    response = client.post(
        f"/console/drivers/apartments/{apartment.public_id}/edit/",
        {"number": "101", "floor": 3, "capacity": 2},
    )
    assert response.status_code == 200
    apartment.refresh_from_db()
    assert apartment.floor == 1
    response = client.post(
        f"/console/drivers/apartments/{apartment.public_id}/service/",
        {"out_of_service": "1", "reason": "维修"},
    )
    assert response.status_code == 302
    apartment.refresh_from_db()
    assert apartment.out_of_service
    page = client.get("/console/drivers/apartments/buildings/").content.decode()
    assert "页面楼" in page
    detail = client.get("/console/drivers/apartments/buildings/p1/").content.decode()
    assert "101" in detail
    upload = SimpleUploadedFile("h.csv", _csv(GOOD), "text/csv")
    response = client.post(
        "/console/drivers/apartments/buildings/import/",
        {"file": upload, "organisation": orgs["xiapu"].pk},
    )
    assert response.status_code == 200
    assert Building.objects.filter(code="jiyun-9").exists()
    upload = SimpleUploadedFile("bad.csv", _csv(BAD), "text/csv")
    response = client.post(
        "/console/drivers/apartments/buildings/import/",
        {"file": upload, "organisation": orgs["xiapu"].pk},
    )
    assert response.status_code == 400
    assert "另一个名字" not in response.content.decode()  # reasons, not the cell's text
    assert not Apartment.objects.filter(number="105").exists()


@pytest.mark.django_db
def test_housing_through_the_api(api, orgs, personas):
    client = api("site_staff")
    reply = client.post(
        "/api/v1/buildings",
        {"code": "api-1", "name": "接口楼", "organisation": orgs["xiapu"].code, "floors": 4},
        content_type="application/json",
    )
    assert reply.status_code == 201, reply.content
    assert reply.json()["in_service"] == 0
    reply = client.post(
        "/api/v1/buildings/api-1/apartments",
        {"number": "101", "floor": 1, "capacity": 2},
        content_type="application/json",
    )
    assert reply.status_code == 201
    public_id = reply.json()["public_id"]
    # Over the limits: 400 naming the field.
    reply = client.post(
        "/api/v1/buildings/api-1/apartments",
        {"number": "102", "capacity": 99},
        content_type="application/json",
    )
    assert reply.status_code == 400 and reply.json()["errors"][0]["loc"][-1] == "capacity"
    reply = client.post(
        "/api/v1/buildings/api-1/apartments",
        {"number": "101"},
        content_type="application/json",
    )
    assert reply.status_code == 409 and reply.json()["code"] == "duplicate_apartment"
    # A household of three does not fit an apartment for two: 409 with the reason.
    driver = make_driver(orgs["xiapu"])
    _family(driver, "spouse", "child")
    reply = client.post(
        f"/api/v1/apartments/{public_id}/allocate",
        {"driver": driver.phone},
        content_type="application/json",
    )
    assert reply.status_code == 409 and reply.json()["code"] == "over_capacity"
    reply = client.patch(
        f"/api/v1/apartments/{public_id}", {"capacity": 3}, content_type="application/json"
    )
    assert reply.status_code == 200 and reply.json()["capacity"] == 3
    reply = client.post(
        f"/api/v1/apartments/{public_id}/allocate",
        {"driver": driver.phone},
        content_type="application/json",
    )
    assert reply.status_code == 201
    allocation = reply.json()["public_id"]
    assert client.get("/api/v1/apartments/" + public_id).json()["household"] == 3
    reply = client.post(
        "/api/v1/buildings/api-1/service",
        {"out_of_service": True},
        content_type="application/json",
    )
    assert reply.status_code == 409 and reply.json()["code"] == "occupied"
    reply = client.post(f"/api/v1/allocations/{allocation}/vacate?residence_type=local")
    assert reply.status_code == 200
    driver.refresh_from_db()
    assert driver.residence_type == "local"
    reply = client.post(
        "/api/v1/buildings/api-1/service",
        {"out_of_service": True, "reason": "翻修"},
        content_type="application/json",
    )
    assert reply.status_code == 200 and reply.json()["out_of_service"] is True
    reply = client.patch("/api/v1/buildings/api-1", {"floors": 0}, content_type="application/json")
    assert reply.status_code == 400
    listed = client.get("/api/v1/buildings").json()
    assert [b["code"] for b in listed] == ["api-1"]
    # Another district's staff: the building does not exist for him.
    assert api("outsider").get("/api/v1/buildings/api-1").status_code == 404


@pytest.mark.django_db
def test_import_through_the_api(api, orgs):
    client = api("site_staff")
    bad = io.BytesIO(_csv(BAD))
    bad.name = "bad.csv"
    reply = client.post("/api/v1/housing/import", {"file": bad, "organisation": orgs["xiapu"].code})
    assert reply.status_code == 400
    body = reply.json()
    assert body["code"] == "import_refused" and len(body["errors"]) == 7
    assert {"row", "column", "reason"} == set(body["errors"][0])
    good = io.BytesIO(_csv(GOOD))
    good.name = "good.csv"
    reply = client.post(
        "/api/v1/housing/import",
        {"file": good, "organisation": orgs["xiapu"].code, "dry_run": "true"},
    )
    assert reply.status_code == 200 and reply.json()["outcome"] == "checked"
    assert not Building.objects.exists()
    good.seek(0)
    reply = client.post("/api/v1/housing/import", {"file": good})
    assert reply.status_code == 200 and reply.json()["apartments_created"] == 3
    reply = client.post("/api/v1/housing/import", {"organisation": orgs["xiapu"].code})
    assert reply.status_code == 400 and reply.json()["code"] == "file_required"


@pytest.mark.django_db
def test_housing_pages_query_counts_do_not_grow_with_the_records(client_for, orgs, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = personas["site_staff"]
    client = client_for("site_staff")

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    first = housing.create_building(
        actor=staff, organisation=orgs["xiapu"], code="q1", name="q1", floors=5
    )
    for n in range(3):
        apartment = housing.create_apartment(first, actor=staff, number=f"10{n}")
        driver = make_driver(orgs["xiapu"], name=f"住户{n}")
        _family(driver, "spouse")
        actions.allocate_apartment(apartment, driver, actor=staff)
    few = (
        queries("/console/drivers/apartments/buildings/"),
        queries("/console/drivers/apartments/buildings/q1/"),
    )
    for b in range(4):
        building = housing.create_building(
            actor=staff, organisation=orgs["xiapu"], code=f"q{b + 2}", name="q", floors=5
        )
        housing.create_apartment(building, actor=staff, number="101")
    for n in range(6):
        apartment = housing.create_apartment(first, actor=staff, number=f"20{n}")
        driver = make_driver(orgs["xiapu"], name=f"新住户{n}")
        _family(driver, "child")
        actions.allocate_apartment(apartment, driver, actor=staff)
    many = (
        queries("/console/drivers/apartments/buildings/"),
        queries("/console/drivers/apartments/buildings/q1/"),
    )
    assert many == few
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/buildings").status_code == 200
    assert len(ctx.captured_queries) <= few[0]
