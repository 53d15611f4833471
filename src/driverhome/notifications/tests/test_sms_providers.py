"""Alibaba and Tencent SMS through their SDKs, against local fakes of their HTTP APIs:
success, throttled, bad template, timeout then success, delivery reports (pushed twice,
fetched by the query), the daily limit per number."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse

from driverhome.notifications import actions
from driverhome.notifications.models import DeliveryReport, Notification

from .fakes import FakeAliyun, FakeTencent

pytestmark = pytest.mark.django_db

TOKEN = "report-token-0123456789"
CONTEXT = {
    "tracking_no": "BL20261202-0001",
    "category": "欠薪",
    "answer_due": "12-05",
    "answer": "已协调支付",
}

TEMPLATES_TOML = """
[aliyun]
signature = "北仑司机之家"

[aliyun.templates."appeal.received"]
code = "SMS_460770001"
params = { no = "tracking_no", type = "category", due = "answer_due" }

[aliyun.templates."appeal.answered"]
code = "SMS_460770002"
params = { no = "tracking_no", answer = "answer", path = "link" }

[aliyun.templates."auth.code.login"]
code = "SMS_460770009"
params = { code = "code" }

[tencent]
signature = "北仑司机之家"
max_param_length = 20

[tencent.templates."auth.code.login"]
code = "1987659"
params = { 1 = "code" }

[tencent.templates."appeal.received"]
code = "1987654"
params = { 1 = "tracking_no", 2 = "category", 3 = "answer_due" }

[tencent.templates."appeal.answered"]
code = "1987655"
params = { 1 = "tracking_no", 2 = "answer" }
"""


@pytest.fixture
def templates_file(tmp_path):
    path = tmp_path / "sms-templates.toml"
    path.write_text(TEMPLATES_TOML, encoding="utf-8")
    return str(path)


@pytest.fixture(params=["aliyun", "tencent"])
def provider(request, templates_file):
    """(name, fake) with the platform's settings pointed at the fake."""
    name = request.param
    fake = (FakeAliyun() if name == "aliyun" else FakeTencent()).start()
    conf = {
        "aliyun": {
            "ALIYUN_SMS": {
                "access_key_id": "LTAI-test",
                "access_key_secret": "secret",
                "endpoint": fake.endpoint,
            }
        },
        "tencent": {
            "TENCENT_SMS": {
                "secret_id": "AKID-test",
                "secret_key": "secret",
                "sdk_app_id": "1400000001",
                "region": "ap-guangzhou",
                "endpoint": fake.endpoint,
            }
        },
    }[name]
    with override_settings(
        SMS_BACKEND=name,
        SMS_TEMPLATES_FILE=templates_file,
        SMS_TIMEOUT_SECONDS=1,
        SMS_REPORT_TOKEN=TOKEN,
        SMS_DAILY_LIMIT=10,
        **conf,
    ):
        yield name, fake
    fake.stop()


def queue(template="appeal.received", phone="13800138000", **context):
    [row] = actions.notify(phone=phone, template=template, context={**CONTEXT, **context})
    return row


def send(template="appeal.received", **kwargs) -> Notification:
    row = queue(template, **kwargs)
    actions.deliver(row.pk)
    return Notification.objects.get(pk=row.pk)


def sent_params(name, request) -> dict:
    if name == "aliyun":
        return json.loads(request["TemplateParam"])
    return dict(enumerate(request["TemplateParamSet"], start=1))


