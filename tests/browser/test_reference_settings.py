"""The request settings and the accounts pages in a real browser (Chromium, headless).

An administrator adds a routing rule from the console at desktop size and finds it in the
list and in the audit log; the users page shows the staff accounts. Set
``DRIVERHOME_SCREENSHOT_DIR`` to keep a screenshot of each page.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, check_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="/usr/bin/chromium is missing"),
]


def _shot(page, name: str) -> None:
    folder = os.environ.get("DRIVERHOME_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"audited-{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_administrator_adds_a_routing_rule_from_the_console(open_page, platform, lang):
    page = open_page("admin", viewport="desktop", lang=lang)
    page.goto("/console/appeals/settings/")
    check_page(page, lang)
    assert page.locator("nav.tabs a").count() == 4  # routing, categories, limits, Open311 keys
    page.select_option("#id_category", index=3 if lang == "zh" else 4)  # one rule each
    page.select_option("#id_area", index=1)
    page.select_option("#id_unit", index=1)
    category = page.locator("#id_category option:checked").inner_text()
    with page.expect_navigation():
        page.click("section.card button[type=submit]")
    assert page.locator(".message").count() >= 1
    assert category in page.locator("table.data").inner_text()
    check_page(page, lang)
    _shot(page, f"routing-{lang}")

    page.goto("/accounts/audit/?action=routingrule.create")
    assert page.locator("table.data tbody tr").count() >= 1
    page.goto("/console/appeals/settings/categories/")
    check_page(page, lang)
    _shot(page, f"categories-{lang}")
    page.goto("/accounts/users/")
    check_page(page, lang)
    _shot(page, f"users-{lang}")
