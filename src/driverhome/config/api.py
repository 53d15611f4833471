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


# OpenAPI links: how a response's identifier feeds the next operation, so a client (and the
# stateful fuzzing in tests/test_fuzz_api.py) can follow the API from one object to the next.
# (source method, source path, status) -> [(link name, target method, target path, parameters)]
# Paths are relative to /api/v1; a parameter's value is an OpenAPI runtime expression.
_ID = "$response.body#/{}"
_FIRST = "$response.body#/items/0/{}"  # the first object of a page
_DRIVER_OPS = [
    ("GetDriver", "get", "/drivers/{public_id}"),
    ("UpdateDriver", "patch", "/drivers/{public_id}"),
    ("RevealDriver", "post", "/drivers/{public_id}/reveal"),
    ("DriverTimeline", "get", "/drivers/{public_id}/timeline"),
    ("ListFamily", "get", "/drivers/{public_id}/family"),
    ("AddFamily", "post", "/drivers/{public_id}/family"),
    ("ListVehicles", "get", "/drivers/{public_id}/vehicles"),
    ("AddVehicle", "post", "/drivers/{public_id}/vehicles"),
]
_APPEAL_OPS = [
    ("GetAppeal", "get", "/appeals/{tracking_no}"),
    ("RevealAppealPhone", "post", "/appeals/{tracking_no}/phone"),
    ("ActOnAppeal", "post", "/appeals/{tracking_no}/actions/{action}"),
]
_EVENT_OPS = [
    ("GetEvent", "get", "/events/{code}"),
    ("MoveEvent", "post", "/events/{code}/move"),
    ("CancelEvent", "post", "/events/{code}/cancel"),
    ("CloseEvent", "post", "/events/{code}/close"),
    ("EventFigures", "get", "/events/{code}/figures"),
    ("ListRegistrations", "get", "/events/{code}/registrations"),
    ("Register", "post", "/events/{code}/registrations"),
    ("CheckIn", "post", "/events/{code}/check-ins"),
    ("Rate", "post", "/events/{code}/feedback"),
    ("RecordService", "post", "/events/{code}/services"),
    ("FileRequest", "post", "/events/{code}/requests"),
]
_STATION_OPS = [
    ("GetStation", "get", "/stations/{code}"),
    ("Forecast", "get", "/stations/{code}/forecast"),
    ("ListReviews", "get", "/stations/{code}/reviews"),
    ("PostReview", "post", "/stations/{code}/reviews"),
    ("ReportAvailability", "post", "/stations/{code}/availability"),
    ("ListAvailability", "get", "/stations/{code}/availability"),
    ("CheckInAtStation", "post", "/stations/{code}/checkins"),
    ("ListCheckIns", "get", "/stations/{code}/checkins"),
    ("Visits", "get", "/stations/{code}/visits"),
    ("ListAssessments", "get", "/stations/{code}/assessments"),
]
_REVIEW_OPS = [
    ("ReplyToReview", "post", "/stations/reviews/{review_id}/reply"),
    ("HideReview", "post", "/stations/reviews/{review_id}/hide"),
]
_ALLOCATION_OPS = [
    ("Vacate", "post", "/allocations/{public_id}/vacate"),
    ("Transfer", "post", "/allocations/{public_id}/transfer"),
]
_RECOMMENDATION_OPS = [
    ("Accept", "post", "/services/recommendations/{id}/accept"),
    ("Dismiss", "post", "/services/recommendations/{id}/dismiss"),
]
_REGISTRATION_OPS = [
    ("ConfirmRegistration", "post", "/events/{code}/registrations/{registration_id}/confirm"),
    ("CancelRegistration", "post", "/events/{code}/registrations/{registration_id}/cancel"),
]


def _links(ops, **parameters):
    return [(name, method, path, parameters) for name, method, path in ops]


