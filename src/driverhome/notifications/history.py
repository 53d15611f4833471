"""The message history: what a person was sent, and what staff must look at.

One place for the reads the pages and the API share.
"""

from __future__ import annotations

import re

from django.db.models import Count, Max, Q

from .models import Notification

SMS = Notification.Channel.SMS
_ERROR_PREFIX = re.compile(r"^\w+(?:Error|Exception): ")
#: failed, reported undelivered, or still waiting to go out
NEEDS_ATTENTION = Q(status=Notification.Status.FAILED) | Q(
    delivery=Notification.Delivery.UNDELIVERED
)
WAITING = Q(status__in=[Notification.Status.QUEUED, Notification.Status.SENDING])


def own_messages(user):
    """The SMS (and the WeChat notices that went instead) sent to ``user`` (as a person, or as
    the driver of his file), newest first."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return (
        Notification.objects.filter(channel__in=(SMS, Notification.Channel.WECHAT))
        .filter(Q(recipient_user=user) | Q(driver__user=user))
        .select_related("personal_key")
        .defer("phone", "params")
    )


def attention(user, *, provider: str = "", kind: str = "", waiting: bool = True):
    """SMS in ``user``'s scope that failed, were not delivered (or wait to go out)."""
    wanted = NEEDS_ATTENTION | WAITING if waiting else NEEDS_ATTENTION
    qs = Notification.objects.for_user(user).filter(channel=SMS).filter(wanted)
    if provider:
        qs = qs.filter(provider=provider)
    if kind:
        qs = qs.filter(template=kind)
    return qs.defer("phone", "params")


def failure_summary(user) -> list[dict]:
    """Failures per provider and kind: counts, the latest time and the most recent reason."""
    rows = (
        Notification.objects.for_user(user)
        .filter(channel=SMS)
        .filter(NEEDS_ATTENTION)
        .values("provider", "template")
        .annotate(
            failed=Count("pk", filter=Q(status=Notification.Status.FAILED)),
            undelivered=Count("pk", filter=Q(delivery=Notification.Delivery.UNDELIVERED)),
            latest=Max("created_at"),
        )
        .order_by("-latest")[:100]
    )
    # The latest reason of each group, from the most recent failures (one query).
    recent = (
        Notification.objects.for_user(user)
        .filter(channel=SMS)
        .filter(NEEDS_ATTENTION)
        .order_by("-created_at")
        .only(
            "provider",
            "template",
            "status",
            "delivery",
            "provider_code",
            "last_error",
            "delivery_code",
            "delivery_reason",
        )[:1000]
    )
    reasons: dict[tuple[str, str], str] = {}
    for notification in recent:
        reasons.setdefault((notification.provider, notification.template), reason(notification))
    return [{**row, "reason": reasons.get((row["provider"], row["template"]), "")} for row in rows]


def reason(notification: Notification) -> str:
    """The provider's reason, as staff read it: the delivery report's, else the refusal's."""
    if notification.delivery == Notification.Delivery.UNDELIVERED:
        parts = [notification.delivery_code, notification.delivery_reason]
    else:
        # "SendError: isv.X: message" → "isv.X: message" (the code once)
        error = _ERROR_PREFIX.sub("", notification.last_error)
        code = notification.provider_code
        parts = [error] if code and error.startswith(code) else [code, error]
    text = " · ".join(p for p in parts if p)
    return text[:200]
