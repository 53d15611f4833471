"""Console pages: my notices; messages that could not be sent (supervisors, administrators) and retry."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from driverhome.accounts.access import role_required, staff_required
from driverhome.accounts.models import Role
from driverhome.accounts.scoping import get_for_user
from driverhome.core.pagination import paginate

from . import actions
from .models import Notification


@staff_required
@require_GET
def notice_list(request):
    qs = Notification.objects.filter(
        recipient_user=request.user, channel=Notification.Channel.CONSOLE
    ).select_related("personal_key")
    page = paginate(qs, order="-created_at", cursor=request.GET.get("cursor"))
    unread = {n.pk for n in page if n.read_at is None}
    actions.mark_read(request.user)
    return render(request, "notifications/notice_list.html", {"page": page, "unread": unread})


@role_required(Role.SUPERVISOR, Role.ADMIN)
@require_GET
def notice_failed(request):
    qs = (
        Notification.objects.for_user(request.user)
        .filter(
            status__in=(Notification.Status.FAILED, Notification.Status.QUEUED),
            channel=Notification.Channel.SMS,
        )
        .select_related("personal_key")
    )
    page = paginate(qs, order="-created_at", cursor=request.GET.get("cursor"))
    return render(request, "notifications/notice_failed.html", {"page": page})


@role_required(Role.SUPERVISOR, Role.ADMIN)
@require_POST
def notice_retry(request, pk: int):
    notification = get_for_user(Notification.objects, request.user, pk=pk)
    if notification.status != Notification.Status.FAILED:
        messages.warning(request, _("This message is not waiting for a retry."))
    else:
        actions.retry(notification, actor=request.user)
        messages.success(request, _("The message was queued again."))
    return redirect("notifications:notice-failed")
