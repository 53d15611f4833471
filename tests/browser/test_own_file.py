"""His own file, kept from his phone; staff find him by a part of the plate.

The demo driver adds a vehicle from his phone (390×844), corrects it and adds a family
member whose ID number waits for staff; a member of staff then finds him at the desktop by
four lower-case characters of the new plate, typed without the province character, in the
picker of the apartment page and in the drivers list. Chinese, then English.
"""

from __future__ import annotations

from datetime import date

import pytest

from driverhome.core import idnumber

from .conftest import check_page

pytestmark = pytest.mark.browser

SHOTS = "/tmp/people-{}.png"


def _plates(platform) -> list[str]:
    return [
        row[0]
        for row in platform.query(
            "SELECT v.plate FROM drivers_vehicle v JOIN drivers_driver d ON d.id = v.driver_id "
            "JOIN accounts_user u ON u.id = d.user_id WHERE u.username = %s ORDER BY v.id",
            ("driver",),
        )
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_driver_adds_a_vehicle_from_his_phone_and_staff_find_him_by_its_plate(
    open_page, platform, lang
):
    plate = "浙B8K321" if lang == "zh" else "浙B8K322"
    driver = open_page("driver", viewport="phone", lang=lang)
    driver.goto("/d/drivers/")
    check_page(driver, lang)
    with driver.expect_navigation():
        driver.click("a[href='/d/drivers/vehicles/new/']")
    driver.fill("input[name=plate]", plate.lower().replace("浙", "浙 "))
    driver.select_option("select[name=truck_type]", "box")
    driver.select_option("select[name=ownership]", "own")
    driver.screenshot(path=SHOTS.format(f"vehicle-form-{lang}"), full_page=True)
    check_page(driver, lang)
    with driver.expect_navigation():
        driver.click("form.self-form button[type=submit]")
    assert plate in _plates(platform)
    main = driver.inner_text("main")
    assert plate in main
    driver.locator("#vehicles").scroll_into_view_if_needed()
    driver.screenshot(path=SHOTS.format(f"my-file-{lang}"), full_page=True)
    check_page(driver, lang)

    # He corrects it: a box truck after all is a flatbed.
    with driver.expect_navigation():
        driver.click(f"#vehicles a:has-text('{plate}')")
    driver.select_option("select[name=truck_type]", "flatbed")
    with driver.expect_navigation():
        driver.click("form.self-form button[type=submit]")
    (truck_type,) = platform.query(
        "SELECT truck_type FROM drivers_vehicle WHERE plate = %s", (plate,)
    )[0]
    assert truck_type == "flatbed"

    # He adds his daughter; the ID number he gives waits for staff.
    child = "卜小雨" if lang == "zh" else "卜小雪"
    with driver.expect_navigation():
        driver.click("a[href='/d/drivers/family/new/']")
    driver.select_option("select[name=relation]", "child")
    driver.fill("input[name=name]", child)
    driver.fill("input[name=birth_date]", "2017-09-01")
    driver.fill(
        "input[name=id_number]",
        idnumber.make("330206", date(2017, 9, 1), 20 if lang == "zh" else 22),
    )
    driver.screenshot(path=SHOTS.format(f"family-form-{lang}"), full_page=True)
    check_page(driver, lang)
    with driver.expect_navigation():
        driver.click("form.self-form button[type=submit]")
    row = driver.locator("#family li", has_text=child)
    assert row.locator(".badge-amber").count() == 1  # ID number awaiting confirmation
    (pending,) = platform.query(
        "SELECT c.status FROM drivers_correctionrequest c JOIN drivers_familymember m "
        "ON m.id = c.family_member_id WHERE m.name = %s",
        (child,),
    )[0]
    assert pending == "pending"
    driver.screenshot(path=SHOTS.format(f"family-{lang}"))

    # A member of staff finds him by four characters of the plate, lower case, no province.
    part = plate[2:6].lower()
    staff = open_page("xiapu", viewport="desktop", lang=lang)
    staff.goto(f"/console/drivers/?q={part}")
    (name,) = platform.query(
        "SELECT d.name FROM drivers_driver d JOIN accounts_user u ON u.id = d.user_id "
        "WHERE u.username = %s",
        ("driver",),
    )[0]
    assert name in staff.inner_text("main")
    staff.goto("/console/drivers/apartments/")
    box = staff.locator("input[name=driver]")
    box.fill(part)
    option = staff.locator(".picker-option", has_text=name)
    option.wait_for()
    staff.screenshot(path=SHOTS.format(f"picker-{lang}"), full_page=True)
    check_page(staff, lang)

    # On his file page the member of staff corrects the child's school, then removes her.
    staff.goto(f"/console/drivers/?q={part}")
    with staff.expect_navigation():
        staff.click(f"main a:has-text('{name}')")
    with staff.expect_navigation():
        staff.locator("tr", has_text=child).locator("a").click()
    assert staff.input_value("input[name=birth_date]") == "2017-09-01"  # kept, not blanked
    staff.fill("input[name=school]", "霞浦学校")
    staff.screenshot(path=SHOTS.format(f"staff-family-{lang}"), full_page=True)
    check_page(staff, lang)
    with staff.expect_navigation():
        staff.click("main form.card button[type=submit] >> nth=0")
    assert platform.query("SELECT school FROM drivers_familymember WHERE name = %s", (child,)) == [
        ("霞浦学校",)
    ]
    with staff.expect_navigation():
        staff.locator("tr", has_text=child).locator("a").click()
    staff.on("dialog", lambda dialog: dialog.accept())
    with staff.expect_navigation():
        staff.click("form[action$='/remove/'] button")
    assert platform.query("SELECT id FROM drivers_familymember WHERE name = %s", (child,)) == []
    assert staff.locator("tr", has_text=child).count() == 0  # gone from the family table
