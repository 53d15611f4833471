"""Ways in besides the password: WeChat (drivers, from the service account's menu) and the
unified identity platform (staff, OpenID Connect). Neither shows or does anything when it is
not configured: its pages send the visitor home."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from driverhome.core import pii
from driverhome.core.errors import DomainError
from driverhome.core.ratelimit import rate_limit

from . import actions, audit, codes, sso, wechat
from .access import driver_required
from .forms import PhoneCodeForm
from .models import Role, WeChatBinding
from .views import BACKEND, code_page, safe_next

logger = logging.getLogger("driverhome.accounts")

#: session keys: the OAuth state, where to go after, the openid waiting for its binding
STATE, NEXT, PENDING = "wechat_state", "wechat_next", "wechat_openid"


def login_options() -> dict:
    """What the login pages offer besides the password (nothing that is not configured)."""
    return {"wechat_login": wechat.configured(), "sso_login": sso.configured()}


def _absolute(name: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name)


def _not_configured(request):
    messages.info(request, _("This way of logging in is not set up on this server."))
    return redirect("core:driver-home")


# --- WeChat -----------------------------------------------------------------------------------


@never_cache
def wechat_start(request):
    """The address of the service account's menu: WeChat's silent authorisation, then back."""
    if not wechat.configured():
        return _not_configured(request)
    state = secrets.token_urlsafe(16)
    request.session[STATE] = state
    request.session[NEXT] = safe_next(request, "")
    return redirect(wechat.authorize_url(_absolute("accounts:wechat-callback"), state))


def _failed(request, text: str, status: int = 400):
    return render(request, "accounts/channel_failed.html", {"reason": text}, status=status)


@never_cache
def wechat_callback(request):
    """WeChat sends the driver back with a code: his bound login is logged in, anyone else
    proves his number first (``wechat_bind``)."""
    if not wechat.configured():
        return _not_configured(request)
    state = request.session.pop(STATE, None)
    code = request.GET.get("code", "")
    if not state or not secrets.compare_digest(state, request.GET.get("state", "")):
        return _failed(request, _("The WeChat authorisation is out of date. Open the page again."))
    if not code:  # the user declined (snsapi_base is silent, so this is a broken address)
        return _failed(request, _("WeChat did not authorise this page."))
    try:
        openid = wechat.openid_for_code(code)
    except wechat.WeChatError as exc:
        logger.warning("wechat authorisation failed", extra={"code": exc.code})
        return _failed(
            request, _("WeChat could not be reached. Please try again in a minute."), 502
        )
    binding = (
        WeChatBinding.objects.select_related("user")
        .filter(openid_hash=wechat.openid_hash(openid))
        .first()
    )
    next_url = request.session.pop(NEXT, "") or reverse("accounts:home")
    if binding is not None and binding.user.is_active and binding.user.role == Role.DRIVER:
        user = binding.user
        login(request, user, backend=BACKEND)
        audit.record(user, "user.login_wechat", user, organisation=user.organisation_id)
        return redirect(next_url)
    # Kept encrypted in the session until he proves his number.
    request.session[PENDING] = pii.encrypt(openid)
    request.session[NEXT] = next_url
    return redirect("accounts:wechat-bind")


@never_cache
@rate_limit("sms-code-page", limit=30, window=600)
def wechat_bind(request):
    """Bind the WeChat account he came from to his driver's login: the SMS code proves the
    number. Then he is logged in, and from now on the menu logs him in."""
    if not wechat.configured():
        return _not_configured(request)
    pending = request.session.get(PENDING)
    if not pending:
        return redirect("accounts:wechat-start")

    def submit(form):
        user = codes.login_with_code(
            form.cleaned_data["phone"], form.cleaned_data["code"], request=request
        )
        actions.bind_wechat(user, pii.decrypt(pending), actor=user)
        login(request, user, backend=BACKEND)
        request.session.pop(PENDING, None)
        messages.success(
            request, _("Your WeChat is bound: the account's menu now logs you in directly.")
        )
        return redirect(request.session.pop(NEXT, "") or reverse("drivers_driver:my-file"))

    return code_page(
        request, PhoneCodeForm, codes.Purpose.LOGIN, "accounts/wechat_bind.html", submit
    )


@driver_required
@require_POST
def wechat_unbind(request):
    """The driver removes his WeChat binding (his account page)."""
    if actions.unbind_wechat(request.user, actor=request.user):
        messages.success(request, _("Your WeChat is no longer bound to your login."))
    else:
        messages.info(request, _("Your login was not bound to WeChat."))
    return redirect("drivers_driver:my-file")


def binding_of(user):
    """The driver's binding for his account page (None when there is none)."""
    return WeChatBinding.objects.filter(user=user).only("bound_at", "user_id").first()


# --- Single sign-on for staff -------------------------------------------------------------------


@never_cache
def sso_start(request):
    """To the unified identity platform's log-in page."""
    if not sso.configured():
        return _not_configured(request)
    request.session["sso_next"] = safe_next(request, "")
    try:
        return sso.client().authorize_redirect(request, _absolute("accounts:sso-callback"))
    except Exception as exc:  # noqa: BLE001 - the provider's discovery may fail in many ways
        logger.warning("sso discovery failed", extra={"code": sso.failure_code(exc)})
        return _failed(
            request, _("The unified identity platform could not be reached. Try again later."), 502
        )


@never_cache
def sso_callback(request):
    """The identity platform sends the staff member back: his account is logged in, if the
    platform knows one for him."""
    if not sso.configured():
        return _not_configured(request)
    from authlib.integrations.base_client.errors import OAuthError

    try:
        token = sso.client().authorize_access_token(request)
    except OAuthError as exc:
        logger.info("sso refused", extra={"code": sso.failure_code(exc)})
        return _failed(request, _("The log-in at the unified identity platform did not succeed."))
    except Exception as exc:  # noqa: BLE001 - network, bad signature, bad claims
        logger.warning("sso token failed", extra={"code": sso.failure_code(exc)})
        return _failed(request, _("The log-in at the unified identity platform did not succeed."))
    claims = token.get("userinfo") or {}
    try:
        user = actions.staff_for_identity(dict(claims))
    except DomainError as exc:
        return _failed(request, str(exc), 403)
    login(request, user, backend=BACKEND)
    request.session["sso"] = True
    return redirect(request.session.pop("sso_next", "") or reverse("core:console-home"))
