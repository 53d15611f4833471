"""The main journeys, end to end in a real browser, in Chinese and English, phone and desktop.

A driver finds a Driver's Home and checks in with the poster's QR code; files a request
that a care broker dispatches, a handling unit accepts and answers, and the driver
rates (the return visit); signs up for a market. A supervisor reads the dashboard.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from driverhome.events.models import Event

from .conftest import check_accessibility, check_page

LANGS = ["zh", "en"]

pytestmark = pytest.mark.browser


def driver_file_id(platform) -> int:
    (row,) = platform.query(
        "SELECT d.id FROM drivers_driver d JOIN accounts_user u ON u.id = d.user_id "
        "WHERE u.username = 'driver'"
    )
    return row[0]


# --- a driver finds a site and checks in ----------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_driver_finds_a_site_and_checks_in(open_page, platform, lang):
    page = open_page("driver", viewport="phone", lang=lang)
    page.goto("/d/stations/")
    check_page(page, lang)
    results = page.locator("a.result-name")
    assert results.count() >= 2
    with page.expect_navigation():
        results.first.click()
    code = page.url.rstrip("/").rsplit("/", 1)[-1]
    check_page(page, lang)

    # The driver scans the QR code on the site's poster.
    (key,) = platform.query("SELECT checkin_key FROM stations_station WHERE code = %s", (code,))[0]
    driver = driver_file_id(platform)
    today = "SELECT COUNT(*) FROM stations_checkin WHERE driver_id = %s AND station_id = (SELECT id FROM stations_station WHERE code = %s)"
    before = platform.query(today, (driver, code))[0][0]
    page.goto(f"/d/stations/{code}/check-in/{key}/")
    check_page(page, lang)
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    assert page.url.rstrip("/").endswith(f"/d/stations/{code}")
    assert page.locator(".messages, [role=status], .message").count() >= 1
    after = platform.query(today, (driver, code))[0][0]
    assert after in (before, before + 1) and after >= 1  # one visit a day, never twice


def test_wrong_qr_key_is_not_found(open_page, platform):
    page = open_page("driver", viewport="phone", lang="zh")
    (code,) = platform.query("SELECT code FROM stations_station ORDER BY id LIMIT 1")[0]
    response = page.goto(f"/d/stations/{code}/check-in/not-the-key/")
    assert response.status == 404


# --- the closed loop: file, dispatch, accept, answer, rate ----------------------------------------------


def act(page, action: str, fill=None) -> None:
    form = page.locator(f"form.action-form[action$='/act/{action}/']")
    assert form.count() == 1, f"no '{action}' action on {page.url}"
    if fill:
        fill(form)
    with page.expect_navigation():
        form.locator("button[type=submit]").first.click()


@pytest.mark.parametrize(("lang", "viewport"), [("zh", "phone"), ("en", "desktop")])
def test_request_loop_from_phone_to_answer_and_rating(open_page, platform, lang, viewport):
    # 1. The driver files a request on his phone.
    driver = open_page("driver", viewport="phone", lang=lang)
    driver.goto("/d/appeals/new/")
    check_page(driver, lang)
    options = driver.locator("select[name=category] option")
    value = next(v for v in options.evaluate_all("os => os.map(o => o.value)") if v)
    driver.select_option("select[name=category]", value)
    driver.fill("textarea[name=description]", "运费拖欠两个月，公司不接电话。")
    with driver.expect_navigation():
        driver.click("form[data-outbox] button[type=submit]")
    match = re.search(r"/d/appeals/([^/]+)/$", driver.url)
    assert match, driver.url
    tracking_no = match.group(1)
    # The copy the outbox kept in case the post was lost leaves it unsent: nothing "waiting".
    driver.wait_for_function("driverhomeOutbox.all().then(items => items.length === 0)")
    assert driver.locator("#outbox-status").count() == 0
    check_page(driver, lang)
    driver.goto("/d/appeals/")
    assert tracking_no in driver.inner_text("main")

    # 2. The care broker finds it on his worklist and dispatches it to the labour bureau.
    broker = open_page("broker2", viewport=viewport, lang=lang)
    broker.goto("/console/")
    check_page(broker, lang)
    broker.goto(f"/console/appeals/{tracking_no}/")
    check_page(broker, lang)
    act(broker, "dispatch", lambda f: f.locator("select[name=unit]").select_option("beilun-hrss"))
    assert "/console/appeals/" in broker.url

    # 3. The handling unit accepts and answers.
    unit = open_page("labour", viewport=viewport, lang=lang)
    unit.goto("/console/appeals/")
    check_page(unit, lang)
    assert tracking_no in unit.inner_text("main")
    unit.goto(f"/console/appeals/{tracking_no}/")
    act(unit, "accept")
    act(
        unit,
        "answer",
        lambda f: f.locator("textarea[name=text]").fill("已联系企业，运费本周内结清。"),
    )
    check_page(unit, lang)
    (status,) = platform.query(
        "SELECT status FROM appeals_appeal WHERE tracking_no = %s", (tracking_no,)
    )[0]
    assert status == "answered"

    # 4. The driver reads the answer and rates it: the return visit.
    driver.goto(f"/d/appeals/{tracking_no}/")
    assert "运费本周内结清" in driver.inner_text("main")
    check_accessibility(driver)
    driver.locator("section.rating input[name=resolved]").first.check()
    driver.locator("section.rating input[name=satisfaction][value='5']").check()
    with driver.expect_navigation():
        driver.click("section.rating button[type=submit]")
    (status,) = platform.query(
        "SELECT status FROM appeals_appeal WHERE tracking_no = %s", (tracking_no,)
    )[0]
    assert status in ("visited", "closed")
    visits = platform.query(
        "SELECT satisfaction FROM appeals_returnvisit WHERE appeal_id = "
        "(SELECT id FROM appeals_appeal WHERE tracking_no = %s)",
        (tracking_no,),
    )
    assert visits == [(5,)]


def test_request_form_resent_with_its_key_is_stored_once(open_page, platform):
    """A retry of the same form (weak signal) files nothing twice."""
    page = open_page("driver", viewport="phone", lang="zh")
    page.goto("/d/appeals/new/")
    key = page.locator("input[name=idempotency_key]").input_value()
    value = next(
        v
        for v in page.locator("select[name=category] option").evaluate_all(
            "os => os.map(o => o.value)"
        )
        if v
    )
    page.select_option("select[name=category]", value)
    page.fill("textarea[name=description]", "夜里停车场没有灯。")
    form = {
        "idempotency_key": key,
        "category": value,
        "description": "夜里停车场没有灯。",
        "csrfmiddlewaretoken": page.locator(
            "form[data-outbox] input[name=csrfmiddlewaretoken]"
        ).input_value(),
    }
    first = page.request.post("/d/appeals/new/", form=form, max_redirects=0)
    second = page.request.post("/d/appeals/new/", form=form, max_redirects=0)
    assert first.status == second.status == 302
    assert first.headers["location"] == second.headers["location"]
    count = platform.query(
        "SELECT COUNT(*) FROM appeals_appeal WHERE description = %s", ("夜里停车场没有灯。",)
    )[0][0]
    assert count == 1


# --- a driver signs up for a market -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_driver_signs_up_for_a_market(open_page, platform, lang):
    page = open_page("driver", viewport="phone", lang=lang)
    page.on("dialog", lambda dialog: dialog.accept())  # "Cancel your registration?"
    page.goto("/d/events/")
    check_page(page, lang)
    driver = driver_file_id(platform)
    codes = platform.rows(
        Event.objects.filter(kind="market", status="scheduled", starts_at__gt=timezone.now())
        .order_by("starts_at")
        .values_list("code", flat=True)
    )
    assert codes, "the demo has no upcoming market"
    code = codes[0]
    state = (
        "SELECT status FROM events_registration WHERE driver_id = %s AND event_id = "
        "(SELECT id FROM events_event WHERE code = %s)"
    )
    page.goto(f"/d/events/{code}/")
    check_page(page, lang)
    cancel = page.locator(f"form[action$='/d/events/{code}/cancel/'] button")
    if cancel.count():  # already signed up (the demo, or the other language's run): cancel first
        with page.expect_navigation():
            cancel.click()
        assert [s for (s,) in platform.query(state, (driver, code)) if s != "cancelled"] == []
    with page.expect_navigation():
        page.click(f"form[action$='/d/events/{code}/register/'] button[type=submit]")
    statuses = [s for (s,) in platform.query(state, (driver, code)) if s != "cancelled"]
    assert len(statuses) == 1 and statuses[0] in ("pending", "confirmed", "waitlisted")
    page.goto("/d/events/mine/")
    check_page(page, lang)
    assert page.locator(f"a[href*='/d/events/{code}/']").count() >= 1


# --- a supervisor reads the dashboard -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "viewport"), [("zh", "desktop"), ("en", "desktop"), ("zh", "phone")]
)
def test_supervisor_reads_the_dashboard(open_page, lang, viewport):
    page = open_page("supervisor", viewport=viewport, lang=lang)
    page.goto("/console/dashboard/")
    check_page(page, lang)
    drill = page.locator("a[href*='/console/dashboard/figures/']")
    assert drill.count() >= 5
    with page.expect_navigation():
        drill.first.click()
    check_page(page, lang)


def test_outsider_cannot_open_beilun_requests(open_page, platform):
    (tracking_no,) = platform.query("SELECT tracking_no FROM appeals_appeal ORDER BY id LIMIT 1")[0]
    page = open_page("zhenhai", viewport="desktop", lang="en")
    response = page.goto(f"/console/appeals/{tracking_no}/")
    assert response.status == 404
