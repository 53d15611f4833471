"""Every page and API operation of the Driver's Home directory, for every persona.

The site made by ``_site`` is operated under ``orgs["xiapu"]``: its staff (``site_staff``),
the district supervisor and the administrator reach it; the broker (Guoju), unit
handlers and the outsider get 404. The public directory is open to everyone.
"""

from __future__ import annotations

from django.utils import timezone

from tests.permissions import EVERYONE, Check

SITE = frozenset({"site_staff", "supervisor", "admin"})
SUPERVISION = frozenset({"supervisor", "admin"})
ADMIN = frozenset({"admin"})
DRIVERS = frozenset({"driver", "other_driver"})
LIST_VIEWERS = frozenset({"broker", "site_staff", "supervisor", "admin", "outsider"})


def _site(personas, orgs):
    from driverhome.stations.tests.factories import make_station, with_facilities

    station = make_station(orgs["xiapu"], "matrix-site")
    with_facilities(station, "parking", "shower")
    return station


def _new_site_body(personas, orgs, kwargs):
    return {
        "code": "matrix-new",
        "name": "新站",
        "kind": "logistics_park",
        "operator": orgs["xiapu"].code,
        "address": "北仑区",
        "lat": 29.9,
        "lon": 121.8,
    }


def _code(personas, orgs):
    return {"code": _site(personas, orgs).code}


def _visits(personas, orgs):
    """The site, and a driver file with a visit today for both driver personas."""
    from driverhome.stations import actions
    from driverhome.stations.tests.factories import make_driver

    station = _site(personas, orgs)
    for name, phone in (("driver", "13812340001"), ("other_driver", "13812340002")):
        driver = make_driver(orgs["xiapu"], personas[name], phone=phone)
        actions.check_in(station, driver, actor=None, channel="qr")
    return station


def _code_visited(personas, orgs):
    station = _visits(personas, orgs)
    return {"code": station.code, "key": station.checkin_key}


def _code_only_visited(personas, orgs):
    return {"code": _visits(personas, orgs).code}


def _checkin_key(personas, orgs):
    from driverhome.stations.tests.factories import make_driver

    station = _site(personas, orgs)
    make_driver(orgs["xiapu"], personas["driver"], phone="13812340001")
    make_driver(orgs["xiapu"], personas["other_driver"], phone="13812340002")
    return {"code": station.code, "key": station.checkin_key}


def _review(personas, orgs):
    from driverhome.drivers.models import Driver
    from driverhome.stations import actions

    station = _visits(personas, orgs)
    driver = Driver.objects.get(user=personas["driver"])
    review = actions.submit_review(
        station, driver, actor=None, cleanliness=4, service=5, facilities=4, comment="不错"
    )
    return {"review_id": str(review.public_id)}


def _assessment(personas, orgs):
    from driverhome.stations import actions

    station = _site(personas, orgs)
    assessment = actions.run_assessment(
        station, actor=None, year=timezone.localdate().year, kind="self"
    )
    return {"assessment_id": str(assessment.public_id)}


def _exception(personas, orgs):
    from driverhome.stations import actions

    station = _site(personas, orgs)
    exception = actions.add_hours_exception(
        station, actor=None, day=timezone.localdate(), closed=True, note="检修"
    )
    return {"code": station.code, "exception_id": exception.pk}


def _photo(personas, orgs):
    from driverhome.stations import actions
    from driverhome.stations.tests.factories import png_upload

    station = _site(personas, orgs)
    photo = actions.add_photo(station, actor=None, upload=png_upload())
    return {"code": station.code, "photo_id": str(photo.public_id)}


def _checkin_body(personas, orgs, kwargs):
    return {"key": kwargs["key"], "who": "13812340001", "services_used": ["shower"]}


YEAR = {"year": timezone.localdate().year}

