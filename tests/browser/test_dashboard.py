"""The dashboard in a real browser (Chromium, headless) against gunicorn and the quick demo.

A supervisor narrows the dashboard to a sub-district and a quarter, drills down to an
overdue request and downloads the monthly report; a site manager sees only his own
area. Uses the shared browser fixtures of ``tests/browser/conftest.py`` (one Chromium for
every browser test of the run).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, check_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="/usr/bin/chromium is missing"),
]


@pytest.mark.parametrize(("lang", "viewport"), [("zh", "desktop"), ("en", "phone")])
def test_supervisor_narrows_drills_down_and_downloads_the_report(open_page, lang, viewport):  # noqa: F811
    page = open_page("supervisor", viewport=viewport, lang=lang)
    page.goto("/console/dashboard/")
    check_page(page, lang)
    # The charts are drawn by ECharts from the page's JSON (canvas inside the chart boxes).
    page.wait_for_selector(".dash-chart canvas")

    with page.expect_navigation():
        page.select_option("#dash-org", "guoju")
    assert "org=guoju" in page.url
    with page.expect_navigation():
        page.select_option("#dash-period", "quarter")
    assert "org=guoju" in page.url and "period=quarter" in page.url
    assert "郭巨街道" in page.locator("h1").inner_text()  # the area's name, in any language

    # Back to the whole district, all time, and down to one overdue request.
    page.goto("/console/dashboard/?org=beilun")
    with page.expect_navigation():
        page.click('a[data-figure="requests_overdue"]')
    assert "/figures/requests_overdue/" in page.url
    check_page(page, lang)
    first = page.locator(".dash-records a").first
    tracking_no = first.inner_text().split(" ")[0]
    with page.expect_navigation():
        first.click()
    assert f"/console/appeals/{tracking_no}/" in page.url

    # The monthly report in one click: the Excel workbook, then the print page.
    page.goto("/console/dashboard/?org=beilun")
    with page.expect_download() as download:
        page.click("button[formaction$='report.xlsx']")
    from python_calamine import CalamineWorkbook

    content = Path(download.value.path()).read_bytes()
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert len(book.sheet_names) >= 5
    with page.expect_navigation():
        page.click(".dash-report-form button:not([formaction])")
    assert "/console/dashboard/report/" in page.url
    assert page.locator("h1").count() == 1 and page.locator(".report-section").count() >= 5


def test_site_manager_sees_only_his_site(open_page):  # noqa: F811
    page = open_page("xiapu", viewport="desktop", lang="zh")
    page.goto("/console/dashboard/")
    check_page(page, "zh")
    options = page.locator("#dash-org option").all_inner_texts()
    assert not any("郭巨" in text for text in options)
    response = page.goto("/console/dashboard/?org=beilun")
    assert response.status == 404
    response = page.goto("/console/dashboard/?org=guoju")
    assert response.status == 404
