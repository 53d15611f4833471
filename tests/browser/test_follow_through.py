"""His people follow his request all the way (全程跟进), in a real browser.

The demo driver files a request at a Driver's Home run by another organisation and adds a
photo while it is open; his care broker finds it on his worklist; the site dispatches it,
the unit accepts and answers; the driver rates it partly resolved and it stays open; the
broker sends it back; the unit answers again; the driver rates it resolved and it closes;
a staff member shows his phone with a reason and the access log has it. The same pages
are then walked in English. Phone size for the driver, desktop for staff.
"""

from __future__ import annotations

import io
import re

import pytest

from .conftest import check_page
from .test_journeys import act

pytestmark = pytest.mark.browser

STATION = "jiyun"  # run by the Jiyun logistics company; the driver's file is held in Xiapu


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (180, 40, 40)).save(out, "PNG")
    return out.getvalue()


def _status(platform, tracking_no) -> str:
    return platform.query(
        "SELECT status FROM appeals_appeal WHERE tracking_no = %s", (tracking_no,)
    )[0][0]


def _rate(page, resolved: str, score: int) -> None:
    page.locator(f"section.rating input[name=resolved][value='{resolved}']").check()
    page.locator(f"section.rating input[name=satisfaction][value='{score}']").check()
    with page.expect_navigation():
        page.click("section.rating button[type=submit]")


def test_his_people_follow_his_request_all_the_way(open_page, platform):
    # The demo driver's care broker works in Guoju, another sub-district than his file.
    platform.manage(
        "shell",
        "-c",
        "from driverhome.accounts.models import User; "
        "from driverhome.drivers.actions import assign_broker; "
        "from driverhome.drivers.models import Driver; "
        "assign_broker(Driver.objects.get(user__username='driver'), "
        "User.objects.get(username='broker'), actor=User.objects.get(username='xiapu'))",
    )

    # 1. He files a request at the Jiyun Driver's Home, then adds a photo while it is open.
    driver = open_page("driver", viewport="phone", lang="zh")
    driver.goto("/d/appeals/new/")
    options = driver.locator("select[name=category] option")
    value = next(v for v in options.evaluate_all("os => os.map(o => o.value)") if v)
    driver.select_option("select[name=category]", value)
    driver.select_option("select[name=station]", STATION)
    driver.fill("textarea[name=description]", "车队老板拖欠三个月运费，共一万二千元。")
    with driver.expect_navigation():
        driver.click("form[data-outbox] button[type=submit]")
    tracking_no = re.search(r"/d/appeals/([^/]+)/$", driver.url).group(1)
    (area,) = platform.query(
        "SELECT o.code FROM appeals_appeal a JOIN accounts_organisation o "
        "ON o.id = a.organisation_id WHERE a.tracking_no = %s",
        (tracking_no,),
    )[0]
    assert area == "kfq-logistics"
    assert "郑红霞" in driver.inner_text("main")  # the page names his broker
    driver.fill("#add textarea[name=text]", "补充一张欠条照片。")
    driver.set_input_files(
        "#add input[name=photos]",
        files=[{"name": "iou.png", "mimeType": "image/png", "buffer": _png()}],
    )
    with driver.expect_navigation():
        driver.click("#add button[type=submit]")
    check_page(driver, "zh")
    assert driver.locator(".photos img").count() == 1

    # 2. His broker finds it on his worklist, although it was filed outside his area.
    broker = open_page("broker", viewport="desktop", lang="zh")
    broker.goto("/console/")
    assert tracking_no in broker.inner_text("main")
    broker.goto(f"/console/appeals/{tracking_no}/")
    check_page(broker, "zh")
    assert broker.locator("form.action-form[action$='/act/dispatch/']").count() == 0

    # 3. The site dispatches it; the unit accepts and answers.
    site = open_page("jiyun", viewport="desktop", lang="zh")
    site.goto(f"/console/appeals/{tracking_no}/")
    act(site, "dispatch", lambda f: f.locator("select[name=unit]").select_option("beilun-hrss"))
    unit = open_page("labour", viewport="desktop", lang="zh")
    unit.goto(f"/console/appeals/{tracking_no}/")
    act(unit, "accept")
    act(unit, "answer", lambda f: f.locator("textarea[name=text]").fill("已约谈车队，先付一半。"))

    # 4. He rates it partly resolved: it stays open and waits for a decision.
    driver.goto(f"/d/appeals/{tracking_no}/")
    _rate(driver, "partly", 3)
    assert _status(platform, tracking_no) == "visited"
    check_page(driver, "zh")

    # 5. His broker sends it back; the unit answers again.
    broker.goto(f"/console/appeals/{tracking_no}/")
    act(broker, "rehandle", lambda f: f.locator("input[name=note]").fill("余款仍未支付"))
    assert _status(platform, tracking_no) == "handling"
    unit.goto(f"/console/appeals/{tracking_no}/")
    act(unit, "answer", lambda f: f.locator("textarea[name=text]").fill("余款已于今日付清。"))

    # 6. He rates it resolved, and it closes.
    driver.goto(f"/d/appeals/{tracking_no}/")
    _rate(driver, "yes", 4)
    assert _status(platform, tracking_no) == "closed"

    # 7. Staff show his phone with a reason; the access log has it.
    site.goto(f"/console/appeals/{tracking_no}/")
    site.fill(".reveal-form input[name=reason]", "回访核实")
    site.click(".reveal-form button")
    site.wait_for_selector("#reveal-phone a[href^='tel:']")
    logged = platform.query(
        "SELECT l.field, l.reason, l.sealed FROM accounts_accesslog l JOIN accounts_user u "
        "ON u.id = l.actor_id WHERE u.username = 'jiyun'"
    )
    # About the driver: the reason is sealed under his personal key, nothing of it in clear.
    assert any(f == "phone" and r == "" and sealed for f, r, sealed in logged), logged

    # 8. The same pages in English.
    english = open_page("driver", viewport="phone", lang="en")
    english.goto(f"/d/appeals/{tracking_no}/")
    check_page(english, "en")
    assert "Not solved after all?" in english.inner_text("main")
    for persona in ("broker", "jiyun"):
        page = open_page(persona, viewport="desktop", lang="en")
        page.goto(f"/console/appeals/{tracking_no}/")
        check_page(page, "en")
