"""API authentication: bearer tokens, or the browser session with CSRF."""

from __future__ import annotations

import re

from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from .models import ApiToken


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        try:
            api_token = ApiToken.objects.select_related("user", "user__organisation").get(
                key_hash=ApiToken.hash_key(token)
            )
        except ApiToken.DoesNotExist:
            return None
        if not api_token.is_active or not api_token.user.is_active:
            return None
        if api_token.scope and not scope_allows(api_token.scope, request.path):
            return None
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


# A narrow token may call only the paths of its scope: "availability:<site code>" lets a
# parking sensor or gate system update that one site's free places, and nothing else.
SCOPED_PATHS = {
    "availability": re.compile(r"^/api/v1/stations/(?P<arg>[^/]+)/availability/?$"),
}


def scope_allows(scope: str, path: str) -> bool:
    kind, _, arg = scope.partition(":")
    pattern = SCOPED_PATHS.get(kind)
    if pattern is None:
        return False
    match = pattern.match(path)
    return bool(match and match.group("arg") == arg)


class SessionAuth(NinjaSessionAuth):
    """The logged-in browser session (CSRF enforced on unsafe methods)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None:
            request.api_token = None
        return user


def token_scope(request) -> str:
    token = getattr(request, "api_token", None)
    return token.scope if token is not None else ""
