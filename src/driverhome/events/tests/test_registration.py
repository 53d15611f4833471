from datetime import timedelta

import pytest
from django.utils import timezone

from driverhome.accounts.models import AuditLog
from driverhome.core.errors import Conflict, DomainError
from driverhome.events import actions
from driverhome.events.models import Event, Registration, RegistrationChange
from driverhome.events.tests.helpers import make_event

pytestmark = pytest.mark.django_db
S = Registration.Status


def statuses(event):
    return [
        (r.driver.name, r.status)
        for r in Registration.objects.filter(event=event).select_related("driver").order_by("pk")
    ]


def test_sign_up_takes_a_place_until_full_then_the_waiting_list(market, drivers):
    regs = [actions.register(market, d, actor=None) for d in drivers[:4]]
    assert [r.status for r in regs] == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED, S.WAITLISTED]
    assert actions.waitlist_position(regs[2]) == 1
    assert actions.waitlist_position(regs[3]) == 2
    assert RegistrationChange.objects.filter(registration=regs[2], to_status=S.WAITLISTED).exists()
    assert AuditLog.objects.filter(action="event.registration.create").count() == 4


def test_signing_up_twice_returns_the_same_registration(market, driver):
    first = actions.register(market, driver, actor=None)
    again = actions.register(market, driver, actor=None)
    assert first.pk == again.pk
    assert Registration.objects.filter(event=market).count() == 1


def test_a_cancellation_moves_the_first_on_the_waiting_list_up_in_order(market, drivers, sent):
    regs = [actions.register(market, d, actor=None) for d in drivers[:5]]
    actions.cancel_registration(regs[0], actor=None, reason="有事")
    regs = [Registration.objects.get(pk=r.pk) for r in regs]
    assert [r.status for r in regs] == [
        S.CANCELLED,
        S.CONFIRMED,
        S.PENDING,
        S.WAITLISTED,
        S.WAITLISTED,
    ]
    assert regs[2].confirm_by is not None and regs[2].confirm_by <= market.starts_at
    assert actions.waitlist_position(regs[3]) == 1
    assert ("events.place_offered", drivers[2].public_id) in sent()
    # The next cancellation goes to the next in line, never skipping anyone.
    actions.cancel_registration(regs[1], actor=None)
    assert Registration.objects.get(pk=regs[3].pk).status == S.PENDING
    assert Registration.objects.get(pk=regs[4].pk).status == S.WAITLISTED


def test_cancelling_a_waiting_registration_frees_no_place(market, drivers):
    regs = [actions.register(market, d, actor=None) for d in drivers[:4]]
    actions.cancel_registration(regs[2], actor=None)
    assert Registration.objects.get(pk=regs[3].pk).status == S.WAITLISTED
    assert actions.waitlist_position(Registration.objects.get(pk=regs[3].pk)) == 1


def test_unconfirmed_places_expire_and_pass_to_the_next(market, drivers, sent):
    regs = [actions.register(market, d, actor=None) for d in drivers[:4]]
    actions.cancel_registration(regs[0], actor=None)
    offered = Registration.objects.get(pk=regs[2].pk)
    assert offered.status == S.PENDING
    assert actions.expire_registrations(now=offered.confirm_by - timedelta(minutes=1)) == 0
    later = offered.confirm_by + timedelta(minutes=1)
    assert actions.expire_registrations(now=later) == 1
    assert Registration.objects.get(pk=regs[2].pk).status == S.EXPIRED
    assert Registration.objects.get(pk=regs[3].pk).status == S.PENDING
    assert ("events.registration_expired", drivers[2].public_id) in sent()
    # A second pass changes nothing and sends nothing twice.
    before = len(sent())
    assert actions.expire_registrations(now=later) == 0
    assert len(sent()) == before


def test_a_confirmed_place_does_not_expire(market, drivers):
    regs = [actions.register(market, d, actor=None) for d in drivers[:3]]
    actions.cancel_registration(regs[0], actor=None)
    offered = Registration.objects.get(pk=regs[2].pk)
    actions.confirm_registration(offered, actor=None)
    assert actions.expire_registrations(now=offered.confirm_by + timedelta(hours=1)) == 0
    assert Registration.objects.get(pk=offered.pk).status == S.CONFIRMED


