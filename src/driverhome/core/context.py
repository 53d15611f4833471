"""Per-request context (client IP, request id) for audit rows and logs written deep in actions."""

from __future__ import annotations

from contextvars import ContextVar

_ip: ContextVar[str | None] = ContextVar("driverhome_ip", default=None)
_request_id: ContextVar[str | None] = ContextVar("driverhome_request_id", default=None)


def set_request_context(ip: str | None, request_id: str | None):
    return _ip.set(ip), _request_id.set(request_id)


def reset_request_context(tokens) -> None:
    _ip.reset(tokens[0])
    _request_id.reset(tokens[1])


def current_ip() -> str | None:
    return _ip.get()


def current_request_id() -> str | None:
    return _request_id.get()