def test_a_message_goes_out_as_template_code_parameters_and_signature(provider):
    name, fake = provider
    row = send()
    assert row.status == "sent" and row.provider == name and row.provider_message_id
    [request] = fake.sent
    if name == "aliyun":
        assert request["TemplateCode"] == "SMS_460770001"
        assert request["SignName"] == "北仑司机之家"
        assert request["OutId"] == str(row.out_id)
        assert sent_params(name, request) == {
            "no": "BL20261202-0001",
            "type": "欠薪",
            "due": "12-05",
        }
    else:
        assert request["TemplateId"] == "1987654"
        assert request["SignName"] == "北仑司机之家"
        assert request["SessionContext"] == str(row.out_id)
        assert request["PhoneNumberSet"] == ["+8613800138000"]
        assert request["TemplateParamSet"] == ["BL20261202-0001", "欠薪", "12-05"]
    # the rendered text stays for the history
    assert "BL20261202-0001" in row.text


def test_a_throttled_send_is_retried_later_and_sent_once(provider):
    name, fake = provider
    fake.script = ["isv.BUSINESS_LIMIT_CONTROL" if name == "aliyun" else "RequestLimitExceeded"]
    row = send()
    assert row.status == "queued" and row.attempts == 1 and row.provider_code
    assert fake.sent == []
    actions.deliver(row.pk)  # the scheduled retry
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2 and row.provider_code == ""
    assert len(fake.sent) == 1


def test_api_flow_control_with_an_http_error_is_retried(provider):
    name, fake = provider
    fake.script = [
        "Throttling.User" if name == "aliyun" else "LimitExceeded.PhoneNumberOneHourLimit"
    ]
    row = send()
    assert row.status == "queued" and row.provider_code in (
        "Throttling.User",
        "LimitExceeded.PhoneNumberOneHourLimit",
    )


def test_a_bad_template_is_given_up_at_once(provider):
    name, fake = provider
    code = (
        "isv.SMS_TEMPLATE_ILLEGAL"
        if name == "aliyun"
        else "FailedOperation.TemplateIncorrectOrUnapproved"
    )
    fake.script = [code]
    row = send()
    assert row.status == "failed" and row.attempts == 1 and row.provider_code == code
    assert row.provider == name  # counted among this provider's failures
    assert code in row.last_error
    assert actions.deliver(row.pk) is None  # nothing left to retry


def test_a_blacklisted_number_is_given_up(provider):
    name, fake = provider
    code = (
        "isv.BLACK_KEY_CONTROL_LIMIT"
        if name == "aliyun"
        else "FailedOperation.PhoneNumberInBlacklist"
    )
    fake.script = [code]
    assert send().status == "failed"


def test_a_timeout_then_success_sends_the_message_once(provider):
    name, fake = provider
    fake.script = ["timeout"]
    row = send()
    assert row.status == "queued" and row.maybe_sent and row.provider_code == "timeout"
    # The provider did take it: the retry asks, finds it by our key and does not send again.
    actions.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "sent" and not row.maybe_sent
    assert len(fake.sent) == 1
    assert [a for a, _ in fake.requests].count("SendSms") == 1


def test_a_timeout_the_provider_did_not_keep_is_sent_on_retry(provider):
    name, fake = provider
    fake.script = ["timeout"]
    row = send()
    fake.sent.clear()  # lost on the provider's side
    actions.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "sent" and len(fake.sent) == 1
    assert [a for a, _ in fake.requests].count("SendSms") == 2


def test_every_attempt_failing_ends_failed(provider):
    name, fake = provider
    fake.script = ["isp.SYSTEM_ERROR" if name == "aliyun" else "InternalError.OtherError"] * 4
    row = send()
    for _ in range(3):
        actions.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 4 and fake.sent == []


def test_retries_are_scheduled_with_growing_back_off(provider, monkeypatch, settings):
    name, fake = provider
    from driverhome.notifications import tasks

    delays = []
    monkeypatch.setattr(
        tasks.send_notification, "schedule", lambda args, delay: delays.append(delay)
    )
    settings.HUEY = {**settings.HUEY, "immediate": False}
    fake.script = ["isp.SYSTEM_ERROR" if name == "aliyun" else "InternalError.OtherError"] * 2
    row = send()
    actions.deliver(row.pk)
    assert delays == [120, 240]


