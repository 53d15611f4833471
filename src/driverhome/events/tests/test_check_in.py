from datetime import timedelta

import pytest
from django.test import override_settings

from driverhome.core.errors import DomainError
from driverhome.events import actions, tokens
from driverhome.events.models import CheckIn, Registration

from .helpers import make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(station):
    """A market that starts now: its check-in window is open."""
    return make_event(station, days=0, capacity=2)


@pytest.fixture
def next_week(station):
    return make_event(station, days=7, title="下周集市")


def test_staff_scan_the_drivers_qr_code_once_only(client_for, market, driver):
    actions.register(market, driver, actor=None)
    client = client_for("site_staff")
    code = tokens.driver_token(driver)
    url = f"/console/events/{market.code}/check-in/"
    first = client.post(url, {"q": code}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    row = CheckIn.objects.get(event=market, driver=driver)
    assert row.method == CheckIn.Method.DRIVER_QR and not row.walk_in
    assert row.registration.status == Registration.Status.CONFIRMED
    # A retry on a slow connection: answered, never recorded twice.
    again = client.post(url, {"q": code}, HTTP_HX_REQUEST="true")
    assert again.status_code == 200
    assert CheckIn.objects.filter(event=market, driver=driver).count() == 1


def test_double_check_in_through_actions_and_the_unique_constraint(market, driver):
    first, created = actions.check_in(market, driver, actor=None, method="lookup")
    second, created_again = actions.check_in(market, driver, actor=None, method="driver_qr")
    assert created and not created_again and first.pk == second.pk
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(event=market, driver=driver, method="lookup")


def test_a_forged_or_altered_code_does_not_check_anyone_in(client_for, market, driver):
    code = tokens.driver_token(driver)
    forged = code[:-3] + ("AAA" if not code.endswith("AAA") else "BBB")
    response = client_for("site_staff").post(
        f"/console/events/{market.code}/check-in/", {"q": forged}
    )
    assert response.status_code == 200
    assert not CheckIn.objects.exists()
    assert tokens.driver_public_id(forged) is None
    assert tokens.driver_public_id(code) == driver.public_id


def test_walk_ins_are_checked_in_by_phone_number(client_for, market, drivers):
    client_for("site_staff").post(f"/console/events/{market.code}/check-in/", {"q": "13900000003"})
    row = CheckIn.objects.get(event=market)
    assert row.driver == drivers[3] and row.walk_in and row.registration is None


def test_the_driver_scans_the_events_code_to_check_himself_in(client_for, market, driver):
    client = client_for("driver")
    url = f"/d/events/{market.code}/check-in/{tokens.event_token(market)}/"
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    row = CheckIn.objects.get(event=market, driver=driver)
    assert row.method == CheckIn.Method.EVENT_QR and row.walk_in
    wrong = f"/d/events/{market.code}/check-in/not-the-token/"
    assert client.get(wrong).status_code == 404


def test_qr_images_are_svg(client_for, market, driver):
    mine = client_for("driver").get("/d/events/my-qr.svg")
    assert mine.status_code == 200 and mine["Content-Type"] == "image/svg+xml"
    assert b"<svg" in mine.content
    assert "private" in mine["Cache-Control"]
    poster = client_for("site_staff").get(f"/console/events/{market.code}/qr.svg")
    assert poster.status_code == 200 and b"<svg" in poster.content


def test_check_in_api_answers_201_then_200(api, market, driver):
    client = api("site_staff")
    url = f"/api/v1/events/{market.code}/check-ins"
    body = {"code": tokens.driver_token(driver)}
    first = client.post(url, body, content_type="application/json")
    assert first.status_code == 201, first.content
    assert first.json()["walk_in"] is True
    second = client.post(url, body, content_type="application/json")
    assert second.status_code == 200 and second.json()["created"] is False
    assert CheckIn.objects.count() == 1


def test_a_cancelled_event_checks_nobody_in(market, driver):
    from driverhome.core.errors import DomainError

    actions.cancel_event(market, actor=None, reason="台风")
    market.refresh_from_db()
    with pytest.raises(DomainError):
        actions.check_in(market, driver, actor=None, method="lookup")


def test_check_in_opens_two_hours_before_the_start_and_closes_at_the_end(next_week, driver):
    start, end = next_week.starts_at, next_week.ends_at
    for moment in (start - timedelta(days=6), start - timedelta(hours=2, seconds=1)):
        with pytest.raises(DomainError) as early:
            actions.check_in(next_week, driver, actor=None, method="lookup", now=moment)
        assert early.value.code == "check_in_not_open"
        assert early.value.extra["opens_at"] == (start - timedelta(hours=2)).isoformat()
    for moment in (end, end + timedelta(hours=1)):
        with pytest.raises(DomainError) as late:
            actions.check_in(next_week, driver, actor=None, method="lookup", now=moment)
        assert late.value.code == "check_in_closed"
    assert not CheckIn.objects.exists()
    row, created = actions.check_in(
        next_week, driver, actor=None, method="lookup", now=start - timedelta(hours=2)
    )
    assert created and row.event == next_week
    # Already checked in: a repeat scan after the end is answered, not refused.
    again, created = actions.check_in(next_week, driver, actor=None, method="lookup", now=end)
    assert again.pk == row.pk and not created


@override_settings(EVENT_CHECK_IN_OPENS_MINUTES=30)
def test_the_opening_is_a_setting(next_week, driver):
    start = next_week.starts_at
    with pytest.raises(DomainError):
        actions.check_in(
            next_week, driver, actor=None, method="lookup", now=start - timedelta(minutes=31)
        )
    _row, created = actions.check_in(
        next_week, driver, actor=None, method="lookup", now=start - timedelta(minutes=30)
    )
    assert created


def test_an_early_scan_at_the_desk_says_when_check_in_opens(client_for, next_week, driver):
    response = client_for("site_staff").post(
        f"/console/events/{next_week.code}/check-in/", {"q": tokens.driver_token(driver)}
    )
    assert response.status_code == 200
    opens = actions.check_in_window(next_week)[0]
    assert actions._local(opens).encode() in response.content
    assert "签到尚未开始".encode() in response.content
    assert not CheckIn.objects.exists()


def test_an_early_scan_through_the_api_answers_400_with_the_opening(api, next_week, driver):
    response = api("site_staff").post(
        f"/api/v1/events/{next_week.code}/check-ins",
        {"code": tokens.driver_token(driver)},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "check_in_not_open"
    assert body["opens_at"] == actions.check_in_window(next_week)[0].isoformat()
    assert "opens at" in body["detail"]
    assert not CheckIn.objects.exists()


def test_the_drivers_scan_of_a_past_event_says_check_in_closed(client_for, station, driver):
    past = make_event(station, days=-1)
    url = f"/d/events/{past.code}/check-in/{tokens.event_token(past)}/"
    client = client_for("driver")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert b"Check me in" not in page.content
    assert b"closed" in page.content
    response = client.post(url, follow=True)
    assert not CheckIn.objects.exists()
    assert response.status_code == 200
