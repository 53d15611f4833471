"""Login and logout, organisations, the audit and access logs, API tokens."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from driverhome.core.errors import DomainError, RateLimited
from driverhome.core.pagination import paginate
from driverhome.core.ratelimit import rate_limit

from . import access, actions, codes
from .access import role_required, staff_required
from .forms import (
    AuditFilterForm,
    LoginForm,
    OrganisationForm,
    PasswordResetForm,
    PhoneCodeForm,
    TokenForm,
    UserForm,
)
from .models import AccessLog, ApiToken, AuditLog, Organisation, Role
from .scoping import get_for_user


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from .views_channels import login_options

        return {**super().get_context_data(**kwargs), **login_options()}


BACKEND = "driverhome.accounts.backends.UsernameOrPhoneBackend"


def safe_next(request, default: str = "/accounts/home/") -> str:
    """The ``next`` address when it stays on this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def send_code_step(request, form, purpose: str):
    """The "send me a code" button of a form with a ``phone`` field.

    Returns the masked number the code went to (and says so), or None with the reason on
    the form; a rate limit comes back as the RateLimited error for a 429.
    """
    try:
        sent_to = codes.request_code(
            form.cleaned_data["phone"], purpose, request=request, language=request.LANGUAGE_CODE
        )
    except RateLimited:
        raise
    except DomainError as exc:
        form.add_error("phone" if exc.extra.get("field") == "phone" else None, str(exc))
        return None
    messages.info(
        request,
        _("We sent a %(digits)s-digit code to %(phone)s. It is valid for %(minutes)s minutes.")
        % {"digits": codes.DIGITS, "phone": sent_to, "minutes": codes.minutes_valid()},
    )
    return sent_to


