"""Run the benchmark suite: prepare a database at a scale, run every ``bench/bench_*.py``.

    bench/.venv/bin/python bench/run.py --scale beilun            # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bench/run.py --scale province

With ``DATABASE_URL`` set the suite works in its own database on that server
(``driverhome_bench_<scale>``, created on the fly); the named database is only
used to connect and is never written to. Synthetic data is generated once per
scale and seed and reused by later runs (``--fresh`` regenerates it).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.report import write_performance_doc  # noqa: E402

SCALES = {
    # Beilun: the demo district. 3,000 sites is the national network, for the nearest search.
    "beilun": {"drivers": 30_000, "sites": 3_000, "requests": 10_000, "services": 200_000},
    # A province: DOMAIN.md section 8, at the dashboard issue's proportions (three requests
    # and ten service records per driver).
    "province": {
        "drivers": 1_000_000,
        "sites": 3_000,
        "requests": 3_000_000,
        "services": 10_000_000,
    },
    # A quick smoke run of the whole pipeline.
    "smoke": {"drivers": 2_000, "sites": 300, "requests": 1_000, "services": 5_000},
}

# The capability modules the issues ask for; the table says when one is missing.
EXPECTED_MODULES = ["stations", "drivers", "appeals", "dashboard", "events"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=os.environ.get("SCALE") or "beilun")
    parser.add_argument(
        "--sizes",
        default=os.environ.get("BENCH_SIZES", ""),
        help="override sizes, e.g. drivers=5000000,requests=3000000",
    )
    parser.add_argument("--seed", type=int, default=int(os.environ.get("BENCH_SEED", "2026")))
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "5")))
    parser.add_argument(
        "--only", action="append", default=[], help="run benchmarks whose name contains this"
    )
    parser.add_argument("--fresh", action="store_true", help="regenerate the synthetic data")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/performance.md")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="with --only: put the results into the recorded run of this scale, replacing "
        "the rows of the benchmarks that ran and keeping the others",
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="with --only: record the results as the run of this scale (table, plans, docs)",
    )
    return parser.parse_args(argv)


def resolve_sizes(scale: str, overrides: str) -> tuple[str, dict]:
    if scale in SCALES:
        sizes = dict(SCALES[scale])
    elif scale.isdigit():
        drivers = int(scale)
        base = SCALES["province"]
        factor = drivers / base["drivers"]
        sizes = {
            "drivers": drivers,
            "sites": base["sites"],
            "requests": max(1000, int(base["requests"] * factor)),
            "services": max(1000, int(base["services"] * factor)),
        }
        scale = f"{drivers}"
    else:
        raise SystemExit(
            f"unknown scale {scale!r}: use beilun, province, smoke or a number of drivers"
        )
    for part in filter(None, (p.strip() for p in overrides.split(","))):
        key, _, value = part.partition("=")
        if key not in sizes or not value.isdigit():
            raise SystemExit(f"bad size override {part!r}: use drivers|sites|requests|services=N")
        sizes[key] = int(value)
    return scale, sizes


def bench_database_url(url: str, scale: str) -> tuple[str, str]:
    """(admin URL on the named database, URL of ``driverhome_bench_<scale>``)."""
    parsed = urlparse(url)
    name = "driverhome_bench_" + "".join(c if c.isalnum() else "_" for c in scale)
    return url, urlunparse(parsed._replace(path="/" + name))


def ensure_pg_database(admin_url: str, name: str, *, drop: bool) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and drop:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def fingerprint(sizes: dict, seed: int) -> str:
    """Changes with the sizes and the seed. New migrations are applied to the data already
    there (``migrate`` runs every time); ``--fresh`` regenerates after the generator changed."""
    return hashlib.sha256(json.dumps([sizes, seed], sort_keys=True).encode()).hexdigest()[:16]


def driverhome(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "driverhome", *args], env=env, check=True, cwd=ROOT)


def migrate(env: dict, engine: str) -> None:
    driverhome(env, "migrate", "--no-input", "-v", "0")


def prepare(args) -> tuple[str, dict, str, dict, Path]:
    scale, sizes = resolve_sizes(args.scale, args.sizes)
    database_url = os.environ.get("DATABASE_URL", "")
    engine = "postgresql" if database_url else "sqlite"
    workdir = ROOT / "bench" / "work" / f"{engine}-{scale}"
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.benchsite.settings",
        "DRIVERHOME_DATA_DIR": str(workdir / "data"),
        "DRIVERHOME_ENV": "development",
        "DRIVERHOME_DEBUG": "0",  # no per-request static-file rescans, no debug pages
        "DRIVERHOME_RATE_LIMITS": "0",
        "DRIVERHOME_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    # Two runs of the same engine and scale share the data: the second waits while the first
    # prepares it, then reuses it.
    import fcntl

    lock = open(workdir / ".prepare.lock", "w")  # noqa: SIM115 - held until prepare returns
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        return _prepare_locked(args, scale, sizes, engine, env, workdir, database_url)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def _prepare_locked(args, scale, sizes, engine, env, workdir, database_url):
    stamp = fingerprint(sizes, args.seed)
    stamp_file = workdir / "synth.stamp"
    fresh = args.fresh or not stamp_file.exists() or stamp_file.read_text().strip() != stamp
    if engine == "postgresql":
        admin_url, url = bench_database_url(database_url, scale)
        ensure_pg_database(admin_url, urlparse(url).path.lstrip("/"), drop=fresh)
        env["DATABASE_URL"] = url
    else:
        env["DATABASE_URL"] = ""
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                db = workdir / "data" / f"driverhome.sqlite3{suffix}"
                if db.exists():
                    db.unlink()
    full_env = {**os.environ, **env}
    print(f"[bench] engine {engine}, scale {scale}: {sizes}", flush=True)
    migrate(full_env, engine)
    if fresh:
        stamp_file.unlink(missing_ok=True)
        started = time.perf_counter()
        driverhome(
            full_env,
            "synth",
            *(f"--{key}={value}" for key, value in sizes.items()),
            f"--seed={args.seed}",
            f"--workers={os.environ.get('BENCH_SYNTH_WORKERS', '4')}",
        )
        elapsed = time.perf_counter() - started
        (workdir / "synth.json").write_text(json.dumps({"sizes": sizes, "seconds": elapsed}))
        stamp_file.write_text(stamp)
    else:
        print("[bench] reusing the synthetic data already generated for this scale", flush=True)
    os.environ.update(env)
    if not env["DATABASE_URL"]:
        os.environ.pop("DATABASE_URL", None)
    return scale, sizes, engine, env, workdir


def machine_info(engine: str) -> dict:
    import sqlite3

    import django
    from django.db import connection

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    info = {
        "load_average": load,  # other work on the machine while measuring
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "engine": engine,
    }
    if engine == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            info["engine_version"] = "PostgreSQL " + cursor.fetchone()[0]
    else:
        info["engine_version"] = "SQLite " + sqlite3.sqlite_version
    return info


BIG_TABLES = [
    "drivers_driver",
    "drivers_familymember",
    "appeals_appeal",
    "appeals_transition",
    "services_servicerecord",
    "stations_checkin",
    "accounts_auditlog",
]


def table_sizes() -> dict:
    """Rows and bytes (table plus its indexes) of the tables that grow, for the sizing arithmetic."""
    from django.db import connection

    existing = set(connection.introspection.table_names())
    sizes = {}
    with connection.cursor() as cursor:
        for table in BIG_TABLES:
            if table not in existing:
                continue
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*) FROM {quoted}")  # noqa: S608 - fixed table names
            rows = cursor.fetchone()[0]
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            else:
                cursor.execute(
                    "SELECT sum(pgsize) FROM dbstat WHERE aggregate = TRUE AND name IN "
                    "(SELECT name FROM sqlite_master WHERE tbl_name = %s)",
                    [table],
                )
            size = cursor.fetchone()[0] or 0
            sizes[table] = {"rows": rows, "bytes": size}
    return sizes


def query_plans() -> dict:
    from bench.explain import plans

    print("[bench] query plans ...", flush=True)
    return plans()


def prepare_peers() -> None:
    """django-helpdesk needs a queue open to public submissions for its ticket form."""
    from helpdesk.models import Queue

    Queue.objects.get_or_create(
        slug="drivers",
        defaults={
            "title": "司机诉求",
            "allow_public_submission": True,
            "email_address": "queue@example.org",
        },
    )


def load_modules() -> tuple[list[str], dict[str, str]]:
    loaded, failed = [], {}
    for path in sorted((ROOT / "bench").glob("bench_*.py")):
        name = path.stem
        try:
            importlib.import_module(f"bench.{name}")
            loaded.append(name)
        except Exception:  # noqa: BLE001 - one broken module must not stop the others
            failed[name] = traceback.format_exc(limit=3)
    return loaded, failed


def merge_into(recorded: dict, run: dict) -> dict:
    """The recorded run with the rows of the benchmarks ``run`` measured replaced by its own."""
    ran = {row["benchmark"] for row in run["results"]}
    order = list(harness.REGISTRY)
    rows = [row for row in recorded["results"] if row["benchmark"] not in ran] + run["results"]
    rows.sort(key=lambda row: order.index(row["benchmark"]) if row["benchmark"] in order else -1)
    recorded["results"] = rows
    recorded["registered"] = sorted(set(recorded.get("registered", [])) | set(run["registered"]))
    if recorded.get("only"):
        recorded["only"] = [
            *recorded["only"],
            *(o for o in run["only"] if o not in recorded["only"]),
        ]
    # A benchmark measured again replaces its earlier addition.
    recorded["merged"] = [
        entry for entry in recorded.get("merged", []) if not set(entry["benchmarks"]) <= ran
    ]
    recorded["merged"].append(
        {
            "when": run["when"],
            "benchmarks": sorted(ran),
            "load_average": run["machine"].get("load_average"),
        }
    )
    return recorded


def fmt(value, digits=3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}g}"
    return str(value)


def print_table(rows: list[dict]) -> None:
    header = ["benchmark", "figure", "ours", "baseline", "unit", "ratio", "p50", "p99", "note"]
    table = [header] + [
        [
            r["benchmark"],
            r["figure"],
            fmt(r["ours"]),
            fmt(r["baseline"]),
            r["unit"],
            (fmt(r["ratio"]) + "×") if r["ratio"] else "—",
            fmt(r["p50"]),
            fmt(r["p99"]),
            r["note"][:60],
        ]
        for r in rows
    ]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for n, row in enumerate(table):
        print("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main(argv=None) -> int:
    args = parse_args(argv)
    # A stopped run still stops its gunicorn (the finally blocks run on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    scale, sizes, engine, env, workdir = prepare(args)

    import django

    django.setup()

    machine = machine_info(engine)
    prepare_peers()
    loaded, failed = load_modules()
    ctx = harness.Context(
        scale=scale, sizes=sizes, engine=engine, env=env, workdir=workdir, repeat=args.repeat
    )
    rows: list[dict] = []
    for module in EXPECTED_MODULES:
        name = f"bench_{module}"
        if name not in loaded and name not in failed:
            rows.append(
                harness.Result(
                    "—", None, None, "", note=f"bench/{name}.py is missing", benchmark=module
                ).as_dict()
            )
    for name, error in failed.items():
        last = error.strip().splitlines()[-1]
        rows.append(
            harness.Result(
                "—", None, None, "", note=f"{name} failed to import: {last}", benchmark=name
            ).as_dict()
        )
    started = time.perf_counter()
    try:
        for name, fn in harness.REGISTRY.items():
            if args.only and not any(part in name for part in args.only):
                continue
            print(f"[bench] {name} ...", flush=True)
            t0 = time.perf_counter()
            try:
                results = fn(ctx) or []
            except Exception as exc:  # noqa: BLE001 - report and go on with the others
                traceback.print_exc()
                results = [
                    harness.Result("—", None, None, "", note=f"failed: {type(exc).__name__}: {exc}")
                ]
            for result in results:
                result.benchmark = name
                rows.append(result.as_dict())
            print(f"[bench] {name}: {time.perf_counter() - t0:.1f} s", flush=True)
    finally:
        ctx.stop_server()
    print()
    print_table(rows)
    partial = bool(args.only) and not (args.record or args.merge)
    synth = {}
    synth_file = workdir / "synth.json"
    if synth_file.exists():
        synth = json.loads(synth_file.read_text())
    report = {
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "scale": scale,
        "sizes": sizes,
        "seed": args.seed,
        "engine": engine,
        "repeat": args.repeat,
        "machine": machine,
        "synth_seconds": synth.get("seconds"),
        "seconds": time.perf_counter() - started,
        "modules": loaded,
        "only": args.only,
        "registered": sorted(harness.REGISTRY),
        "results": rows,
        "plans": {} if partial or args.merge else query_plans(),
        "tables": {} if partial or args.merge else table_sizes(),
    }
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    out = results_dir / f"{engine}-{scale}.json"
    if partial:
        out = results_dir / f"{engine}-{scale}-partial.json"
    elif args.merge and args.only and out.exists():
        report = merge_into(json.loads(out.read_text()), report)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print(f"\n[bench] results: {out.relative_to(ROOT)}")
    if not args.no_doc and not partial:
        doc = write_performance_doc(ROOT / "docs" / "performance.md", results_dir)
        print(f"[bench] updated {doc.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
