"""A complaint received on Fri 25 Dec 2026, while the 2027 holidays are not known.

13 working days from the day after: 28–31 Dec, then 2027. Counted Monday to Friday the
answer is due Wed 13 Jan 2027 and shown as provisional; once the 2027 calendar is entered
(here a synthetic one: 1 Jan is a holiday) it is due Thu 14 Jan, no longer provisional,
and the change is in the request's history and the audit log.
"""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from driverhome.accounts.models import AuditLog
from driverhome.appeals import actions
from driverhome.appeals.models import Appeal, Transition
from driverhome.holidays.actions import enter_year
from driverhome.holidays.models import CalendarYear

from .conftest import frozen, local
from .factories import file

pytestmark = pytest.mark.django_db

NEW_YEAR_2027 = [(date(2027, 1, 1), "holiday", "元旦")]


def local_day(moment):
    return timezone.localtime(moment).date()


@pytest.fixture
def complaint(personas, orgs, driver):
    CalendarYear.objects.filter(year__gte=2027).delete()
    with frozen(local(2026, 12, 25, 10)):
        appeal = file(personas["driver"], driver=driver, code="C01-01")  # complaint: 13 days
        actions.dispatch(appeal, orgs["labour"], actor=personas["site_staff"])
        actions.accept(appeal, actor=personas["unit_handler"])
    appeal.refresh_from_db()
    return appeal


def test_a_deadline_in_an_unknown_year_is_provisional_until_the_year_is_entered(
    complaint, personas, api, client
):
    assert local_day(complaint.answer_due_at) == date(2027, 1, 13)
    assert complaint.due_at == complaint.answer_due_at
    assert complaint.due_provisional and complaint.answer_due_provisional

    body = api("supervisor").get(f"/api/v1/appeals/{complaint.tracking_no}").json()
    assert body["due_provisional"] is True and body["answer_due_provisional"] is True
    client.force_login(personas["driver"])
    page = client.get(
        reverse("appeals_driver:appeal-detail", args=[complaint.tracking_no]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "2027-01-13" in page and "provisional" in page

    with frozen(local(2026, 12, 28, 9)):
        response = api("supervisor").put(
            "/api/v1/calendar/years/2027",
            data={
                "notice": "synthetic",
                "days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}],
            },
            content_type="application/json",
        )
    assert response.status_code == 200, response.content

    complaint.refresh_from_db()
    assert local_day(complaint.answer_due_at) == date(2027, 1, 14)
    assert complaint.due_at == complaint.answer_due_at
    assert not complaint.due_provisional
    body = api("supervisor").get(f"/api/v1/appeals/{complaint.tracking_no}").json()
    assert body["due_provisional"] is False
    page = client.get(
        reverse("appeals_driver:appeal-detail", args=[complaint.tracking_no]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "2027-01-14" in page and "provisional" not in page

    history = Transition.objects.filter(appeal=complaint).order_by("at", "pk").last()
    assert history.from_status == history.to_status == Appeal.Status.HANDLING
    assert history.public and "2027-01-14" in history.public_note
    audit = AuditLog.objects.get(action="appeal.deadline_recomputed")
    assert audit.shown_changes["answer_due_at"][1].startswith("2027-01-14")
    assert AuditLog.objects.filter(action="calendar.entered").count() == 1


def test_entering_the_same_calendar_again_changes_no_deadline(complaint, personas):
    enter_year(actor=personas["admin"], year=2027, days=NEW_YEAR_2027)
    enter_year(actor=personas["admin"], year=2027, days=NEW_YEAR_2027, notice="again")
    assert AuditLog.objects.filter(action="appeal.deadline_recomputed").count() == 1
    assert AuditLog.objects.filter(action="calendar.changed").count() == 1


def test_a_closed_request_keeps_its_deadline(complaint, personas):
    actions.withdraw(complaint, actor=personas["site_staff"], note="司机已自行解决")
    before = Appeal.objects.get(pk=complaint.pk).answer_due_at
    enter_year(actor=personas["admin"], year=2027, days=NEW_YEAR_2027)
    assert Appeal.objects.get(pk=complaint.pk).answer_due_at == before
    assert not AuditLog.objects.filter(action="appeal.deadline_recomputed").exists()


def test_a_request_filed_inside_the_unknown_year_is_counted_from_its_own_day(
    personas, orgs, driver
):
    """Filed Mon 4 Jan 2027 (enquiry, 3 working days): due Thu 7 Jan on either calendar."""
    CalendarYear.objects.filter(year__gte=2027).delete()
    with frozen(local(2027, 1, 4, 10)):
        appeal = file(personas["driver"], driver=driver, code="C05-01")
    assert local_day(appeal.answer_due_at) == date(2027, 1, 7)
    enter_year(actor=personas["admin"], year=2027, days=NEW_YEAR_2027)
    appeal.refresh_from_db()
    assert local_day(appeal.answer_due_at) == date(2027, 1, 7)
