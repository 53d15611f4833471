"""Request context and security headers."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse

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


class RejectNulMiddleware:
    """Refuse input carrying NUL characters with a clear 400.

    No text the platform stores or searches may contain NUL, and PostgreSQL refuses it
    outright (a crash deep in a query otherwise). Django's forms already reject it
    field by field; this covers query strings and JSON bodies everywhere, the API included.
    """

    TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded", "text/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            message = "The request contains a NUL character, which is not allowed."
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "invalid", "detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    def _has_nul(self, request) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query or "\x00" in request.path:
            return True
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and content_type.startswith(
            self.TEXT_BODIES
        ):
            try:
                body = request.body
            except Exception:  # noqa: BLE001 - too large or unreadable: let the view answer
                return False
            return b"\x00" in body or b"\\u0000" in body or b"%00" in body
        return False


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
