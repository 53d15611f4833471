"""Every page and every API operation, for every persona: allowed, or refused (404 / login / 401).

Adding a URL or API operation without an entry in its app's
``tests/permission_table.py`` fails ``test_every_route_has_an_entry``.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from driverhome.core.modules import optional_import
from tests.permissions import PERSONAS, Check

APPS = [
    "accounts",
    "holidays",
    "core",
    "stations",
    "drivers",
    "services",
    "appeals",
    "events",
    "dashboard",
    "notifications",
]

# URL namespaces that are not ours to test here (Django admin has its own permission system: is_staff).
IGNORED_NAMESPACES = {"admin", "api", "djdt"}
IGNORED_NAMES = {"set_language"}


def all_checks() -> list[Check]:
    checks = []
    for app in APPS:
        module = optional_import(f"driverhome.{app}.tests.permission_table")
        if module is None:
            continue
        checks.extend(module.CHECKS)
    return checks


CHECKS = all_checks()


def _walk(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            if ns in IGNORED_NAMESPACES or str(pattern.pattern).startswith("api/"):
                continue
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else ns
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            if pattern.name not in IGNORED_NAMES:
                yield name


def page_routes() -> set[str]:
    return set(_walk(get_resolver().url_patterns))


def api_routes() -> set[str]:
    from driverhome.config.api import api

    schema = api.get_openapi_schema()
    routes = set()
    for path, operations in schema["paths"].items():
        for method in operations:
            routes.add(f"{method.upper()} {path}")
    return routes


def test_every_route_has_an_entry():
    covered = {check.route for check in CHECKS}
    missing = sorted((page_routes() | api_routes()) - covered)
    assert not missing, "routes without an entry in a tests/permission_table.py:\n  " + "\n  ".join(
        missing
    )


def test_no_entry_names_a_route_that_does_not_exist():
    known = page_routes() | api_routes()
    stale = sorted({check.route for check in CHECKS} - known)
    assert not stale, f"permission table entries for routes that do not exist: {stale}"


def _cases():
    for check in CHECKS:
        for persona in PERSONAS:
            yield pytest.param(check, persona, id=f"{check}-{persona}")


def _request(check: Check, persona: str, personas, orgs, api_token):
    kwargs = check.setup(personas, orgs) if check.setup else {}
    data = check.data(personas, orgs, kwargs) if callable(check.data) else (check.data or {})
    if check.is_api:
        method, path = check.route.split(" ", 1)
        url = re.sub(r"\{(\w+)\}", lambda m: str(kwargs[m.group(1)]), path)
        headers = (
            {} if persona == "anonymous" else {"Authorization": f"Bearer {api_token(persona)}"}
        )
        client = Client(headers=headers)
        body = (
            {"data": json.dumps(data), "content_type": "application/json"}
            if method != "GET"
            else {}
        )
        if method == "GET":
            return client.get(url, check.query), True
        return getattr(client, method.lower())(url, **body), True
    url = reverse(check.route, kwargs=kwargs or None)
    client = Client()
    if persona != "anonymous":
        client.force_login(personas[persona])
    if check.method == "GET":
        return client.get(url, check.query), False
    return getattr(client, check.method.lower())(url, data), False


@pytest.mark.django_db
@pytest.mark.parametrize(("check", "persona"), list(_cases()))
def test_permission(check: Check, persona: str, personas, orgs, api_token):
    response, is_api = _request(check, persona, personas, orgs, api_token)
    status = response.status_code
    assert status < 500, f"{check} as {persona}: server error {status}"
    login_redirect = status == 302 and "/accounts/login/" in response.get("Location", "")
    if persona in check.allowed:
        assert status not in (401, 403, 404) and not login_redirect, (
            f"{check} as {persona}: expected access, got {status} {response.get('Location', '')}"
        )
        return
    if persona == "anonymous":
        assert (status == 401) if is_api else login_redirect, f"{check} anonymous: got {status}"
    elif is_api:
        assert status in (403, 404), f"{check} as {persona}: expected 404, got {status}"
    else:
        refused = status in (403, 404) or (status == 302 and not login_redirect)
        assert refused, f"{check} as {persona}: expected refusal, got {status}"
