"""Console pages: my notices; SMS that failed or were not delivered, per provider and kind,
with the provider's reason, sent again from there (supervisors, administrators); the
provider templates of each kind of message (administrators)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from driverhome.accounts.access import role_required, staff_required
from driverhome.accounts.models import Role
from driverhome.accounts.scoping import get_for_user
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate

from . import actions, history, sms_templates
from .forms import TemplateMappingForm
from .messages import TEMPLATES, parameters
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
    provider = request.GET.get("provider", "")
    kind = request.GET.get("kind", "")
    qs = history.attention(request.user, provider=provider, kind=kind).select_related(
        "resend_of", "personal_key"
    )
    page = paginate(qs, order="-created_at", cursor=request.GET.get("cursor"))
    resent = set(
        Notification.objects.filter(resend_of__in=[n.pk for n in page]).values_list(
            "resend_of", flat=True
        )
    )
    rows = [
        {
            "n": n,
            "reason": history.reason(n),
            "can_resend": n.needs_attention and n.pk not in resent,
        }
        for n in page
    ]
    return render(
        request,
        "notifications/notice_failed.html",
        {
            "page": page,
            "rows": rows,
            "summary": history.failure_summary(request.user),
            "provider": provider,
            "kind": kind,
            "providers": {"": _("Log gateway"), **sms_templates.PROVIDERS},
        },
    )


@role_required(Role.SUPERVISOR, Role.ADMIN)
@require_POST
def notice_retry(request, pk: int):
    notification = get_for_user(Notification.objects, request.user, pk=pk)
    if notification.status != Notification.Status.FAILED:
        messages.warning(request, _("This message is not waiting for a retry."))
    else:
        try:
            actions.retry(notification, actor=request.user)
        except DomainError as exc:
            messages.warning(request, str(exc))
        else:
            messages.success(request, _("The message was queued again."))
    return redirect("notifications:notice-failed")


@role_required(Role.SUPERVISOR, Role.ADMIN)
@require_POST
def notice_resend(request, pk: int):
    notification = get_for_user(Notification.objects, request.user, pk=pk)
    try:
        actions.resend(notification, actor=request.user)
    except DomainError as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, _("The message was sent again as a new message."))
    return redirect("notifications:notice-failed")


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def template_list(request):
    """Every kind of message with its parameters and its template at each provider."""
    form = TemplateMappingForm(request.POST or None, initial=request.GET or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_template_mapping(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            for field, error in exc.extra.get("fields", {}).items():
                form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("The template was saved."))
            return redirect("notifications:template-list")
    configured = sms_templates.provider_name()
    try:
        mapped = {p: sms_templates.mappings(p) for p in sms_templates.PROVIDERS}
        file_error = ""
    except sms_templates.ConfigError as exc:
        mapped, file_error = {p: {} for p in sms_templates.PROVIDERS}, str(exc)
    kinds = [
        {
            "key": key,
            "params": parameters(key),
            "text": TEMPLATES[key],
            "mappings": [(p, mapped[p].get(key)) for p in sms_templates.PROVIDERS],
            "missing": bool(configured) and key not in mapped[configured],
        }
        for key in sorted(TEMPLATES)
    ]
    return render(
        request,
        "notifications/template_list.html",
        {
            "kinds": kinds,
            "form": form,
            "configured": sms_templates.PROVIDERS.get(configured, _("Log gateway")),
            "file": settings.SMS_TEMPLATES_FILE,
            "file_error": file_error,
            "providers": sms_templates.PROVIDERS,
        },
    )
