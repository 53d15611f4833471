"""Tencent Cloud SMS (API 2021-01-11) through ``tencentcloud-sdk-python-sms``.

``SendSms`` takes the number, the SdkAppId, the template id, the signature, the
parameters as an ordered list (``{1}``, ``{2}``, ... of the template) and
``SessionContext`` (our message's key, echoed in reports). A request-wide refusal
is an ``Error`` in the answer (the SDK raises it); a refusal of the one number is
the ``Code`` of its entry in ``SendStatusSet``. Delivery reports: the status
callback (:mod:`..reports`) and ``PullSmsSendStatusByPhoneNumber``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from ..backends import DeliveryStatus, OutgoingSms, SendError
from . import CHINA, TemplateBackend, classify, parse_china_time

RETRY = {
    "RequestLimitExceeded",
    "LimitExceeded.PhoneNumberThirtySecondLimit",
    "LimitExceeded.PhoneNumberOneHourLimit",
    "LimitExceeded.DeliveryFrequencyLimit",
    "FailedOperation.InsufficientBalanceInSmsPackage",
    "ClientNetworkError",
    "InternalError",
    "InternalError.Timeout",
    "InternalError.RequestTimeException",
    "InternalError.SendAndRecvFail",
    "InternalError.OtherError",
    "InternalError.RestApiInterfaceNotExist",
    "ServerError",
}
GIVE_UP = {
    "FailedOperation.TemplateIncorrectOrUnapproved",
    "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.PhoneNumberParseFail",
    "FailedOperation.ContainSensitiveWord",
    "FailedOperation.MissingSignature",
    "InvalidParameterValue.IncorrectPhoneNumber",
    "InvalidParameterValue.TemplateParameterFormatError",
    "InvalidParameterValue.TemplateParameterLengthLimit",
    "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
    "InvalidParameterValue.SdkAppIdNotExist",
    "LimitExceeded.PhoneNumberDailyLimit",
    "LimitExceeded.PhoneNumberSameContentDailyLimit",
    "LimitExceeded.DailyLimit",
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
    "AuthFailure.SecretIdNotFound",
    "AuthFailure.SignatureFailure",
}
_GIVE_UP_PREFIXES = (
    "FailedOperation.",
    "InvalidParameter",
    "UnauthorizedOperation",
    "AuthFailure",
    "UnsupportedOperation",
    "MissingParameter",
)


def refusal(code: str, message: str) -> SendError:
    return classify(
        code,
        message,
        retry=RETRY,
        give_up=GIVE_UP,
        retry_prefix="InternalError",
        give_up_prefixes=_GIVE_UP_PREFIXES,
    )


def _e164(phone: str) -> str:
    return phone if phone.startswith("+") else f"+86{phone}"


class TencentBackend(TemplateBackend):
    provider = "tencent"

    def __init__(self):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        conf = settings.TENCENT_SMS
        address = urlsplit(conf["endpoint"])
        http = HttpProfile(
            protocol=address.scheme,
            endpoint=address.netloc,
            reqTimeout=settings.SMS_TIMEOUT_SECONDS,
        )
        self.sdk_app_id = conf["sdk_app_id"]
        self.client = sms_client.SmsClient(
            credential.Credential(conf["secret_id"], conf["secret_key"]),
            conf["region"],
            ClientProfile(httpProfile=http),
        )

    def _call(self, action: str, request):
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )

        try:
            return getattr(self.client, action)(request)
        except TencentCloudSDKException as exc:
            code = str(exc.code or "")
            if code == "ClientNetworkError":
                timed_out = "timeout" in str(exc.message).lower() or "timed out" in str(exc.message)
                raise SendError(
                    f"{code}: {exc.message}"[:300],
                    code="timeout" if timed_out else "network",
                    maybe_sent=timed_out,
                ) from exc
            raise refusal(code, str(exc.message or "")) from exc

    def send_message(self, message: OutgoingSms) -> str:
        from tencentcloud.sms.v20210111 import models

        mapping, values = self._prepare(message)
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [_e164(message.phone)]
        request.SmsSdkAppId = self.sdk_app_id
        request.TemplateId = mapping.code
        request.SignName = mapping.signature
        # Tencent's parameters are positional: {1}, {2}, ... in the mapping's numbering.
        request.TemplateParamSet = [values[k] for k in sorted(values, key=_position)]
        request.SessionContext = message.out_id
        response = self._call("SendSms", request)
        [status] = response.SendStatusSet or [None]
        if status is None:
            raise SendError("no status in the answer", code="no_answer")
        if status.Code != "Ok":
            raise refusal(status.Code or "", status.Message or "")
        return status.SerialNo or ""

    def _pulled(self, message: OutgoingSms):
        from tencentcloud.sms.v20210111 import models

        start = message.created_at or timezone.now()
        request = models.PullSmsSendStatusByPhoneNumberRequest()
        request.BeginTime = int((start - timedelta(minutes=5)).timestamp())
        request.EndTime = int((start + timedelta(days=2)).timestamp())
        request.Offset = 0
        request.Limit = 100
        request.PhoneNumber = _e164(message.phone)
        request.SmsSdkAppId = self.sdk_app_id
        response = self._call("PullSmsSendStatusByPhoneNumber", request)
        return [
            s for s in response.PullSmsSendStatusSet or [] if s.SessionContext == message.out_id
        ]

    def find_sent(self, message: OutgoingSms) -> str | None:
        for status in self._pulled(message):
            return status.SerialNo or f"out:{message.out_id}"
        return None

    def query_reports(self, messages: list[OutgoingSms]) -> list[DeliveryStatus]:
        reports = []
        for message in messages:
            for status in self._pulled(message):
                reported = (
                    datetime.fromtimestamp(status.UserReceiveTime, CHINA)
                    if status.UserReceiveTime
                    else timezone.now()
                )
                reports.append(
                    DeliveryStatus(
                        provider_message_id=status.SerialNo or "",
                        out_id=message.out_id,
                        delivered=status.ReportStatus == "SUCCESS",
                        code=status.Description or "",
                        reason="",
                        reported_at=reported,
                    )
                )
        return reports


def _position(name: str) -> tuple[int, str]:
    return (int(name), "") if name.isdigit() else (10**6, name)


def report_from_push(item: dict) -> DeliveryStatus | None:
    """One entry of Tencent's status callback, or None when it is not one."""
    sid = str(item.get("sid") or "")
    if not sid or "report_status" not in item:
        return None
    return DeliveryStatus(
        provider_message_id=sid,
        out_id=str(item.get("ext") or item.get("session_context") or ""),
        delivered=item.get("report_status") == "SUCCESS",
        code=str(item.get("errmsg") or "")[:80],
        reason=str(item.get("description") or "")[:200],
        reported_at=parse_china_time(str(item.get("user_receive_time") or "")) or timezone.now(),
    )
