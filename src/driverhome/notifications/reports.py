"""Delivery-report callbacks: the address each provider pushes its reports to.

Neither Alibaba's ``SmsReport`` push nor Tencent's status callback signs its
request; what can be verified is the address itself: it carries the secret
``DRIVERHOME_SMS_REPORT_TOKEN`` (``/hooks/sms/<provider>/<token>/``), compared in
constant time, and a wrong or missing token answers 404 without reading the
body. A report is recorded once per message (``actions.record_report``): a replay,
or the push of a report the query job already fetched, is acknowledged and
ignored, so the provider stops pushing it.
"""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import actions
from .providers import aliyun, tencent

logger = logging.getLogger("driverhome.sms")

#: provider → (report parser, the answer the provider documents as "received")
PUSH = {
    "aliyun": (aliyun.report_from_push, {"code": 0, "msg": "接收成功"}),
    "tencent": (tencent.report_from_push, {"result": 0, "errmsg": "OK"}),
}
MAX_BODY = 1024 * 1024


def _token_ok(token: str) -> bool:
    expected = settings.SMS_REPORT_TOKEN
    return bool(expected) and hmac.compare_digest(token.encode(), expected.encode())


@csrf_exempt
@require_POST
def delivery_report(request, provider: str, token: str):
    if provider not in PUSH or not _token_ok(token):
        raise Http404
    parse, received = PUSH[provider]
    if len(request.body) > MAX_BODY:
        return JsonResponse({"code": 1, "result": 1, "errmsg": "too large"}, status=400)
    try:
        data = json.loads(request.body or b"[]")
    except ValueError:
        return JsonResponse({"code": 1, "result": 1, "errmsg": "not JSON"}, status=400)
    items = data if isinstance(data, list) else [data]
    recorded = 0
    for item in items:
        report = parse(item) if isinstance(item, dict) else None
        if report is not None:
            recorded += actions.record_report(provider, report, source="push")
    logger.info("sms reports", extra={"provider": provider, "items": len(items), "new": recorded})
    return JsonResponse(received)
