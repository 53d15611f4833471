"""One-time codes reach the gateway with the code; the stored copy never has it."""

from __future__ import annotations

import logging

import pytest

from driverhome.notifications.backends import BaseBackend, SendError
from driverhome.notifications.codes import send_code
from driverhome.notifications.messages import TEMPLATES, render
from driverhome.notifications.models import Notification

pytestmark = pytest.mark.django_db


class BrokenBackend(BaseBackend):
    def send(self, phone: str, text: str) -> str:
        raise SendError("gateway down")


def test_every_code_purpose_has_its_own_template():
    from driverhome.accounts.models import PhoneCode

    for purpose in PhoneCode.Purpose.values:
        assert f"auth.code.{purpose}" in TEMPLATES


def test_the_log_gateway_writes_the_code_to_the_server_log(caplog, settings):
    settings.SMS_BACKEND = "driverhome.notifications.backends.LogBackend"
    with caplog.at_level(logging.INFO, logger="driverhome.sms"):
        send_code(phone="13912345678", purpose="login", code="246810", minutes=5, language="en")
    (record,) = [r for r in caplog.records if r.name == "driverhome.sms"]
    assert "246810" in record.text and record.to == "139****5678"
    stored = Notification.objects.get()
    assert "246810" not in stored.text and stored.text == render(
        "auth.code.login", {"code": "******", "minutes": 5}, "en"
    )
