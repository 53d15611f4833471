"""Fixtures of the accounts tests: a local fake of an OpenID Connect provider on 127.0.0.1,
with the platform's settings pointed at it (the WeChat fake is in the root conftest)."""

from __future__ import annotations

import pytest

from driverhome.fakes.oidc import FakeOidc


@pytest.fixture
def oidc_fake(settings):
    fake = FakeOidc().start()
    settings.OIDC = {
        "discovery_url": fake.discovery_url,
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "scope": "openid profile",
        "username_claim": "preferred_username",
        "timeout": 2,
    }
    yield fake
    fake.stop()


@pytest.fixture
def follow_outside():
    """Follow one redirect that leaves the platform (to a fake) and return the address the
    fake sends the browser back to, as a path with its query."""
    from urllib.parse import urlsplit

    import requests

    def follow(response):
        assert response.status_code == 302, response.status_code
        back = requests.get(response["Location"], allow_redirects=False, timeout=5)
        assert back.status_code == 302, back.text
        target = urlsplit(back.headers["Location"])
        return f"{target.path}?{target.query}"

    return follow
