"""His voice after the answer: messages and photos on an open request, the rating rules,
the decision that a weak rating waits for, reopening within 15 days, withdrawing with a reason."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from driverhome.accounts.models import AuditLog
from driverhome.appeals import actions, reminders
from driverhome.appeals.models import Appeal, Reopening, Supervision, Transition
from driverhome.core.errors import Conflict, DomainError, PermissionDeniedError
from driverhome.notifications.models import Notification

from .conftest import frozen
from .factories import appeal_in_stage, png_bytes

pytestmark = pytest.mark.django_db
S = Appeal.Status


def page(appeal, name="appeal-detail"):
    return reverse(f"appeals_driver:{name}", args=[appeal.tracking_no])


def rate(client, appeal, resolved, score):
    return client.post(
        page(appeal, "appeal-rate"), {"resolved": resolved, "satisfaction": str(score)}
    )


# --- messages and photos ----------------------------------------------------------------------


def test_he_adds_a_message_and_a_photo_and_the_unit_and_broker_are_told(client_for, personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "handling")
    photo = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    response = client_for("driver").post(
        page(appeal, "appeal-message"), {"text": "老板今天又推迟了", "photos": photo}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == S.HANDLING
    assert appeal.photos.count() == 1
    row = appeal.transitions.get(kind=Transition.Kind.MESSAGE)
    assert (row.from_status, row.to_status, row.public) == (S.HANDLING, S.HANDLING, True)
    assert AuditLog.objects.filter(action="appeal.message").exists()
    told = set(
        Notification.objects.filter(template="appeal.driver_message").values_list(
            "recipient_user__username", flat=True
        )
    )
    assert told == {"p-unit", "p-broker"}
    detail = client_for("driver").get(page(appeal)).content.decode()
    assert "老板今天又推迟了" in detail


def test_an_empty_message_is_refused_and_a_closed_request_takes_none(client_for, personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "handling")
    response = client_for("driver").post(page(appeal, "appeal-message"), {"text": "  "})
    assert response.status_code == 400
    assert "Write a message or add a photo." in response.content.decode() or (
        "请写下" in response.content.decode()
    )
    with pytest.raises(PermissionDeniedError):
        actions.add_message(appeal, actor=personas["other_driver"], text="x")
    actions.answer(appeal, actor=personas["unit_handler"], text="已发放")
    actions.return_visit(appeal, actor=personas["driver"], resolved="yes", satisfaction=5)
    with pytest.raises(Conflict):
        actions.add_message(appeal, actor=personas["driver"], text="还有一件事")


# --- the rating rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "resolved, score, closes",
    [
        ("yes", 5, True),
        ("yes", 3, True),
        ("yes", 2, False),
        ("partly", 3, False),
        ("partly", 5, False),
        ("no", 4, False),
    ],
)
def test_only_resolved_and_3_or_more_closes_his_own_rating(
    resolved, score, closes, client_for, personas, orgs
):
    appeal = appeal_in_stage(personas, orgs, "answered")
    assert rate(client_for("driver"), appeal, resolved, score).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == (S.CLOSED if closes else S.VISITED)
    if not closes:
        # A decision is owed, by a deadline of its own, and the broker is told.
        assert appeal.due_at is not None and appeal.due_at > timezone.now()
        assert Notification.objects.filter(
            template="appeal.decision_due", recipient_user=personas["broker"]
        ).exists()


def test_partly_resolved_waits_for_the_broker_who_sends_it_back(client_for, personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "answered")
    rate(client_for("driver"), appeal, "partly", 3)
    broker = client_for("broker")
    detail = broker.get(reverse("appeals:appeal-detail", args=[appeal.tracking_no]))
    assert b"/act/rehandle/" in detail.content and b"/act/close/" in detail.content
    response = broker.post(
        reverse("appeals:appeal-act", args=[appeal.tracking_no, "rehandle"]),
        {"note": "司机说只发了一半"},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.rehandle_count) == (S.HANDLING, 1)
    actions.answer(appeal, actor=personas["unit_handler"], text="剩余工资已发放")
    rate(client_for("driver"), appeal, "yes", 4)
    appeal.refresh_from_db()
    assert appeal.status == S.CLOSED


def test_a_full_rating_cannot_be_sent_back(personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "answered")
    actions.return_visit(
        appeal, actor=personas["broker"], resolved="yes", satisfaction=4, close=False
    )
    with pytest.raises(DomainError) as caught:
        actions.rehandle(appeal, actor=personas["broker"], note="x")
    assert caught.value.code == "rehandle_not_allowed"


def test_the_supervision_ladder_chases_the_decision(client_for, personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "answered")
    rate(client_for("driver"), appeal, "no", 2)
    appeal.refresh_from_db()
    with frozen(appeal.due_at + timedelta(days=3)):
        counts = reminders.run_pass()
    assert counts["missed"] == 1
    assert Supervision.objects.filter(appeal=appeal, kind=Supervision.Kind.MISSED).exists()
    assert Notification.objects.filter(
        template="appeal.missed", recipient_user=personas["broker"]
    ).exists()


# --- reopening --------------------------------------------------------------------------------


def closed(personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "answered")
    actions.return_visit(appeal, actor=personas["driver"], resolved="yes", satisfaction=4)
    appeal.refresh_from_db()
    assert appeal.status == S.CLOSED
    return appeal


def test_he_asks_to_reopen_and_the_supervisor_accepts(client_for, personas, orgs):
    appeal = closed(personas, orgs)
    assert b"/reopen/" in client_for("driver").get(page(appeal)).content
    response = client_for("driver").post(page(appeal, "appeal-reopen"), {"reason": "钱又没到"})
    assert response.status_code == 302
    reopening = Reopening.objects.get(appeal=appeal)
    assert reopening.status == Reopening.Status.PENDING
    assert appeal.transitions.filter(kind=Transition.Kind.REOPEN_ASKED).exists()
    assert Notification.objects.filter(
        template="appeal.reopen_asked", recipient_user=personas["supervisor"]
    ).exists()
    # Asking twice is refused while the first waits.
    with pytest.raises(Conflict):
        actions.ask_reopen(appeal, actor=personas["driver"], reason="again")
    # Not the broker's decision.
    with pytest.raises(PermissionDeniedError):
        actions.decide_reopen(reopening, actor=personas["broker"], accept=True)
    supervisor = client_for("supervisor")
    detail = supervisor.get(reverse("appeals:appeal-detail", args=[appeal.tracking_no]))
    assert b"/act/decide-reopen/" in detail.content
    response = supervisor.post(
        reverse("appeals:appeal-act", args=[appeal.tracking_no, "decide-reopen"]),
        {"accept": "1", "note": "请劳动局再核实"},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.closed_at, appeal.rehandle_count) == (S.HANDLING, None, 1)
    row = appeal.transitions.latest("at", "pk")
    assert (row.from_status, row.to_status) == (S.CLOSED, S.HANDLING)
    assert AuditLog.objects.filter(action="appeal.handling", object_id=str(appeal.pk)).exists()


def test_a_refused_reopening_stays_closed_with_the_reason(personas, orgs, client_for):
    appeal = closed(personas, orgs)
    reopening = actions.ask_reopen(appeal, actor=personas["driver"], reason="不满意")
    with pytest.raises(DomainError):
        actions.decide_reopen(reopening, actor=personas["supervisor"], accept=False)
    actions.decide_reopen(
        reopening, actor=personas["supervisor"], accept=False, note="工资已全部到账，有银行记录"
    )
    appeal.refresh_from_db()
    assert appeal.status == S.CLOSED
    assert Reopening.objects.get(pk=reopening.pk).status == Reopening.Status.REFUSED
    assert appeal.transitions.filter(kind=Transition.Kind.REOPEN_REFUSED).exists()
    assert "工资已全部到账" in client_for("driver").get(page(appeal)).content.decode()
    with pytest.raises(Conflict):
        actions.decide_reopen(reopening, actor=personas["supervisor"], accept=True)


def test_reopening_is_possible_for_15_days_only(personas, orgs):
    appeal = closed(personas, orgs)
    with frozen(appeal.closed_at + timedelta(days=15, hours=-1)):
        actions.ask_reopen(appeal, actor=personas["driver"], reason="again")
    Reopening.objects.all().delete()
    with frozen(appeal.closed_at + timedelta(days=15, hours=1)):
        with pytest.raises(Conflict) as caught:
            actions.ask_reopen(appeal, actor=personas["driver"], reason="again")
    assert caught.value.code == "reopen_too_late"
    with pytest.raises(DomainError):
        actions.ask_reopen(appeal, actor=personas["driver"], reason="  ")


def test_only_his_own_closed_request_and_through_the_api(api, personas, orgs):
    appeal = closed(personas, orgs)
    url = f"/api/v1/appeals/{appeal.tracking_no}/actions/reopen"
    assert (
        api("other_driver").post(url, {"note": "x"}, content_type="application/json").status_code
        == 404
    )
    assert (
        api("site_staff").post(url, {"note": "x"}, content_type="application/json").status_code
        == 404
    )
    response = api("driver").post(url, {"note": "问题又出现了"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert Reopening.objects.filter(appeal=appeal, status="pending").exists()


# --- withdrawing ------------------------------------------------------------------------------


def test_withdrawing_asks_for_confirmation_and_a_reason(client_for, personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "handling")
    driver = client_for("driver")
    confirm = driver.get(page(appeal, "appeal-withdraw"))
    assert confirm.status_code == 200
    assert b'name="reason"' in confirm.content
    appeal.refresh_from_db()
    assert appeal.status == S.HANDLING  # looking at the page changes nothing
    assert driver.post(page(appeal, "appeal-withdraw"), {"reason": ""}).status_code == 400
    appeal.refresh_from_db()
    assert appeal.status == S.HANDLING
    assert driver.post(page(appeal, "appeal-withdraw"), {"reason": "自己解决了"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == S.WITHDRAWN
    assert appeal.transitions.latest("at", "pk").note == "自己解决了"


def test_the_api_withdraw_needs_a_reason(api, personas, orgs):
    appeal = appeal_in_stage(personas, orgs, "handling")
    url = f"/api/v1/appeals/{appeal.tracking_no}/actions/withdraw"
    assert api("driver").post(url, {}, content_type="application/json").status_code == 400
    ok = api("driver").post(url, {"note": "不需要了"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "withdrawn"
