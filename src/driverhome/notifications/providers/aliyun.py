"""Alibaba Cloud SMS (dysmsapi 2017-05-25) through ``alibabacloud-dysmsapi20170525``.

``SendSms`` takes the phone, the signature, the template code, the parameters
as a JSON object and ``OutId`` (our message's key, echoed in reports and
``QuerySendDetails``). A refusal comes back as ``Code`` other than ``OK`` in the
answer, or as an HTTP error carrying ``Code``; the codes of the provider's error
table are sorted below into retry (flow control, system errors) and give up.
Delivery reports: the ``SmsReport`` push (:mod:`..reports`) and ``QuerySendDetails``.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from ..backends import DeliveryStatus, OutgoingSms, SendError
from . import CHINA, TemplateBackend, classify, parse_china_time

#: codes worth another attempt later: flow control, the provider's own failures, an
#: account that can be topped up
RETRY = {
    "isv.BUSINESS_LIMIT_CONTROL",
    "Throttling.User",
    "Throttling.Api",
    "Throttling",
    "isp.SYSTEM_ERROR",
    "isp.GATEWAY_ERROR",
    "isv.AMOUNT_NOT_ENOUGH",
    "isv.OUT_OF_SERVICE",
    "ServiceUnavailable",
    "InternalError",
}
#: codes that no retry will change (listed for the reader; any other ``isv.``/``Invalid``/
#: ``Missing``/``Forbidden`` code is treated the same)
GIVE_UP = {
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.SMS_SIGN_ILLEGAL",
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.TEMPLATE_PARAMS_ILLEGAL",
    "isv.INVALID_PARAMETERS",
    "isv.INVALID_JSON_PARAM",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.PARAM_NOT_SUPPORT_URL",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.DAY_LIMIT_CONTROL",
    "isv.SMS_CONTENT_ILLEGAL",
    "isv.DENY_IP_RANGE",
    "isv.ACCOUNT_NOT_EXISTS",
    "isv.ACCOUNT_ABNORMAL",
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
    "isp.RAM_PERMISSION_DENY",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId.NotFound",
}
_GIVE_UP_PREFIXES = ("isv.", "Invalid", "Missing", "Forbidden", "SignatureDoesNotMatch")


def refusal(code: str, message: str) -> SendError:
    return classify(
        code,
        message,
        retry=RETRY,
        give_up=GIVE_UP,
        retry_prefix="Throttling",
        give_up_prefixes=_GIVE_UP_PREFIXES,
    )


class AliyunBackend(TemplateBackend):
    provider = "aliyun"

    def __init__(self):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        conf = settings.ALIYUN_SMS
        address = urlsplit(conf["endpoint"])
        timeout_ms = settings.SMS_TIMEOUT_SECONDS * 1000
        self.client = Client(
            Config(
                access_key_id=conf["access_key_id"],
                access_key_secret=conf["access_key_secret"],
                endpoint=address.netloc,
                protocol=address.scheme,
                read_timeout=timeout_ms,
                connect_timeout=timeout_ms,
            )
        )

    def _call(self, method: str, request):
        """One SDK call; the SDK's exceptions become ``SendError``s (a timeout may have sent)."""
        from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
        from darabonba.runtime import RuntimeOptions

        runtime = RuntimeOptions(autoretry=False)  # the job retries, with back-off
        try:
            response = getattr(self.client, f"{method}_with_options")(request, runtime)
        except AlibabaCloudException as exc:
            raise refusal(str(exc.code or ""), str(exc.message or "")) from exc
        except Exception as exc:  # noqa: BLE001 - network: the SDK wraps the transport's errors
            timed_out = "timeout" in f"{type(exc).__name__} {exc}".lower()
            raise SendError(
                f"{type(exc).__name__}: {exc}"[:300],
                code="timeout" if timed_out else "network",
                maybe_sent=timed_out,
            ) from exc
        body = response.body
        if body is None or body.code != "OK":
            code = getattr(body, "code", "") or "no_answer"
            raise refusal(code, getattr(body, "message", "") or "")
        return body

    def send_message(self, message: OutgoingSms) -> str:
        from alibabacloud_dysmsapi20170525 import models

        mapping, values = self._prepare(message)
        request = models.SendSmsRequest(
            phone_numbers=message.phone,
            sign_name=mapping.signature,
            template_code=mapping.code,
            template_param=json.dumps(values, ensure_ascii=False),
            out_id=message.out_id,
        )
        return self._call("send_sms", request).biz_id or ""

    def _details(self, message: OutgoingSms, biz_id: str = ""):
        from alibabacloud_dysmsapi20170525 import models

        sent_on = timezone.localtime(message.created_at or timezone.now(), CHINA)
        request = models.QuerySendDetailsRequest(
            phone_number=message.phone,
            send_date=sent_on.strftime("%Y%m%d"),
            biz_id=biz_id or None,
            page_size=50,
            current_page=1,
        )
        body = self._call("query_send_details", request)
        holder = body.sms_send_detail_dtos
        return list(getattr(holder, "sms_send_detail_dto", None) or [])

    def find_sent(self, message: OutgoingSms) -> str | None:
        for detail in self._details(message):
            if detail.out_id == message.out_id:
                # QuerySendDetails does not give the BizId: the out-id is the message's id.
                return f"out:{message.out_id}"
        return None

    def query_reports(self, messages: list[OutgoingSms]) -> list[DeliveryStatus]:
        reports = []
        for message in messages:
            for detail in self._details(message):
                # SendStatus: 1 waiting for the handset's receipt, 2 failed, 3 delivered
                if detail.out_id != message.out_id or detail.send_status not in (2, 3):
                    continue
                reported = parse_china_time(detail.receive_date or "") or timezone.now()
                reports.append(
                    DeliveryStatus(
                        provider_message_id="",
                        out_id=message.out_id,
                        delivered=detail.send_status == 3,
                        code=detail.err_code or "",
                        reason="",
                        reported_at=reported,
                    )
                )
        return reports


def report_from_push(item: dict) -> DeliveryStatus | None:
    """One entry of Alibaba's ``SmsReport`` push, or None when it is not one."""
    biz_id = str(item.get("biz_id") or "")
    if not biz_id or "success" not in item:
        return None
    reported = parse_china_time(str(item.get("report_time") or ""))
    return DeliveryStatus(
        provider_message_id=biz_id,
        out_id=str(item.get("out_id") or ""),
        delivered=item.get("success") in (True, "true", "True"),
        code=str(item.get("err_code") or "")[:80],
        reason=str(item.get("err_msg") or "")[:200],
        reported_at=reported or timezone.now(),
    )
