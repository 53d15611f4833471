"""Request updates as the WeChat service account's template notices, SMS as the fall-back.

``actions.deliver`` asks :func:`try_send` first for every queued SMS to a login bound to
the account (``accounts.WeChatBinding``) whose kind has a ``wechat`` template
(``sms_templates``: the template id as ``code``, the notice's data fields as parameter
names). The notice carries the address of the message's page. When the driver does not
follow the account (WeChat's user information says ``subscribe: 0``, or the send answers
43004), or the notice fails in any way, the message goes on as the SMS it was. One-time
codes never go this way (they are sent in the request, by SMS).

WeChat reports the notice's fate to the account's server URL (``TEMPLATESENDJOBFINISH``,
:mod:`.wechat_hook`), recorded as the message's delivery like an SMS provider's report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings

from driverhome.accounts import wechat as account
from driverhome.accounts.models import WeChatBinding

from . import sms_templates
from .messages import SECRET_PARAMETERS
from .providers import fit

logger = logging.getLogger("driverhome.notifications")

PROVIDER = "wechat"
#: WeChat's "the user does not follow the account" (require subscribe)
NOT_FOLLOWING = "43004"


@dataclass(frozen=True)
class Outcome:
    #: WeChat's msgid when the notice was accepted, else ""
    message_id: str = ""
    #: why it went by SMS instead ("" when sent)
    reason: str = ""


def _link(url: str) -> str:
    if not url:
        return settings.SITE_URL
    return settings.SITE_URL.rstrip("/") + "/" + url.lstrip("/")


def try_send(row) -> Outcome | None:
    """Send ``row`` (a queued SMS) as a template notice; None when WeChat is not a way for it
    (not configured, not bound, no template, a secret), else the outcome."""
    if not account.configured() or row.template in SECRET_PARAMETERS or not row.recipient_user_id:
        return None
    binding = WeChatBinding.objects.filter(
        user_id=row.recipient_user_id, app_id=settings.WECHAT["app_id"]
    ).first()
    if binding is None:
        return None
    mapping = sms_templates.mapping_for(PROVIDER, row.template)
    if mapping is None:
        return None
    params = row.template_params
    limit = sms_templates.max_param_length(PROVIDER)
    data = {}
    for field_name, ours in mapping.params.items():
        value = row.url if ours == sms_templates.LINK else params.get(ours, "")
        data[field_name] = {"value": fit(value, limit)}
    import requests
    from wechatpy.exceptions import WeChatException

    client = account.client()
    try:
        following = client.user.get(binding.openid).get("subscribe", 0)
        if not following:
            return Outcome(reason="not following the account")
        answer = client.message.send_template(
            binding.openid, mapping.code, data, url=_link(row.url)
        )
    except (WeChatException, requests.RequestException, ValueError) as exc:
        code = str(getattr(exc, "errcode", "") or "")
        if code == NOT_FOLLOWING:
            return Outcome(reason="not following the account")
        logger.warning("wechat notice failed", extra={"notification": row.pk, "code": code})
        return Outcome(reason=f"WeChat: {account.safe_error(exc)}")
    return Outcome(message_id=str(answer.get("msgid") or "wechat"))