def push(client, name, items, token=TOKEN):
    return client.post(
        reverse("notifications_hooks:sms-report", args=[name, token]),
        data=json.dumps(items),
        content_type="application/json",
    )


def report_for(name, row, *, success=True):
    if name == "aliyun":
        return {
            "phone_number": "13800138000",
            "send_time": "2026-12-02 10:00:00",
            "report_time": "2026-12-02 10:00:05",
            "success": success,
            "err_code": "DELIVERED" if success else "MK:0001",
            "err_msg": "用户接收成功" if success else "空号",
            "sms_size": "1",
            "biz_id": row.provider_message_id,
            "out_id": str(row.out_id),
        }
    return {
        "user_receive_time": "2026-12-02 10:00:05",
        "nationcode": "86",
        "mobile": "13800138000",
        "report_status": "SUCCESS" if success else "FAIL",
        "errmsg": "DELIVRD" if success else "MK:0001",
        "description": "用户短信送达成功" if success else "空号",
        "sid": row.provider_message_id,
    }


def test_a_delivery_report_received_twice_is_recorded_once(provider, client):
    name, fake = provider
    row = send()
    item = report_for(name, row, success=False)
    first = push(client, name, [item])
    second = push(client, name, [item])
    assert first.status_code == second.status_code == 200
    assert first.json() == (
        {"code": 0, "msg": "接收成功"} if name == "aliyun" else {"result": 0, "errmsg": "OK"}
    )
    assert DeliveryReport.objects.filter(notification=row).count() == 1
    row.refresh_from_db()
    assert row.delivery == "undelivered" and row.delivery_code == "MK:0001"
    assert row.delivery_reason == "空号" and row.delivered_at is not None


def test_a_report_with_a_wrong_token_is_refused_and_not_read(provider, client):
    name, fake = provider
    row = send()
    assert push(client, name, [report_for(name, row)], token="guess").status_code == 404
    assert not DeliveryReport.objects.exists()


def test_reports_are_refused_when_no_token_is_configured(provider, client, settings):
    name, fake = provider
    row = send()
    settings.SMS_REPORT_TOKEN = ""
    assert push(client, name, [report_for(name, row)], token="anything").status_code == 404
    assert not DeliveryReport.objects.exists()


def test_a_report_for_a_message_we_did_not_send_changes_nothing(provider, client):
    name, fake = provider
    row = send()
    item = report_for(name, row)
    item["biz_id" if name == "aliyun" else "sid"] = "unknown-1"
    item.pop("out_id", None)
    assert push(client, name, [item]).status_code == 200
    assert not DeliveryReport.objects.exists()


def test_a_malformed_report_is_a_clear_400(provider, client):
    name, fake = provider
    response = client.post(
        reverse("notifications_hooks:sms-report", args=[name, TOKEN]),
        data="{not json",
        content_type="application/json",
    )
    assert response.status_code == 400


def test_the_query_job_records_delivery_once_even_after_a_push(provider, client):
    name, fake = provider
    row = send()
    Notification.objects.filter(pk=row.pk).update(sent_at=row.sent_at - timedelta(minutes=10))
    assert actions.poll_reports() == 1
    row.refresh_from_db()
    assert row.delivery == "delivered"
    # The push of the same report later is acknowledged, not recorded again.
    push(client, name, [report_for(name, row)])
    assert actions.poll_reports() == 0
    assert DeliveryReport.objects.filter(notification=row).count() == 1


def test_the_daily_limit_per_number_stops_before_the_provider(provider, settings):
    name, fake = provider
    settings.SMS_DAILY_LIMIT = 2
    assert send().status == "sent"
    assert send().status == "sent"
    third = send()
    assert third.status == "failed" and third.provider_code == "daily_limit"
    assert len(fake.sent) == 2
    # another number is not held back
    assert send(phone="13900139000").status == "sent"


