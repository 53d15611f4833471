"""Login and logout, organisations, the audit and access logs, API tokens."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from driverhome.core.pagination import paginate

from . import actions
from .access import role_required, staff_required
from .forms import AuditFilterForm, LoginForm, TokenForm
from .models import AccessLog, ApiToken, AuditLog, Organisation, Role


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def locked_out(request, credentials=None, *args, **kwargs):
    """Shown by django-axes after too many failed logins."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    body = render_to_string("accounts/locked_out.html", {"minutes": minutes}, request=request)
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


def home(request):
    """Where a user lands after logging in: the console for staff, the driver site for drivers."""
    if request.user.is_authenticated and request.user.is_platform_staff:
        return redirect("core:console-home")
    return redirect("core:driver-home")


@role_required(Role.SUPERVISOR, Role.ADMIN)
def org_list(request):
    orgs = Organisation.objects.for_user(request.user).filter(is_active=True)
    kind = request.GET.get("kind", "")
    if kind in Organisation.Kind.values:
        orgs = orgs.filter(kind=kind)
    page = paginate(orgs, order="path", cursor=request.GET.get("cursor"), page_size=200)
    return render(
        request,
        "accounts/org_list.html",
        {"page": page, "kinds": Organisation.Kind.choices, "kind": kind},
    )


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


@role_required(Role.SUPERVISOR, Role.ADMIN)
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    entries = AuditLog.objects.for_user(request.user).select_related("actor", "personal_key")
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            entries = entries.filter(actor_label__iexact=data["actor"])
        if data["action"]:
            entries = entries.filter(action__startswith=data["action"])
        if data["object_type"]:
            entries = entries.filter(object_type=data["object_type"])
        if data["object_id"]:
            entries = entries.filter(object_id=data["object_id"])
        if data["since"]:
            entries = entries.filter(at__gte=_day_start(data["since"]))
        if data["until"]:
            entries = entries.filter(at__lt=_day_start(data["until"] + timedelta(days=1)))
    page = paginate(entries, order="-at", cursor=request.GET.get("cursor"))
    return render(request, "accounts/audit_list.html", {"form": form, "page": page, "log": "audit"})


@role_required(Role.SUPERVISOR, Role.ADMIN)
def access_list(request):
    entries = AccessLog.objects.for_user(request.user).select_related("personal_key")
    subject = request.GET.get("subject", "").strip()
    if subject:
        entries = entries.filter(subject_id=subject)
    page = paginate(entries, order="-at", cursor=request.GET.get("cursor"))
    return render(
        request, "accounts/access_list.html", {"page": page, "subject": subject, "log": "access"}
    )


@staff_required
def token_list(request):
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = actions.issue_token(
            request.user, actor=request.user, name=form.cleaned_data["name"]
        )
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(
        request, "accounts/token_list.html", {"tokens": tokens, "form": form, "new_key": new_key}
    )


@staff_required
@require_POST
def token_revoke(request, prefix: str):
    token = _own_token(request, prefix)
    actions.revoke_token(token, actor=request.user)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:token-list")


def _own_token(request, prefix):
    try:
        return ApiToken.objects.get(user=request.user, prefix=prefix)
    except ApiToken.DoesNotExist:
        raise Http404 from None
