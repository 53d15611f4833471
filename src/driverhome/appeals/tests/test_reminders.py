"""The supervision ladder: reminder at 80 %, notice the day after a miss, escalation at 5 working days.

Filed Tue 30 Sep 2025 as an enquiry (3 working days): due Sat 11 Oct (a make-up
working day after the National Day holiday, 1–8 Oct).
"""

import pytest
from django.core.management import call_command
from django.utils import timezone

from driverhome.appeals import actions
from driverhome.appeals.models import Appeal, Supervision
from driverhome.appeals.reminders import run_pass
from driverhome.notifications.models import Notification

from .conftest import frozen, local
from .factories import file

pytestmark = pytest.mark.django_db


@pytest.fixture
def handling(personas, orgs, driver):
    with frozen(local(2025, 9, 30, 10)):
        appeal = file(personas["driver"], driver=driver, code="C05-01")  # enquiry
        actions.dispatch(appeal, orgs["labour"], actor=personas["site_staff"])
        actions.accept(appeal, actor=personas["unit_handler"])
    appeal.refresh_from_db()
    assert timezone.localtime(appeal.due_at).date().isoformat() == "2025-10-11"
    return appeal


def unit_notices(personas, template):
    return Notification.objects.filter(recipient_user=personas["unit_handler"], template=template)


def test_nothing_is_sent_before_the_reminder_point(handling, personas):
    with frozen(local(2025, 10, 3, 10)):
        assert run_pass() == {"reminder": 0, "missed": 0, "escalated": 0}


def test_the_ladder_runs_each_step_once(handling, personas, orgs):
    orgs["labour"].phone = "057486000000"
    orgs["labour"].save()
    supervisor = personas["supervisor"]
    # 80 % of the time from 30 Sep 10:00 to 11 Oct 23:59 has passed on 10 Oct.
    with frozen(local(2025, 10, 9, 12)):
        assert run_pass()["reminder"] == 0
    with frozen(local(2025, 10, 10, 12)):
        assert run_pass()["reminder"] == 1
        assert run_pass()["reminder"] == 0  # a second run sends nothing twice
    assert unit_notices(personas, "appeal.reminder").count() == 1
    # Due on Sat 11 Oct; the day after, Sun 12 Oct, the unit and its leader hear of it.
    with frozen(local(2025, 10, 11, 20)):
        assert run_pass()["missed"] == 0
    with frozen(local(2025, 10, 12, 8)):
        assert run_pass()["missed"] == 1
        assert run_pass()["missed"] == 0
    assert unit_notices(personas, "appeal.missed").count() == 1  # console (he has no phone on file)
    leader = Notification.objects.filter(template="appeal.missed", phone_masked__startswith="057")
    assert leader.count() == 1
    # Working days after the due date: 13, 14, 15, 16 Oct = 4; 17 Oct = 5 → escalate.
    with frozen(local(2025, 10, 16, 12)):
        assert run_pass()["escalated"] == 0
    with frozen(local(2025, 10, 17, 9)):
        assert run_pass()["escalated"] == 1
        assert run_pass() == {"reminder": 0, "missed": 0, "escalated": 0}
    assert Notification.objects.filter(
        recipient_user=supervisor, template="appeal.escalated"
    ).exists()
    assert Appeal.objects.get(pk=handling.pk).supervised
    assert Supervision.objects.filter(appeal=handling).count() == 3


def test_an_approved_extension_starts_a_fresh_ladder(handling, personas):
    with frozen(local(2025, 10, 9, 12)):
        run_pass()
        extension = actions.request_extension(
            handling, actor=personas["unit_handler"], days=5, reason="取证"
        )
        actions.decide_extension(extension, actor=personas["supervisor"], approve=True)
    handling.refresh_from_db()
    assert timezone.localtime(handling.due_at).date().isoformat() == "2025-10-17"
    with frozen(local(2025, 10, 12, 8)):
        assert run_pass()["missed"] == 0


def test_overdue_is_computed_not_stored(handling):
    with frozen(local(2025, 10, 11, 23, 0)):
        assert not Appeal.objects.get(pk=handling.pk).is_overdue
        assert not Appeal.objects.overdue().exists()
    with frozen(local(2025, 10, 12, 0, 1)):
        assert Appeal.objects.get(pk=handling.pk).is_overdue
        assert Appeal.objects.overdue().count() == 1


def test_the_command_runs_one_pass(handling, capsys):
    with frozen(local(2025, 10, 12, 8)):
        call_command("run-reminders")
        call_command("run-reminders")
    out = capsys.readouterr().out.splitlines()
    assert out == ["reminders: 0, missed: 1, escalated: 0", "reminders: 0, missed: 0, escalated: 0"]


def test_the_periodic_job_is_registered_with_huey():
    from huey.contrib.djhuey import HUEY

    from driverhome.appeals.tasks import supervision_ladder

    assert supervision_ladder.task_class in HUEY._registry._periodic_tasks


def test_every_overdue_request_is_reached_when_they_outnumber_the_batch(
    personas, orgs, driver, monkeypatch
):
    """Five overdue requests and a batch of two: one pass chases all five, oldest first."""
    from driverhome.appeals import reminders

    monkeypatch.setattr(reminders, "BATCH", 2)
    appeals = []
    for day in (22, 23, 24, 25, 26):  # enquiries filed Mon 22 – Fri 26 Sep 2025
        with frozen(local(2025, 9, day, 10)):
            appeal = file(personas["driver"], driver=driver, code="C05-01")
            actions.dispatch(appeal, orgs["labour"], actor=personas["site_staff"])
            actions.accept(appeal, actor=personas["unit_handler"])
        appeals.append(appeal)
    # The oldest two already had their notice in an earlier pass: they are not picked again.
    with frozen(local(2025, 10, 9, 12)):
        for appeal in appeals[:2]:
            appeal.refresh_from_db()
            Supervision.objects.create(appeal=appeal, kind="missed", due_at=appeal.due_at)
        assert run_pass()["missed"] == 3
        assert run_pass()["missed"] == 0
    notified = Supervision.objects.filter(kind="missed").values_list("appeal_id", flat=True)
    assert sorted(notified) == sorted(a.pk for a in appeals)
    # By 24 Oct all five are 5+ working days overdue (the oldest already was on 9 Oct).
    with frozen(local(2025, 10, 24, 12)):
        assert run_pass()["escalated"] == 4
        assert run_pass()["escalated"] == 0
    assert Appeal.objects.filter(supervised=True).count() == 5


def test_every_request_past_its_reminder_point_is_reminded_beyond_the_batch(
    personas, orgs, driver, monkeypatch
):
    from driverhome.appeals import reminders

    monkeypatch.setattr(reminders, "BATCH", 2)
    with frozen(local(2025, 9, 30, 10)):
        for _ in range(5):
            appeal = file(personas["driver"], driver=driver, code="C05-01")
            actions.dispatch(appeal, orgs["labour"], actor=personas["site_staff"])
            actions.accept(appeal, actor=personas["unit_handler"])
    with frozen(local(2025, 10, 10, 12)):
        assert run_pass()["reminder"] == 5
        assert run_pass()["reminder"] == 0
