"""The benchmark harness: what every ``bench/bench_<app>.py`` module codes against.

A module registers one or more benchmarks::

    from bench.harness import Result, benchmark, measure

    @benchmark("nearest search")
    def nearest(ctx):
        ctx.db()                       # the prepared database (synthetic data at ctx.scale)
        url = ctx.server_url()         # gunicorn on 127.0.0.1, 2 workers, same database
        ours = measure(lambda: ..., repeat=ctx.repeat)       # median seconds
        floor = measure(lambda: ..., repeat=ctx.repeat)
        return [Result("nearest site, API", ours * 1000, floor * 1000, "ms")]

``bench/run.py`` imports every ``bench/bench_*.py``, runs each registered
function with one :class:`Context`, prints the table and writes the JSON and
``docs/performance.md``.

What a benchmark gets from ``ctx``:

* ``ctx.scale`` (``"beilun"``, ``"province"`` or ``"custom"``), ``ctx.sizes``
  (drivers, sites, requests, services the synthetic data was made with),
  ``ctx.engine`` (``"sqlite"`` or ``"postgresql"``), ``ctx.repeat`` (runs per median).
* ``ctx.db()`` -> the Django database alias holding the prepared data (Django is set up).
* ``ctx.server_url()`` -> ``http://127.0.0.1:<port>`` of gunicorn (2 gthread workers)
  serving the platform and, under ``/helpdesk/``, django-helpdesk on the same database.
* ``ctx.api_token(username="admin")`` -> a bearer token for a synthetic user.
* ``ctx.user(username)`` -> a synthetic user (``admin``, ``supervisor``, ``handler``, ``broker``,
  ``site``, ``driver`` are always there).
* ``ctx.command(*args)`` -> seconds a ``driverhome <args>`` subprocess took (bench environment).
* ``ctx.http_load(requests, ...)`` -> :class:`LoadStats` of a bounded loopback load.
* ``ctx.workdir`` -> a scratch folder (``bench/work/...``) for generated files.

:class:`Result` units: times (``s``, ``ms``, ``µs``) are better when lower, rates
(anything ending in ``/s``) when higher; ``ratio`` defaults to "how many times
better ours is than the baseline" (> 1 means ours wins).
"""

from __future__ import annotations

import gc
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

REGISTRY: dict[str, Callable] = {}
REGISTRY_MODULE: dict[str, str] = {}


def benchmark(name: str):
    """Register ``fn(ctx) -> list[Result]`` under ``name`` (unique across modules)."""

    def register(fn):
        if name in REGISTRY and REGISTRY[name] is not fn:
            raise ValueError(f"two benchmarks are called {name!r}")
        REGISTRY[name] = fn
        REGISTRY_MODULE[name] = getattr(fn, "__module__", "")
        return fn

    return register


def _is_rate(unit: str) -> bool:
    return unit.endswith("/s")


@dataclass
class Result:
    figure: str
    ours: float | None
    baseline: float | None
    unit: str
    ratio: float | None = None
    p50: float | None = None
    p99: float | None = None
    note: str = ""
    benchmark: str = ""  # filled by the runner

    def __post_init__(self):
        if self.ratio is None and self.ours and self.baseline:
            if _is_rate(self.unit):
                self.ratio = self.ours / self.baseline
            else:
                self.ratio = self.baseline / self.ours

    def as_dict(self) -> dict:
        return asdict(self)


