"""API authentication: bearer tokens, or the browser session with CSRF."""

from __future__ import annotations

import copy
import re

from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from driverhome.core.tablecache import TableCache

from .models import ApiToken, Organisation, User


def _no_tokens() -> dict:
    return {}


# Tokens seen lately, by key hash, with their user and the user's organisation: the lookup
# (three tables, three model instances) was a sixth of an intake's CPU. The copy is dropped
# in every process when a token, a user or an organisation is saved or deleted (a revocation
# says so itself, ``forget_tokens``): at once in the process that made the change, within
# a second in the others (``TableCache``), and after a minute in any case. Expiry, scope and
# revocation are checked on every request against what is held.
RECENT_TOKENS = TableCache(
    "accounts.recent-tokens",
    _no_tokens,
    watch=[ApiToken, User, Organisation],
    ttl=60,
)
RECENT_TOKENS_MAX = 10_000


def forget_tokens() -> None:
    """Drop every process's copy of recently seen tokens (after a change made with ``update``)."""
    RECENT_TOKENS.clear()


def _lookup(key_hash: str) -> ApiToken | None:
    held = RECENT_TOKENS.get()
    api_token = held.get(key_hash)
    if api_token is None:
        api_token = (
            ApiToken.objects.select_related("user", "user__organisation")
            .filter(key_hash=key_hash)
            .first()
        )
        if api_token is None:
            return None
        if len(held) >= RECENT_TOKENS_MAX:
            held.clear()
        held[key_hash] = api_token
    return api_token


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        api_token = _lookup(ApiToken.hash_key(token))
        if api_token is None:
            return None
        if not api_token.is_active or not api_token.user.is_active:
            return None
        if api_token.scope and not scope_allows(api_token.scope, request.path):
            return None
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
            api_token.last_used_at = now
        # Each request gets its own user object: a view may set attributes on request.user.
        user = copy.copy(api_token.user)
        request.user = user
        request.api_token = api_token
        return user


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
