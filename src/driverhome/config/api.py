"""The JSON API under ``/api/v1/``: one NinjaAPI, one router per app.

Authentication: ``Authorization: Bearer <token>`` (tokens from
``driverhome token USERNAME``) or the browser session (with CSRF). Each app
exposes ``router`` in its ``api.py``; they are mounted here in a fixed order.
"""

from django.http import Http404
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger, _csrf_needed

from driverhome.accounts.auth import BearerTokenAuth, SessionAuth
from driverhome.core import errors
from driverhome.core.errors import Conflict, DomainError, RateLimited
from driverhome.core.modules import optional_import


class OwnSwagger(Swagger):
    """Swagger UI from the platform's own static files (vendored swagger-ui-dist), never a CDN:
    the Content-Security-Policy allows no other host, and intranets reach none."""

    def render_page(self, request, api, **kwargs):
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"swagger_settings": settings, "api": api, "add_csrf": _csrf_needed(api)}
        return render(request, "core/api_docs.html", context)


api = NinjaAPI(
    title="driverhome API",
    version="1",
    description=(
        "The JSON API of the Driver's Home platform. Every list is scoped to the "
        "caller's organisation; objects outside it answer 404."
    ),
    auth=[BearerTokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs=OwnSwagger(),
)

# (url prefix, module holding `router`, OpenAPI tag)
ROUTERS = [
    ("/", "driverhome.accounts.api", "accounts"),
    ("/calendar", "driverhome.holidays.api", "calendar"),
    ("/stations", "driverhome.stations.api", "stations"),
    ("/", "driverhome.drivers.api", "drivers"),
    ("/", "driverhome.drivers.api_keep", "drivers"),
    ("/", "driverhome.services.api", "services"),
    ("/appeals", "driverhome.appeals.api", "appeals"),
    ("/events", "driverhome.events.api", "events"),
    ("/dashboard", "driverhome.dashboard.api", "dashboard"),
    ("/notifications", "driverhome.notifications.api", "notifications"),
]

for prefix, module_path, tag in ROUTERS:
    module = optional_import(module_path)
    if module is None:  # an app without an API
        continue
    api.add_router(prefix, module.router, tags=[tag])


def _error(request, status: int, code: str, message: str, **extra):
    return api.create_response(request, {"code": code, "detail": message, **extra}, status=status)


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "not_found", str(errors.NOT_FOUND))


@api.exception_handler(Conflict)
def conflict(request, exc):
    return _error(request, 409, exc.code, str(exc))


@api.exception_handler(RateLimited)
def rate_limited(request, exc):
    response = _error(request, 429, "rate_limited", str(exc))
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(DomainError)
def domain_error(request, exc):
    return _error(request, exc.status, exc.code, str(exc), **exc.extra)


@api.exception_handler(AuthenticationError)
def unauthorised(request, exc):
    response = _error(request, 401, "unauthorised", str(errors.AUTHENTICATION_REQUIRED))
    response["WWW-Authenticate"] = 'Bearer realm="driverhome"'
    return response


@api.exception_handler(ValidationError)
def invalid(request, exc):
    # 400 like every other refusal of bad input; ``errors`` names each field (``loc``), the
    # reason (``msg``), a stable ``type`` and, for a length, the limit (``ctx``).
    return _error(request, 400, "invalid", str(errors.INVALID_REQUEST), errors=exc.errors)


@api.exception_handler(HttpError)
def http_error(request, exc):
    """ninja's own refusals (a body it cannot parse, above all) in the API's shape."""
    if exc.status_code == 400:
        return _error(request, 400, "malformed", str(errors.BODY_NOT_JSON))
    code, detail = errors.STATUS_ANSWERS.get(exc.status_code, ("invalid", errors.INVALID_REQUEST))
    return _error(request, exc.status_code, code, str(detail))
