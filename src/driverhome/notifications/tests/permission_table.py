"""Message history, failures and resend, SMS templates, the providers' report callback."""

from tests.permissions import EVERYONE, EVERYONE_LOGGED_IN, Check

DRIVERS = frozenset({"driver", "other_driver"})
SUP_ADMIN = frozenset({"supervisor", "admin"})
ADMIN = frozenset({"admin"})


def _failed(personas, orgs):
    from driverhome.notifications.models import Notification

    return Notification.objects.create(
        phone="13800138000",
        phone_masked="138****8000",
        channel="sms",
        template="appeal.received",
        text="x",
        status="failed",
        attempts=1,
        provider="aliyun",
        provider_code="isv.MOBILE_NUMBER_ILLEGAL",
        organisation=orgs["xiapu"],
    )


def _failed_pk(personas, orgs):
    return {"pk": _failed(personas, orgs).pk}


def _failed_code(personas, orgs):
    return {"code": _failed(personas, orgs).out_id}


def _hook(personas, orgs):
    from django.conf import settings

    return {"provider": "aliyun", "token": settings.SMS_REPORT_TOKEN}


CHECKS = [
    Check("notifications_driver:my-messages", DRIVERS),
    Check("notifications:notice-resend", SUP_ADMIN, setup=_failed_pk, method="POST"),
    Check("notifications:template-list", ADMIN),
    Check(
        "notifications:template-list",
        ADMIN,
        method="POST",
        data={"provider": "aliyun", "key": "appeal.received", "code": "SMS_1", "params": ""},
        note="save",
    ),
    # The provider calls it: no login, the token in the address is the check.
    # WeChat's server URL: unsigned calls get 400 naming the field (signatures: its own tests).
    Check("notifications_hooks:wechat", EVERYONE),
    Check("notifications_hooks:sms-report", EVERYONE, setup=_hook, method="POST"),
    Check("GET /api/v1/notifications/mine", EVERYONE_LOGGED_IN),
    Check("GET /api/v1/notifications/failures", SUP_ADMIN),
    Check("GET /api/v1/notifications/failures/summary", SUP_ADMIN),
    Check("POST /api/v1/notifications/{code}/resend", SUP_ADMIN, setup=_failed_code),
]
