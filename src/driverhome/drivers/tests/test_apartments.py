import pytest

from driverhome.core.errors import Conflict
from driverhome.drivers import actions, figures
from driverhome.drivers.models import Apartment, Building, FamilyMember

from .factories import make_driver


@pytest.fixture
def building(orgs):
    b = Building.objects.create(code="b1", name="1号楼", organisation=orgs["xiapu"])
    for n in range(3):
        Apartment.objects.create(building=b, number=f"10{n}")
    return b


@pytest.mark.django_db
def test_allocate_vacate_transfer_and_occupancy(building, orgs, personas):
    driver = make_driver(orgs["xiapu"])
    FamilyMember.objects.create(driver=driver, relation="spouse", name="李芳")
    first, second, _third = building.apartments.order_by("number")
    allocation = actions.allocate_apartment(first, driver, actor=personas["site_staff"])
    driver.refresh_from_db()
    assert driver.residence_type == "apartment"
    [row] = actions.occupancy(Building.objects.all())
    assert (row["total"], row["occupied"], row["free"], row["residents"]) == (3, 1, 2, 2)
    assert figures.apartments_occupied("/") == 1 and figures.apartments_total("/") == 3
    other = make_driver(orgs["xiapu"], name="李明")
    with pytest.raises(Conflict):
        actions.allocate_apartment(first, other, actor=None)
    moved = actions.transfer(allocation, second, actor=None)
    assert moved.apartment == second
    allocation.refresh_from_db()
    assert allocation.ended_on is not None
    actions.vacate(moved, actor=None, reason="回老家")
    with pytest.raises(Conflict):
        actions.vacate(moved, actor=None)
    assert figures.apartments_occupied("/") == 0


@pytest.mark.django_db
def test_waiting_list_in_order_and_cleared_on_allocation(building, orgs, client_for):
    a = make_driver(orgs["xiapu"], name="甲")
    b = make_driver(orgs["xiapu"], name="乙")
    actions.join_waiting_list(building, a, actor=None)
    actions.join_waiting_list(building, b, actor=None)
    with pytest.raises(Conflict):
        actions.join_waiting_list(building, a, actor=None)
    page = client_for("site_staff").get("/console/drivers/apartments/").content.decode()
    assert page.index("甲") < page.index("乙")
    apartment = building.apartments.first()
    response = client_for("site_staff").post(
        f"/console/drivers/apartments/{apartment.public_id}/", {"driver": a.phone}
    )
    assert response.status_code == 302
    assert a.waiting.get().status == "allocated"


@pytest.mark.django_db
def test_quick_demo_is_idempotent(django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    from driverhome.drivers.models import Driver

    out = StringIO()
    call_command("demo", "--quick", stdout=out)
    count = Driver.objects.count()
    assert count > 100
    assert Apartment.objects.count() == 40
    assert Driver.objects.filter(user__username="driver").exists()
    call_command("demo", "--quick", stdout=StringIO())
    assert Driver.objects.count() == count


@pytest.mark.django_db
def test_staff_move_a_household_from_the_page_and_the_api(
    building, orgs, personas, client_for, api
):
    driver = make_driver(orgs["xiapu"])
    first, second, third = building.apartments.order_by("number")
    allocation = actions.allocate_apartment(first, driver, actor=None)
    page = client_for("site_staff").get(f"/console/drivers/apartments/{first.public_id}/")
    assert f"/console/drivers/allocations/{allocation.public_id}/transfer/" in page.content.decode()
    response = client_for("site_staff").post(
        f"/console/drivers/allocations/{allocation.public_id}/transfer/",
        {"building": building.code, "number": second.number},
    )
    assert response.status_code == 302 and str(second.public_id) in response["Location"]
    moved = driver.allocations.get(ended_on__isnull=True)
    assert moved.apartment == second
    # A number that does not exist is a clear message, and nothing moves.
    response = client_for("site_staff").post(
        f"/console/drivers/allocations/{moved.public_id}/transfer/",
        {"building": building.code, "number": "no-such"},
        follow=True,
    )
    assert driver.allocations.get(ended_on__isnull=True).apartment == second
    assert response.status_code == 200
    # Through the API; an occupied target is a 409 and changes nothing.
    reply = api("site_staff").post(
        f"/api/v1/allocations/{moved.public_id}/transfer",
        {"apartment": str(third.public_id)},
        content_type="application/json",
    )
    assert reply.status_code == 201 and reply.json()["apartment"]
    now = driver.allocations.get(ended_on__isnull=True)
    assert now.apartment == third
    other = make_driver(orgs["xiapu"], name="王五")
    taken = actions.allocate_apartment(first, other, actor=None)
    reply = api("site_staff").post(
        f"/api/v1/allocations/{taken.public_id}/transfer",
        {"apartment": str(third.public_id)},
        content_type="application/json",
    )
    assert reply.status_code == 409
    assert other.allocations.get(ended_on__isnull=True).apartment == first
    # Outside the staff member's area the allocation does not exist.
    reply = api("outsider").post(
        f"/api/v1/allocations/{now.public_id}/transfer",
        {"apartment": str(second.public_id)},
        content_type="application/json",
    )
    assert reply.status_code == 404
