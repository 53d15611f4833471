"""API under ``/api/v1/notifications``: my messages and their delivery; for supervisors and
administrators, the SMS that failed or were not delivered, per provider and kind, and
sending one again. A message is named by its public code (``out_id``)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Query, Router, Schema, Status

from driverhome.accounts.access import require_roles
from driverhome.accounts.models import Role
from driverhome.accounts.scoping import get_for_user
from driverhome.core.pagination import paginate

from . import actions, history
from .models import Notification

router = Router()
HANDLERS = (Role.SUPERVISOR, Role.ADMIN)


class MessageOut(Schema):
    code: UUID
    kind: str
    text: str
    status: str
    delivery: str
    delivery_reason: str
    delivered_at: datetime | None
    created_at: datetime
    sent_at: datetime | None
    url: str


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


class FailureOut(MessageOut):
    to: str
    provider: str
    provider_code: str
    reason: str
    attempts: int
    resend_of: UUID | None


class FailurePage(Schema):
    items: list[FailureOut]
    next_cursor: str | None


class SummaryOut(Schema):
    provider: str
    kind: str
    failed: int
    undelivered: int
    latest: datetime
    reason: str


class FailureFilter(Schema):
    provider: str = ""
    kind: str = ""
    cursor: str | None = None


def _message(n: Notification) -> dict:
    return {
        "code": n.out_id,
        "kind": n.template,
        "text": n.body,
        "status": n.status,
        "delivery": n.delivery,
        "delivery_reason": n.delivery_reason,
        "delivered_at": n.delivered_at,
        "created_at": n.created_at,
        "sent_at": n.sent_at,
        "url": n.url,
    }


def _failure(n: Notification) -> dict:
    return {
        **_message(n),
        "to": n.phone_masked,
        "provider": n.provider,
        "provider_code": n.provider_code,
        "reason": history.reason(n),
        "attempts": n.attempts,
        "resend_of": n.resend_of.out_id if n.resend_of_id else None,
    }


@router.get("/mine", response=MessagePage, summary="The SMS sent to me and their delivery")
def my_messages(request, cursor: str | None = None):
    page = paginate(history.own_messages(request.user), order="-created_at", cursor=cursor)
    return {"items": [_message(n) for n in page], "next_cursor": page.next_cursor}


@router.get("/failures", response=FailurePage, summary="SMS that failed or were not delivered")
def failures(request, filters: Query[FailureFilter]):
    require_roles(request, *HANDLERS)
    qs = history.attention(
        request.user, provider=filters.provider, kind=filters.kind, waiting=False
    ).select_related("resend_of")
    page = paginate(qs, order="-created_at", cursor=filters.cursor)
    return {"items": [_failure(n) for n in page], "next_cursor": page.next_cursor}


@router.get(
    "/failures/summary", response=list[SummaryOut], summary="Failures per provider and kind"
)
def failure_summary(request):
    require_roles(request, *HANDLERS)
    return [{**row, "kind": row["template"]} for row in history.failure_summary(request.user)]


@router.post(
    "/{code}/resend",
    response={201: FailureOut},
    summary="Send a failed message again (new message)",
)
def resend(request, code: UUID):
    require_roles(request, *HANDLERS)
    original = get_for_user(Notification.objects, request.user, out_id=code)
    copy = actions.resend(original, actor=request.user)
    copy.resend_of = original
    return Status(201, _failure(copy))
