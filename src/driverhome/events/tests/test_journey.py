"""The issue's "done when": sign up, moved up from the waiting list, reminded, checked in with
his QR code, two services and a request at a stall, a rating — through pages and the API."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from driverhome.events import actions
from driverhome.events.models import CheckIn, Feedback, Registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    from driverhome.services.catalogue import load_default_catalogue
    from driverhome.services.models import ServiceItem

    load_default_catalogue()
    return {i.code: i for i in ServiceItem.objects.all()}


def test_a_driver_goes_from_the_waiting_list_to_a_rated_market(
    client_for, api, personas, station, driver, drivers, catalogue, sent
):
    from driverhome.appeals.models import Appeal, Category
    from driverhome.services.models import ServiceRecord

    start = (timezone.localtime() + timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    market = actions.create_event(
        actor=personas["site_staff"],
        kind="market",
        title="红领集市",
        station=station,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=1,
        service_items=[catalogue["N07-05"], catalogue["N09-01"]],
    )
    first = actions.register(market, drivers[0], actor=None)
    assert first.status == Registration.Status.CONFIRMED

    # He finds the market on his phone and signs up in one tap: it is full, he waits.
    me = client_for("driver")
    listing = me.get("/d/events/")
    assert listing.status_code == 200 and market.title in listing.content.decode()
    assert me.post(f"/d/events/{market.code}/register/").status_code == 302
    mine = Registration.objects.get(event=market, driver=driver)
    assert mine.status == Registration.Status.WAITLISTED
    page = me.get(f"/d/events/{market.code}/").content.decode()
    # His place in the queue, in words: not any "1" somewhere on the page.
    assert "您在候补名单第 1 位" in page or "You are number 1 on the waiting list" in page

    # The first driver cancels (staff, through the API): the place goes to him.
    staff_api = api("site_staff")
    response = staff_api.post(
        f"/api/v1/events/{market.code}/registrations/{first.public_id}/cancel",
        {"reason": "临时出车"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    mine.refresh_from_db()
    assert mine.status == Registration.Status.PENDING
    assert ("events.place_offered", driver.public_id) in sent()

    # He confirms through the API from his phone.
    response = api("driver").post(
        f"/api/v1/events/{market.code}/registrations/{mine.public_id}/confirm"
    )
    assert response.status_code == 200 and response.json()["status"] == "confirmed"

    # The day before, the reminder.
    actions.send_reminders()
    assert ("events.reminder", driver.public_id) in sent("events.reminder")

    # Market day: the clock moves to the start (check-in opens shortly before it).
    from driverhome.events.models import Event

    now = timezone.now()
    Event.objects.filter(pk=market.pk).update(
        starts_at=now, ends_at=now + (market.ends_at - market.starts_at)
    )

    # At the door staff scan the QR code shown on his phone.
    qr_page = me.get("/d/events/my-qr/").content.decode()
    code = re.search(r"(DH1:[^<\s]+)", qr_page).group(1)
    staff = client_for("site_staff")
    result = staff.post(
        f"/console/events/{market.code}/check-in/", {"q": code}, HTTP_HX_REQUEST="true"
    )
    assert result.status_code == 200 and driver.name in result.content.decode()
    row = CheckIn.objects.get(event=market, driver=driver)
    assert not row.walk_in and row.registration_id == mine.pk

    # At the stalls: two services and a difficulty, without leaving the event page.
    desk = f"/console/events/{market.code}/desk/{driver.public_id}/"
    assert staff.get(desk, HTTP_HX_REQUEST="true").status_code == 200
    response = staff.post(desk + "service/", {"item": "N07-05"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    response = staff_api.post(
        f"/api/v1/events/{market.code}/services",
        {"driver": str(driver.public_id), "item": "N09-01"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    records = ServiceRecord.objects.filter(driver=driver, source="event")
    assert sorted(records.values_list("item__code", flat=True)) == ["N07-05", "N09-01"]
    category = (
        Category.objects.filter(parent__isnull=False, is_active=True).order_by("code").first()
    )
    response = staff.post(
        desk + "request/",
        {"category": category.code, "description": "运费被拖欠三个月"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    appeal = Appeal.objects.get(driver=driver)
    assert appeal.channel == "market" and appeal.tracking_no in response.content.decode()

    # Afterwards he rates the market.
    assert (
        me.post(f"/d/events/{market.code}/rate/", {"rating": 5, "comment": "理发很好"}).status_code
        == 302
    )
    assert Feedback.objects.get(event=market, driver=driver).rating == 5

    # The organisers see the figures.
    figures = staff_api.get(f"/api/v1/events/{market.code}/figures").json()
    assert figures["registered"] == 1 and figures["attended"] == 1
    assert figures["walk_ins"] == 0 and figures["rating_average"] == 5.0
    assert figures["requests_collected"] == 1
    assert figures["services_delivered"] == 2
    page = staff.get(f"/console/events/{market.code}/")
    assert page.status_code == 200 and driver.name in page.content.decode()


def test_the_driver_signs_up_and_rates_through_the_api(api, personas, station, driver):
    from driverhome.events import tokens
    from driverhome.events.tests.helpers import make_event

    market = make_event(station, days=0, capacity=5)
    client = api("driver")
    listed = client.get("/api/v1/events").json()["items"]
    assert market.code in [e["code"] for e in listed]
    created = client.post(
        f"/api/v1/events/{market.code}/registrations", {}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["status"] == "confirmed"
    again = client.post(
        f"/api/v1/events/{market.code}/registrations", {}, content_type="application/json"
    )
    assert again.status_code == 200
    mine = client.get("/api/v1/events/registrations/mine").json()["items"]
    assert [r["event"] for r in mine] == [market.code]
    refused = client.post(
        f"/api/v1/events/{market.code}/check-ins",
        {"token": "forged"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    checked = client.post(
        f"/api/v1/events/{market.code}/check-ins",
        {"token": tokens.event_token(market)},
        content_type="application/json",
    )
    assert checked.status_code == 201 and checked.json()["walk_in"] is False
    rated = client.post(
        f"/api/v1/events/{market.code}/feedback", {"rating": 4}, content_type="application/json"
    )
    assert rated.status_code == 201
    bad = client.post(
        f"/api/v1/events/{market.code}/feedback", {"rating": 9}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["code"] == "bad_rating"


def test_events_outside_the_scope_do_not_exist(client_for, api, market):
    assert client_for("outsider").get(f"/console/events/{market.code}/").status_code == 404
    assert api("outsider").get(f"/api/v1/events/{market.code}").status_code == 404
    assert api("broker").get(f"/api/v1/events/{market.code}/figures").status_code == 404
    listed = api("outsider").get("/api/v1/events").json()["items"]
    assert listed == []


def test_a_cancelled_event_is_hidden_from_drivers_who_were_not_registered(client_for, market):
    actions.cancel_event(market, actor=None, reason="台风")
    assert client_for("driver").get(f"/d/events/{market.code}/").status_code == 404