def samples(fn: Callable[[], object], repeat: int = 5, *, warmup: int = 1) -> list[float]:
    """Seconds of each of ``repeat`` calls of ``fn`` (after ``warmup`` untimed calls)."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def measure(fn: Callable[[], object], repeat: int = 5, *, warmup: int = 1) -> float:
    """The median wall-clock seconds of ``repeat`` calls of ``fn``."""
    return statistics.median(samples(fn, repeat, warmup=warmup))


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100) by nearest rank; ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class LoadStats:
    requests: int
    errors: int
    seconds: float
    throughput: float  # requests per second
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    error_samples: list[str] = field(default_factory=list)
    #: CPU milliseconds the server (all its processes) spent per request, when known:
    #: unlike the rate, it hardly depends on what else the machine is doing
    server_cpu_ms: float | None = None


def http_load(
    base_url: str,
    requests: Iterable[tuple] | Callable[[int], tuple],
    *,
    total: int = 2000,
    concurrency: int = 8,
    duration: float = 30.0,
    expect: Iterable[int] = (200, 201),
    headers: dict | None = None,
    per_connection: int = 1,
) -> LoadStats:
    """Send at most ``total`` requests within ``duration`` seconds with ``concurrency`` clients.

    ``requests`` is a list of ``(method, path, kwargs)`` cycled through, or a
    function ``i -> (method, path, kwargs)``; kwargs as httpx takes them
    (``json=``, ``data=``, ``headers=``, ``params=``). Only 127.0.0.1 is allowed.
    The requests go out through :mod:`bench.loadclient`, whose CPU cost per request is a
    small fraction of httpx's: the server measured keeps the machine's cores. Each client
    opens a new connection every ``per_connection`` requests (every request by default,
    as phones do; see ``run_load`` for why).
    """
    from bench.loadclient import run_load

    if not base_url.startswith(("http://127.0.0.1", "http://localhost")):
        raise ValueError("load goes to the loopback interface only")
    if callable(requests):
        make = requests
    else:
        items = list(requests)
        if not items:
            raise ValueError("no requests to send")

        def make(i):
            return items[i % len(items)]

    latencies, errors, seconds = run_load(
        base_url,
        make,
        total=total,
        concurrency=concurrency,
        duration=duration,
        expected=set(expect),
        headers=headers,
        per_connection=per_connection,
    )
    ms = [x * 1000 for x in latencies]
    return LoadStats(
        requests=len(latencies),
        errors=len(errors),
        seconds=seconds,
        throughput=len(latencies) / seconds if seconds else 0.0,
        p50_ms=percentile(ms, 50),
        p95_ms=percentile(ms, 95),
        p99_ms=percentile(ms, 99),
        error_samples=errors[:10],
    )


class Context:
    """What a benchmark receives. Built by ``bench/run.py``; see the module docstring."""

    def __init__(
        self,
        *,
        scale: str,
        sizes: dict,
        engine: str,
        env: dict,
        workdir: Path,
        repeat: int = 5,
        server_workers: int = 2,
    ):
        self.scale = scale
        self.sizes = dict(sizes)
        self.engine = engine
        self.env = dict(env)  # DJANGO_SETTINGS_MODULE, DRIVERHOME_DATA_DIR, DATABASE_URL ...
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.repeat = repeat
        self.server_workers = server_workers
        self.python = sys.executable
        self._server = None
        self._tokens: dict[str, str] = {}

    # --- the database -------------------------------------------------------------
    def db(self) -> str:
        """The alias of the prepared database (Django is already set up by the runner)."""
        return "default"

    def user(self, username: str):
        from django.contrib.auth import get_user_model

        return get_user_model().objects.get(username=username)

    def api_token(self, username: str = "admin") -> str:
        if username not in self._tokens:
            from driverhome.accounts.models import ApiToken

            _token, key = ApiToken.issue(self.user(username), "benchmark")
            self._tokens[username] = key
        return self._tokens[username]

    # --- subprocesses -----------------------------------------------------------------
    def command(self, *args: str, check: bool = True) -> float:
        """Run ``driverhome <args>`` in the bench environment; return its wall-clock seconds."""
        env = {**os.environ, **self.env}
        start = time.perf_counter()
        subprocess.run(
            [self.python, "-m", "driverhome", *args],
            env=env,
            check=check,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - start

    # --- the server ---------------------------------------------------------------------
    def server_url(self) -> str:
        """Start gunicorn on a free loopback port (once) and return its base URL."""
        if self._server is None:
            from bench.server import Server

            self._server = Server(
                env=self.env, workers=self.server_workers, log=self.workdir / "gunicorn.log"
            )
            self._server.start()
        return self._server.url

    def stop_server(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def http_load(self, requests, **kwargs) -> LoadStats:
        url = self.server_url()
        before = self._server.cpu_seconds()
        stats = http_load(url, requests, **kwargs)
        after = self._server.cpu_seconds()
        if before is not None and after is not None and stats.requests:
            stats.server_cpu_ms = 1000 * (after - before) / stats.requests
        return stats
