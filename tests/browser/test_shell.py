"""The two shells in a real browser: login, driver home, console home, language switch, audit log."""

from __future__ import annotations

import pytest

from .conftest import check_accessibility, check_page

MATRIX = [(lang, viewport) for lang in ("zh", "en") for viewport in ("phone", "desktop")]

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("lang", "viewport"), MATRIX)
def test_anonymous_driver_home(open_page, lang, viewport):
    page = open_page(None, viewport=viewport, lang=lang)
    page.goto("/")
    check_page(page, lang)
    tiles = page.locator("nav.tiles a")
    assert tiles.count() >= 4
    assert page.locator('link[rel="manifest"]').count() == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_login_with_the_keyboard_only(open_page, platform, lang):
    page = open_page(None, lang=lang)
    page.goto("/accounts/login/")
    check_page(page, lang)
    # The username field has focus; type, Tab to the password, Enter submits.
    assert page.evaluate("document.activeElement.name") == "username"
    page.keyboard.type("broker")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "password"
    page.keyboard.type(platform.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/console/")


def test_wrong_password_is_announced(open_page):
    page = open_page(None, lang="en")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "broker")
    page.fill("input[name=password]", "not the password")
    page.click("form button[type=submit]")
    alert = page.locator('[role="alert"]')
    assert "wrong" in alert.inner_text()
    check_accessibility(page)


def test_skip_link_is_the_first_tab_stop_and_visible(open_page):
    page = open_page("driver", lang="zh")
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const el = document.activeElement; const r = el.getBoundingClientRect();"
        " return {cls: el.className, href: el.getAttribute('href'), left: r.left,"
        " outline: getComputedStyle(el).outlineStyle}; }"
    )
    assert focused["cls"] == "skip-link" and focused["href"] == "#main"
    assert focused["left"] >= 0  # shown on screen when focused
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


@pytest.mark.parametrize(("lang", "viewport"), MATRIX)
def test_logged_in_driver_home(open_page, lang, viewport):
    page = open_page("driver", viewport=viewport, lang=lang)
    page.goto("/")
    check_page(page, lang)
    # Sites, new request, my requests, events, my services, my file, my messages
    assert page.locator("nav.tiles a").count() == 7


@pytest.mark.parametrize(("lang", "viewport"), MATRIX)
def test_console_home_for_a_supervisor(open_page, lang, viewport):
    page = open_page("supervisor", viewport=viewport, lang=lang)
    page.goto("/console/")
    check_page(page, lang)
    menu = page.locator("nav.console-nav a")
    assert menu.count() >= 5


def test_language_switch_keeps_the_page(open_page):
    page = open_page("broker", viewport="desktop", lang="zh")
    page.goto("/console/")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    with page.expect_navigation():
        page.click("form.lang-switch button")
    assert page.url.endswith("/console/")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "Log out" in page.inner_text("header")
    with page.expect_navigation():
        page.click("form.lang-switch button")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_audit_log_filters(open_page, lang):
    page = open_page("supervisor", viewport="desktop", lang=lang)
    page.goto("/accounts/audit/")
    check_page(page, lang)
    rows = page.locator("table tbody tr")
    assert rows.count() > 0
    page.fill("input[name=action]", "appeal.")
    with page.expect_navigation():
        page.locator("input[name=action]").press("Enter")
    actions = page.locator("table tbody tr td:nth-child(3)").all_inner_texts()
    assert actions and all(a.strip().startswith("appeal.") for a in actions), actions[:5]


def test_logout_returns_to_the_driver_site(open_page, platform):
    # A login of its own: logging out ends the session other tests reuse for the broker.
    page = open_page(None, viewport="desktop", lang="en")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "broker")
    page.fill("input[name=password]", platform.password)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    page.goto("/console/")
    assert "/accounts/login/" not in page.url
    with page.expect_navigation():
        page.click("text=Log out")
    page.goto("/console/")
    assert "/accounts/login/" in page.url
