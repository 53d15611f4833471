import pytest

from driverhome.events import actions, tokens
from driverhome.events.models import CheckIn, Registration

pytestmark = pytest.mark.django_db


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
