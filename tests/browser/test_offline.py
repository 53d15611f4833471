"""Bad connections: light driver pages, the installable app offline, the outbox.

Page weight is measured in the browser: every byte the page loads (document, styles,
scripts, data), photos and map tiles left out, from an empty cache.
"""

from __future__ import annotations

import pytest

PAGE_BUDGET = 100 * 1024  # a site page without photos

pytestmark = pytest.mark.browser


def page_weight(page, path: str) -> tuple[int, dict[str, int]]:
    sizes: dict[str, int] = {}

    def on_response(response):
        if response.request.resource_type in ("image", "media"):
            return
        try:
            body = response.body()
        except Exception:  # noqa: BLE001 - redirects have no body
            return
        sizes[response.url] = len(body) + sum(
            len(k) + len(v) + 4 for k, v in response.headers.items()
        )

    page.on("response", on_response)
    page.goto(path, wait_until="networkidle")
    page.remove_listener("response", on_response)
    return sum(sizes.values()), sizes


@pytest.mark.parametrize("persona", [None, "driver"])
def test_site_page_is_light(open_page, platform, persona):
    (code,) = platform.query("SELECT code FROM stations_station ORDER BY id LIMIT 1")[0]
    page = open_page(persona, viewport="phone", lang="zh")
    total, sizes = page_weight(page, f"/d/stations/{code}/")
    detail = "\n".join(f"{n:>8} {u}" for u, n in sorted(sizes.items(), key=lambda i: -i[1]))
    assert total < PAGE_BUDGET, f"site page weighs {total} bytes:\n{detail}"


@pytest.mark.parametrize("path", ["/", "/d/stations/", "/d/appeals/new/", "/d/events/"])
def test_driver_pages_are_light(open_page, path):
    page = open_page("driver", viewport="phone", lang="zh")
    total, sizes = page_weight(page, path)
    detail = "\n".join(f"{n:>8} {u}" for u, n in sorted(sizes.items(), key=lambda i: -i[1]))
    assert total < PAGE_BUDGET, f"{path} weighs {total} bytes:\n{detail}"


def test_offline_reading_and_the_outbox(open_page, platform):
    page = open_page("driver", viewport="phone", lang="zh", offline_ok=True)
    page.goto("/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now the service worker controls the page
    assert page.evaluate("!!navigator.serviceWorker.controller")
    for path in ("/d/stations/", "/d/appeals/", "/d/appeals/new/"):
        page.goto(path)
    sites_online = page.context.new_page()
    sites_online.goto("/d/stations/")
    first_site = sites_online.locator("a.result-name").first.inner_text()
    sites_online.close()

    page.context.set_offline(True)
    page.goto("/d/stations/")
    assert first_site in page.inner_text("main"), "the last loaded site list is not shown offline"
    assert page.locator("#offline-banner").is_visible()
    page.goto("/d/appeals/")
    assert page.locator("main").inner_text()  # his requests, from the cache

    # A request written offline waits in the outbox ...
    page.goto("/d/appeals/new/")
    value = next(
        v
        for v in page.locator("select[name=category] option").evaluate_all(
            "os => os.map(o => o.value)"
        )
        if v
    )
    page.select_option("select[name=category]", value)
    description = "离线时填写：加油站附近货物被盗。"
    page.fill("textarea[name=description]", description)
    page.click("form[data-outbox] button[type=submit]")
    page.wait_for_selector("#outbox-status:not([hidden])")
    assert page.evaluate("driverhomeOutbox.all().then(items => items.length)") == 1
    stored = "SELECT COUNT(*) FROM appeals_appeal WHERE description = %s"
    assert platform.query(stored, (description,))[0][0] == 0

    # ... and is sent once the connection returns, exactly once.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("driverhomeOutbox.all().then(items => items.length === 0)", polling=200)
    page.wait_for_function("document.getElementById('outbox-status').dataset.tone === 'success'")
    assert platform.query(stored, (description,))[0][0] == 1
    page.evaluate("driverhomeOutbox.flush()")
    page.reload()
    assert platform.query(stored, (description,))[0][0] == 1