LINKS = {
    ("post", "/tokens", "201"): _links(
        [("RevokeToken", "delete", "/tokens/{prefix}")], prefix=_ID.format("prefix")
    ),
    # The caller's own tokens: following this link revokes the token the caller uses.
    ("get", "/tokens", "200"): _links(
        [("RevokeFirstToken", "delete", "/tokens/{prefix}")], prefix="$response.body#/0/prefix"
    ),
    ("get", "/organisations", "200"): _links(
        [("GetOrganisation", "get", "/organisations/{code}")], code=_FIRST.format("code")
    ),
    ("get", "/calendar/years", "200"): _links(
        [
            ("GetYear", "get", "/calendar/years/{year}"),
            ("PutYear", "put", "/calendar/years/{year}"),
        ],
        year=_FIRST.format("year"),
    ),
    ("get", "/stations", "200"): _links(_STATION_OPS, code=_FIRST.format("code")),
    ("post", "/stations/{code}/reviews", "201"): _links(_REVIEW_OPS, review_id=_ID.format("id")),
    ("get", "/stations/{code}/reviews", "200"): _links(_REVIEW_OPS, review_id=_FIRST.format("id")),
    ("post", "/drivers", "201"): _links(_DRIVER_OPS, public_id=_ID.format("public_id"))
    + _links([("GetJourney", "get", "/services/journey/{driver}")], driver=_ID.format("public_id")),
    ("get", "/drivers", "200"): _links(_DRIVER_OPS, public_id=_FIRST.format("public_id")),
    ("get", "/drivers/{public_id}", "200"): _links(_DRIVER_OPS, public_id=_ID.format("public_id")),
    ("get", "/apartments", "200"): _links(
        [("Allocate", "post", "/apartments/{public_id}/allocate")],
        public_id=_FIRST.format("public_id"),
    ),
    ("post", "/apartments/{public_id}/allocate", "201"): _links(
        _ALLOCATION_OPS, public_id=_ID.format("public_id")
    ),
    ("post", "/allocations/{public_id}/transfer", "201"): _links(
        _ALLOCATION_OPS, public_id=_ID.format("public_id")
    ),
    ("get", "/services/items", "200"): _links(
        [
            ("GetItem", "get", "/services/items/{code}"),
            ("UpdateItem", "patch", "/services/items/{code}"),
        ],
        code="$response.body#/0/code",
    ),
    ("get", "/services/recommendations", "200"): _links(
        _RECOMMENDATION_OPS, id=_FIRST.format("id")
    ),
    ("get", "/services/care/terms", "200"): _links(
        [("Enrol", "post", "/services/care/terms/{code}/enrolments")],
        code="$response.body#/0/code",
    ),
    ("post", "/appeals", "201"): _links(_APPEAL_OPS, tracking_no=_ID.format("tracking_no")),
    ("post", "/appeals", "200"): _links(_APPEAL_OPS, tracking_no=_ID.format("tracking_no")),
    ("get", "/appeals", "200"): _links(_APPEAL_OPS, tracking_no=_FIRST.format("tracking_no")),
    ("post", "/appeals/{tracking_no}/actions/{action}", "200"): _links(
        _APPEAL_OPS, tracking_no=_ID.format("tracking_no")
    ),
    ("post", "/events", "201"): _links(_EVENT_OPS, code=_ID.format("code")),
    ("get", "/events", "200"): _links(_EVENT_OPS, code=_FIRST.format("code")),
    ("post", "/events/{code}/registrations", "201"): _links(
        _REGISTRATION_OPS, code="$request.path.code", registration_id=_ID.format("id")
    ),
    ("get", "/events/{code}/registrations", "200"): _links(
        _REGISTRATION_OPS, code="$request.path.code", registration_id=_FIRST.format("id")
    ),
    ("post", "/events/{code}/requests", "201"): _links(
        _APPEAL_OPS, tracking_no=_ID.format("tracking_no")
    ),
    ("get", "/notifications/failures", "200"): _links(
        [("Resend", "post", "/notifications/{code}/resend")], code=_FIRST.format("code")
    ),
}


def add_links(schema: dict, path_prefix: str) -> dict:
    """Write ``LINKS`` into the responses of ``schema`` (paths under ``path_prefix``)."""
    prefix = path_prefix.rstrip("/")
    paths = schema["paths"]
    for (method, path, status), links in LINKS.items():
        responses = paths[prefix + path][method]["responses"]
        response = responses[int(status)] if int(status) in responses else responses[status]
        response["links"] = {
            name: {
                "operationId": paths[prefix + target][target_method]["operationId"],
                "parameters": dict(parameters),
            }
            for name, target_method, target, parameters in links
        }
    return schema


class DriverhomeAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return add_links(schema, path_prefix)


api = DriverhomeAPI(
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
    ("/", "driverhome.drivers.api_housing", "housing"),
    ("/", "driverhome.drivers.api_keep", "drivers"),
    ("/", "driverhome.services.api", "services"),
    ("/appeals", "driverhome.appeals.api", "appeals"),
    ("/appeals/settings", "driverhome.appeals.api_settings", "appeals"),
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
