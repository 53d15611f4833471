"""Every page, API operation and Open311 route of the closed loop, and who may use it."""

from tests.permissions import EVERYONE, EVERYONE_LOGGED_IN, STAFF, Check

DRIVERS = frozenset({"driver", "other_driver"})
OWNER = frozenset({"driver"})
INTAKE = frozenset({"broker", "site_staff", "supervisor", "admin", "outsider"})
HOTSPOTS = INTAKE
# The request is filed in Xiapu, dispatched to the labour bureau, followed by the broker.
CASE_STAFF = frozenset({"broker", "site_staff", "unit_handler", "supervisor", "admin"})
SUP_ADMIN = frozenset({"supervisor", "admin"})


def _appeal(personas, orgs):
    from driverhome.appeals.tests.factories import appeal_in_stage

    return appeal_in_stage(personas, orgs, "handling")


def _tracking(personas, orgs):
    return {"tracking_no": _appeal(personas, orgs).tracking_no}


def _act(personas, orgs):
    return {"tracking_no": _appeal(personas, orgs).tracking_no, "action": "supervise"}


def _photo(personas, orgs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from driverhome.appeals.photos import store
    from driverhome.appeals.tests.factories import png_bytes

    appeal = _appeal(personas, orgs)
    photo = store(appeal, SimpleUploadedFile("p.png", png_bytes(), content_type="image/png"))
    return {"tracking_no": appeal.tracking_no, "photo_id": photo.public_id}


def _driver_file(personas, orgs):
    from driverhome.appeals.tests.factories import driver_for

    driver_for(personas["driver"], orgs["xiapu"])
    return {}


def _failed_notice(personas, orgs):
    from driverhome.notifications.models import Notification

    row = Notification.objects.create(
        phone="13800138000",
        phone_masked="138****8000",
        channel="sms",
        template="appeal.received",
        text="x",
        status="failed",
        attempts=4,
        organisation=orgs["xiapu"],
    )
    return {"pk": row.pk}


def _json(**extra):
    return {"fmt": "json", **extra}


def _open311_post(personas, orgs, kwargs):
    from driverhome.appeals.models import Open311Key

    _key, secret = Open311Key.issue("matrix", orgs["xiapu"])
    return {
        "api_key": secret,
        "service_code": "C03-01",
        "lat": "29.9",
        "long": "121.8",
        "description": "停车场满了",
    }


def _open311_request(personas, orgs):
    return _json(service_request_id=_appeal(personas, orgs).tracking_no)


CHECKS = [
    # Console pages.
    Check("appeals:appeal-list", STAFF),
    Check("appeals:appeal-new", INTAKE),
    Check(
        "appeals:appeal-similar", INTAKE, query={"category": "C01-01", "description": "拖欠工资"}
    ),
    Check("appeals:hotspot-list", HOTSPOTS),
    Check("appeals:appeal-detail", CASE_STAFF, setup=_tracking),
    Check("appeals:appeal-act", SUP_ADMIN, setup=_act, method="POST", data={"note": "请加快"}),
    Check("appeals:appeal-photo", CASE_STAFF, setup=_photo),
    Check(
        "appeals:appeal-phone", CASE_STAFF, setup=_tracking, method="POST", data={"reason": "核实"}
    ),
    Check("appeals:weak-closures", SUP_ADMIN),
    # Driver pages.
    Check("appeals_driver:appeal-new", DRIVERS, setup=_driver_file),
    Check("appeals_driver:my-appeals", DRIVERS),
    Check("appeals_driver:appeal-detail", OWNER, setup=_tracking),
    Check("appeals_driver:appeal-rate", OWNER, setup=_tracking, method="POST", data={}),
    Check("appeals_driver:appeal-withdraw", OWNER, setup=_tracking, method="POST"),
    Check("appeals_driver:appeal-withdraw", OWNER, setup=_tracking, note="confirm"),
    Check(
        "appeals_driver:appeal-message",
        OWNER,
        setup=_tracking,
        method="POST",
        data={"text": "补充一下：老板的电话换了"},
    ),
    Check(
        "appeals_driver:appeal-reopen", OWNER, setup=_tracking, method="POST", data={"reason": "x"}
    ),
    Check("appeals_driver:appeal-photo", OWNER, setup=_photo),
    Check("appeals_driver:status-lookup", EVERYONE, query={"tracking_no": "BL1", "last4": "1234"}),
    # Notifications.
    Check("notifications:notice-list", STAFF),
    Check("notifications:notice-failed", SUP_ADMIN),
    Check("notifications:notice-retry", SUP_ADMIN, setup=_failed_notice, method="POST"),
    # Open311 GeoReport v2: public reads; creating needs an api_key, not a login.
    Check("open311:discovery", EVERYONE, setup=lambda p, o: _json()),
    Check("open311:service-list", EVERYONE, setup=lambda p, o: _json()),
    Check("open311:service-detail", EVERYONE, setup=lambda p, o: _json(service_code="C03-01")),
    Check("open311:request-list", EVERYONE, setup=lambda p, o: _json()),
    Check(
        "open311:request-list",
        EVERYONE,
        setup=lambda p, o: _json(),
        method="POST",
        data=_open311_post,
        note="create",
    ),
    Check("open311:request-detail", EVERYONE, setup=_open311_request),
    # API.
    Check(
        "POST /api/v1/appeals",
        DRIVERS | STAFF,
        setup=_driver_file,
        data={"category": "C03-01", "description": "停车场没有车位"},
    ),
    Check("GET /api/v1/appeals", DRIVERS | STAFF),
    Check("GET /api/v1/appeals/categories", EVERYONE_LOGGED_IN),
    Check("GET /api/v1/appeals/figures", STAFF),
    Check("GET /api/v1/appeals/hotspots", STAFF),
    Check("GET /api/v1/appeals/weak-closures", SUP_ADMIN),
    Check(
        "POST /api/v1/appeals/{tracking_no}/phone",
        CASE_STAFF,
        setup=_tracking,
        data={"reason": "核实情况"},
    ),
    Check("GET /api/v1/appeals/{tracking_no}", CASE_STAFF | OWNER, setup=_tracking),
    Check(
        "POST /api/v1/appeals/{tracking_no}/actions/{action}",
        SUP_ADMIN,
        setup=_act,
        data={"note": "请加快办理"},
    ),
]


# --- The reference tables (appeals/settings_views.py, appeals/api_settings.py) ------------------

ADMIN = frozenset({"admin"})


def _category(personas, orgs):
    from driverhome.appeals.models import Category

    group = Category.objects.create(code="MG", name="组")
    Category.objects.create(code="MG-01", name="类", parent=group)
    return {"code": "MG-01"}


def _limit(personas, orgs):
    from driverhome.appeals.models import TimeLimit

    _category(personas, orgs)
    TimeLimit.objects.create(appeal_type="enquiry", category=_leaf(), answer_days=4)
    return {"key": "enquiry.MG-01"}


def _leaf():
    from driverhome.appeals.models import Category

    return Category.objects.get(code="MG-01")


def _rule(personas, orgs):
    from driverhome.appeals.models import RoutingRule

    _category(personas, orgs)
    RoutingRule.objects.create(category=_leaf(), area=orgs["xiapu"], unit=orgs["labour"])
    return {"category": "MG-01", "area": orgs["xiapu"].code}


def _key(personas, orgs):
    from driverhome.appeals.models import Open311Key

    key, _secret = Open311Key.issue("matrix", orgs["xiapu"])
    return {"prefix": key.prefix}


CHECKS += [
    Check("appeals:category-list", SUP_ADMIN),
    Check("appeals:category-edit", ADMIN, setup=_category),
    Check("appeals:timelimit-list", SUP_ADMIN),
    Check("appeals:timelimit-edit", ADMIN, setup=_limit),
    Check("appeals:timelimit-delete", ADMIN, setup=_limit, method="POST"),
    Check("appeals:routing-list", SUP_ADMIN),
    Check("appeals:routing-edit", SUP_ADMIN, setup=_rule),
    Check("appeals:routing-delete", SUP_ADMIN, setup=_rule, method="POST"),
    Check("appeals:open311key-list", ADMIN),
    Check("appeals:open311key-revoke", ADMIN, setup=_key, method="POST"),
    Check("GET /api/v1/appeals/settings/categories", SUP_ADMIN),
    Check("POST /api/v1/appeals/settings/categories", ADMIN, data={"code": "MN", "name": "新组"}),
    Check(
        "PATCH /api/v1/appeals/settings/categories/{code}",
        ADMIN,
        setup=_category,
        data={"name": "改"},
    ),
    Check("GET /api/v1/appeals/settings/time-limits", SUP_ADMIN),
    Check(
        "POST /api/v1/appeals/settings/time-limits",
        ADMIN,
        setup=_category,
        data={"appeal_type": "complaint", "category": "MG-01", "answer_days": 10},
    ),
    Check(
        "PATCH /api/v1/appeals/settings/time-limits/{key}",
        ADMIN,
        setup=_limit,
        data={"answer_days": 5},
    ),
    Check("DELETE /api/v1/appeals/settings/time-limits/{key}", ADMIN, setup=_limit),
    Check("GET /api/v1/appeals/settings/routing-rules", SUP_ADMIN),
    Check(
        "POST /api/v1/appeals/settings/routing-rules",
        SUP_ADMIN,
        setup=_category,
        data=lambda p, o, k: {"category": "MG-01", "area": o["guoju"].code, "unit": "t-labour"},
    ),
    Check(
        "PATCH /api/v1/appeals/settings/routing-rules/{category}/{area}",
        SUP_ADMIN,
        setup=_rule,
        data={"unit": "t-police"},
    ),
    Check(
        "DELETE /api/v1/appeals/settings/routing-rules/{category}/{area}", SUP_ADMIN, setup=_rule
    ),
    Check("GET /api/v1/appeals/settings/open311-keys", ADMIN),
    Check(
        "POST /api/v1/appeals/settings/open311-keys",
        ADMIN,
        data={"name": "12345 hotline", "organisation": "t-xiapu"},
    ),
    Check("DELETE /api/v1/appeals/settings/open311-keys/{prefix}", ADMIN, setup=_key),
]
