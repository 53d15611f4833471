"""Fixtures of the notifications tests: the local fake of WeChat's API."""

from __future__ import annotations

import pytest

from driverhome.fakes.wechat import FakeWeChat


@pytest.fixture
def wechat_fake(settings):
    fake = FakeWeChat().start()
    settings.WECHAT = {
        "app_id": fake.app_id,
        "app_secret": fake.app_secret,
        "token": "wechat-server-token",
        "api_base": fake.endpoint,
        "oauth_base": fake.endpoint,
        "timeout": 1,
    }
    yield fake
    fake.stop()
