"""Finding people: plate search in every form, one picker, and an empty result that says why."""

import pytest
from django.utils import translation

from driverhome.drivers import actions, picker
from driverhome.drivers.models import Driver
from driverhome.drivers.search import classify, find_drivers, nothing_found

from .factories import make_driver


@pytest.fixture
def zhang(orgs):
    driver = make_driver(orgs["xiapu"], name="张伟", phone="13912345678")
    actions.add_vehicle(driver, actor=None, plate="浙B7A123")
    return driver


@pytest.fixture
def li(orgs):
    driver = make_driver(orgs["xiapu"], name="李明", phone="13800005555")
    actions.add_vehicle(driver, actor=None, plate="浙BD98765")
    return driver


def _found(user, text):
    return list(find_drivers(Driver.objects.for_user(user).active(), text))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "浙B7A123",  # the whole plate
        "B7A123",  # without the province character
        "b7a123",  # in lower case
        "b7a1",  # a part of four characters, from the start
        "7A12",  # a part of four characters, in the middle
        "A123",  # the end
        "7a123",  # the end, lower case
        "B 7A-123",  # with the spaces and dashes people type
    ],
)
def test_a_plate_is_found_without_its_province_in_any_case_and_by_parts(personas, zhang, li, text):
    assert _found(personas["supervisor"], text) == [zhang], text


@pytest.mark.django_db
def test_last_digits_find_the_plate_and_four_digits_also_the_phone(personas, zhang, li):
    assert _found(personas["supervisor"], "98765") == [li]  # last five digits of a plate
    assert _found(personas["supervisor"], "8765") == [li]  # four: end of the plate
    assert _found(personas["supervisor"], "5555") == [li]  # four: end of the mobile number
    assert _found(personas["supervisor"], "5678") == [zhang]


@pytest.mark.django_db
def test_new_energy_plate_found_by_its_tail(personas, zhang, li):
    assert _found(personas["supervisor"], "bd98765") == [li]
    assert _found(personas["supervisor"], "D987") == [li]


@pytest.mark.django_db
def test_a_short_part_finds_nothing_and_says_it_is_too_short(personas, zhang):
    assert classify("B7A") == ("short", "B7A")
    assert _found(personas["supervisor"], "B7A") == []
    with translation.override("en"):
        assert "too short" in nothing_found("B7A")


@pytest.mark.django_db
def test_name_pinyin_initials_phone_and_id(personas, zhang, li):
    for text in ("张伟", "张", "zhangwei", "ZhangWei", "zw", "13912345678", zhang.id_number):
        assert _found(personas["supervisor"], text) == [zhang], text


@pytest.mark.django_db
def test_search_stays_in_scope(personas, zhang, orgs):
    far = make_driver(orgs["other_sub"], name="张伟")
    actions.add_vehicle(far, actor=None, plate="浙B7A124")
    assert _found(personas["site_staff"], "7A12") == [zhang]
    assert _found(personas["outsider"], "7A12") == [far]


@translation.override("en")
def test_nothing_found_names_what_was_searched_and_how():
    with_plate = nothing_found("b7a999")
    assert "b7a999" in with_plate and "plate" in with_plate
    assert "name" in nothing_found("王五")
    assert "pinyin" in nothing_found("wangwu")
    assert "mobile" in nothing_found("13900000000")
    assert "last 4 digits" in nothing_found("0000")
    assert "neither" in nothing_found("13900000")  # not "not in your area": it is a bad number
    for message in (with_plate, nothing_found("王五")):
        assert "area" not in message


# --- the picker -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_resolve_picks_one_match_lists_several_and_explains_none(personas, zhang, li, orgs):
    staff = personas["site_staff"]
    assert picker.resolve(staff, "zhangwei").driver == zhang
    assert picker.resolve(staff, "b7a123").driver == zhang
    twin = make_driver(orgs["xiapu"], name="张伟")
    several = picker.resolve(staff, "张伟")
    assert several.driver is None
    assert set(several.candidates) == {zhang, twin}
    assert "2" in several.message
    chosen = picker.resolve(staff, "张伟", picked=str(twin.public_id))
    assert chosen.driver == twin
    nobody = picker.resolve(staff, "王五")
    assert nobody.driver is None and "王五" in nobody.message


@pytest.mark.django_db
def test_resolve_refuses_a_chosen_file_outside_the_scope(personas, orgs):
    far = make_driver(orgs["other_sub"], name="赵六")
    picked = picker.resolve(personas["site_staff"], "", picked=str(far.public_id))
    assert picked.driver is None and picked.message


@pytest.mark.django_db
def test_pick_endpoint_lists_the_matching_files_as_choices(client_for, zhang, li):
    response = client_for("site_staff").get(
        "/console/drivers/pick/", {"field": "driver", "driver": "b7a1"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "张伟" in body and "李明" not in body
    assert f'name="driver_pick" value="{zhang.public_id}"' in body
    assert "13912345678" not in body  # only the last four digits


@pytest.mark.django_db
def test_pick_endpoint_says_what_was_searched_when_nothing_matches(client_for, zhang):
    body = (
        client_for("site_staff")
        .get("/console/drivers/pick/", {"field": "q", "q": "wangwu", "submit": "1"})
        .content.decode()
    )
    assert "wangwu" in body and "picker-option" not in body


@pytest.mark.django_db
def test_pick_endpoint_refuses_an_odd_field_name_and_drivers(client_for, zhang):
    assert (
        client_for("site_staff").get("/console/drivers/pick/", {"field": "a b"}).status_code == 400
    )
    response = client_for("driver").get("/console/drivers/pick/", {"field": "q", "q": "张"})
    assert response.status_code in (302, 404)


@pytest.mark.django_db
def test_service_record_form_takes_a_name(client_for, zhang, personas):
    from driverhome.services.catalogue import load_default_catalogue
    from driverhome.services.models import ServiceItem, ServiceRecord

    load_default_catalogue()
    item = ServiceItem.objects.filter(is_active=True).first()
    client = client_for("site_staff")
    data = {
        "driver": "张伟",
        "item": item.pk,
        "delivered_at": "2026-01-05T10:00",
        "outcome": ServiceRecord.Outcome.values[0],
    }
    response = client.post("/console/services/records/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ServiceRecord.objects.filter(driver=zhang, item=item).exists()


@pytest.mark.django_db
def test_service_record_form_says_what_was_searched(client_for, zhang):
    from driverhome.services.catalogue import load_default_catalogue
    from driverhome.services.models import ServiceItem, ServiceRecord

    load_default_catalogue()
    item = ServiceItem.objects.filter(is_active=True).first()
    response = client_for("site_staff").post(
        "/console/services/records/new/",
        {
            "driver": "王五",
            "item": item.pk,
            "delivered_at": "2026-01-05T10:00",
            "outcome": ServiceRecord.Outcome.values[0],
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "王五" in body
    assert not ServiceRecord.objects.exists()


@pytest.mark.django_db
def test_apartment_allocation_takes_a_plate_without_province(client_for, zhang, orgs):
    from driverhome.drivers.models import Allocation, Apartment, Building

    building = Building.objects.create(code="t-b9", name="9号楼", organisation=orgs["xiapu"])
    apartment = Apartment.objects.create(building=building, number="101")
    response = client_for("site_staff").post(
        f"/console/drivers/apartments/{apartment.public_id}/", {"driver": "b7a123"}
    )
    assert response.status_code == 302
    assert Allocation.objects.get(apartment=apartment).driver == zhang
