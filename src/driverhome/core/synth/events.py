"""Red Collar Markets, training sessions, briefings and activities at the sites, with attendance.

Each local site holds a market about twice a month and a training session
monthly over the last year; a few are scheduled ahead. Held events have
check-ins (one per driver and event) from the district's drivers and some feedback.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from driverhome.core.modules import optional_import

from .bulk import Inserter, next_id, reset_sequences

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TITLES = {
    "market": "红领集市",
    "training": "安全驾驶培训",
    "briefing": "政策宣讲会",
    "activity": "司机之家开放日",
}


def available() -> bool:
    return (
        optional_import("driverhome.events.models") is not None
        and optional_import("driverhome.stations.models") is not None
        and optional_import("driverhome.drivers.models") is not None
    )


def _code(n: int) -> str:
    out = ""
    for _ in range(8):
        n, r = divmod(n, len(CODE_ALPHABET))
        out = CODE_ALPHABET[r] + out
    return "SY" + out


def generate(ctx) -> None:
    from driverhome.events import models as em

    here = {d["index"] for d in ctx.districts_here()}
    sites = [s for s in ctx.shared.get("sites", []) if s["local"] and s["district"] in here]
    if not sites or "driver_first_id" not in ctx.shared:
        return
    rng = ctx.rng("events")
    operators = {
        site["id"]: op
        for op, site in zip(ctx.shared["operators"], ctx.shared["sites"], strict=False)
    }
    n = ctx.shared["driver_count"]
    n_districts = len(ctx.shared["districts"])
    first_driver = ctx.shared["driver_first_id"]
    now = ctx.now
    event_pk = next_id(em.Event)
    events, checkins, feedback = [], [], []
    for site in sites:
        op = operators[site["id"]]
        plan = [("market", 14), ("training", 30), ("briefing", 90), ("activity", 120)]
        markets = ctx.shared.get("markets", {}).get(site["id"])
        for kind, every in plan:
            day = -365 + rng.randint(0, every)
            # Markets on the days the free-place history was made with (core.synth.stations).
            fixed = iter(markets or []) if kind == "market" and markets is not None else None
            while day < 30:
                if fixed is not None:
                    market = next(fixed, None)
                    if market is None:
                        break
                    starts = datetime.fromisoformat(market[0])
                    day = (starts - now).days
                else:
                    starts = (
                        now
                        + timedelta(days=day)
                        - timedelta(hours=now.hour)
                        + timedelta(hours=1 + rng.randint(0, 6))
                    )
                held = starts < now
                status = "held" if held else "scheduled"
                if rng.random() < 0.03:
                    status = "cancelled"
                capacity = rng.choice((None, 30, 50, 100)) if kind != "market" else None
                events.append(
                    {
                        "id": event_pk,
                        "code": _code(event_pk),
                        "kind": kind,
                        "title": TITLES[kind],
                        "station_id": site["id"],
                        "organiser_id": op["id"],
                        "starts_at": starts,
                        "ends_at": datetime.fromisoformat(market[1])
                        if fixed is not None
                        else starts + timedelta(hours=rng.choice((2, 3, 4))),
                        "capacity": capacity,
                        "status": status,
                        "created_by_id": op.get("staff"),
                        "created_at": starts - timedelta(days=rng.randint(7, 30)),
                    }
                )
                if status == "held":
                    block_start = site["district"] * n // n_districts
                    block = max(1, (site["district"] + 1) * n // n_districts - block_start)
                    attendees = rng.sample(
                        range(block), min(block, rng.randint(10, 60 if kind == "market" else 30))
                    )
                    for a in attendees:
                        driver = first_driver + block_start + a
                        at = starts + timedelta(minutes=rng.randint(0, 90))
                        checkins.append(
                            {
                                "event_id": event_pk,
                                "driver_id": driver,
                                "walk_in": rng.random() < 0.5,
                                "method": rng.choice(("driver_qr", "event_qr", "lookup")),
                                "checked_in_by_id": op.get("staff"),
                                "at": at,
                            }
                        )
                        if rng.random() < 0.15:
                            feedback.append(
                                {
                                    "event_id": event_pk,
                                    "driver_id": driver,
                                    "rating": rng.choice((3, 4, 5, 5)),
                                    "at": at + timedelta(hours=3),
                                }
                            )
                event_pk += 1
                day += every + rng.randint(-2, 2)
    ctx.progress.start("events, attendance", len(events) + len(checkins) + len(feedback))
    Inserter(em.Event, progress=ctx.progress).write(events)
    Inserter(em.CheckIn, progress=ctx.progress).write(checkins)
    Inserter(em.Feedback, progress=ctx.progress).write(feedback)
    ctx.progress.finish()
    reset_sequences(em.Event, em.CheckIn, em.Feedback)
