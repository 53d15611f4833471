"""The message history: a driver's own messages and their delivery; staff see failures per
provider and kind with the provider's reason and send one again; administrators map the
kinds of message to provider templates; the deploy check reports kinds left unmapped."""

from __future__ import annotations

import pytest
from django.core import checks
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from driverhome.accounts.models import AuditLog
from driverhome.appeals.tests.factories import driver_for
from driverhome.core.errors import Conflict, DomainError, PermissionDeniedError
from driverhome.notifications import actions, sms_templates
from driverhome.notifications.backends import DeliveryStatus
from driverhome.notifications.checks import sms_templates_mapped
from driverhome.notifications.models import Notification, TemplateMapping

pytestmark = pytest.mark.django_db

CONTEXT = {"tracking_no": "BL20261202-0007", "category": "停车", "answer_due": "12-05"}


def message_to(driver, **fields) -> Notification:
    [row] = actions.notify(
        driver=driver, template="appeal.received", context=CONTEXT, channels=("sms",)
    )
    if fields:
        Notification.objects.filter(pk=row.pk).update(**fields)
    return Notification.objects.get(pk=row.pk)


@pytest.fixture
def driver(personas, orgs):
    return driver_for(personas["driver"], orgs["xiapu"])


@pytest.fixture
def failed(driver, orgs):
    return message_to(
        driver,
        status="failed",
        provider="aliyun",
        provider_code="isv.MOBILE_NUMBER_ILLEGAL",
        last_error="SendError: isv.MOBILE_NUMBER_ILLEGAL: 号码格式错误",
        organisation=orgs["xiapu"],
    )


def test_a_driver_sees_his_messages_and_whether_they_arrived(driver, personas, client_for):
    delivered = message_to(driver)
    actions.record_report(
        "",
        DeliveryStatus("", True, "DELIVERED", "", timezone.now(), out_id=str(delivered.out_id)),
        source="push",
    )
    message_to(driver, delivery="undelivered", delivery_reason="关机")
    other = driver_for(personas["other_driver"], driver.organisation, name="李师傅")
    message_to(other)
    page = client_for("driver").get(reverse("notifications_driver:my-messages"))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count("BL20261202-0007") == 2  # his two, not the other driver's
    assert "关机" in body


def test_the_drivers_api_lists_his_messages_with_delivery(
    driver, personas, api_token, client, django_assert_max_num_queries
):
    message_to(driver, delivery="delivered", delivered_at=timezone.now())
    other = driver_for(personas["other_driver"], driver.organisation, name="李师傅")
    message_to(other)
    with django_assert_max_num_queries(8):
        response = client.get(
            "/api/v1/notifications/mine",
            headers={"Authorization": f"Bearer {api_token('driver')}"},
        )
    [item] = response.json()["items"]
    assert item["delivery"] == "delivered" and item["kind"] == "appeal.received"


def test_staff_see_failures_per_provider_and_kind_with_the_reason(
    failed, client_for, django_assert_max_num_queries
):
    supervisor = client_for("supervisor")
    with django_assert_max_num_queries(14):
        page = supervisor.get(reverse("notifications:notice-failed"))
    body = page.content.decode()
    assert "isv.MOBILE_NUMBER_ILLEGAL" in body and "appeal.received" in body
    assert "Alibaba" in body or "阿里云" in body
    assert client_for("outsider").get(reverse("notifications:notice-failed")).status_code == 404


def test_the_failure_summary_api_counts_per_provider_and_kind(failed, api_token, client):
    response = client.get(
        "/api/v1/notifications/failures/summary",
        headers={"Authorization": f"Bearer {api_token('supervisor')}"},
    )
    [row] = response.json()
    assert (row["provider"], row["kind"], row["failed"]) == ("aliyun", "appeal.received", 1)
    assert row["reason"].startswith("isv.MOBILE_NUMBER_ILLEGAL")


