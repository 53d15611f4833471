"""Domain errors raised by actions and turned into clear answers by the API and pages."""

from __future__ import annotations

from contextlib import contextmanager

from django.utils.translation import gettext_lazy as _

#: The API's answers that no domain error carries, in the caller's language.
NOT_FOUND = _("Not found.")
INVALID_REQUEST = _("The request is not valid.")
AUTHENTICATION_REQUIRED = _("Authentication required.")


class DomainError(Exception):
    """A request that cannot be carried out, with a stable machine-readable code."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, **extra):
        super().__init__(message)
        if code:
            self.code = code
        self.extra = extra


class Conflict(DomainError):
    """Somebody else changed the object first (a lost race, or a forbidden transition)."""

    status = 409
    code = "conflict"


class PermissionDeniedError(DomainError):
    status = 403
    code = "forbidden"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


#: The answer to a lost race that no action named more precisely.
DUPLICATE = _(
    "Somebody else made the same change a moment ago. Reload the page to see it, then try again."
)

#: SQLSTATE of a unique violation (PostgreSQL); SQLite names it in the message.
_UNIQUE_VIOLATION = "23505"


def is_unique_violation(exc: BaseException) -> bool:
    """Whether an ``IntegrityError`` is a unique (or primary key) violation, on either engine.

    A lost race between two inserts shows up as one; NOT NULL, foreign key or check
    violations are bugs and must stay errors.
    """
    cause = getattr(exc, "__cause__", None)
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate:
        return sqlstate == _UNIQUE_VIOLATION
    text = str(exc)
    return "UNIQUE constraint failed" in text or "PRIMARY KEY constraint failed" in text


@contextmanager
def conflict_on_duplicate(message=None, *, code: str = "conflict"):
    """Run the block in a savepoint; a unique violation in it becomes :class:`Conflict`.

    The usual guard around an insert that a concurrent caller may have made first
    (``with conflict_on_duplicate(_("This visit was already recorded.")): Model.objects.create(...)``).
    Any other database error goes on as it is.
    """
    from django.db import IntegrityError, transaction

    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise Conflict(str(message or DUPLICATE), code=code) from exc
        raise


#: Answers given before any view runs, in the caller's language.
BODY_TOO_LARGE = _("The request body is larger than %(limit)s bytes.")
BODY_MALFORMED = _("The request body could not be read: %(reason)s")
BODY_NOT_JSON = _("The request body is not valid JSON.")
UNSTORABLE_INPUT = _(
    "The request contains a NUL character or a lone UTF-16 surrogate, which cannot be stored."
)

UNSUPPORTED_MEDIA_TYPE = _("Send the body as JSON (Content-Type: application/json).")
FORBIDDEN = _("You may not do this.")
METHOD_NOT_ALLOWED = _("This method is not allowed here.")
TOO_MANY_REQUESTS = _("Too many requests. Wait a moment and try again.")
SERVER_ERROR = _("Something went wrong on our side. Try again later.")

#: (code, message) of an error answer that reached the caller in another format
STATUS_ANSWERS = {
    400: ("invalid", INVALID_REQUEST),
    401: ("unauthorised", AUTHENTICATION_REQUIRED),
    403: ("forbidden", FORBIDDEN),
    404: ("not_found", NOT_FOUND),
    405: ("method_not_allowed", METHOD_NOT_ALLOWED),
    409: ("conflict", DUPLICATE),
    413: ("too_large", BODY_TOO_LARGE),
    415: ("unsupported_media_type", UNSUPPORTED_MEDIA_TYPE),
    429: ("rate_limited", TOO_MANY_REQUESTS),
}

API_PREFIX = "/api/"
OPEN311_PREFIX = "/open311/"


def error_response(request, status: int, code: str, detail, *, retry_after: int | None = None):
    """An error in the caller's format, for answers given outside the API's own handlers.

    ``/api/...``: the API's ``{"code", "detail"}``; ``/open311/...``: GeoReport's error
    array (XML when the path asks for ``.xml``); any other page: plain text.
    """
    from xml.etree import ElementTree as ET

    from django.http import HttpResponse, JsonResponse

    detail = str(detail)
    path = request.path
    if path.startswith(API_PREFIX):
        response = JsonResponse({"code": code, "detail": detail}, status=status)
    elif path.startswith(OPEN311_PREFIX):
        if path.endswith(".xml"):
            root = ET.Element("errors")
            error = ET.SubElement(root, "error")
            ET.SubElement(error, "code").text = str(status)
            ET.SubElement(error, "description").text = detail
            body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "utf-8")
            response = HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
        else:
            response = JsonResponse(
                [{"code": status, "description": detail}],
                safe=False,
                status=status,
                json_dumps_params={"ensure_ascii": False},
            )
    else:
        response = HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
