"""Who may use every events page and API operation.

The objects live at a Xiapu site (operator ``orgs["xiapu"]``): Xiapu site staff, the
district supervisor and the administrator see them; the Guoju broker, the labour-bureau
handler and the outsider from another district get 404. The driver persona has a file at
Xiapu and a registration; ``other_driver`` has no file yet.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.permissions import EVERYONE_LOGGED_IN, Check

XIAPU_STAFF = frozenset({"site_staff", "supervisor", "admin"})
EVENT_STAFF = frozenset({"broker", "site_staff", "supervisor", "admin", "outsider"})
DRIVERS = frozenset({"driver", "other_driver"})
OWNER = frozenset({"driver"})
PHONE = "13800138000"


def _world(personas, orgs):
    from driverhome.events import actions
    from driverhome.events.tests.helpers import make_driver, make_event, make_station

    station = make_station(orgs["xiapu"])
    driver = make_driver(orgs["xiapu"], user=personas["driver"], phone=PHONE)
    event = make_event(station, capacity=10)
    registration = actions.register(event, driver, actor=personas["driver"])
    return station, driver, event, registration


def _no_kwargs(personas, orgs):
    _world(personas, orgs)
    return {}


def _event(personas, orgs):
    _station, _driver, event, _registration = _world(personas, orgs)
    return {"code": event.code}


def _registration(personas, orgs):
    _station, _driver, event, registration = _world(personas, orgs)
    return {"code": event.code, "registration": registration.public_id}


def _api_registration(personas, orgs):
    _station, _driver, event, registration = _world(personas, orgs)
    return {"code": event.code, "registration_id": registration.public_id}


def _desk(personas, orgs):
    _station, driver, event, _registration = _world(personas, orgs)
    return {"code": event.code, "driver": driver.public_id}


def _stall(personas, orgs):
    from driverhome.events import actions

    _station, _driver, event, _registration = _world(personas, orgs)
    actions.add_participant(event, actor=None, organisation=orgs["labour"], stall="A1")
    return {"code": event.code, "organisation": orgs["labour"].code}


def _self_check_in(personas, orgs):
    from driverhome.events import tokens

    _station, _driver, event, _registration = _world(personas, orgs)
    return {"code": event.code, "token": tokens.event_token(event)}


def _course(personas, orgs):
    from driverhome.events.tests.helpers import make_course

    _world(personas, orgs)
    return {"code": make_course(orgs["xiapu"]).code}


def _certificate(personas, orgs):
    from driverhome.events import actions
    from driverhome.events.tests.helpers import make_course, make_event

    station, driver, _event_, _registration = _world(personas, orgs)
    course = make_course(orgs["xiapu"])
    session = make_event(station, kind="training", title="家电维修", course=course)
    actions.check_in(session, driver, actor=None, method="lookup", now=session.starts_at)
    completion = actions.complete_course(course, driver, actor=None)
    return {"number": completion.certificate_no}


def _own_file(personas, orgs, kwargs):
    from driverhome.drivers.models import Driver

    return {"driver": str(Driver.objects.get(user=personas["driver"]).public_id)}


def _new_event_body(personas, orgs, kwargs):
    start = timezone.now() + timedelta(days=5)
    return {
        "kind": "market",
        "title": "红领集市",
        "station": "t-xiapu-home",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
    }


def _station_only(personas, orgs):
    from driverhome.events.tests.helpers import make_station

    make_station(orgs["xiapu"])
    return {}


def _schedule_body(personas, orgs, kwargs):
    today = timezone.localdate()
    return {
        "kind": "market",
        "title": "红领集市",
        "station": "t-xiapu-home",
        "rule": "monthly",
        "weekday": 5,
        "nths": [2, -1],
        "first_date": today.isoformat(),
        "last_date": (today + timedelta(days=60)).isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
    }


def _move_body(personas, orgs, kwargs):
    start = timezone.now() + timedelta(days=6)
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "reason": "台风",
    }


def _check_in_body(personas, orgs, kwargs):
    from driverhome.events import tokens
    from driverhome.events.models import Event

    event = Event.objects.get(code=kwargs["code"])
    return {"code": PHONE, "token": tokens.event_token(event)}


def _desk_body(personas, orgs, kwargs):
    return {
        "driver": str(kwargs["driver"]),
        "item": "N07-05",
        "category": "C01-01",
        "description": "工资被拖欠",
    }


CHECKS = [
    # Console
    Check("events:event-list", EVENT_STAFF),
    Check("events:event-new", frozenset({"site_staff", "supervisor", "admin", "outsider"})),
    Check("events:schedule-new", frozenset({"site_staff", "supervisor", "admin", "outsider"})),
    Check("events:course-list", EVENT_STAFF),
    Check("events:course-detail", XIAPU_STAFF, setup=_course),
    Check(
        "events:course-complete",
        XIAPU_STAFF,
        setup=_course,
        method="POST",
        data=_own_file,
    ),
    Check("events:certificate", XIAPU_STAFF, setup=_certificate),
    Check("events:event-detail", XIAPU_STAFF, setup=_event),
    Check("events:event-edit", XIAPU_STAFF, setup=_event),
    Check("events:event-move", XIAPU_STAFF, setup=_event),
    Check("events:event-cancel", XIAPU_STAFF, setup=_event),
    Check("events:event-close", XIAPU_STAFF, setup=_event, method="POST"),
    Check("events:event-register", XIAPU_STAFF, setup=_event, method="POST", data={"q": PHONE}),
    Check("events:registration-cancel", XIAPU_STAFF, setup=_registration, method="POST"),
    Check("events:event-check-in", XIAPU_STAFF, setup=_event),
    Check(
        "events:event-check-in",
        XIAPU_STAFF,
        setup=_event,
        method="POST",
        data={"q": PHONE},
        note="POST",
    ),
    Check("events:event-qr", XIAPU_STAFF, setup=_event),
    Check("events:event-qr-image", XIAPU_STAFF, setup=_event),
    Check("events:event-desk", XIAPU_STAFF, setup=_desk),
    Check("events:event-service", XIAPU_STAFF, setup=_desk, method="POST", data={}),
    Check("events:event-request", XIAPU_STAFF, setup=_desk, method="POST", data={}),
    Check(
        "events:event-stall",
        XIAPU_STAFF,
        setup=_event,
        method="POST",
        data=lambda p, o, k: {"organisation": o["labour"].code, "stall": "B2"},
    ),
    Check("events:stall-remove", XIAPU_STAFF, setup=_stall, method="POST"),
    # Driver site
    Check("events_driver:event-list", DRIVERS),
    Check("events_driver:my-registrations", DRIVERS),
    Check("events_driver:my-qr", DRIVERS),
    Check("events_driver:my-qr-image", OWNER, setup=_no_kwargs),
    Check("events_driver:certificate", OWNER, setup=_certificate),
    Check("events_driver:event-detail", DRIVERS, setup=_event),
    Check("events_driver:event-register", DRIVERS, setup=_event, method="POST"),
    Check("events_driver:registration-confirm", OWNER, setup=_event, method="POST"),
    Check("events_driver:registration-cancel", OWNER, setup=_event, method="POST"),
    Check("events_driver:event-rate", DRIVERS, setup=_event, method="POST", data={"rating": 5}),
    Check("events_driver:event-self-check-in", DRIVERS, setup=_self_check_in),
    # API
    Check("GET /api/v1/events", EVERYONE_LOGGED_IN),
    Check(
        "POST /api/v1/events",
        XIAPU_STAFF,
        setup=_station_only,
        data=_new_event_body,
    ),
    Check(
        "POST /api/v1/events/schedules",
        XIAPU_STAFF,
        setup=_station_only,
        data=_schedule_body,
    ),
    Check("GET /api/v1/events/registrations/mine", DRIVERS),
    Check("GET /api/v1/events/{code}", XIAPU_STAFF | DRIVERS, setup=_event),
    Check("POST /api/v1/events/{code}/move", XIAPU_STAFF, setup=_event, data=_move_body),
    Check("POST /api/v1/events/{code}/cancel", XIAPU_STAFF, setup=_event, data={"reason": "台风"}),
    Check("POST /api/v1/events/{code}/close", XIAPU_STAFF, setup=_event),
    Check("GET /api/v1/events/{code}/figures", XIAPU_STAFF, setup=_event),
    Check("GET /api/v1/events/{code}/registrations", XIAPU_STAFF, setup=_event),
    Check(
        "POST /api/v1/events/{code}/registrations",
        XIAPU_STAFF | DRIVERS,
        setup=_event,
        data={"driver": PHONE},
    ),
    Check(
        "POST /api/v1/events/{code}/registrations/{registration_id}/confirm",
        OWNER,
        setup=_api_registration,
    ),
    Check(
        "POST /api/v1/events/{code}/registrations/{registration_id}/cancel",
        XIAPU_STAFF | OWNER,
        setup=_api_registration,
        data={"reason": ""},
    ),
    Check(
        "POST /api/v1/events/{code}/check-ins",
        XIAPU_STAFF | DRIVERS,
        setup=_event,
        data=_check_in_body,
    ),
    Check(
        "POST /api/v1/events/{code}/feedback",
        DRIVERS,
        setup=_event,
        data={"rating": 5, "comment": "好"},
    ),
    Check("POST /api/v1/events/{code}/services", XIAPU_STAFF, setup=_desk, data=_desk_body),
    Check("POST /api/v1/events/{code}/requests", XIAPU_STAFF, setup=_desk, data=_desk_body),
]
