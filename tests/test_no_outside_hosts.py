"""No page makes the browser fetch anything from another host (intranets reach none, and the
Content-Security-Policy would block it): scripts, styles, images, frames, fonts, forms.

Every page of both sites (the routes of the permission table, as a persona allowed there)
and the API documentation page are rendered and scanned. Links a person follows on purpose
(``<a href>``, e.g. the hand-off to a navigation app) are not fetched by the page itself.
"""

from __future__ import annotations

import re

import pytest

from tests.test_permission_matrix import CHECKS, _request

# Attributes and CSS that make the browser fetch: src/srcset/poster/data, <link href>,
# <form action>, <use href>, url(...) and @import in inline CSS.
FETCHING = re.compile(
    r"""(?:\b(?:src|srcset|poster|data|action|formaction)\s*=\s*["']?\s*"""
    r"""|<link\b[^>]*?\bhref\s*=\s*["']?\s*"""
    r"""|<use\b[^>]*?\bhref\s*=\s*["']?\s*"""
    r"""|url\(\s*["']?\s*|@import\s+["']?\s*)(?P<url>(?:https?:)?//[^"'\s)>]+)""",
    re.IGNORECASE,
)
LOCAL_HOSTS = ("testserver", "127.0.0.1", "localhost")
PREFERRED = ("admin", "supervisor", "site_staff", "broker", "unit_handler", "driver", "anonymous")


def outside_references(html: str) -> list[str]:
    found = []
    for match in FETCHING.finditer(html):
        url = match["url"]
        host = re.sub(r"^(?:https?:)?//", "", url).split("/")[0].split(":")[0]
        if host not in LOCAL_HOSTS:
            found.append(url)
    return found


def _page_checks():
    for check in CHECKS:
        if check.is_api or check.method != "GET":
            continue
        persona = next((p for p in PREFERRED if p in check.allowed), None)
        if persona is not None:
            yield pytest.param(check, persona, id=str(check))


def test_the_scanner_finds_an_outside_script_and_ignores_a_link():
    html = (
        '<script src="https://cdn.example.com/x.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.net/a.css">'
        '<a href="https://uri.amap.com/marker?position=1,2">AMap</a>'
        '<img src="/static/a.png">'
    )
    assert outside_references(html) == [
        "https://cdn.example.com/x.js",
        "//fonts.example.net/a.css",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("check", "persona"), list(_page_checks()))
def test_no_page_fetches_from_another_host(check, persona, personas, orgs, api_token):
    response, _is_api = _request(check, persona, personas, orgs, api_token)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return
    html = response.content.decode()
    assert outside_references(html) == [], f"{check} as {persona}"


@pytest.mark.django_db
def test_the_api_documentation_is_served_from_the_platform(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://", html), "the docs page names another host"
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "/static/driverhome/js/api-docs.js" in html
    assert "<script>" not in html.replace('<script type="application/json"', "")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    for asset in ("vendor/swagger-ui/swagger-ui-bundle.js", "vendor/swagger-ui/swagger-ui.css"):
        static = client.get(f"/static/{asset}")
        assert static.status_code == 200, asset
