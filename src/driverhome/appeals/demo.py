"""Demo: a year of requests across the categories and statuses, written with bulk inserts.

Most requests are closed on time with a satisfied return visit (on-time and
satisfaction rates around 96–97 %, as good hotlines report); some are open in
each unit's queue, a few are overdue (one escalated), re-handled, withdrawn or
merged; and this week a dozen drivers reported the same full parking lot at the
Jiyun base (a hotspot). Running it twice changes nothing.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from driverhome.accounts import audit
from driverhome.accounts.models import Organisation, Role, User

from . import catalogue, deadlines, routing
from .models import (
    Appeal,
    Category,
    Extension,
    IdempotencyKey,
    ReturnVisit,
    RoutingRule,
    Supervision,
    TimeLimit,
    TrackingCounter,
    Transition,
)

S = Appeal.Status
DEMO_SCOPE = "demo"

# (category code, weight, descriptions)
TROUBLES = [
    ("C01-01", 9, ["物流公司拖欠我三个月工资，多次讨要无果", "老板说下个月结工资，已经拖了半年"]),
    ("C01-02", 12, ["货主拖欠运费两万多元，电话不接", "平台扣着运费不结算，已经两个月"]),
    ("C01-03", 6, ["平台一单运费又降了50元，还要抽成", "派单平台压价太厉害，跑一趟亏油钱"]),
    ("C02-01", 7, ["在港区路口被罚款200元，认为处罚有误", "停车等装货被贴罚单，对罚款有异议"]),
    ("C02-02", 3, ["路面执法人员态度恶劣，没有出示证件"]),
    ("C03-01", 14, ["集运基地停车场晚上没有车位，只能停路边", "港区附近找不到停车的地方"]),
    ("C03-02", 4, ["夜里车停在路边被偷油，油箱被撬", "车上货物被盗，已经报警"]),
    ("C03-03", 6, ["停车场照明不够，晚上不安全", "停车场地面坑洼，下雨积水"]),
    ("C04-01", 8, ["司机之家淋浴热水不够，排队很久", "厕所晚上锁门，不方便"]),
    ("C04-02", 5, ["食堂饭菜价格偏高，希望有便宜的套餐", "晚上十点后没有热饭"]),
    ("C04-03", 4, ["想申请休息室床位，不知道怎么办"]),
    ("C05-01", 8, ["想咨询灵活就业人员怎么参加社保", "社保断缴了怎么补缴"]),
    ("C05-02", 3, ["装卸时受伤，公司不给报工伤"]),
    ("C05-03", 3, ["长期腰疼，想了解职业病检查"]),
    ("C06-01", 6, ["孩子明年上小学，想了解积分入学政策"]),
    ("C06-02", 4, ["暑假孩子没人照看，想报名假日学校"]),
    ("C07-01", 4, ["爱人想在附近找份工作，有什么渠道"]),
    ("C08-01", 5, ["公寓热水器坏了，请尽快维修", "想申请司机公寓，需要什么材料"]),
    ("C08-02", 2, ["房东不退押金"]),
    ("C09-01", 5, ["从业资格证快到期了，怎么办理续期", "驾驶证换证需要什么材料"]),
    ("C09-02", 3, ["车辆年审预约不上"]),
    ("C10-01", 4, ["货车进城通行证怎么办理", "限行时段有没有调整"]),
    ("C11-01", 3, ["公司不签劳动合同，想维权"]),
    ("C11-02", 2, ["想申请法律援助，追讨运费"]),
    ("C12-01", 2, ["最近压力很大，睡不着，想找人聊聊"]),
    ("C12-02", 3, ["家里有人生病，生活困难，能否申请救助"]),
    ("C13-01", 7, ["码头提箱排队要等六七个小时", "提箱系统经常卡顿，排队太久"]),
    ("C13-02", 3, ["预约单时间段太少，约不上"]),
    ("C99-01", 2, ["建议司机之家增加洗衣机"]),
]
ANSWERS = [
    "已协调相关单位处理，请留意后续通知。",
    "已联系企业负责人，承诺本周内解决。",
    "经核实情况属实，已督促整改完毕。",
    "已为您登记，工作人员会电话联系您。",
    "相关政策已电话向您解释，并发送办理指南。",
]
CHANNELS = [
    (Appeal.Channel.APP, 55),
    (Appeal.Channel.PHONE, 15),
    (Appeal.Channel.WALK_IN, 12),
    (Appeal.Channel.MARKET, 10),
    (Appeal.Channel.PAPER, 5),
    (Appeal.Channel.API, 3),
]


def _pick(rng, weighted):
    items, weights = zip(*weighted, strict=True)
    return rng.choices(items, weights=weights, k=1)[0]


class _Numbers:
    """Tracking numbers per day, continuing any counters that exist."""

    def __init__(self):
        self.last = dict(TrackingCounter.objects.values_list("day", "last"))

    def next(self, moment):
        day = timezone.localtime(moment).date()
        self.last[day] = self.last.get(day, 0) + 1
        return f"BL{day:%Y%m%d}-{self.last[day]:04d}"

    def save(self):
        TrackingCounter.objects.bulk_create(
            [TrackingCounter(day=d, last=n) for d, n in self.last.items()],
            update_conflicts=True,
            unique_fields=["day"],
            update_fields=["last"],
        )


def _routing_rules(beilun, categories, units_by):
    rules = []
    for category in categories:
        unit = units_by(category, beilun, None)
        if unit is not None and unit.kind == Organisation.Kind.HANDLING_UNIT:
            rules.append(RoutingRule(category=category, area=beilun, unit=unit))
    RoutingRule.objects.bulk_create(rules, ignore_conflicts=True)


def load(ctx) -> None:
    if IdempotencyKey.objects.filter(scope=DEMO_SCOPE).exists():
        ctx.say("appeals: demo requests already loaded")
        return
    beilun = Organisation.objects.filter(code="beilun").first()
    if beilun is None:
        return
    from driverhome.drivers.models import Driver
    from driverhome.stations.models import Station

    rng = random.Random(20261128)
    now = timezone.now()
    # The migration seeds the catalogue; seed what is missing again (never overwriting an
    # edit), as the other apps' demos do, so the demo also loads into emptied tables.
    catalogue.seed(Category, TimeLimit)
    categories = {c.code: c for c in Category.objects.filter(parent__isnull=False)}
    drivers = list(
        Driver.objects.filter(
            organisation__path__startswith=beilun.path, anonymised_at__isnull=True
        )
        .select_related("organisation", "care_broker")
        .order_by("pk")[: 400 if ctx.quick else 6000]
    )
    if not drivers:
        return
    stations = {s.code: s for s in Station.objects.select_related("operator")}
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "supervisor",
                "xiapu",
                "jiyun",
                "guoju",
                "broker",
                "broker2",
                "labour",
                "police",
            ]
        )
    }
    staff_by_org = {}
    for user in User.objects.filter(role__in=(Role.SITE_STAFF, Role.UNIT_HANDLER), is_active=True):
        staff_by_org.setdefault(user.organisation_id, user)
    unit_cache = {}

    def unit_for(category, organisation, station):
        key = (category.pk, organisation.pk, station.pk if station else None)
        if key not in unit_cache:
            unit_cache[key] = routing.suggest_unit(category, organisation, station)
        return unit_cache[key]

    _routing_rules(beilun, categories.values(), unit_for)
    limits = {}

    def limit(appeal_type, category):
        key = (appeal_type, category.pk)
        if key not in limits:
            limits[key] = deadlines.limit_for(appeal_type, category)
        return limits[key]

    numbers = _Numbers()
    total = 40 if ctx.quick else 2600
    weighted = [(code, weight) for code, weight, _ in TROUBLES if code in categories]
    texts = {code: descriptions for code, _, descriptions in TROUBLES}
    plans = []
    for _ in range(total):
        code = _pick(rng, weighted)
        plans.append(
            {
                "category": categories[code],
                "text": rng.choice(texts[code]),
                "received_at": now
                - timedelta(days=rng.uniform(0.2, 365), minutes=rng.randrange(600)),
                "driver": rng.choice(drivers),
                "hotspot": False,
            }
        )
    # The hotspot: this week, a dozen drivers about the full parking lot at the Jiyun base.
    jiyun = stations.get("jiyun")
    if jiyun is not None and "C03-01" in categories:
        for driver in rng.sample(drivers, min(12 if not ctx.quick else 4, len(drivers))):
            plans.append(
                {
                    "category": categories["C03-01"],
                    "text": rng.choice(
                        [
                            "集运基地停车场又满了，晚上没地方停",
                            "集运基地停车场车位不够，只能停在路边",
                        ]
                    ),
                    "received_at": now - timedelta(days=rng.uniform(0.1, 5.5)),
                    "driver": driver,
                    "hotspot": True,
                    "station": jiyun,
                }
            )
    plans.sort(key=lambda p: p["received_at"])

    appeals, transitions, visits, supervisions, extensions, keys = [], [], [], [], [], []
    for index, plan in enumerate(plans):
        appeal, rows = _build(
            rng, plan, now, numbers, stations, unit_for, limit, users, staff_by_org
        )
        appeals.append(appeal)
        transitions.append(rows)
        plan["index"] = index

    with transaction.atomic():
        Appeal.objects.bulk_create(appeals, batch_size=500)
        numbers.save()
        all_transitions = []
        for appeal, rows in zip(appeals, transitions, strict=True):
            for row in rows["transitions"]:
                row.appeal = appeal
                all_transitions.append(row)
            for visit in rows["visits"]:
                visit.appeal = appeal
                visits.append(visit)
            for extension in rows["extensions"]:
                extension.appeal = appeal
                extensions.append(extension)
            for supervision in rows["supervisions"]:
                supervision.appeal = appeal
                supervisions.append(supervision)
            keys.append(
                IdempotencyKey(
                    scope=DEMO_SCOPE, key=appeal.tracking_no, request_hash="demo", appeal=appeal
                )
            )
        Transition.objects.bulk_create(all_transitions, batch_size=1000)
        ReturnVisit.objects.bulk_create(visits, batch_size=1000)
        Extension.objects.bulk_create(extensions, batch_size=500)
        Supervision.objects.bulk_create(supervisions, batch_size=500)
        IdempotencyKey.objects.bulk_create(keys, batch_size=1000)
        _merge_some(rng, appeals, users)
        audit.record(
            None,
            "appeal.demo_load",
            None,
            changes={"requests": len(appeals)},
            object_type="appeals.appeal",
        )
    ctx.say(f"appeals: {len(appeals)} demo requests over a year")


def _build(rng, plan, now, numbers, stations, unit_for, limit, users, staff_by_org):
    category = plan["category"]
    driver = plan["driver"]
    received = plan["received_at"]
    station = plan.get("station")
    if station is None and category.default_unit_kind == "site" and stations:
        station = rng.choice(list(stations.values()))
    organisation = station.operator if station is not None else driver.organisation
    appeal_type = category.default_type
    lim = limit(appeal_type, category)
    answer_due = deadlines.answer_due(received, lim)
    accept_due = deadlines.accept_due(received, lim, answer_due)
    unit = unit_for(category, organisation, station)
    channel = Appeal.Channel.APP if plan["hotspot"] else _pick(rng, CHANNELS)
    dispatcher = staff_by_org.get(organisation.pk) or users.get("supervisor")
    handler = staff_by_org.get(unit.pk) if unit is not None else None
    broker = driver.care_broker
    visitor = broker or dispatcher or users.get("supervisor")
    age_days = (now - received).total_seconds() / 86400
    appeal = Appeal(
        tracking_no=numbers.next(received),
        appeal_type=appeal_type,
        category=category,
        channel=channel,
        driver=driver,
        phone_last4=driver.phone_last4,
        anonymous=rng.random() < 0.05,
        description=plan["text"],
        organisation=organisation,
        station=station,
        care_broker=broker,
        received_at=received,
        accept_due_at=accept_due,
        answer_due_at=answer_due,
        due_at=accept_due,
        remind_at=deadlines.remind_at(received, answer_due, lim.reminder_percent),
        status=S.COLLECTED,
        updated_at=received,
        lat=station.lat if station is not None else None,
        lon=station.lon if station is not None else None,
    )
    rows = {"transitions": [], "visits": [], "extensions": [], "supervisions": []}

    def step(target, at, actor, public_note="", note="", target_label="", public=True):
        rows["transitions"].append(
            Transition(
                from_status=appeal.status,
                to_status=target,
                actor=actor,
                actor_label=actor.username if actor else "system",
                at=min(at, now),
                public_note=public_note,
                note=note,
                target=target_label,
                public=public,
            )
        )
        appeal.status = target
        appeal.updated_at = min(at, now)
        appeal.version += 1

    appeal.status = ""
    step(S.COLLECTED, received, dispatcher)
    appeal.version = 1
    # How far this request got: old ones are finished, recent ones still in the loop.
    if plan["hotspot"]:
        stage = rng.choice(["collected", "reported", "handling"])
    elif age_days > 25:
        stage = _pick(rng, [("closed", 970), ("withdrawn", 13), ("overdue", 5), ("rehandled", 12)])
    else:
        stage = _pick(
            rng,
            [
                ("collected", 8),
                ("reported", 10),
                ("handling", 25),
                ("answered", 12),
                ("visited", 3),
                ("closed", 40),
                ("overdue", 4),
            ],
        )
    if stage in ("collected", "reported") and age_days > 1.5 and not plan["hotspot"]:
        stage = "handling"  # dispatched and accepted long since
    if stage == "collected" or unit is None:
        appeal.due_at = accept_due
        return appeal, rows
    dispatched = received + timedelta(hours=rng.uniform(0.3, 6))
    appeal.handling_unit = unit
    appeal.accept_due_at = deadlines.accept_due(dispatched, lim, answer_due)
    step(
        S.REPORTED,
        dispatched,
        dispatcher,
        public_note=f"已转{unit.name}办理",
        target_label=unit.name,
    )
    appeal.due_at = appeal.accept_due_at
    if stage == "reported":
        return appeal, rows
    accepted = dispatched + timedelta(hours=rng.uniform(0.5, 20))
    step(S.HANDLING, accepted, handler, public_note=f"{unit.name}已受理")
    appeal.due_at = answer_due
    if stage == "overdue":
        appeal.received_at = received
        if rng.random() < 0.5:
            appeal.supervised = True
            rows["supervisions"].append(
                Supervision(
                    kind=Supervision.Kind.MANUAL,
                    due_at=answer_due,
                    note="请加快办理，本周内答复",
                    by=users.get("supervisor"),
                    at=min(answer_due + timedelta(days=2), now),
                )
            )
        return appeal, rows
    if stage == "handling":
        if rng.random() < 0.15 and handler is not None:
            rows["extensions"].append(
                Extension(
                    days=5,
                    reason="需要调查取证，涉及多个单位",
                    requested_by=handler,
                    requested_at=min(accepted + timedelta(days=1), now),
                )
            )
        # Keep open ones inside their time (a few overdue ones are planned above).
        if answer_due < now:
            appeal.answer_due_at = appeal.due_at = deadlines.extend(now, 2)
        return appeal, rows
    allowed = max((answer_due - accepted).total_seconds(), 3600)
    late = rng.random() < 0.025
    answered = accepted + timedelta(
        seconds=allowed * (rng.uniform(1.02, 1.6) if late else rng.uniform(0.1, 0.9))
    )
    answered = min(answered, now - timedelta(minutes=5))
    text = rng.choice(ANSWERS)
    appeal.answer = text
    appeal.answered_at = answered
    appeal.visit_due_at = deadlines.visit_due(answered, lim)
    step(S.ANSWERED, answered, handler, public_note=text, note=text)
    appeal.due_at = appeal.visit_due_at
    if stage == "withdrawn":
        rows["transitions"].pop()
        appeal.status, appeal.answer, appeal.answered_at, appeal.visit_due_at = (
            S.HANDLING,
            "",
            None,
            None,
        )
        step(S.WITHDRAWN, accepted + timedelta(days=1), visitor, public_note="问题已自行解决，撤回")
        appeal.due_at = None
        appeal.closed_at = accepted + timedelta(days=1)
        return appeal, rows
    if stage == "answered":
        return appeal, rows
    visited_at = min(answered + timedelta(hours=rng.uniform(2, 20)), now - timedelta(minutes=1))
    round_no = 0
    if stage == "rehandled":
        rows["visits"].append(
            ReturnVisit(
                resolved="no",
                satisfaction=2,
                comment="问题没有解决",
                by=visitor,
                at=visited_at,
                round=0,
            )
        )
        step(S.VISITED, visited_at, visitor, public_note="未解决，满意度 2/5")
        appeal.rehandle_count = 1
        step(
            S.HANDLING,
            visited_at + timedelta(minutes=30),
            visitor,
            public_note="退回重新办理",
            note="司机反映仍未解决",
        )
        answered = visited_at + timedelta(days=rng.uniform(0.5, 2))
        step(S.ANSWERED, answered, handler, public_note="重新办理：已协调解决", note="重新办理")
        appeal.answered_at = answered
        visited_at = answered + timedelta(hours=6)
        round_no = 1
    resolved = _pick(rng, [("yes", 95), ("partly", 4.5), ("no", 0.5)])
    score = _pick(rng, [(5, 80), (4, 18.5), (3, 1), (2, 0.5)])
    if resolved == "no":
        score = min(score, 3)
    rows["visits"].append(
        ReturnVisit(
            resolved=resolved, satisfaction=score, by=visitor, at=visited_at, round=round_no
        )
    )
    step(S.VISITED, visited_at, visitor, public_note=f"回访：满意度 {score}/5")
    if stage == "visited":
        return appeal, rows
    step(S.CLOSED, visited_at + timedelta(minutes=5), visitor)
    appeal.closed_at = visited_at + timedelta(minutes=5)
    appeal.due_at = None
    return appeal, rows


def _merge_some(rng, appeals, users):
    """A few duplicates merged into an open request of the same category (after the bulk insert)."""
    staff = users.get("xiapu") or users.get("supervisor")
    open_ones = [a for a in appeals if a.status in (S.REPORTED, S.HANDLING)]
    merged = 0
    for duplicate in [a for a in appeals if a.status == S.COLLECTED]:
        target = next(
            (
                o
                for o in open_ones
                if o.category_id == duplicate.category_id and o.pk != duplicate.pk
            ),
            None,
        )
        if target is None:
            continue
        Appeal.objects.filter(pk=duplicate.pk).update(
            status=S.MERGED,
            merged_into=target,
            due_at=None,
            closed_at=duplicate.received_at + timedelta(hours=3),
            version=duplicate.version + 1,
        )
        Transition.objects.create(
            appeal=duplicate,
            from_status=S.COLLECTED,
            to_status=S.MERGED,
            actor=staff,
            actor_label=staff.username if staff else "system",
            target=target.tracking_no,
            public_note=f"与 {target.tracking_no} 反映同一问题，已合并办理",
            at=duplicate.received_at + timedelta(hours=3),
        )
        merged += 1
        if merged >= 3:
            break
