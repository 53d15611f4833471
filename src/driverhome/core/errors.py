"""Domain errors raised by actions and turned into clear answers by the API and pages."""

from __future__ import annotations

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
