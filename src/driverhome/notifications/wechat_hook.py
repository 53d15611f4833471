"""The service account's server URL (``/hooks/wechat/``): what WeChat sends to the platform.

Every call is signed: ``signature`` = SHA-1 of the sorted token
(``DRIVERHOME_WECHAT_TOKEN``), ``timestamp`` and ``nonce``. A call without those answers
400 naming the field, a wrong signature 403, a timestamp more than ``MAX_SKEW`` away from
now 403 (an old signed call replayed). ``GET`` with ``echostr`` is WeChat's check of the
address when a district saves it. ``POST`` carries a message (plain-text mode):

* a text message or the ``subscribe`` event is answered with a short menu of links (the
  links pass through ``/accounts/wechat/``, so that a bound driver arrives logged in);
* ``TEMPLATESENDJOBFINISH`` is a notice's fate, recorded once as its delivery (a report
  sent twice is acknowledged and ignored);
* anything else is acknowledged with ``success``, as WeChat asks.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from wechatpy import create_reply, parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from . import actions
from .backends import DeliveryStatus
from .wechat import PROVIDER

logger = logging.getLogger("driverhome.notifications")

MAX_SKEW = 300  # seconds
MAX_BODY = 64 * 1024


def _text(body: str, status: int) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def menu_links() -> list[tuple[str, str]]:
    """(label, address) of the menu: each through the WeChat log-in, then the page."""
    start = settings.SITE_URL.rstrip("/") + reverse("accounts:wechat-start")
    pages = [
        (_("My requests"), reverse("appeals_driver:my-appeals")),
        (_("New request"), reverse("appeals_driver:appeal-new")),
        (_("Driver's Homes nearby"), reverse("stations_driver:nearby")),
        (_("My messages"), reverse("notifications_driver:my-messages")),
    ]
    return [(str(label), f"{start}?{urlencode({'next': path})}") for label, path in pages]


def menu_text() -> str:
    lines = [str(settings.PLATFORM_NAME)]
    lines += [f'<a href="{url}">{label}</a>' for label, url in menu_links()]
    return "\n".join(lines)


@csrf_exempt
def server(request):
    token = settings.WECHAT["token"]
    if not token:
        return _text("not configured", 404)
    for name in ("signature", "timestamp", "nonce"):
        if not request.GET.get(name):
            return _text(f"{name}: required", 400)
    timestamp = request.GET["timestamp"]
    try:
        check_signature(token, request.GET["signature"], timestamp, request.GET["nonce"])
    except InvalidSignatureException:
        return _text("signature: invalid", 403)
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_SKEW:
        return _text("timestamp: out of range", 403)
    if request.method == "GET":
        return _text(request.GET.get("echostr", ""), 200)
    if request.method != "POST":
        return _text("method not allowed", 405)
    if len(request.body) > MAX_BODY:
        return _text("body: too large", 400)
    try:
        message = parse_message(request.body)
    except Exception:  # noqa: BLE001 - not XML WeChat would send
        return _text("body: not a WeChat message", 400)
    kind = f"{message.type}:{getattr(message, 'event', '')}"
    if kind == "event:templatesendjobfinish":
        _record(message)
        return _text("success", 200)
    if message.type == "text" or kind == "event:subscribe":
        reply = create_reply(menu_text(), message)
        return HttpResponse(reply.render(), content_type="application/xml; charset=utf-8")
    return _text("success", 200)


def _record(message) -> None:
    raw = message._data
    status = str(raw.get("Status") or "")
    moment = datetime.fromtimestamp(int(raw.get("CreateTime") or time.time()), UTC)
    recorded = actions.record_report(
        PROVIDER,
        DeliveryStatus(
            provider_message_id=str(raw.get("MsgID") or raw.get("MsgId") or ""),
            delivered=status == "success",
            code=status[:80],
            reason="" if status == "success" else status[:200],
            reported_at=moment,
        ),
        source="push",
    )
    logger.info("wechat notice report", extra={"new": recorded})
