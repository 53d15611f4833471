"""Unhandled exceptions in a platform server's log (one JSON object per line)."""

from __future__ import annotations

import json
from pathlib import Path


def unhandled_exceptions(log: Path | str) -> list[dict]:
    """The entries Django's request handler wrote for an unhandled exception (a 500)."""
    text = Path(log).read_text(errors="replace") if isinstance(log, Path) else log
    found = []
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("logger") == "django.request" and entry.get("exc"):
            found.append(entry)
    return found
