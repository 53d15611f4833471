"""Small, rarely edited tables held in each process, dropped everywhere when one is edited.

The request categories and time limits are read by every intake and changed a
few times a year. ``TableCache`` keeps what a loader built from them in the
process and checks a generation stamp in the shared cache (a file read by
default, Redis when ``REDIS_URL`` is set) before each use: an edit saved in any
process (``post_save`` / ``post_delete`` of a watched model) writes a new stamp,
and every process loads the table again on its next use. A stamp lost with the
cache (a restart, an eviction) also means "load again", and ``ttl`` bounds how
long a copy is kept even when nothing announced a change (an edit made with
``QuerySet.update`` or by hand in the database). The stamp itself is read at most
once every ``check_every`` seconds (one second by default): an intake reads two
tables, and a file-cache read costs more than the rest of the lookup. An edit is
seen at once in the process that made it and within that second everywhere else.

    categories = TableCache("appeals.categories", load_categories, watch=[Category])
    categories.get()["C03-01"]
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

_registry: list[TableCache] = []


class TableCache:
    def __init__(
        self,
        name: str,
        loader: Callable[[], Any],
        *,
        watch: Iterable[type],
        ttl: float = 300,
        check_every: float = 1.0,
    ):
        self.name = name
        self.key = f"tablecache:{name}"
        self.loader = loader
        self.ttl = ttl
        self.check_every = check_every
        self._lock = threading.Lock()
        self._value: Any = None
        self._stamp: str | None = None
        self._loaded_at = 0.0
        self._checked_at = 0.0
        for model in watch:
            post_save.connect(self._changed, sender=model, weak=False)
            post_delete.connect(self._changed, sender=model, weak=False)
        _registry.append(self)

    def get(self) -> Any:
        now = time.monotonic()
        fresh = self._stamp is not None and now - self._loaded_at < self.ttl
        if fresh and now - self._checked_at < self.check_every:
            return self._value
        stamp = cache.get(self.key)
        if fresh and stamp == self._stamp:
            self._checked_at = now
            return self._value
        with self._lock:
            if stamp is None:
                stamp = uuid.uuid4().hex
                if not cache.add(self.key, stamp, timeout=None):
                    stamp = cache.get(self.key) or stamp
            value = self.loader()
            self._value, self._stamp, self._loaded_at = value, stamp, now
            self._checked_at = now
            return value

    def clear(self) -> None:
        """Forget this process's copy and tell the others (after the edit commits)."""
        with self._lock:
            self._stamp = None
            self._value = None
        cache.set(self.key, uuid.uuid4().hex, timeout=None)

    def _changed(self, **_kwargs) -> None:
        self.clear()
        # Loaded again inside the editing transaction, the copy would hold uncommitted rows:
        # drop it once more when the edit commits (or is rolled back).
        transaction.on_commit(self.clear, robust=True)


def clear_all() -> None:
    """Drop every table cache (tests call this between tests; a rollback sends no signal)."""
    for table in _registry:
        table.clear()
