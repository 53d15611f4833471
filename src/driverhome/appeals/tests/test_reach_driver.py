"""Staff reach the driver from his request: a link to his file where they may see it, his
masked phone, the full number with a reason (access-logged) and a ``tel:`` link; the same
for a reporter without a file."""

import pytest
from django.urls import reverse

from driverhome.accounts.models import AccessLog
from driverhome.appeals import access, actions
from driverhome.core.errors import DomainError, PermissionDeniedError

from .factories import appeal_in_stage, file

pytestmark = pytest.mark.django_db


def detail(appeal):
    return reverse("appeals:appeal-detail", args=[appeal.tracking_no])


def phone_url(appeal):
    return reverse("appeals:appeal-phone", args=[appeal.tracking_no])


def test_the_page_links_to_his_file_where_the_viewer_may_see_it(client_for, personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "handling")
    file_url = reverse("drivers:driver-detail", args=[appeal.driver.public_id])
    assert file_url in client_for("site_staff").get(detail(appeal)).content.decode()
    assert file_url in client_for("broker").get(detail(appeal)).content.decode()
    # The unit handling it does not hold his file: his name, no link.
    unit_page = client_for("unit_handler").get(detail(appeal)).content.decode()
    assert file_url not in unit_page and appeal.driver.name in unit_page


def test_staff_show_his_phone_with_a_reason_and_the_access_log_has_it(client_for, personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "handling")
    number = appeal.driver.phone
    staff = client_for("unit_handler")
    page = staff.get(detail(appeal)).content.decode()
    assert number not in page
    assert f"{number[:3]}****{number[-4:]}" in page
    assert staff.post(phone_url(appeal), {"reason": ""}).status_code == 400
    assert not AccessLog.objects.exists()
    shown = staff.post(phone_url(appeal), {"reason": "核实欠薪金额"})
    assert shown.status_code == 200
    assert f'href="tel:{number}"' in shown.content.decode()
    row = AccessLog.objects.get()
    assert (row.actor_id, row.field) == (personas["unit_handler"].pk, "phone")
    assert appeal.tracking_no in row.shown_reason and "核实欠薪金额" in row.shown_reason
    assert row.subject_id == str(appeal.driver.public_id)


def test_an_anonymous_request_keeps_his_phone_from_the_unit(client_for, personas, orgs, driver):
    appeal = file(personas["driver"], driver=driver, anonymous=True)
    actions.dispatch(appeal, orgs["labour"], actor=personas["site_staff"])
    assert not access.may_reveal_phone(personas["unit_handler"], appeal)
    assert client_for("unit_handler").post(phone_url(appeal), {"reason": "x"}).status_code == 404
    with pytest.raises(PermissionDeniedError):
        actions.reveal_phone(appeal, actor=personas["unit_handler"], reason="x")
    assert access.may_reveal_phone(personas["site_staff"], appeal)


def test_a_reporter_without_a_file_is_reached_the_same_way(client_for, api, personas, orgs):
    appeal = file(personas["site_staff"], reporter_name="王先生", reporter_phone="13912345678")
    staff = client_for("site_staff")
    assert "139****5678" in staff.get(detail(appeal)).content.decode()
    shown = staff.post(phone_url(appeal), {"reason": "回访"})
    assert 'href="tel:13912345678"' in shown.content.decode()
    row = AccessLog.objects.get()
    assert (row.field, row.subject_type) == ("reporter_phone", "appeals.appeal")
    response = api("site_staff").post(
        f"/api/v1/appeals/{appeal.tracking_no}/phone",
        {"reason": "回访"},
        content_type="application/json",
    )
    assert response.json() == {"phone": "13912345678"}
    assert AccessLog.objects.count() == 2
    # Outside his scope, the number does not exist.
    assert client_for("outsider").post(phone_url(appeal), {"reason": "x"}).status_code == 404


def test_nothing_to_show_without_a_number(personas, orgs):
    appeal = file(personas["site_staff"], reporter_name="匿名来电")
    with pytest.raises(DomainError):
        actions.reveal_phone(appeal, actor=personas["site_staff"], reason="x")
