"""Request context and security headers."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import IntegrityError
from django.http.multipartparser import MultiPartParserError

from . import errors
from .context import reset_request_context, set_request_context


def client_ip(request) -> str:
    """The client's address; behind N trusted proxies, the Nth address from the right."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if len(parts) >= hops:
            return parts[-hops]
    return request.META.get("REMOTE_ADDR", "") or ""


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex[:16]
        tokens = set_request_context(client_ip(request), request_id[:64])
        try:
            response = self.get_response(request)
        finally:
            reset_request_context(tokens)
        response["X-Request-ID"] = request_id[:64]
        return response


def content_security_policy() -> str:
    img = ["'self'", "data:", "blob:"]
    if settings.MAP_TILE_URL:
        from urllib.parse import urlparse

        host = urlparse(settings.MAP_TILE_URL.replace("{s}", "a")).netloc
        if host:
            scheme = urlparse(settings.MAP_TILE_URL).scheme or "https"
            img.append(
                f"{scheme}://{host.replace('a.', '*.', 1) if host.startswith('a.') else host}"
            )
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(img)}",
            "font-src 'self'",
            "connect-src 'self'",
            "manifest-src 'self'",
            "worker-src 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


#: A JSON escape of a high UTF-16 surrogate, with the low one that may follow it.
_SURROGATE_ESCAPE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?:\\u([dD][c-fC-F][0-9a-fA-F]{2}))?"
)
_LOW_SURROGATE = re.compile(rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}")
#: a surrogate encoded as UTF-8 bytes (invalid UTF-8, yet ``json.loads`` lets it through)
_SURROGATE_BYTES = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")


def _lone_surrogate_escape(body: bytes) -> bool:
    """Whether a JSON text escapes a surrogate that is not half of a pair."""
    if b"\\u" not in body:
        return False
    paired_lows = set()
    for match in _SURROGATE_ESCAPE.finditer(body):
        if match.group(1) is None:
            return True  # a high surrogate alone
        paired_lows.add(match.start(1))
    return any(m.start() + 2 not in paired_lows for m in _LOW_SURROGATE.finditer(body))


def unstorable(text: str) -> bool:
    """Whether a decoded value holds what no database column can store."""
    return "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text)


class RejectUnstorableInputMiddleware:
    """Refuse input that no column can store (400), and bodies too large (413), up front.

    NUL characters (PostgreSQL refuses them outright) and lone UTF-16 surrogates (no
    UTF-8 encoding exists for them) are refused in the path, the query string and the
    body, whatever the Content-Type says: raw, percent-encoded or as a JSON escape;
    multipart forms are parsed and their fields checked. An API body labelled as
    neither JSON nor a multipart form answers 415. A body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` and a body that cannot be parsed answer here as well.
    Every refusal is in the caller's format (:func:`core.errors.error_response`).
    """

    BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            bad = self._unstorable(request)
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return errors.error_response(
                request, 413, "too_large", errors.BODY_TOO_LARGE % {"limit": limit}
            )
        except (SuspiciousOperation, MultiPartParserError, UnicodeDecodeError) as exc:
            return errors.error_response(
                request, 400, "malformed", errors.BODY_MALFORMED % {"reason": exc}
            )
        if bad:
            return errors.error_response(request, 400, "invalid", errors.UNSTORABLE_INPUT)
        if request.path.startswith(errors.API_PREFIX) and self._unsupported_body(request):
            return errors.error_response(
                request, 415, "unsupported_media_type", errors.UNSUPPORTED_MEDIA_TYPE
            )
        return self.get_response(request)

    def _unsupported_body(self, request) -> bool:
        """An API body labelled as neither JSON nor a multipart form (415)."""
        content_type = request.META.get("CONTENT_TYPE", "").lower()
        if not content_type or request.method not in self.BODY_METHODS:
            return False
        if _json_media_type(content_type) or content_type.startswith("multipart/form-data"):
            return False
        return bool(request.body)

    def _unstorable(self, request) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or unstorable(query) or unstorable(request.path):
            return True
        if request.method not in self.BODY_METHODS:
            return False
        content_type = request.META.get("CONTENT_TYPE", "").lower()
        if content_type.startswith("multipart/"):
            if _small(request):
                # Read whole first: a view that reads the body after the fields were
                # parsed from the stream (API operations, provider callbacks) would fail.
                request.body  # noqa: B018
            fields = request.POST
            names = [f.name or "" for f in request.FILES.values()]
            return any(
                unstorable(key) or any(unstorable(v) for v in fields.getlist(key)) for key in fields
            ) or any(unstorable(name) for name in names)
        body = request.body
        if b"\x00" in body or b"\\u0000" in body or _SURROGATE_BYTES.search(body):
            return True
        if _lone_surrogate_escape(body):
            return True
        # A form body, whatever it was labelled, is percent-decoded by someone.
        return b"%00" in body and b"=" in body and not body.lstrip().startswith((b"{", b"["))


def _small(request) -> bool:
    """The body is within the size Django reads into memory."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is None or length <= limit


def _json_media_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip()
    return media in ("application/json", "application/x-json") or media.endswith("+json")


class CallerFormatErrorsMiddleware:
    """Every error under ``/api/`` and ``/open311/`` reaches the caller in its format.

    Answers made outside the API's and Open311's own handlers (Django's 404 and 500
    pages, in DEBUG too, the CSRF failure, the login lockout, a body refused before
    any view) are rewritten into ``{"code", "detail"}`` or GeoReport's error array.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        response = self.get_response(request)
        if not path.startswith((errors.API_PREFIX, errors.OPEN311_PREFIX)):
            return response
        if response.status_code < 400 or self._in_format(path, response):
            return response
        code, detail = errors.STATUS_ANSWERS.get(
            response.status_code, ("server_error", errors.SERVER_ERROR)
        )
        if response.status_code == 413:
            detail = detail % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        answer = errors.error_response(request, response.status_code, code, detail)
        for header in ("Retry-After", "WWW-Authenticate", "Allow"):
            if header in response:
                answer[header] = response[header]
        return answer

    @staticmethod
    def _in_format(path: str, response) -> bool:
        content_type = response.get("Content-Type", "")
        if path.startswith(errors.API_PREFIX):
            return "json" in content_type
        return "json" in content_type or "xml" in content_type


class LostRaceMiddleware:
    """The last guard for a lost race: a unique violation no action caught answers 409.

    Actions name their races (:func:`core.errors.conflict_on_duplicate`); an insert that
    lost one nobody foresaw still answers a clear 409 in the caller's format, never a
    500. Other integrity errors (NOT NULL, foreign keys, checks) are bugs and stay 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, IntegrityError) and errors.is_unique_violation(exception):
            return errors.error_response(request, 409, "conflict", errors.DUPLICATE)
        if isinstance(exception, errors.Conflict):
            return errors.error_response(request, 409, exception.code, str(exception))
        return None


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy (no inline scripts or styles) on every page."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/console/admin/"):
            response.setdefault("Content-Security-Policy", self.csp)
        response.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"
        )
        return response