def test_confirming_too_late_is_refused(market, drivers):
    regs = [actions.register(market, d, actor=None) for d in drivers[:3]]
    actions.cancel_registration(regs[0], actor=None)
    offered = Registration.objects.get(pk=regs[2].pk)
    actions.expire_registrations(now=offered.confirm_by + timedelta(minutes=1))
    with pytest.raises(Conflict):
        actions.confirm_registration(offered, actor=None)


def test_events_jobs_command_runs_one_pass(market, drivers, capsys):
    from django.core.management import call_command

    call_command("events_jobs", "--only", "expire")
    assert "expire: 0" in capsys.readouterr().out


def test_reminders_go_out_once_the_day_before(station, drivers, sent):
    tomorrow = timezone.localtime() + timedelta(days=1)
    start = tomorrow.replace(hour=9, minute=0, second=0, microsecond=0)
    event = actions.create_event(
        actor=None,
        kind="market",
        title="红领集市",
        station=station,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=1,
    )
    actions.register(event, drivers[0], actor=None)
    actions.register(event, drivers[1], actor=None)  # waiting list: no reminder
    assert actions.send_reminders() == 1
    assert sent("events.reminder") == [("events.reminder", drivers[0].public_id)]
    assert actions.send_reminders() == 0
    assert len(sent("events.reminder")) == 1


def test_staff_register_by_phone_or_plate_and_the_driver_confirms(
    client_for, personas, market, driver, sent
):
    client = client_for("site_staff")
    response = client.post(f"/console/events/{market.code}/register/", {"q": "浙B12345"})
    assert response.status_code == 302
    registration = Registration.objects.get(event=market, driver=driver)
    assert registration.status == S.PENDING
    assert registration.channel == Registration.Channel.STAFF
    assert ("events.confirm_requested", driver.public_id) in sent()
    # The same driver by phone: nothing new.
    client.post(f"/console/events/{market.code}/register/", {"q": "13800138000"})
    assert Registration.objects.filter(event=market).count() == 1
    # Unknown number: a clear error, nothing recorded.
    response = client.post(
        f"/console/events/{market.code}/register/", {"q": "13912345678"}, HTTP_HX_REQUEST="true"
    )
    assert "No driver found" in response.content.decode() or "没有" in response.content.decode()
    driver_client = client_for("driver")
    driver_client.post(f"/d/events/{market.code}/confirm/")
    assert Registration.objects.get(pk=registration.pk).status == S.CONFIRMED


def test_moving_an_occurrence_tells_the_registered_drivers(market, drivers, sent, personas):
    for d in drivers[:3]:
        actions.register(market, d, actor=None)
    new_start = market.starts_at + timedelta(days=7)
    actions.move_event(
        market,
        actor=personas["site_staff"],
        starts_at=new_start,
        ends_at=new_start + timedelta(hours=2),
        reason="台风",
    )
    moved = sent("events.event_moved")
    assert {d for _t, d in moved} == {d.public_id for d in drivers[:3]}
    market.refresh_from_db()
    assert market.starts_at == new_start
    assert market.changes.filter(action="moved").exists()


def test_cancelling_an_occurrence_tells_the_drivers_and_closes_registration(market, drivers, sent):
    for d in drivers[:3]:
        actions.register(market, d, actor=None)
    with pytest.raises(DomainError):
        actions.cancel_event(market, actor=None, reason=" ")
    actions.cancel_event(market, actor=None, reason="台风预警")
    assert len(sent("events.event_cancelled")) == 3
    assert set(Registration.objects.filter(event=market).values_list("status", flat=True)) == {
        S.CANCELLED
    }
    with pytest.raises(DomainError):
        actions.register(Event.objects.get(pk=market.pk), drivers[5], actor=None)


def test_a_past_event_is_closed_and_waiting_drivers_released(station, drivers):
    event = make_event(station, days=-2, capacity=1)
    Registration.objects.create(event=event, driver=drivers[0], status=S.CONFIRMED, channel="self")
    Registration.objects.create(event=event, driver=drivers[1], status=S.WAITLISTED, channel="self")
    assert actions.close_past_events() == 1
    event.refresh_from_db()
    assert event.status == Event.Status.HELD
    assert Registration.objects.get(driver=drivers[1]).status == S.EXPIRED
    assert actions.close_past_events() == 0
