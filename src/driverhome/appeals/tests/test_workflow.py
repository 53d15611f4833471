"""The closed loop end to end, every forbidden transition, and the concurrent-action conflict."""

from itertools import product

import pytest
from django.urls import reverse

from driverhome.accounts.models import AuditLog
from driverhome.appeals import actions
from driverhome.appeals.models import Appeal, Extension, Transition, check_transition
from driverhome.core.errors import Conflict, DomainError, PermissionDeniedError

from .factories import appeal_in_stage, category, file

S = Appeal.Status
pytestmark = pytest.mark.django_db


def detail(appeal):
    return reverse("appeals:appeal-detail", args=[appeal.tracking_no])


def act(appeal, action):
    return reverse("appeals:appeal-act", args=[appeal.tracking_no, action])


def test_the_whole_loop_through_the_pages(client_for, personas, orgs, driver):
    # The driver files from his phone; a double submit (same form key) stores one request.
    phone = client_for("driver")
    form = phone.get(reverse("appeals_driver:appeal-new"))
    key = form.context["form"].initial["idempotency_key"]
    body = {"idempotency_key": key, "category": "C01-01", "description": "物流公司拖欠我两个月工资"}
    first = phone.post(reverse("appeals_driver:appeal-new"), body)
    second = phone.post(reverse("appeals_driver:appeal-new"), body)
    assert first.status_code == second.status_code == 302
    assert Appeal.objects.count() == 1
    appeal = Appeal.objects.get()
    assert (
        first["Location"]
        == second["Location"]
        == reverse("appeals_driver:appeal-detail", args=[appeal.tracking_no])
    )
    assert appeal.channel == "app" and appeal.care_broker == personas["broker"]
    assert (
        phone.get(reverse("appeals_driver:my-appeals")).content.decode().count(appeal.tracking_no)
    )

    # Site staff dispatch to the labour bureau.
    staff = client_for("site_staff")
    page = staff.get(detail(appeal))
    assert "dispatch" in page.context["available"]
    assert (
        staff.post(act(appeal, "dispatch"), {"unit": "t-labour", "version": 1}).status_code == 302
    )

    # The unit accepts, asks for more time; the supervisor approves; the unit answers.
    unit = client_for("unit_handler")
    assert unit.post(act(appeal, "accept"), {}).status_code == 302
    answer_due = Appeal.objects.get().answer_due_at
    assert unit.post(act(appeal, "extend"), {"days": 3, "note": "需要调查取证"}).status_code == 302
    supervisor = client_for("supervisor")
    assert supervisor.post(act(appeal, "decide-extension"), {"approve": "1"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.answer_due_at > answer_due and appeal.due_at == appeal.answer_due_at
    assert supervisor.post(act(appeal, "supervise"), {"note": "请尽快"}).status_code == 302
    assert unit.post(act(appeal, "answer"), {"text": "已责令企业本周内支付"}).status_code == 302

    # The driver sees the public timeline and rates the answer; satisfied closes it.
    page = phone.get(reverse("appeals_driver:appeal-detail", args=[appeal.tracking_no]))
    assert "已责令企业本周内支付" in page.content.decode()
    rate = reverse("appeals_driver:appeal-rate", args=[appeal.tracking_no])
    assert phone.post(rate, {"resolved": "yes", "satisfaction": 5}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == S.CLOSED and appeal.due_at is None
    assert list(appeal.transitions.values_list("to_status", flat=True)) == [
        "collected",
        "reported",
        "handling",
        "handling",
        "answered",
        "visited",
        "closed",
    ]
    assert AuditLog.objects.filter(object_type="appeals.appeal", action="appeal.closed").exists()
    assert Extension.objects.get().status == Extension.Status.APPROVED


def test_broker_makes_the_return_visit_and_a_no_sends_it_back_for_rehandling(personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "visited")
    assert appeal.status == S.VISITED
    actions.rehandle(appeal, actor=personas["broker"], note="工资仍未到账")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.rehandle_count) == (S.HANDLING, 1)
    actions.answer(appeal, actor=personas["unit_handler"], text="已到账")
    actions.return_visit(appeal, actor=personas["broker"], resolved="yes", satisfaction=4)
    appeal.refresh_from_db()
    assert appeal.status == S.CLOSED and appeal.visits.count() == 2


def test_a_satisfied_visit_cannot_be_rehandled(personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "answered")
    actions.return_visit(
        appeal, actor=personas["broker"], resolved="yes", satisfaction=5, close=False
    )
    with pytest.raises(DomainError):
        actions.rehandle(appeal, actor=personas["broker"], note="again")


def test_the_unit_returns_a_misdirected_request_and_it_is_dispatched_again(personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "reported")
    with pytest.raises(DomainError):
        actions.return_misdirected(appeal, actor=personas["unit_handler"], reason="  ")
    actions.return_misdirected(appeal, actor=personas["unit_handler"], reason="属交警职责")
    assert appeal.status == S.RETURNED
    actions.dispatch(appeal, orgs["police"], actor=personas["site_staff"])
    actions.accept(appeal, actor=personas["police_handler"])
    assert appeal.status == S.HANDLING and appeal.handling_unit == orgs["police"]


def test_another_unit_cannot_accept(personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "reported")
    with pytest.raises(PermissionDeniedError):
        actions.accept(appeal, actor=personas["police_handler"])


ALL = list(Appeal.Status.values)


@pytest.mark.parametrize(
    ("current", "target"),
    [(a, b) for a, b in product(ALL, ALL) if b not in Appeal.TRANSITIONS[a]],
)
def test_every_forbidden_transition_is_refused_with_a_clear_message(current, target):
    with pytest.raises(Conflict) as caught:
        check_transition(current, target)
    assert caught.value.code == "forbidden_transition"
    assert str(Appeal.Status(current).label) in str(caught.value)


def test_forbidden_steps_through_the_actions(personas, orgs, driver):
    appeal = file(personas["driver"], driver=driver)
    with pytest.raises(Conflict):
        actions.answer(appeal, actor=personas["admin"], text="x")
    with pytest.raises(Conflict):
        actions.accept(appeal, actor=personas["admin"])
    actions.withdraw(appeal, actor=personas["driver"], note="不需要了")
    with pytest.raises(Conflict):
        actions.dispatch(appeal, orgs["labour"], actor=personas["site_staff"])
    assert Transition.objects.filter(appeal=appeal).count() == 2


def test_two_staff_dispatch_at_once_one_wins_the_other_gets_409(client_for, personas, orgs, driver):
    appeal = file(personas["driver"], driver=driver)
    first, second = client_for("site_staff"), client_for("supervisor")
    # Both read version 1; the first posts, then the second posts the same stale version.
    assert (
        first.post(act(appeal, "dispatch"), {"unit": "t-labour", "version": 1}).status_code == 302
    )
    late = second.post(act(appeal, "dispatch"), {"unit": "t-police", "version": 1})
    assert late.status_code == 409
    assert "nothing was saved" in late.content.decode() or "没有保存" in late.content.decode()
    appeal.refresh_from_db()
    assert appeal.handling_unit == orgs["labour"] and appeal.version == 2
    assert appeal.transitions.filter(to_status=S.REPORTED).count() == 1


def test_a_lost_race_in_the_action_raises_conflict_and_writes_nothing(personas, orgs, driver):
    appeal = file(personas["driver"], driver=driver)
    stale = Appeal.objects.get(pk=appeal.pk)
    actions.dispatch(appeal, orgs["labour"], actor=personas["site_staff"])
    with pytest.raises(Conflict):
        actions.dispatch(stale, orgs["police"], actor=personas["supervisor"])
    assert Transition.objects.filter(appeal=appeal).count() == 2


def test_the_api_answers_409_to_a_stale_version(api, personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "reported")
    url = f"/api/v1/appeals/{appeal.tracking_no}/actions/accept"
    ok = api("unit_handler").post(url, {"version": appeal.version}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "handling"
    late = api("unit_handler").post(
        url, {"version": appeal.version}, content_type="application/json"
    )
    assert late.status_code == 409 and late.json()["code"] in ("stale", "forbidden_transition")


def test_merge_tells_the_driver_and_he_follows_the_surviving_request(
    client_for, personas, orgs, driver
):
    from driverhome.appeals.tests.factories import driver_for
    from driverhome.notifications.models import Notification

    other = driver_for(personas["other_driver"], orgs["xiapu"], name="李师傅")
    survivor = file(
        personas["other_driver"], driver=other, code="C03-01", description="集运基地停车场没有车位"
    )
    duplicate = file(
        personas["driver"], driver=driver, code="C03-01", description="集运基地停车场车位满了"
    )
    actions.merge(duplicate, survivor, actor=personas["site_staff"])
    duplicate.refresh_from_db()
    assert duplicate.status == S.MERGED and duplicate.merged_into == survivor
    assert Notification.objects.filter(driver=driver, template="appeal.merged").exists()
    phone = client_for("driver")
    page = phone.get(reverse("appeals_driver:appeal-detail", args=[survivor.tracking_no]))
    assert page.status_code == 200
    assert "李师傅" not in page.content.decode()
    with pytest.raises(DomainError):
        actions.merge(survivor, survivor, actor=personas["site_staff"])


def test_broker_hands_a_case_over_and_the_other_accepts(personas, orgs, driver):
    from conftest import make_user
    from driverhome.accounts.models import Role

    broker2 = make_user("p-broker2", Role.BROKER, orgs["xiapu"])
    appeal = file(personas["driver"], driver=driver)
    transfer = actions.transfer_broker(appeal, broker2, actor=personas["broker"], note="我休假")
    with pytest.raises(Conflict):
        actions.transfer_broker(appeal, broker2, actor=personas["broker"])
    with pytest.raises(PermissionDeniedError):
        actions.answer_transfer(transfer, actor=personas["broker"], accept=True)
    actions.answer_transfer(transfer, actor=broker2, accept=True)
    appeal.refresh_from_db()
    assert appeal.care_broker == broker2


def test_a_request_from_a_driver_with_a_broker_lands_in_the_brokers_worklist(
    rf, personas, orgs, driver
):
    from driverhome.appeals.console import worklist_panels

    appeal = file(personas["driver"], driver=driver)
    request = rf.get("/console/")
    request.user = personas["broker"]
    panels = {p["title"]: p for p in worklist_panels(request)}
    waiting = next(p for t, p in panels.items() if p["url"].endswith("mine=on") and p["tone"] == "")
    assert waiting["count"] == 1 and appeal.tracking_no in waiting["items"][0]["label"]


def test_received_at_cannot_be_in_the_future(personas, orgs):
    from datetime import timedelta

    from django.utils import timezone

    with pytest.raises(DomainError) as caught:
        actions.file_appeal(
            actor=personas["site_staff"],
            channel="paper",
            category=category(),
            description="纸质表格",
            received_at=timezone.now() + timedelta(days=1),
            reporter_name="王",
        )
    assert caught.value.code == "received_in_future"