def code_page(request, form_class, purpose: str, template: str, submit, context=None):
    """A page with a mobile number, a "send me a code" button and a final step.

    The send button checks the number only and keeps the rest as typed; the final step
    validates ``form_class`` and calls ``submit(form)``, which returns the response or
    raises DomainError (shown on its field). A rate limit answers 429 with ``Retry-After``.
    """
    status, retry_after, sent = 200, None, False
    if request.method == "POST" and request.POST.get("action") == "send":
        step = PhoneCodeForm(request.POST)
        form = form_class(initial=request.POST.dict())
        # Unbound (no errors for the fields not filled yet), but able to take the number's.
        form.errors  # noqa: B018 - creates the empty error list
        form.cleaned_data = {}
        try:
            if step.is_valid():
                sent = send_code_step(request, step, purpose) is not None
        except RateLimited as exc:
            step.add_error(None, str(exc))
            status, retry_after = 429, exc.retry_after
        for field, errors in step.errors.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    elif request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                if not form.cleaned_data.get("code"):
                    raise DomainError(
                        _("Enter the 6-digit code from the text message."), field="code"
                    )
                return submit(form)
            except RateLimited as exc:
                form.add_error(None, str(exc))
                status, retry_after = 429, exc.retry_after
            except DomainError as exc:
                field = exc.extra.get("field")
                form.add_error(field if field in form.fields else None, str(exc))
    else:
        form = form_class()
    response = render(
        request,
        template,
        {"form": form, "sent": sent, "next": safe_next(request, ""), **(context or {})},
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@never_cache
@rate_limit("sms-code-page", limit=30, window=600)
def login_with_code(request):
    """Log in without a password: the code sent to the driver's mobile number."""
    if request.user.is_authenticated:
        return redirect("accounts:home")

    def submit(form):
        user = codes.login_with_code(
            form.cleaned_data["phone"], form.cleaned_data["code"], request=request
        )
        login(request, user, backend=BACKEND)
        return redirect(safe_next(request))

    return code_page(
        request, PhoneCodeForm, codes.Purpose.LOGIN, "accounts/login_code.html", submit
    )


@never_cache
@rate_limit("sms-code-page", limit=30, window=600)
def password_reset(request):
    """A new password for a driver who proves his number with a code."""

    def submit(form):
        password = form.cleaned_data.get("password") or ""
        if not password:
            raise DomainError(
                _("Choose a new password."), code="password_required", field="password"
            )
        user = codes.reset_password(
            form.cleaned_data["phone"], form.cleaned_data["code"], password, request=request
        )
        login(request, user, backend=BACKEND)
        messages.success(request, _("Your new password is set. You are logged in."))
        return redirect(safe_next(request))

    return code_page(
        request, PasswordResetForm, codes.Purpose.RESET, "accounts/password_reset.html", submit
    )


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
    # Inactive organisations stay listed (marked) so that they can be made active again.
    orgs = Organisation.objects.for_user(request.user)
    kind = request.GET.get("kind", "")
    if kind in Organisation.Kind.values:
        orgs = orgs.filter(kind=kind)
    page = paginate(orgs, order="path", cursor=request.GET.get("cursor"), page_size=200)
    return render(
        request,
        "accounts/org_list.html",
        {
            "page": page,
            "kinds": Organisation.Kind.choices,
            "kind": kind,
            "may_edit": request.user.has_role(*access.ORGANISATION_EDITORS),
        },
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


# --- Organisations and accounts, edited through audited actions ----------------------------------


def _apply_errors(form, error: DomainError) -> None:
    field = error.extra.get("field")
    form.add_error(field if field in form.fields else None, str(error))


def _org_fields(form) -> dict:
    data = dict(form.cleaned_data)
    if form.instance.pk:
        data.pop("code", None)
    return data


@role_required(*access.ORGANISATION_EDITORS)
def org_new(request):
    form = OrganisationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            org = actions.create_organisation(actor=request.user, **_org_fields(form))
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The organisation is saved."))
            return redirect("accounts:org-edit", code=org.code)
    return _edit_page(request, form, _("New organisation"), "accounts:org-list", _("Organisations"))


@role_required(*access.ORGANISATION_EDITORS)
def org_edit(request, code: str):
    org = get_for_user(Organisation.objects.select_related("parent"), request.user, code=code)
    if not access.may_edit_organisation(request.user, org):
        raise Http404
    form = OrganisationForm(request.POST or None, instance=org, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_organisation(org, actor=request.user, **_org_fields(form))
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The organisation is saved."))
            return redirect("accounts:org-edit", code=org.code)
    return _edit_page(
        request,
        form,
        org.name,
        "accounts:org-list",
        _("Organisations"),
        history=("accounts.organisation", org.pk),
    )


def _edit_page(request, form, title, back, back_label, *, history=None, intro=""):
    history_url = ""
    if history and request.user.has_role(Role.SUPERVISOR, Role.ADMIN):
        history_url = (
            f"{reverse('accounts:audit-list')}?object_type={history[0]}&object_id={history[1]}"
        )
    return render(
        request,
        "accounts/edit_form.html",
        {
            "form": form,
            "title": title,
            "intro": intro,
            "back_url": reverse(back),
            "back_label": back_label,
            "history_url": history_url,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@role_required(*access.USER_EDITORS)
def user_list(request):
    accounts = access.staff_accounts(request.user)
    page = paginate(accounts, order="username", cursor=request.GET.get("cursor"))
    rows = [
        {
            "cells": [
                account.username,
                account.full_name,
                account.get_role_display(),
                account.organisation.name if account.organisation_id else _("Whole platform"),
                _("Active") if account.is_active else _("Disabled"),
            ],
            "edit_url": reverse("accounts:user-edit", args=[account.username]),
        }
        for account in page
    ]
    form = UserForm(user=request.user)
    return render(
        request,
        "accounts/edit_list.html",
        {
            "title": _("Users and roles"),
            "intro": _(
                "Staff accounts of your organisations. Each change is written to the audit log."
            ),
            "headings": [_("Username"), _("Name"), _("Role"), _("Organisation"), _("Status")],
            "rows": rows,
            "page": page,
            "empty": _("No accounts."),
            "form": form,
            "form_title": _("New account"),
            "form_action": reverse("accounts:user-new"),
            "submit_label": _("Create account"),
        },
    )


def _user_fields(form) -> dict:
    data = dict(form.cleaned_data)
    if form.instance.pk:
        data.pop("username", None)
    return data


@role_required(*access.USER_EDITORS)
def user_new(request):
    form = UserForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = _user_fields(form)
        try:
            account = actions.create_user(
                actor=request.user,
                username=data.pop("username"),
                password=data.pop("password") or None,
                **data,
            )
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The account is saved."))
            return redirect("accounts:user-edit", username=account.username)
    return _edit_page(request, form, _("New account"), "accounts:user-list", _("Users and roles"))


@role_required(*access.USER_EDITORS)
def user_edit(request, username: str):
    account = access.staff_accounts(request.user).filter(username=username).first()
    if account is None:
        raise Http404
    form = UserForm(request.POST or None, instance=account, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = _user_fields(form)
        try:
            actions.update_user(
                account, actor=request.user, password=data.pop("password") or None, **data
            )
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The account is saved."))
            return redirect("accounts:user-edit", username=account.username)
    return _edit_page(
        request,
        form,
        account.display_name,
        "accounts:user-list",
        _("Users and roles"),
        history=("accounts.user", account.pk),
    )
