"""Requests in every status, each with the transitions that led there, return visits and deadlines.

A request received long ago has most likely run the whole loop (collected →
reported → handling → answered → visited → closed), sometimes with a detour
(returned as misdirected and dispatched again; re-handled after a dissatisfied
visit); recent ones stand at every stage, some past their deadline. Deadlines
use the working-day calendar like the intake does; tracking numbers follow the
intake's pattern and the per-day counters are set so new intakes continue after them.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from driverhome.core.modules import optional_import

from .bulk import Inserter, next_id, reset_sequences

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHANNELS = (
    ("app", 45),
    ("phone", 20),
    ("walk_in", 15),
    ("market", 8),
    ("paper", 5),
    ("api", 5),
    ("open311", 2),
)
TEXTS = {
    "complaint": [
        "运费被拖欠三个月，老板一直不给",
        "在{site}附近被乱收停车费",
        "装卸等待时间过长，被扣钱",
    ],
    "help": ["孩子在本地上学需要办理入学手续", "车辆故障需要救援", "想申请司机公寓"],
    "enquiry": ["灵活就业人员怎么参加社保", "驾驶证到期怎么换证", "港区集卡预约怎么操作"],
    "suggestion": ["希望{site}增加洗衣机", "建议增加夜间热水供应", "停车场需要更多照明"],
    "emergency": ["高速上车辆起火需要帮助", "司机突发疾病需要送医"],
}
ANSWERS = [
    "已协调企业支付欠款",
    "已联系相关部门处理",
    "已解释相关政策并提供办理指引",
    "已安排现场处置",
]


def available() -> bool:
    return (
        optional_import("driverhome.appeals.models") is not None
        and optional_import("driverhome.drivers.models") is not None
    )


@lru_cache(maxsize=4096)
def _due(day, days: int, calendar: bool):
    from driverhome.core import workdays

    if calendar:
        return workdays.end_of_day(day + timedelta(days=days))
    return workdays.end_of_day(workdays.add_working_days(day, days))


def generate(ctx) -> None:
    from driverhome.appeals import models as am

    if "driver_first_id" not in ctx.shared:
        return
    try:
        from driverhome.appeals.actions import TRACKING_PREFIX
    except ImportError:
        TRACKING_PREFIX = "BL"
    rng = ctx.rng("appeals")
    total = ctx.share(ctx.sizes.requests)
    lo, span = ctx.lo, max(1, ctx.hi - ctx.lo)
    here = [d["index"] for d in ctx.districts_here()]
    districts = ctx.shared["districts"]
    staff = ctx.shared["staff"]
    first_driver = ctx.shared["driver_first_id"]
    district_of = ctx.shared["driver_district"]
    org_of = ctx.shared["driver_org"]
    broker_of = ctx.shared["driver_broker"]
    user_of = ctx.shared["driver_user"]
    sites_by_district: dict[int, list[int]] = {}
    for site in ctx.shared.get("sites", []):
        if site["local"]:
            sites_by_district.setdefault(site["district"], []).append(site["id"])
    operator_of_site = {}
    for op, site in zip(ctx.shared["operators"], ctx.shared.get("sites", []), strict=False):
        operator_of_site[site["id"]] = op
    leaves = list(
        am.Category.objects.filter(parent__isnull=False, is_active=True).values_list(
            "pk", "default_type", "default_unit_kind"
        )
    )
    if not leaves:
        return
    limits = {(row.appeal_type, row.category_id): row for row in am.TimeLimit.objects.all()}
    has_station = any(f.name == "station" for f in am.Appeal._meta.fields)
    now = ctx.now
    channels, channel_weights = zip(*CHANNELS, strict=True)
    per_day: Counter = Counter()
    first_appeal = next_id(am.Appeal)

    def limit(appeal_type, category):
        row = limits.get((appeal_type, category)) or limits.get((appeal_type, None))
        if row is not None:
            return row.answer_days, row.day_kind == "calendar"
        return {"emergency": (0, True), "complaint": (13, False), "suggestion": (13, False)}.get(
            appeal_type, (3, False)
        )

    appeal_writer = Inserter(am.Appeal, progress=ctx.progress)
    transition_writer = Inserter(am.Transition)
    visit_writer = Inserter(am.ReturnVisit)
    appeals, transitions, visits = [], [], []
    status_count: Counter = Counter()
    ctx.progress.start("requests", total)
    # Received times in order, so tracking numbers run in order within each day.
    ages = sorted((rng.random() ** 1.3 * 365 for _ in range(total)), reverse=True)
    for n, age in enumerate(ages):
        pk = first_appeal + n
        received = now - timedelta(days=age, minutes=rng.randint(0, 600))
        local_day = received.astimezone(SHANGHAI).date()
        per_day[local_day] += 1
        # Parallel groups interleave their numbers of the day: group g of G takes g+1, g+1+G, ...
        number = (per_day[local_day] - 1) * ctx.groups + ctx.group + 1
        tracking = f"{TRACKING_PREFIX}{local_day:%Y%m%d}-{number:04d}"
        category, appeal_type, unit_kind = rng.choice(leaves)
        if rng.random() < 0.1:
            appeal_type = rng.choice(("enquiry", "help", "complaint", "suggestion"))
        i = lo + rng.randrange(span) if rng.random() < 0.92 else None
        d = district_of[i] if i is not None else rng.choice(here)
        info = districts[d]
        site = (
            rng.choice(sites_by_district[d])
            if sites_by_district.get(d) and rng.random() < 0.35
            else None
        )
        if site is not None and rng.random() < 0.5:
            organisation = operator_of_site[site]["id"]
        elif i is not None:
            organisation = org_of[i]
        else:
            organisation = info["communities"][0]["id"]
        if unit_kind == "site":
            op = operator_of_site.get(site) or (info["operators"][0] if info["operators"] else None)
            unit = op["id"] if op else info["units"]["transport"]
            handler = op.get("staff") if op else staff["districts"][d]["handlers"]["transport"]
        elif unit_kind == "subdistrict":
            unit = info["subdistricts"][0]["id"]
            handler = staff["districts"][d]["brokers"][0][0]
        else:
            kind = unit_kind if unit_kind in info["units"] else "transport"
            unit = info["units"][kind]
            handler = staff["districts"][d]["handlers"][kind]
        broker = broker_of[i] if i is not None and broker_of[i] else None
        days, calendar = limit(appeal_type, category)
        answer_due = _due(local_day, days, calendar)
        accept_due = min(_due(local_day, 1, False), answer_due)
        # Where this request stands now: older ones further along.
        progress = min(1.0, age / 6.0)
        r = rng.random()
        if r < 0.03:
            final = "withdrawn"
        elif r < 0.05 and n > 0:
            final = "merged"
        elif rng.random() < progress * 0.995:
            final = "closed"
        else:
            final = rng.choices(
                ("collected", "reported", "returned", "handling", "answered", "visited"),
                (10, 15, 4, 45, 14, 12),
            )[0]
        # Walk the loop up to the final stage, writing transitions.
        path = ["collected"]
        if final not in ("collected", "withdrawn", "merged") or (
            final != "collected" and rng.random() < 0.5
        ):
            path.append("reported")
            if rng.random() < 0.06 or final == "returned":
                path.append("returned")
                if final != "returned":
                    path.append("reported")
        if final in ("handling", "answered", "visited", "closed"):
            path.append("handling")
        if final in ("answered", "visited", "closed"):
            path.append("answered")
        if final in ("visited", "closed"):
            path.append("visited")
            if rng.random() < 0.04:
                path += ["handling", "answered", "visited"]
        if final == "closed":
            path.append("closed")
        if final in ("withdrawn", "merged"):
            path.append(final)
        # Strictly increasing moments between intake and now for the later stages.
        elapsed = (now - received) * rng.uniform(0.3, 0.95)
        weights = [rng.uniform(0.2, 1.0) for _ in path[1:]]
        scale = elapsed / (sum(weights) or 1)
        step_times = [received]
        for w in weights:
            step_times.append(step_times[-1] + scale * w + timedelta(microseconds=1))
        answered_at = closed_at = None
        visit_due = None
        rounds = 0
        prev = ""
        for stage, at in zip(path, step_times, strict=True):
            actor = (
                handler
                if stage in ("handling", "answered")
                else (broker or staff["districts"][d]["supervisor"])
            )
            transitions.append(
                {
                    "appeal_id": pk,
                    "from_status": prev,
                    "to_status": stage,
                    "actor_id": user_of[i] or None
                    if stage == "collected" and i is not None
                    else actor,
                    "actor_label": "synth",
                    "target": str(unit) if stage == "reported" else "",
                    "public": True,
                    "at": at,
                }
            )
            if stage == "answered":
                answered_at = at
                visit_due = _due(at.astimezone(SHANGHAI).date(), 1, False)
            if stage == "visited":
                satisfied = rng.random() < 0.9
                visits.append(
                    {
                        "appeal_id": pk,
                        "resolved": "yes" if satisfied else rng.choice(("partly", "no")),
                        "satisfaction": rng.choice((4, 5, 5))
                        if satisfied
                        else rng.choice((1, 2, 3)),
                        "by_id": broker or staff["districts"][d]["supervisor"],
                        "at": at,
                        "round": rounds,
                    }
                )
                rounds += 1
            prev = stage
        if final in ("closed", "withdrawn", "merged"):
            closed_at = step_times[-1]
        status_count[final] += 1
        due = None
        if final in ("collected", "reported", "returned"):
            due = accept_due
        elif final == "handling":
            due = answer_due
        elif final in ("answered", "visited"):
            due = visit_due
        text = rng.choice(TEXTS.get(appeal_type, TEXTS["help"])).format(site="服务站")
        row = {
            "id": pk,
            "tracking_no": tracking,
            "appeal_type": appeal_type,
            "category_id": category,
            "channel": rng.choices(channels, channel_weights)[0],
            "driver_id": first_driver + i if i is not None else None,
            "reporter_name": "" if i is not None else "匿名来电",
            "phone_last4": "" if i is not None else f"{rng.randint(0, 9999):04d}",
            "anonymous": rng.random() < 0.03,
            "description": text,
            "organisation_id": organisation,
            "handling_unit_id": unit if len(path) > 1 and path[1] == "reported" else None,
            "care_broker_id": broker,
            "received_at": received,
            "status": final,
            "accept_due_at": accept_due,
            "answer_due_at": answer_due,
            "visit_due_at": visit_due,
            "due_at": due,
            "answered_at": answered_at,
            "closed_at": closed_at,
            "answer": rng.choice(ANSWERS) if answered_at else "",
            "rehandle_count": max(0, rounds - 1),
            "merged_into_id": first_appeal + rng.randrange(n) if final == "merged" else None,
            "version": len(path),
            "updated_at": step_times[-1],
        }
        if has_station:
            row["station_id"] = site
        appeals.append(row)
        if len(appeals) >= 20_000:
            appeal_writer.write(appeals)
            transition_writer.write(transitions)
            visit_writer.write(visits)
            appeals, transitions, visits = [], [], []
    appeal_writer.write(appeals)
    transition_writer.write(transitions)
    visit_writer.write(visits)
    ctx.progress.finish()
    reset_sequences(am.Appeal, am.Transition, am.ReturnVisit, am.TrackingCounter)
    ctx.shared["appeal_status"] = dict(status_count)


def write_tracking_counters() -> None:
    """Set each day's counter to the highest number issued, so intake continues after it."""
    from datetime import date

    from driverhome.appeals import models as am

    last: dict = {}
    for number in am.Appeal.objects.values_list("tracking_no", flat=True).iterator(
        chunk_size=50_000
    ):
        head, _sep, tail = number.rpartition("-")
        if not tail.isdigit() or len(head) < 8 or not head[-8:].isdigit():
            continue
        day = head[-8:]
        last[day] = max(last.get(day, 0), int(tail))
    existing = dict(am.TrackingCounter.objects.values_list("day", "last"))
    rows = []
    for key, value in last.items():
        day = date(int(key[:4]), int(key[4:6]), int(key[6:]))
        if day in existing:
            if existing[day] < value:
                am.TrackingCounter.objects.filter(day=day).update(last=value)
        else:
            rows.append({"day": day, "last": value})
    Inserter(am.TrackingCounter).write(rows)
