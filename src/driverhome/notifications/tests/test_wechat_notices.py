"""Request updates as WeChat template notices for a bound driver, SMS when he does not follow
the account or the notice fails; the account's server URL: WeChat's signature, replays,
the menu of links, a notice's report recorded once."""

from __future__ import annotations

import hashlib
import time

import pytest
from django.test import Client
from django.urls import reverse

from driverhome.accounts import actions as account_actions
from driverhome.notifications import actions
from driverhome.notifications.models import DeliveryReport, Notification

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
CONTEXT = {"tracking_no": "BL20261202-0001", "category": "欠薪", "answer_due": "12-05"}
TEMPLATES = """
[wechat.templates."appeal.received"]
code = "TPL-received-01"
params = { character_string1 = "tracking_no", thing2 = "category", time3 = "answer_due" }
"""


@pytest.fixture
def bound(wechat_fake, settings, tmp_path, sms):
    path = tmp_path / "templates.toml"
    path.write_text(TEMPLATES, encoding="utf-8")
    settings.SMS_TEMPLATES_FILE = str(path)
    user = account_actions.create_user(
        actor=None, username=f"d{PHONE}", password="pass-2026-word!", role="driver", phone=PHONE
    )
    account_actions.bind_wechat(user, wechat_fake.openid, actor=user)
    return user


def _notify(user):
    [row] = actions.notify(
        recipient_user=user,
        phone=PHONE,
        template="appeal.received",
        context=CONTEXT,
        url="/d/appeals/BL20261202-0001/",
    )
    actions.deliver(row.pk)  # the job the commit would queue
    row.refresh_from_db()
    return row


def test_a_bound_follower_gets_the_template_notice_with_a_link(bound, wechat_fake, sms, settings):
    row = _notify(bound)
    assert row.status == "sent" and row.channel == "wechat" and row.provider == "wechat"
    [notice] = wechat_fake.sent
    assert notice["touser"] == wechat_fake.openid and notice["template_id"] == "TPL-received-01"
    assert notice["url"] == settings.SITE_URL.rstrip("/") + "/d/appeals/BL20261202-0001/"
    assert notice["data"]["character_string1"]["value"] == "BL20261202-0001"
    assert row.provider_message_id == str(notice["msgid"])
    assert sms.to(PHONE) == []  # no SMS as well


def test_a_driver_who_does_not_follow_gets_the_sms(bound, wechat_fake, sms):
    wechat_fake.followers.clear()
    row = _notify(bound)
    assert row.channel == "sms" and row.status == "sent" and wechat_fake.sent == []
    assert len(sms.to(PHONE)) == 1


def test_a_failed_notice_falls_back_to_sms(bound, wechat_fake, sms):
    wechat_fake.script = ["45009"]  # WeChat's API call limit
    row = _notify(bound)
    assert row.channel == "sms" and row.status == "sent" and len(sms.to(PHONE)) == 1


def test_an_unbound_driver_gets_the_sms(bound, wechat_fake, sms):
    account_actions.unbind_wechat(bound, actor=bound)
    row = _notify(bound)
    assert row.channel == "sms" and len(sms.to(PHONE)) == 1 and wechat_fake.sent == []


def test_a_kind_without_a_wechat_template_goes_by_sms(bound, wechat_fake, sms):
    [row] = actions.notify(
        recipient_user=bound,
        phone=PHONE,
        template="appeal.accepted",
        context={"tracking_no": "BL1", "unit": "人社局"},
    )
    actions.deliver(row.pk)
    row.refresh_from_db()
    assert row.channel == "sms" and wechat_fake.sent == []


def _signed(token="wechat-server-token", timestamp=None, nonce="n0nce"):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


HOOK = "/hooks/wechat/"


def test_the_server_url_answers_wechats_check_only_when_signed(wechat_fake):
    client = Client()
    ok = client.get(HOOK, {**_signed(), "echostr": "echo-123"})
    assert ok.status_code == 200 and ok.content == b"echo-123"
    assert client.get(HOOK, {**_signed(token="wrong"), "echostr": "x"}).status_code == 403
    assert client.get(HOOK, {"echostr": "x"}).status_code == 400
    replayed = _signed(timestamp=int(time.time()) - 3600)
    assert client.get(HOOK, {**replayed, "echostr": "x"}).status_code == 403


def _xml(body: str) -> bytes:
    return (
        "<xml><ToUserName>gh_test</ToUserName><FromUserName>o-test-driver-0001</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>{body}</xml>"
    ).encode()


def test_a_message_is_answered_with_a_menu_of_links(wechat_fake, settings):
    from urllib.parse import urlencode

    response = Client().post(
        f"{HOOK}?{urlencode(_signed())}",
        _xml("<MsgType>text</MsgType><Content>你好</Content><MsgId>1</MsgId>"),
        content_type="text/xml",
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "<ToUserName><![CDATA[o-test-driver-0001]]></ToUserName>" in text
    assert reverse("accounts:wechat-start") in text and "%2Fd%2Fappeals%2F" in text


def test_a_notice_report_pushed_twice_is_recorded_once(bound, wechat_fake):
    from urllib.parse import urlencode

    row = _notify(bound)
    body = _xml(
        "<MsgType>event</MsgType><Event>TEMPLATESENDJOBFINISH</Event>"
        f"<MsgID>{row.provider_message_id}</MsgID><Status>success</Status>"
    )
    for _ in range(2):
        response = Client().post(f"{HOOK}?{urlencode(_signed())}", body, content_type="text/xml")
        assert response.status_code == 200 and response.content == b"success"
    assert DeliveryReport.objects.filter(provider="wechat").count() == 1
    assert Notification.objects.get(pk=row.pk).delivery == "delivered"
