"""A progress bar on standard error: rows done, percentage, rate."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, stream=None, *, enabled: bool = True):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.label = ""
        self.total = 0
        self.done = 0
        self.started = time.perf_counter()
        self._last = 0.0
        self.summary: list[tuple[str, int, float]] = []
        self.prefix = ""

    def start(self, label: str, total: int) -> Progress:
        self.label, self.total, self.done = label, max(0, int(total)), 0
        self.started = time.perf_counter()
        self._draw(force=True)
        return self

    def advance(self, n: int) -> None:
        self.done += n
        self._draw()

    def finish(self) -> None:
        elapsed = time.perf_counter() - self.started
        self.summary.append((self.label, self.done, elapsed))
        self._draw(force=True)
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._last < 0.5:
            return
        self._last = now
        elapsed = max(now - self.started, 1e-9)
        width = 30
        share = self.done / self.total if self.total else 1.0
        bar = "#" * int(width * min(share, 1.0))
        self.stream.write(
            f"\r[synth] {self.prefix}{self.label:<22} [{bar:<{width}}] {self.done:>11,}/{self.total:<11,} "
            f"{share:6.1%} {self.done / elapsed:>9,.0f} rows/s"
        )
        self.stream.flush()
