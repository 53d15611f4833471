"""Housing in a real browser (Chromium, headless) against gunicorn and the quick demo.

The Jiyun base's site manager opens the buildings with their occupancy, a building and its
apartments, and the import page; every page in Chinese and English, readable at phone and
desktop size, with no serious accessibility violation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, check_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="/usr/bin/chromium is missing"),
]


@pytest.mark.parametrize(("lang", "viewport"), [("zh", "desktop"), ("en", "phone")])
def test_site_manager_reads_the_buildings_and_a_building(open_page, lang, viewport):
    page = open_page("jiyun", viewport=viewport, lang=lang)
    page.goto("/console/drivers/apartments/buildings/")
    check_page(page, lang)
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 2  # the demo's two dormitory buildings
    with page.expect_navigation():
        page.click("a[href$='/buildings/jiyun-1/']")
    check_page(page, lang)
    assert page.locator("table.data tbody tr").count() >= 1
    page.goto("/console/drivers/apartments/buildings/import/")
    check_page(page, lang)
