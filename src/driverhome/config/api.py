"""The JSON API under ``/api/v1/``: one NinjaAPI, one router per app.

Authentication: ``Authorization: Bearer <token>`` (tokens from
``driverhome token USERNAME``) or the browser session (with CSRF). Each app
exposes ``router`` in its ``api.py``; they are mounted here in a fixed order.
"""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from driverhome.accounts.auth import BearerTokenAuth, SessionAuth
from driverhome.core import errors
from driverhome.core.errors import Conflict, DomainError, RateLimited
from driverhome.core.modules import optional_import

api = NinjaAPI(
    title="driverhome API",
    version="1",
    description=(
        "The JSON API of the Driver's Home platform. Every list is scoped to the "
        "caller's organisation; objects outside it answer 404."
    ),
    auth=[BearerTokenAuth(), SessionAuth()],
    urls_namespace="api",
)

# (url prefix, module holding `router`, OpenAPI tag)
ROUTERS = [
    ("/", "driverhome.accounts.api", "accounts"),
    ("/stations", "driverhome.stations.api", "stations"),
    ("/", "driverhome.drivers.api", "drivers"),
    ("/", "driverhome.services.api", "services"),
    ("/appeals", "driverhome.appeals.api", "appeals"),
    ("/events", "driverhome.events.api", "events"),
    ("/dashboard", "driverhome.dashboard.api", "dashboard"),
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
    return _error(request, 422, "invalid", str(errors.INVALID_REQUEST), errors=exc.errors)


@api.exception_handler(HttpError)
def http_error(request, exc):
    """ninja's own refusals (a body it cannot parse, above all) in the API's shape."""
    if exc.status_code == 400:
        return _error(request, 400, "malformed", str(errors.BODY_NOT_JSON))
    code, detail = errors.STATUS_ANSWERS.get(exc.status_code, ("invalid", errors.INVALID_REQUEST))
    return _error(request, exc.status_code, code, str(detail))
