"""Check-ins at the sites (at most one per driver, site and day) and the reviews drivers leave after some."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from driverhome.core.modules import optional_import

from .bulk import Inserter, next_id, reset_sequences

VISITS_PER_DRIVER = 2  # over the last year
SHANGHAI = ZoneInfo("Asia/Shanghai")


def available() -> bool:
    return (
        optional_import("driverhome.stations.models") is not None
        and optional_import("driverhome.drivers.models") is not None
    )


def generate(ctx) -> None:
    from driverhome.stations import models as sm

    sites = ctx.shared.get("sites")
    if not sites or "driver_first_id" not in ctx.shared:
        return
    rng = ctx.rng("visits")
    first_driver = ctx.shared["driver_first_id"]
    district_of = ctx.shared["driver_district"]
    local: dict[int, list[int]] = {}
    for site in sites:
        if site["local"]:
            local.setdefault(site["district"], []).append(site["id"])
    all_sites = [s["id"] for s in sites]
    checkin_pk = next_id(sm.CheckIn)
    total = (ctx.hi - ctx.lo) * VISITS_PER_DRIVER
    checkin_writer = Inserter(sm.CheckIn, progress=ctx.progress)
    review_writer = Inserter(sm.Review)
    now = ctx.now
    ctx.progress.start("check-ins, reviews", total)
    checkins, reviews = [], []
    for i in range(ctx.lo, ctx.hi):
        driver = first_driver + i
        choices = local.get(district_of[i]) or all_sites
        days = rng.sample(range(1, 365), VISITS_PER_DRIVER)
        for back in days:
            at = now - timedelta(days=back, minutes=rng.randint(0, 600))
            station = rng.choice(choices) if rng.random() < 0.9 else rng.choice(all_sites)
            checkins.append(
                {
                    "id": checkin_pk,
                    "station_id": station,
                    "driver_id": driver,
                    "at": at,
                    "day": at.astimezone(SHANGHAI).date(),
                    "channel": rng.choices(("qr", "staff", "api", "event"), (70, 20, 5, 5))[0],
                    "services_used": rng.sample(
                        ["shower", "laundry", "rest", "meal", "parking"], rng.randint(0, 3)
                    ),
                }
            )
            if rng.random() < 0.08:
                score = rng.choices((5, 4, 3, 2, 1), (50, 30, 12, 5, 3))[0]
                reviews.append(
                    {
                        "station_id": station,
                        "driver_id": driver,
                        "checkin_id": checkin_pk,
                        "cleanliness": score,
                        "service": max(1, min(5, score + rng.randint(-1, 1))),
                        "facilities": max(1, min(5, score + rng.randint(-1, 1))),
                        "comment": rng.choice(
                            ("", "", "干净，热水足", "停车位紧张", "服务很好", "洗衣机坏了")
                        ),
                        "created_at": at + timedelta(hours=1),
                    }
                )
            checkin_pk += 1
        if len(checkins) >= 20_000:
            checkin_writer.write(checkins)
            review_writer.write(reviews)
            checkins, reviews = [], []
    checkin_writer.write(checkins)
    review_writer.write(reviews)
    ctx.progress.finish()
    reset_sequences(sm.CheckIn, sm.Review)
