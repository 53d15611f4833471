"""Fixed-window rate limits on public endpoints, counted in the shared cache.

``check_rate(request, "appeal-intake", limit=10, window=60)`` raises
:class:`~driverhome.core.errors.RateLimited` (answered as 429 with
``Retry-After``) once a client has used up its allowance in the window.
Clients are keyed by IP address; with Redis configured the count is shared by
every app server.
"""

from __future__ import annotations

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import gettext as _

from .errors import RateLimited
from .middleware import client_ip


def check_rate(
    request, scope: str, *, limit: int, window: int = 60, key: str | None = None
) -> None:
    if not settings.RATE_LIMITS_ENABLED:
        return
    now = int(time.time())
    bucket = now // window
    ident = key or client_ip(request) or "unknown"
    cache_key = f"rl:{scope}:{ident}:{bucket}"
    if cache.add(cache_key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=window + 1)
            count = 1
    if count > limit:
        retry_after = max(1, (bucket + 1) * window - now)
        raise RateLimited(
            _("Too many requests. Please try again in %(seconds)s seconds.")
            % {"seconds": retry_after},
            retry_after=retry_after,
        )


def rate_limit(scope: str, *, limit: int, window: int = 60, methods=("POST",)):
    """Decorator for page views: answers 429 with ``Retry-After`` past the limit."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                try:
                    check_rate(request, scope, limit=limit, window=window)
                except RateLimited as exc:
                    response = HttpResponse(
                        str(exc), status=429, content_type="text/plain; charset=utf-8"
                    )
                    response["Retry-After"] = str(exc.retry_after)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