def test_long_parameters_are_shortened_to_the_providers_limit(provider):
    name, fake = provider
    send(
        "appeal.answered", answer="工资已经由公司在本周五前全部结清，请注意查收银行到账短信通知" * 2
    )
    values = sent_params(name, fake.sent[0])
    answer = values["answer" if name == "aliyun" else 2]
    limit = 35 if name == "aliyun" else 20
    assert len(answer) == limit and answer.endswith("…")


def test_an_address_in_a_parameter_is_refused_and_the_link_is_a_path(provider):
    name, fake = provider
    row = send("appeal.answered", answer="见 https://example.com/x")
    assert row.status == "failed" and row.provider_code == "link_param"
    if name == "aliyun":
        [ok] = actions.notify(
            phone="13800138000",
            template="appeal.answered",
            context=CONTEXT,
            url="/d/appeals/BL20261202-0001/",
        )
        actions.deliver(ok.pk)
        assert sent_params(name, fake.sent[-1])["path"] == "d/appeals/BL20261202-0001/"


def test_a_kind_without_a_mapping_fails_with_a_clear_reason(provider):
    name, fake = provider
    row = send("appeal.withdrawn")
    assert row.status == "failed" and row.provider_code == "no_template"
    assert fake.requests == []


def test_a_one_time_code_is_sent_as_a_template_and_its_delivery_recorded(provider, client):
    from driverhome.notifications.codes import send_code

    name, fake = provider
    send_code(phone="13800138000", purpose="login", code="482913", minutes=5, language="")
    row = Notification.objects.get(template="auth.code.login")
    [request] = fake.sent
    assert "482913" in json.dumps(request) and "482913" not in row.text
    assert row.status == "sent" and row.provider == name and row.provider_message_id
    assert push(client, name, [report_for(name, row)]).status_code == 200
    row.refresh_from_db()
    assert row.delivery == "delivered"
    assert DeliveryReport.objects.filter(notification=row).count() == 1


def test_a_second_worker_never_sends_a_message_the_first_is_sending(provider, monkeypatch):
    """Two workers handed the same message: the one that claims it sends it, the other
    finds it taken even while the first is still waiting for the provider."""
    from driverhome.notifications import backends

    name, fake = provider
    row = queue()
    second = []
    real = backends.get_backend

    class Racing:
        def __init__(self, backend):
            self.backend = backend
            self.provider = backend.provider

        def find_sent(self, message):
            return self.backend.find_sent(message)

        def send_message(self, message):
            second.append(actions.deliver(row.pk))  # the other worker, mid-send
            return self.backend.send_message(message)

    monkeypatch.setattr(backends, "get_backend", lambda: Racing(real()))
    sent = actions.deliver(row.pk)
    assert second == [None] and sent.status == "sent"
    assert len(fake.sent) == 1
    assert Notification.objects.get(pk=row.pk).attempts == 1


def test_a_claim_a_dead_worker_left_is_retried_asking_the_provider_first(provider):
    from datetime import timedelta

    from django.utils import timezone

    from driverhome.notifications import tasks

    name, fake = provider
    row = queue()
    long_ago = timezone.now() - timedelta(minutes=30)
    Notification.objects.filter(pk=row.pk).update(
        status="sending", attempts=1, claimed_at=long_ago, created_at=long_ago
    )
    assert actions.deliver(row.pk) is None  # still claimed: nobody else sends it
    tasks.resend_stuck.call_local()
    after = Notification.objects.get(pk=row.pk)
    assert after.status == "sent" and after.attempts == 2
    assert len(fake.sent) == 1


def test_messages_being_sent_count_towards_the_daily_limit(provider, settings):
    from django.utils import timezone

    name, fake = provider
    settings.SMS_DAILY_LIMIT = 1
    other = queue()
    Notification.objects.filter(pk=other.pk).update(status="sending", claimed_at=timezone.now())
    late = send()
    assert late.status == "failed" and late.provider_code == "daily_limit"
    assert len(fake.sent) == 0
