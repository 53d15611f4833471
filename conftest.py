"""Shared test fixtures: the organisation tree and one persona per role.

Personas (STYLE.md): driver, broker, site manager (site_staff), unit handler,
supervisor, administrator, and an outsider from another district.
"""

from __future__ import annotations

import logging
import os

import pytest

from driverhome.accounts.models import Organisation, Role, User

K = Organisation.Kind


@pytest.fixture(autouse=True)
def _fresh_table_caches():
    """Each test starts from the database's categories and limits (a rollback sends no signal)."""
    from driverhome.core import tablecache

    tablecache.clear_all()
    yield
    tablecache.clear_all()


class _UnhandledExceptions(logging.Handler):
    """Collects what Django's request handler logs for an unhandled exception (a 500)."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        if record.exc_info:
            self.records.append(record)


@pytest.fixture(autouse=True)
def _no_unhandled_exception(request):
    """A test fails when a request it made ended in an unhandled exception, even when the
    response was not checked (schemathesis' WSGI calls, a client that does not re-raise):
    the server log of a test run holds none. A test that provokes a crash on purpose (the
    500 page) says so with ``@pytest.mark.server_error``."""
    handler = _UnhandledExceptions()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.records and request.node.get_closest_marker("server_error") is None:
        first = handler.records[0]
        formatted = logging.Formatter().formatException(first.exc_info)
        pytest.fail(
            f"{len(handler.records)} unhandled exception(s) logged by django.request; "
            f"the first: {first.getMessage()}\n{formatted}",
            pytrace=False,
        )


def make_org(code, kind, parent=None, **extra) -> Organisation:
    org = Organisation(code=code, name=extra.pop("name", code), kind=kind, parent=parent, **extra)
    org.save()
    return org


@pytest.fixture
def orgs(db):
    """A small tree: district (beilun) > sub-districts xiapu and guoju; a handling unit; another district."""
    province = make_org("t-province", K.PROVINCE, name="浙江省")
    city = make_org("t-city", K.CITY, province, name="宁波市")
    district = make_org("t-beilun", K.DISTRICT, city, name="北仑区")
    xiapu = make_org("t-xiapu", K.SUBDISTRICT, district, name="霞浦街道")
    guoju = make_org("t-guoju", K.SUBDISTRICT, district, name="郭巨街道")
    labour = make_org("t-labour", K.HANDLING_UNIT, district, name="区人社局", unit_kind="labour")
    police = make_org(
        "t-police", K.HANDLING_UNIT, district, name="北仑交警", unit_kind="traffic_police"
    )
    other_district = make_org("t-zhenhai", K.DISTRICT, city, name="镇海区")
    other_sub = make_org("t-zhaobaoshan", K.SUBDISTRICT, other_district, name="招宝山街道")
    return {
        "province": province,
        "city": city,
        "district": district,
        "xiapu": xiapu,
        "guoju": guoju,
        "labour": labour,
        "police": police,
        "other_district": other_district,
        "other_sub": other_sub,
    }


def make_user(username, role, organisation=None, **extra) -> User:
    user = User(
        username=username,
        role=role,
        organisation=organisation,
        full_name=extra.pop("full_name", username),
        **extra,
    )
    user.set_unusable_password()
    user.save()
    return user


@pytest.fixture
def personas(orgs):
    return {
        "driver": make_user("p-driver", Role.DRIVER),
        "other_driver": make_user("p-driver2", Role.DRIVER),
        "broker": make_user("p-broker", Role.BROKER, orgs["guoju"]),
        "site_staff": make_user("p-site", Role.SITE_STAFF, orgs["xiapu"]),
        "guoju_staff": make_user("p-guoju", Role.SITE_STAFF, orgs["guoju"]),
        "unit_handler": make_user("p-unit", Role.UNIT_HANDLER, orgs["labour"]),
        "police_handler": make_user("p-police", Role.UNIT_HANDLER, orgs["police"]),
        "supervisor": make_user("p-supervisor", Role.SUPERVISOR, orgs["district"]),
        "admin": make_user("p-admin", Role.ADMIN, None, is_staff=True),
        "outsider": make_user("p-outsider", Role.SITE_STAFF, orgs["other_sub"]),
        "outsider_supervisor": make_user("p-outsider-sup", Role.SUPERVISOR, orgs["other_district"]),
    }


@pytest.fixture
def client_for(client, personas):
    """``client_for("broker")`` -> a test client logged in as that persona (or anonymous for None)."""
    from django.test import Client

    def make(name):
        c = Client()
        if name is not None:
            c.force_login(personas[name] if isinstance(name, str) else name)
        return c

    return make


@pytest.fixture
def api_token(personas):
    """``api_token("broker")`` -> a bearer token string for that persona."""
    from driverhome.accounts.models import ApiToken

    def make(name):
        user = personas[name] if isinstance(name, str) else name
        _token, key = ApiToken.issue(user, "test")
        return key

    return make


@pytest.fixture
def api(client, api_token):
    """``api("broker").get("/api/v1/me")`` -> a client sending that persona's bearer token."""
    from django.test import Client

    def make(name):
        headers = {} if name is None else {"Authorization": f"Bearer {api_token(name)}"}
        return Client(headers=headers)

    return make


@pytest.fixture
def sms(settings):
    """The text messages sent through the gateway: ``sms.code_for(phone)`` is the last code."""
    import re

    from driverhome.notifications.backends import MemoryBackend

    settings.SMS_BACKEND = "driverhome.notifications.backends.MemoryBackend"
    MemoryBackend.outbox.clear()

    class Outbox:
        messages = MemoryBackend.outbox

        def to(self, phone):
            return [text for to, text in MemoryBackend.outbox if to == phone]

        def code_for(self, phone):
            texts = self.to(phone)
            assert texts, f"no text message to {phone}"
            return re.search(r"\b(\d{6})\b", texts[-1]).group(1)

    yield Outbox()
    MemoryBackend.outbox.clear()


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_TEST_URL")
    if not url:
        pytest.skip("REDIS_TEST_URL is not set: no Redis to test against")
    return url


@pytest.fixture
def wechat_fake(settings):
    """A local fake of WeChat's API on 127.0.0.1, the platform's settings pointed at it."""
    from driverhome.fakes.wechat import FakeWeChat

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
