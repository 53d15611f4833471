"""The load test: drivers and staff against gunicorn on 127.0.0.1, in stages of rising rate.

    bench/.venv/bin/python bench/loadtest.py [--scale beilun] [--rates 10,20,40,60,80]

Traffic is open-loop: each stage sends requests at a fixed rate for a fixed
time (bounded by ``--max-requests`` overall), and a request's latency counts
from the moment it was due to leave, so a saturated server shows as latency
instead of silently slowing the client down. The mix:

* drivers (bearer tokens of synthetic drivers): nearby search, a site's page,
  filing a request (with an ``Idempotency-Key``; some are retried with the same
  key and body), following their requests, checking in at a site with its
  poster key (some scanned twice);
* staff: the supervisor's overdue worklist and dispatching new requests to the
  labour bureau, the bureau's queue, accepting and answering.

Afterwards the database is checked: one request per idempotency key, every
request's transitions form an allowed chain ending at its status, check-ins
unique per driver, site and day. The results go to
``bench/results/loadtest-<engine>.json`` and ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
import uuid
from collections import defaultdict, deque
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run as bench_run  # noqa: E402
from bench.harness import percentile  # noqa: E402
from bench.report import write_performance_doc  # noqa: E402
from bench.server import Server  # noqa: E402

P99_TARGET_MS = 250.0
LABOUR_UNIT = "syn-d0-labour"

MIX = [
    ("nearby search", 24),
    ("site page", 12),
    ("file request", 9),
    ("retry request", 2),
    ("follow request", 9),
    ("my requests", 5),
    ("check in", 6),
    ("overdue worklist", 8),
    ("unit worklist", 7),
    ("dispatch", 7),
    ("accept", 6),
    ("answer", 5),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=os.environ.get("SCALE") or "beilun")
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", ""))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("BENCH_SEED", "2026")))
    parser.add_argument(
        "--rates",
        default=os.environ.get("LOADTEST_RATES", "5,10,20,40,60,80,100"),
        help="req/s per stage",
    )
    parser.add_argument(
        "--stage-seconds", type=float, default=float(os.environ.get("LOADTEST_STAGE_SECONDS", "20"))
    )
    parser.add_argument(
        "--max-requests", type=int, default=int(os.environ.get("LOADTEST_MAX_REQUESTS", "40000"))
    )
    parser.add_argument("--max-in-flight", type=int, default=64)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("LOADTEST_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("LOADTEST_THREADS", "4")))
    parser.add_argument("--drivers", type=int, default=200, help="driver logins taking part")
    parser.add_argument("--fresh", action="store_true")
    return parser.parse_args(argv)


class Scenario:
    """Who does what next; staff work the requests drivers filed during the run."""

    def __init__(
        self, rng: random.Random, drivers: list[dict], sites: list[dict], tokens: dict, marker: str
    ):
        self.rng = rng
        self.drivers = drivers
        self.sites = sites
        self.tokens = tokens
        self.marker = marker
        self.kinds, self.weights = zip(*MIX, strict=True)
        self.filed: list[dict] = []  # (driver, key, body) of first sends, for retries
        self.to_dispatch: deque = deque()
        self.to_accept: deque = deque()
        self.to_answer: deque = deque()
        self.checked_in: list[tuple] = []
        self.keys_sent: set[str] = set()

    def next(self):
        kind = self.rng.choices(self.kinds, self.weights)[0]
        d = self.rng.choice(self.drivers)
        driver_auth = {"Authorization": f"Bearer {d['token']}"}
        if kind == "dispatch" and not self.to_dispatch:
            kind = "overdue worklist"
        if kind == "accept" and not self.to_accept:
            kind = "unit worklist"
        if kind == "answer" and not self.to_answer:
            kind = "unit worklist"
        if kind == "retry request" and not self.filed:
            kind = "file request"
        if kind == "follow request" and not d["appeals"]:
            kind = "my requests"
        if kind == "nearby search":
            site = self.rng.choice(self.sites)
            params = {
                "lat": site["lat"] + self.rng.uniform(-0.05, 0.05),
                "lon": site["lon"] + self.rng.uniform(-0.05, 0.05),
            }
            return kind, "GET", "/api/v1/stations", {"params": params}, None
        if kind == "site page":
            return kind, "GET", f"/api/v1/stations/{self.rng.choice(self.sites)['code']}", {}, None
        if kind == "file request":
            key = uuid.uuid4().hex
            body = {
                "category": "C01-01",
                "description": f"运费被拖欠，请帮忙协调 {self.marker}-{key}",
            }
            self.filed.append({"driver": d, "key": key, "body": body})
            self.keys_sent.add(key)
            return (
                kind,
                "POST",
                "/api/v1/appeals",
                {"json": body, "headers": {**driver_auth, "Idempotency-Key": key}},
                ("filed", d),
            )
        if kind == "retry request":
            prior = self.rng.choice(self.filed)
            auth = {"Authorization": f"Bearer {prior['driver']['token']}"}
            return (
                kind,
                "POST",
                "/api/v1/appeals",
                {"json": prior["body"], "headers": {**auth, "Idempotency-Key": prior["key"]}},
                None,
            )
        if kind == "follow request":
            number = self.rng.choice(d["appeals"])
            return kind, "GET", f"/api/v1/appeals/{number}", {"headers": driver_auth}, None
        if kind == "my requests":
            return kind, "GET", "/api/v1/appeals", {"headers": driver_auth}, None
        if kind == "check in":
            if self.checked_in and self.rng.random() < 0.25:
                d, site = self.rng.choice(self.checked_in)  # the poster scanned twice
                driver_auth = {"Authorization": f"Bearer {d['token']}"}
            else:
                site = self.rng.choice(self.sites)
                self.checked_in.append((d, site))
            return (
                kind,
                "POST",
                f"/api/v1/stations/{site['code']}/checkins",
                {"json": {"key": site["key"], "services_used": ["shower"]}, "headers": driver_auth},
                None,
            )
        staff = {"Authorization": f"Bearer {self.tokens['supervisor']}"}
        handler = {"Authorization": f"Bearer {self.tokens['handler']}"}
        if kind == "overdue worklist":
            return (
                kind,
                "GET",
                "/api/v1/appeals",
                {"params": {"overdue": "true"}, "headers": staff},
                None,
            )
        if kind == "unit worklist":
            return (
                kind,
                "GET",
                "/api/v1/appeals",
                {"params": {"status": "reported"}, "headers": handler},
                None,
            )
        if kind == "dispatch":
            number = self.to_dispatch.popleft()
            return (
                kind,
                "POST",
                f"/api/v1/appeals/{number}/actions/dispatch",
                {"json": {"unit": LABOUR_UNIT}, "headers": staff},
                ("dispatched", number),
            )
        if kind == "accept":
            number = self.to_accept.popleft()
            return (
                kind,
                "POST",
                f"/api/v1/appeals/{number}/actions/accept",
                {"json": {}, "headers": handler},
                ("accepted", number),
            )
        number = self.to_answer.popleft()
        return (
            kind,
            "POST",
            f"/api/v1/appeals/{number}/actions/answer",
            {"json": {"text": "已协调企业在三个工作日内支付运费"}, "headers": handler},
            None,
        )

    def done(self, follow, response) -> None:
        if follow is None or response is None or response.status_code not in (200, 201):
            return
        what, item = follow
        if what == "filed" and response.status_code == 201:
            number = response.json()["tracking_no"]
            item["appeals"].append(number)
            self.to_dispatch.append(number)
        elif what == "dispatched":
            self.to_accept.append(item)
        elif what == "accepted":
            self.to_answer.append(item)


async def run_stage(
    client, scenario: Scenario, rate: float, seconds: float, budget: int, max_in_flight: int
):
    import httpx

    count = min(budget, int(rate * seconds))
    semaphore = asyncio.Semaphore(max_in_flight)
    samples: list[tuple[str, float, bool, str]] = []
    start = time.perf_counter()

    async def one(i: int):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        kind, method, path, kwargs, follow = scenario.next()
        async with semaphore:
            try:
                response = await client.request(method, path, **kwargs)
                ok = response.status_code in (200, 201)
                detail = f"{kind}: {method} {path} -> {response.status_code}"
                if not ok:
                    detail += " " + response.text[:200]
            except httpx.HTTPError as exc:
                response, ok, detail = (
                    None,
                    False,
                    f"{kind}: {method} {path} -> {type(exc).__name__}",
                )
        samples.append((kind, (time.perf_counter() - due) * 1000, ok, detail))
        scenario.done(follow, response)

    await asyncio.gather(*(one(i) for i in range(count)))
    elapsed = time.perf_counter() - start
    return samples, elapsed


def summarise(name: str, rate: float, clients: int, samples, elapsed: float) -> dict:
    ms = [s[1] for s in samples]
    errors = [s[3] for s in samples if not s[2]]
    return {
        "name": name,
        "clients": clients,
        "target_rate": rate,
        "requests": len(samples),
        "errors": len(errors),
        "error_samples": errors[:10],
        "seconds": elapsed,
        "throughput": len(samples) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
    }


def pick_actors(args) -> tuple[list[dict], list[dict], dict]:
    from driverhome.accounts.models import ApiToken, User
    from driverhome.drivers.models import Driver
    from driverhome.stations.models import Station

    district = (
        "/".join(User.objects.get(username="supervisor").organisation.path.split("/")[:-1]) + "/"
    )
    drivers = list(
        Driver.objects.filter(user__isnull=False, organisation__path__startswith=district)
        .select_related("user")
        .order_by("pk")[: args.drivers]
    )
    if not drivers:
        raise SystemExit("no synthetic drivers with logins: run driverhome synth first")
    actors = []
    for driver in drivers:
        _token, key = ApiToken.issue(driver.user, "load test")
        actors.append({"token": key, "public_id": str(driver.public_id), "appeals": []})
    tokens = {}
    for username in ("supervisor", "handler"):
        _token, tokens[username] = ApiToken.issue(User.objects.get(username=username), "load test")
    sites = [
        {"code": s.code, "lat": s.lat, "lon": s.lon, "key": s.checkin_key}
        for s in Station.objects.filter(
            operator__path__startswith=district, is_active=True
        ).order_by("pk")[:20]
    ]
    return actors, sites, tokens


def consistency(marker: str, keys_sent: set[str], started_at: datetime) -> list[dict]:
    from django.db.models import Count

    from driverhome.appeals.models import Appeal, IdempotencyKey, Transition
    from driverhome.stations.models import CheckIn

    checks = []
    run_appeals = list(
        Appeal.objects.filter(description__contains=marker).values_list(
            "pk", "description", "status"
        )
    )
    per_key: dict[str, int] = defaultdict(int)
    for _pk, description, _status in run_appeals:
        per_key[description.rsplit("-", 1)[-1]] += 1
    duplicates = {k: v for k, v in per_key.items() if v > 1}
    lost = [k for k in keys_sent if k not in per_key]
    checks.append(
        {
            "check": "one request per idempotency key",
            "ok": not duplicates,
            "detail": f"{len(per_key):,} keys stored as requests, {len(duplicates)} duplicated",
        }
    )
    key_rows = (
        IdempotencyKey.objects.filter(created_at__gte=started_at)
        .values("scope", "key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    checks.append(
        {
            "check": "idempotency keys unique per caller",
            "ok": key_rows == 0,
            "detail": f"{key_rows} repeated",
        }
    )
    checks.append(
        {
            "check": "no request lost",
            "ok": not lost,
            "detail": f"{len(keys_sent) - len(lost):,} of {len(keys_sent):,} sent keys found (a key whose first send failed counts as lost)",
        }
    )
    pks = [row[0] for row in run_appeals]
    status_of = {row[0]: row[2] for row in run_appeals}
    chains: dict[int, list] = defaultdict(list)
    for appeal_id, from_status, to_status in (
        Transition.objects.filter(appeal_id__in=pks)
        .order_by("appeal_id", "at", "pk")
        .values_list("appeal_id", "from_status", "to_status")
    ):
        chains[appeal_id].append((from_status, to_status))
    broken = 0
    for pk in pks:
        previous = ""
        good = bool(chains[pk])
        for from_status, to_status in chains[pk]:
            if from_status != previous or (
                previous and to_status not in Appeal.TRANSITIONS[previous]
            ):
                good = False
            previous = to_status
        if not good or previous != status_of[pk]:
            broken += 1
    checks.append(
        {
            "check": "every request's transitions form an allowed chain ending at its status",
            "ok": broken == 0,
            "detail": f"{len(pks):,} requests of this run checked, {broken} inconsistent",
        }
    )
    dup_checkins = (
        CheckIn.objects.filter(at__gte=started_at)
        .values("station", "driver", "day")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    made = CheckIn.objects.filter(at__gte=started_at).count()
    checks.append(
        {
            "check": "check-ins unique per driver, site and day",
            "ok": dup_checkins == 0,
            "detail": f"{made:,} check-ins made, {dup_checkins} duplicated",
        }
    )
    return checks


async def drive(url: str, scenario: Scenario, args) -> list[dict]:
    import httpx

    limits = httpx.Limits(
        max_connections=args.max_in_flight, max_keepalive_connections=args.max_in_flight
    )
    stages = []
    budget = args.max_requests
    async with httpx.AsyncClient(base_url=url, timeout=30.0, limits=limits) as client:
        # Warm up: every worker imports and connects before anything is measured.
        await run_stage(client, scenario, 5, 4, 20, args.max_in_flight)
        for rate in [float(r) for r in args.rates.split(",") if r.strip()]:
            if budget <= 0:
                break
            samples, elapsed = await run_stage(
                client, scenario, rate, args.stage_seconds, budget, args.max_in_flight
            )
            budget -= len(samples)
            stage = summarise(
                f"{rate:g} req/s for {args.stage_seconds:g} s",
                rate,
                args.max_in_flight,
                samples,
                elapsed,
            )
            by_kind = defaultdict(list)
            for kind, ms, ok, _detail in samples:
                by_kind[kind].append((ms, ok))
            stage["by_kind"] = {
                k: {
                    "count": len(v),
                    "errors": sum(1 for _ms, ok in v if not ok),
                    "p50_ms": percentile([ms for ms, _ok in v], 50),
                    "p99_ms": percentile([ms for ms, _ok in v], 99),
                }
                for k, v in sorted(by_kind.items())
            }
            stages.append(stage)
            print(
                f"[loadtest] {stage['name']}: {stage['requests']:,} requests, {stage['errors']} errors, "
                f"{stage['throughput']:.1f} req/s, p50 {stage['p50_ms']:.0f} ms, p95 {stage['p95_ms']:.0f} ms, "
                f"p99 {stage['p99_ms']:.0f} ms",
                flush=True,
            )
            for sample in stage["error_samples"][:3]:
                print(f"[loadtest]   error: {sample}", flush=True)
            if (
                stage["p99_ms"]
                and stage["p99_ms"] > 4 * P99_TARGET_MS
                and stage["throughput"] < 0.8 * rate
            ):
                print("[loadtest] saturated: stopping before the next stage", flush=True)
                break
    return stages


def main(argv=None) -> int:
    args = parse_args(argv)
    # A stopped run still stops its gunicorn (the finally blocks run on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    prep = argparse.Namespace(scale=args.scale, sizes=args.sizes, seed=args.seed, fresh=args.fresh)
    scale, sizes, engine, env, workdir = bench_run.prepare(prep)

    import django

    django.setup()
    from django.utils import timezone

    machine = bench_run.machine_info(engine)
    actors, sites, tokens = pick_actors(args)
    marker = f"LT{uuid.uuid4().hex[:8]}"
    scenario = Scenario(random.Random(args.seed), actors, sites, tokens, marker)
    started_at = timezone.now()
    server = Server(
        env=env, workers=args.workers, threads=args.threads, log=workdir / "loadtest-gunicorn.log"
    )
    server.start()
    try:
        stages = asyncio.run(drive(server.url, scenario, args))
    finally:
        server.stop()
    from django.db import connection

    connection.close()
    checks = consistency(marker, scenario.keys_sent, started_at)
    good = [
        s
        for s in stages
        if s["errors"] == 0
        and s["p99_ms"] is not None
        and s["p99_ms"] < P99_TARGET_MS
        and s["throughput"] >= 0.95 * s["target_rate"]
    ]
    sustained = max(good, key=lambda s: s["throughput"]) if good else None
    report = {
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "engine": engine,
        "scale": scale,
        "sizes": sizes,
        "workers": args.workers,
        "threads": args.threads,
        "machine": machine,
        "mix": dict(MIX),
        "stages": [{k: v for k, v in s.items() if k != "by_kind"} for s in stages],
        "by_kind": (sustained or (stages[-1] if stages else {})).get("by_kind", {}),
        "by_kind_stage": (sustained or (stages[-1] if stages else {})).get("name", ""),
        "sustained": sustained
        and {k: sustained[k] for k in ("name", "throughput", "p50_ms", "p95_ms", "p99_ms")},
        "consistency": checks,
    }
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    out = results_dir / f"loadtest-{engine}.json"
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str) + "\n")
    for check in checks:
        print(
            f"[loadtest] {'ok' if check['ok'] else 'FAILED'}: {check['check']} ({check['detail']})"
        )
    if sustained:
        print(
            f"[loadtest] highest rate sustained (0 errors, p99 < {P99_TARGET_MS:.0f} ms): {sustained['throughput']:.1f} req/s"
        )
    else:
        print("[loadtest] no stage met zero errors with p99 under the target")
    write_performance_doc(ROOT / "docs" / "performance.md", results_dir)
    print(f"[loadtest] results: {out.relative_to(ROOT)}; docs/performance.md updated")
    return 0 if all(c["ok"] for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