CHECKS = [
    # --- driver site (public directory) ---
    Check("stations_driver:nearby", EVERYONE),
    Check("stations_driver:nearby", EVERYONE, query={"lat": "29.9", "lon": "121.9"}, note="near"),
    Check("stations_driver:station-map", EVERYONE),
    Check("stations_driver:station-detail", EVERYONE, setup=_code),
    Check("stations_driver:station-photo", EVERYONE, setup=_photo),
    Check("stations_driver:checkin", DRIVERS, setup=_checkin_key),
    Check(
        "stations_driver:checkin", DRIVERS, setup=_checkin_key, method="POST", data={}, note="post"
    ),
    Check("stations_driver:review-new", DRIVERS, setup=_code),
    # --- console ---
    Check("stations:station-list", LIST_VIEWERS),
    Check("stations:station-new", SUPERVISION),
    Check("stations:catalogue", LIST_VIEWERS),
    Check("GET /api/v1/stations/catalogue", LIST_VIEWERS),
    Check(
        "POST /api/v1/stations/catalogue/facilities",
        ADMIN,
        data={"code": "ev-charger", "name": "充电桩", "name_en": "EV charging", "kind": "extra"},
    ),
    Check(
        "PATCH /api/v1/stations/catalogue/facilities/{code}",
        ADMIN,
        setup=lambda p, o: {"code": "shower"},
        data={"name": "淋浴间"},
    ),
    Check(
        "PATCH /api/v1/stations/catalogue/rubric/{code}",
        ADMIN,
        setup=lambda p, o: {"code": "F01"},
        data={"points": 170},
    ),
    Check("stations:facility-new", ADMIN),
    Check("stations:facility-edit", ADMIN, setup=lambda p, o: {"code": "shower"}),
    Check("stations:criterion-edit", ADMIN, setup=lambda p, o: {"code": "F01"}),
    Check("POST /api/v1/stations", SUPERVISION, data=_new_site_body),
    Check("stations:station-detail", SITE, setup=_code),
    Check("stations:station-edit", SITE, setup=_code),
    Check("stations:station-facilities", SITE, setup=_code),
    Check("stations:station-hours", SITE, setup=_code),
    Check(
        "stations:hours-exception-add",
        SITE,
        setup=_code,
        method="POST",
        data={"date": "2030-01-01", "closed": "on"},
    ),
    Check("stations:hours-exception-remove", SITE, setup=_exception, method="POST"),
    Check(
        "stations:availability-update", SITE, setup=_code, method="POST", data={"truck_delta": "1"}
    ),
    Check("stations:sensor-token", SITE, setup=_code),
    Check("stations:station-poster", SITE, setup=_code),
    Check("stations:station-qr", SITE, setup=_code),
    Check("stations:poster-renew", SITE, setup=_code, method="POST"),
    Check("stations:checkin-list", SITE, setup=_code),
    Check(
        "stations:checkin-new",
        SITE,
        setup=_code_only_visited,
        method="POST",
        data={"who": "13812340001"},
    ),
    Check("stations:review-list", SITE, setup=_code),
    Check("stations:review-reply", SITE, setup=_review, method="POST", data={"reply": "谢谢"}),
    Check(
        "stations:review-hide", SUPERVISION, setup=_review, method="POST", data={"reason": "辱骂"}
    ),
    Check("stations:assessment-list", SITE, setup=_code),
    Check("stations:assessment-new", SITE, setup=_code),
    Check("stations:assessment-detail", SITE, setup=_assessment),
    Check(
        "stations:grade-award",
        SUPERVISION,
        setup=_code,
        method="POST",
        data={"year": "2025", "grade": "3A", "awarded_on": "2025-12-20"},
    ),
    Check("stations:photo-add", SITE, setup=_code, method="POST"),
    Check("stations:photo-remove", SITE, setup=_photo, method="POST"),
    # --- API: public ---
    Check("GET /api/v1/stations", EVERYONE),
    Check("GET /api/v1/stations", EVERYONE, query={"lat": "29.9", "lon": "121.9"}, note="near"),
    Check("GET /api/v1/stations/open-data/tpims-static", EVERYONE),
    Check("GET /api/v1/stations/open-data/tpims-dynamic", EVERYONE),
    Check("GET /api/v1/stations/open-data/hsds", EVERYONE),
    Check("GET /api/v1/stations/{code}", EVERYONE, setup=_code),
    Check("GET /api/v1/stations/{code}/reviews", EVERYONE, setup=_code),
    Check("GET /api/v1/stations/{code}/forecast", EVERYONE, setup=_code),
    # --- API: site staff, sensors, drivers, supervisors ---
    Check(
        "POST /api/v1/stations/{code}/availability",
        SITE,
        setup=_code,
        data={"free_truck_bays": 3, "free_beds": 1},
    ),
    Check("GET /api/v1/stations/{code}/availability", SITE, setup=_code),
    Check("POST /api/v1/stations/{code}/sensor-tokens", SITE, setup=_code, data={"name": "gate"}),
    Check(
        "POST /api/v1/stations/{code}/checkins",
        DRIVERS | SITE,
        setup=_checkin_key,
        data=_checkin_body,
    ),
    Check("GET /api/v1/stations/{code}/checkins", SITE, setup=_code),
    Check("GET /api/v1/stations/{code}/visits", SITE, setup=_code),
    Check(
        "POST /api/v1/stations/{code}/reviews",
        DRIVERS,
        setup=_code_visited,
        data={"cleanliness": 5, "service": 4, "facilities": 5, "comment": "好"},
    ),
    Check(
        "POST /api/v1/stations/reviews/{review_id}/reply",
        SITE,
        setup=_review,
        data={"reply": "谢谢"},
    ),
    Check(
        "POST /api/v1/stations/reviews/{review_id}/hide",
        SUPERVISION,
        setup=_review,
        data={"reason": "辱骂"},
    ),
    Check("GET /api/v1/stations/{code}/assessments", SITE, setup=_code),
    Check("POST /api/v1/stations/{code}/assessments", SITE, setup=_code, data=YEAR),
    Check(
        "POST /api/v1/stations/{code}/official-grade",
        SUPERVISION,
        setup=_code,
        data={"year": 2025, "grade": "3A"},
    ),
]
