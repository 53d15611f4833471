"""Render ``bench/results/*.json`` into the generated sections of ``docs/performance.md``.

The document's prose is written by hand; only the text between
``<!-- bench:NAME:begin -->`` and ``<!-- bench:NAME:end -->`` is regenerated.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

SCALE_ORDER = {"smoke": 0, "beilun": 1, "province": 2}
ENGINE_ORDER = {"sqlite": 0, "postgresql": 1}


def _fmt(value, digits=3) -> str:
    if value is None:
        return "—"
    if isinstance(value, int | float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}g}"
    return str(value)


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _scale_key(report: dict):
    scale = report["scale"]
    return (
        SCALE_ORDER.get(scale, 3),
        report["sizes"]["drivers"],
        ENGINE_ORDER.get(report["engine"], 9),
    )


def load_reports(results_dir: Path) -> list[dict]:
    reports = []
    for path in sorted(results_dir.glob("*.json")):
        if path.stem.endswith("-partial") or path.stem.startswith("loadtest"):
            continue
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if "results" in data and "engine" in data:
            reports.append(data)
    return sorted(reports, key=_scale_key)


def machine_line(machine: dict) -> str:
    return (
        f"{machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
        f"{machine.get('ram_gb', '?')} GB RAM; {machine.get('os', '')}; Python {machine.get('python', '')}, "
        f"Django {machine.get('django', '')}, {machine.get('engine_version', '')}; "
        f"load average at start {machine.get('load_average')}"
    )


def results_section(reports: list[dict]) -> str:
    if not reports:
        return "No results yet: run `make bench`."
    out = []
    for report in reports:
        sizes = report["sizes"]
        out.append(
            f"### {report['engine']}, scale {report['scale']} — {report['when']}\n\n"
            f"{sizes['drivers']:,} drivers, {sizes['sites']:,} sites, {sizes['requests']:,} requests, "
            f"{sizes['services']:,} service records (seed {report['seed']}); synthetic data generated in "
            f"{_fmt(report.get('synth_seconds'))} s; medians of {report['repeat']} runs"
            + (
                f"; only the benchmarks matching {', '.join(report['only'])}"
                if report.get("only")
                else ""
            )
            + ".  \n"
            f"Machine: {machine_line(report['machine'])}.\n"
        )
        out.append("| benchmark | figure | ours | baseline | unit | ratio | p50 | p99 | note |")
        out.append("|---|---|---:|---:|---|---:|---:|---:|---|")
        for r in report["results"]:
            ratio = f"{_fmt(r['ratio'])}×" if r.get("ratio") else "—"
            out.append(
                f"| {_cell(r['benchmark'])} | {_cell(r['figure'])} | {_fmt(r['ours'])} | "
                f"{_fmt(r['baseline'])} | {_cell(r['unit'])} | {ratio} | {_fmt(r.get('p50'))} | "
                f"{_fmt(r.get('p99'))} | {_cell(r.get('note', ''))} |"
            )
        for merged in report.get("merged", []):
            out.append("")
            out.append(
                f"Measured later and added to this recording: {', '.join(merged['benchmarks'])}"
                f" at {merged['when']} (load average at start {merged.get('load_average')})."
            )
        ran = {r["benchmark"] for r in report["results"]}
        skipped = [name for name in report.get("registered", []) if name not in ran]
        if skipped:
            out.append("")
            out.append(f"Not run in this recording: {', '.join(skipped)}.")
        out.append("")
    return "\n".join(out).rstrip()


def growth_section(reports: list[dict]) -> str:
    """Our figure per benchmark at every scale and engine measured, side by side."""
    if not reports:
        return "No results yet."
    columns = [(r["engine"], r["scale"], r["sizes"]["drivers"]) for r in reports]
    figures: dict[tuple, dict] = {}
    order: list[tuple] = []
    for report in reports:
        column = (report["engine"], report["scale"], report["sizes"]["drivers"])
        for r in report["results"]:
            if r.get("ours") is None:
                continue
            # Figures that name their row counts ("over 1,000,000 requests") line up across scales.
            key = (
                r["benchmark"],
                re.sub(r"\d{1,3}(?:,\d{3})+|\d{4,}", "N", r["figure"]),
                r["unit"],
            )
            if key not in figures:
                figures[key] = {}
                order.append(key)
            figures[key][column] = r["ours"]
    if not order:
        return "No figures yet."
    head = " | ".join(f"{engine} {drivers:,} drivers" for engine, _scale, drivers in columns)
    out = [f"| benchmark | figure | unit | {head} |", "|---|---|---|" + "---:|" * len(columns)]
    for key in order:
        cells = " | ".join(_fmt(figures[key].get(column)) for column in columns)
        out.append(f"| {_cell(key[0])} | {_cell(key[1])} | {_cell(key[2])} | {cells} |")
    return "\n".join(out)


def loadtest_section(results_dir: Path) -> str:
    rows = []
    for path in sorted(results_dir.glob("loadtest-*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        rows.append(data)
    if not rows:
        return "No load-test results yet: run `make loadtest`."
    out = []
    for data in rows:
        out.append(
            f"### {data['engine']} — {data['when']}\n\n"
            f"gunicorn {data['workers']} workers × {data['threads']} threads on 127.0.0.1; "
            f"data: {data['sizes']['drivers']:,} drivers; machine: {machine_line(data['machine'])}.\n"
        )
        out.append(
            "| stage | max in flight | target rate | requests | errors | throughput (req/s) | p50 ms | p95 ms | p99 ms |"
        )
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for stage in data["stages"]:
            out.append(
                f"| {_cell(stage['name'])} | {stage['clients']} | {_fmt(stage.get('target_rate'))} | "
                f"{stage['requests']:,} | {stage['errors']} | {_fmt(stage['throughput'])} | "
                f"{_fmt(stage['p50_ms'])} | {_fmt(stage['p95_ms'])} | {_fmt(stage['p99_ms'])} |"
            )
        out.append("")
        if data.get("sustained"):
            s = data["sustained"]
            out.append(
                f"Highest rate sustained with zero errors and p99 under 250 ms: **{_fmt(s['throughput'])} req/s** "
                f"(p99 {_fmt(s['p99_ms'])} ms)."
            )
        else:
            out.append("No stage met zero errors with p99 under 250 ms.")
        if data.get("by_kind"):
            out.append("")
            out.append(f"Per request kind, stage {data.get('by_kind_stage', '')}:")
            out.append("")
            out.append("| request kind | count | errors | p50 ms | p99 ms |")
            out.append("|---|---:|---:|---:|---:|")
            for kind, k in data["by_kind"].items():
                out.append(
                    f"| {_cell(kind)} | {k['count']:,} | {k['errors']} | {_fmt(k['p50_ms'])} | {_fmt(k['p99_ms'])} |"
                )
        if data.get("consistency"):
            out.append("")
            out.append("Consistency checks after the run:")
            out.append("")
            for check in data["consistency"]:
                mark = "ok" if check["ok"] else "FAILED"
                out.append(f"- {mark}: {_cell(check['check'])} ({_cell(check['detail'])})")
        out.append("")
    return "\n".join(out).rstrip()


def plans_section(reports: list[dict]) -> str:
    out = []
    for report in reports:
        plans = report.get("plans") or {}
        if not plans:
            continue
        out.append(
            f"### {report['engine']}, {report['sizes']['drivers']:,} drivers — {report['when']}\n"
        )
        for name, text in plans.items():
            out.append(
                f"<details><summary>{name}</summary>\n\n```\n{text.strip()}\n```\n\n</details>\n"
            )
    return "\n".join(out).rstrip() or "No plans yet: run `make bench`."


# National yearly volumes (DOMAIN.md section 8; check-ins: ten visits a driver a year).
NATIONAL_ROWS = {
    "drivers_driver": (17_000_000, "drivers on file"),
    "drivers_familymember": (17_000_000 * 2, "family members on file"),
    "appeals_appeal": (5_000_000, "requests a year"),
    "services_servicerecord": (100_000_000, "service records a year"),
    "stations_checkin": (170_000_000, "check-ins a year"),
}
PEAK_NATIONAL = 1100  # req/s, docs/scaling.md
PEAK_PROVINCE = 40


def sizing_section(reports: list[dict], results_dir: Path) -> str:
    out = []
    loads = {}
    for path in sorted(results_dir.glob("loadtest-*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if data.get("sustained"):
            loads[data["engine"]] = data["sustained"]["throughput"]
    if loads:
        out.append(
            "| engine | rate sustained on the 2-core machine | 8-core app servers for the national peak (×2 margin) | for a province |"
        )
        out.append("|---|---:|---:|---:|")
        for engine, rate in loads.items():
            per_server = 4 * rate
            national = math.ceil(PEAK_NATIONAL * 2 / per_server) if per_server else None
            province = math.ceil(PEAK_PROVINCE * 2 / per_server) if per_server else None
            out.append(f"| {engine} | {_fmt(rate)} req/s | {national} | {province} |")
        out.append("")
    sized = [r for r in reports if r.get("tables")]
    if sized:
        report = max(sized, key=lambda r: (r["engine"] == "postgresql", r["sizes"]["drivers"]))
        out.append(
            f"Row sizes measured on {report['engine']} with {report['sizes']['drivers']:,} drivers "
            "(table and indexes):"
        )
        out.append("")
        out.append("| table | rows | bytes per row | national volume | national size |")
        out.append("|---|---:|---:|---|---:|")
        total = 0.0
        for table, info in report["tables"].items():
            if not info["rows"]:
                continue
            per_row = info["bytes"] / info["rows"]
            volume, label = NATIONAL_ROWS.get(table, (None, ""))
            size = per_row * volume / 1e9 if volume else None
            if table == "appeals_transition" and report["tables"].get("appeals_appeal", {}).get(
                "rows"
            ):
                ratio = info["rows"] / report["tables"]["appeals_appeal"]["rows"]
                volume, label = 5_000_000 * ratio, f"transitions a year ({ratio:.1f} a request)"
                size = per_row * volume / 1e9
            if size:
                total += size
            out.append(
                f"| `{table}` | {info['rows']:,} | {per_row:,.0f} | "
                f"{f'{volume:,.0f} {label}' if volume else '—'} | {f'{size:,.1f} GB' if size else '—'} |"
            )
        out.append("")
        out.append(
            f"National database: about **{total:,.0f} GB** for the driver files plus one year of requests, "
            "transitions, service records and check-ins."
        )
    return "\n".join(out).rstrip() or "No measurements yet: run `make bench` and `make loadtest`."


def replace_section(text: str, name: str, body: str) -> str:
    begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
    block = f"{begin}\n{body}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _m: block, text)
    return text.rstrip() + f"\n\n{block}\n"


def write_performance_doc(doc: Path, results_dir: Path) -> Path:
    text = doc.read_text() if doc.exists() else "# Performance\n"
    reports = load_reports(results_dir)
    text = replace_section(text, "results", results_section(reports))
    text = replace_section(text, "growth", growth_section(reports))
    text = replace_section(text, "loadtest", loadtest_section(results_dir))
    text = replace_section(text, "plans", plans_section(reports))
    doc.write_text(text.rstrip() + "\n")
    scaling = doc.parent / "scaling.md"
    if scaling.exists():
        body = replace_section(scaling.read_text(), "sizing", sizing_section(reports, results_dir))
        scaling.write_text(body.rstrip() + "\n")
    return doc