def test_a_resend_is_a_new_message_linked_to_the_original_and_audited(
    failed, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        copy = actions.resend(failed, actor=personas["supervisor"])
    copy.refresh_from_db()
    failed.refresh_from_db()
    assert copy.resend_of_id == failed.pk and copy.out_id != failed.out_id
    assert copy.status == "sent" and copy.text == failed.text  # the log gateway
    assert failed.status == "failed"  # the original keeps its record
    assert AuditLog.objects.filter(action="notification.resend").count() == 1
    with pytest.raises(Conflict):
        actions.resend(failed, actor=personas["supervisor"])


def test_a_delivered_message_is_not_sent_again(driver, personas):
    sent = message_to(driver, status="sent", delivery="delivered")
    with pytest.raises(Conflict):
        actions.resend(sent, actor=personas["admin"])


def test_only_supervisors_and_administrators_resend(failed, personas):
    with pytest.raises(PermissionDeniedError):
        actions.resend(failed, actor=personas["broker"])
    assert not Notification.objects.filter(resend_of=failed).exists()


def test_the_resend_api_answers_201_then_409(failed, api_token, client):
    headers = {"Authorization": f"Bearer {api_token('admin')}"}
    url = f"/api/v1/notifications/{failed.out_id}/resend"
    first = client.post(url, headers=headers)
    assert first.status_code == 201 and first.json()["resend_of"] == str(failed.out_id)
    assert client.post(url, headers=headers).status_code == 409


def test_the_resend_button_on_the_console(failed, client_for):
    response = client_for("admin").post(reverse("notifications:notice-resend", args=[failed.pk]))
    assert response.status_code == 302
    assert Notification.objects.filter(resend_of=failed).count() == 1


def test_an_administrator_maps_a_kind_and_it_wins_over_the_file(personas, tmp_path, settings):
    path = tmp_path / "t.toml"
    path.write_text(
        '[aliyun]\nsignature = "北仑"\n[aliyun.templates."appeal.received"]\ncode = "SMS_FILE"\n',
        encoding="utf-8",
    )
    settings.SMS_TEMPLATES_FILE = str(path)
    assert sms_templates.mapping_for("aliyun", "appeal.received").code == "SMS_FILE"
    actions.set_template_mapping(
        actor=personas["admin"],
        provider="aliyun",
        key="appeal.received",
        code="SMS_CONSOLE",
        signature="",
        params={"no": "tracking_no"},
    )
    mapping = sms_templates.mapping_for("aliyun", "appeal.received")
    assert (mapping.code, mapping.signature, mapping.source) == ("SMS_CONSOLE", "北仑", "console")
    entry = AuditLog.objects.get(action="notification.template_mapping")
    assert entry.changes["after"]["code"] == "SMS_CONSOLE"


def test_a_mapping_naming_an_unknown_parameter_is_refused_with_the_field(personas):
    with pytest.raises(DomainError) as error:
        actions.set_template_mapping(
            actor=personas["admin"],
            provider="tencent",
            key="appeal.received",
            code="1",
            signature="",
            params={"1": "phone_number"},
        )
    assert "params" in error.value.extra["fields"]
    assert not TemplateMapping.objects.exists()


def test_only_administrators_map_templates(personas):
    with pytest.raises(PermissionDeniedError):
        actions.set_template_mapping(
            actor=personas["supervisor"],
            provider="aliyun",
            key="appeal.received",
            code="SMS_1",
            signature="",
            params={},
        )


def test_the_template_page_saves_a_mapping(client_for):
    response = client_for("admin").post(
        reverse("notifications:template-list"),
        {
            "provider": "tencent",
            "key": "appeal.answered",
            "code": "1987655",
            "signature": "北仑司机之家",
            "params": "1 = tracking_no\n2 = answer",
        },
    )
    assert response.status_code == 302
    row = TemplateMapping.objects.get()
    assert row.params == {"1": "tracking_no", "2": "answer"}


def test_the_template_page_shows_a_bad_parameter_line_without_saving(client_for):
    response = client_for("admin").post(
        reverse("notifications:template-list"),
        {"provider": "aliyun", "key": "appeal.received", "code": "SMS_1", "params": "no tracking"},
    )
    assert response.status_code == 200 and not TemplateMapping.objects.exists()


def _check_ids():
    return [m.id for m in sms_templates_mapped()]


def test_the_deploy_check_reports_every_unmapped_kind_when_a_provider_is_configured(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text(
        '[aliyun]\nsignature = "北仑"\n[aliyun.templates."appeal.received"]\ncode = "SMS_1"\n',
        encoding="utf-8",
    )
    with override_settings(
        SMS_BACKEND="aliyun",
        SMS_TEMPLATES_FILE=str(path),
        ALIYUN_SMS={"access_key_id": "a", "access_key_secret": "b", "endpoint": "https://x"},
    ):
        messages = sms_templates_mapped()
    unmapped = [m.msg for m in messages if m.id == "driverhome.E021"]
    assert any("appeal.answered" in m for m in unmapped)
    assert not any("appeal.received" in m for m in unmapped)
    assert "driverhome.E022" not in [m.id for m in messages]


def test_the_deploy_check_is_quiet_with_the_log_gateway():
    assert sms_templates_mapped() == []


def test_the_check_is_registered_with_the_deploy_tag():
    registered = checks.registry.registry.get_checks(include_deployment_checks=True)
    assert sms_templates_mapped in registered
    assert sms_templates_mapped not in checks.registry.registry.get_checks()


def test_a_broken_template_file_is_reported(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text("[weixin]\n", encoding="utf-8")
    with override_settings(SMS_BACKEND="tencent", SMS_TEMPLATES_FILE=str(path)):
        assert [m.id for m in sms_templates_mapped()] == ["driverhome.E020"]
