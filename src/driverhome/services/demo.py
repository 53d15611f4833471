"""Demo: the catalogue (14 nodes, 80 items) and Xiapu's records, from which the report's figures follow.

Runs after the drivers demo (Xiapu's drivers with their families) and before
events (which holds the 125 training sessions). The records are made so that
the computed figures for Beilun equal the report:

* 825 distinct children enrolled in after-school care terms at Xiapu
  (plus a waiting list, which does not count);
* the 卡嫂 workshop: 250 members, all drivers' spouses. 58 work at the workshop
  (``on_site``: the report's "employed"); 192 take processing orders home.
  All 58 on-site members and 172 home-based ones earn at least ¥1,000 a month
  more than before they joined: 230 families with income raised; 20
  home-based members earn less extra and do not count;
* 26 career changes; service records spread over the 14 nodes.

``ctx.quick`` makes the same structure with a few dozen rows. Idempotent: each
part is skipped when its records exist. Large parts use bulk inserts.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .catalogue import PROVIDER_ORGS, load_default_catalogue

FULL = {
    "children": 825,
    "waiting": 18,
    "on_site": 58,
    "home_raised": 172,
    "home_low": 20,
    "career": 26,
}
QUICK = {"children": 12, "waiting": 2, "on_site": 4, "home_raised": 5, "home_low": 2, "career": 3}

KASAO_WORKSHOP = "xiapu-kasao"
CARE_SITES = ["霞浦司机之家托管点", "物流工业社区四点半课堂"]
NEW_JOBS = [
    ("集卡司机", "家电维修师傅"),
    ("集卡司机", "仓库管理员"),
    ("集卡司机", "叉车司机"),
    ("集卡司机", "物流调度员"),
    ("集卡司机", "新能源车辆检修员"),
    ("集卡司机", "社区网格员"),
    ("牵引车司机", "驾校教练"),
]
COURSES = [
    ("appliance-repair", "家电维修培训", "N08-02", 40, "家用电子产品维修工（五级）"),
    ("ev-truck", "新能源重卡驾驶培训", "N08-03", 24, "新能源重卡驾驶培训合格证"),
    ("dangerous-goods", "危险货物运输资格培训", "N08-04", 32, "道路危险货物运输从业资格证"),
    ("digital-skills", "数字技能培训", "N08-06", 12, ""),
    ("re-employment", "再就业培训", "N14-02", 60, "职业技能等级证书"),
    ("safe-driving", "安全驾驶培训", "N10-01", 8, ""),
]


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _age(born, on):
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _link_providers(Organisation) -> None:
    """Hang the items the migration loaded (before any organisation existed) on the demo's bodies.

    Only items without a provider: an item an administrator pointed elsewhere stays.
    """
    from .models import ServiceItem

    orgs = {o.code: o for o in Organisation.objects.filter(code__in=set(PROVIDER_ORGS.values()))}
    for label, org_code in PROVIDER_ORGS.items():
        if org_code in orgs:
            ServiceItem.objects.filter(provider__isnull=True, provider_label=label).update(
                provider=orgs[org_code]
            )


def load(ctx) -> None:
    from driverhome.accounts.models import Organisation, User

    nodes, items = load_default_catalogue()
    ctx.say(f"services: catalogue {nodes} new nodes, {items} new items")
    _link_providers(Organisation)
    xiapu = Organisation.objects.filter(code="xiapu").first()
    community = Organisation.objects.filter(code="xiapu-community").first() or xiapu
    if xiapu is None:
        ctx.say("services: no Xiapu organisation; records skipped")
        return
    staff = (
        User.objects.filter(username="xiapu").first()
        or User.objects.filter(username="broker2").first()
    )
    targets = QUICK if ctx.quick else FULL
    rng = random.Random(20240826)
    today = timezone.localdate()
    with transaction.atomic():
        _courses(community)
        _care(ctx, rng, xiapu, community, staff, targets, today)
        _workshop(ctx, rng, xiapu, community, staff, targets, today)
        _career(ctx, rng, xiapu, staff, targets, today)
        _records(ctx, rng, xiapu, staff, today)
    _refresh(ctx)


def _xiapu_drivers(xiapu):
    from driverhome.drivers.models import Driver

    return Driver.objects.filter(
        organisation__path__startswith=xiapu.path, anonymised_at__isnull=True
    )


def _items():
    from .models import ServiceItem

    return {i.code: i for i in ServiceItem.objects.all()}


def _courses(community):
    from .models import TrainingCourse

    items = _items()
    existing = set(TrainingCourse.objects.values_list("code", flat=True))
    TrainingCourse.objects.bulk_create(
        [
            TrainingCourse(
                code=code,
                name=name,
                item=items.get(item),
                organisation=community,
                hours=hours,
                certificate_name=cert,
            )
            for code, name, item, hours, cert in COURSES
            if code not in existing
        ]
    )


def _care(ctx, rng, xiapu, community, staff, targets, today):
    from driverhome.drivers.models import FamilyMember

    from .models import CareAttendance, CareEnrolment, CareTerm, ServiceRecord

    if CareTerm.objects.filter(code__startswith="xiapu-care-").exists():
        return
    year = today.year if today.month >= 9 else today.year - 1
    spring = (date(year, 2, 24), date(year, 7, 3))
    autumn = (date(year, 9, 1), date(year + 1, 1, 20))
    children = [
        c
        for c in FamilyMember.objects.filter(
            driver__in=_xiapu_drivers(xiapu), relation=FamilyMember.Relation.CHILD
        ).order_by("pk")
        if (a := _age(c.birth_date, today)) is not None and 3 <= a <= 12
    ]
    want = targets["children"] + targets["waiting"]
    if len(children) < want:
        ctx.say(
            f"services: only {len(children)} children aged 3-12 on file at Xiapu; "
            f"after-school care gets {min(len(children), targets['children'])}"
        )
    rng.shuffle(children)
    enrolled, waiting = children[: targets["children"]], children[targets["children"] : want]
    half = (len(enrolled) + 1) // 2
    groups = [enrolled[:half], enrolled[half:]]
    terms = []
    for n, (site, group) in enumerate(zip(CARE_SITES, groups, strict=True), start=1):
        terms.append(
            CareTerm.objects.create(
                code=f"xiapu-care-{year}-autumn-{n}",
                name=f"{year}年秋季托管",
                organisation=community,
                site_name=site,
                starts_on=autumn[0],
                ends_on=autumn[1],
                capacity=len(group),
            )
        )
    spring_term = CareTerm.objects.create(
        code=f"xiapu-care-{year}-spring-1",
        name=f"{year}年春季托管",
        organisation=community,
        site_name=CARE_SITES[0],
        starts_on=spring[0],
        ends_on=spring[1],
        capacity=max(1, len(groups[0])),
    )
    rows = []
    applied = _at(autumn[0] - timedelta(days=20))
    for term, group in zip(terms, groups, strict=True):
        for child in group:
            rows.append(
                CareEnrolment(
                    term=term,
                    driver_id=child.driver_id,
                    child=child,
                    status=CareEnrolment.Status.ENROLLED,
                    applied_at=applied,
                    enrolled_on=autumn[0],
                )
            )
    # Some autumn children were already in care in spring (the same child counts once).
    for child in groups[0][: len(groups[0]) // 2]:
        rows.append(
            CareEnrolment(
                term=spring_term,
                driver_id=child.driver_id,
                child=child,
                status=CareEnrolment.Status.COMPLETED,
                applied_at=_at(spring[0] - timedelta(days=15)),
                enrolled_on=spring[0],
                ended_on=spring[1],
            )
        )
    for n, child in enumerate(waiting):
        rows.append(
            CareEnrolment(
                term=terms[0],
                driver_id=child.driver_id,
                child=child,
                status=CareEnrolment.Status.WAITING,
                applied_at=applied + timedelta(days=10, hours=n),
            )
        )
    CareEnrolment.objects.bulk_create(rows, batch_size=1000)
    # Attendance: the last ten school days of the autumn term so far.
    days = []
    day = min(today, autumn[1])
    while len(days) < 10 and day >= autumn[0]:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    current = CareEnrolment.objects.filter(term__in=terms, status=CareEnrolment.Status.ENROLLED)
    CareAttendance.objects.bulk_create(
        [
            CareAttendance(enrolment=e, day=d, present=rng.random() < 0.93)
            for e in current
            for d in days
        ],
        batch_size=2000,
    )
    item = _items().get("N06-02")
    if item is not None:
        ServiceRecord.objects.bulk_create(
            [
                ServiceRecord(
                    driver_id=e.driver_id,
                    family_member_id=e.child_id,
                    item=item,
                    delivered_at=_at(e.enrolled_on),
                    place=e.term.site_name,
                    staff=staff,
                    provider=item.provider,
                    source=ServiceRecord.Source.PROGRAMME,
                )
                for e in CareEnrolment.objects.filter(
                    term__in=terms, status="enrolled"
                ).select_related("term")
            ],
            batch_size=1000,
        )
    ctx.say(f"services: after-school care {len(enrolled)} children, {len(waiting)} waiting")


def _workshop(ctx, rng, xiapu, community, staff, targets, today):
    from driverhome.drivers.models import FamilyMember

    from .models import MonthlyEarning, ServiceRecord, WorkOrder, Workshop, WorkshopMember

    if Workshop.objects.filter(code=KASAO_WORKSHOP).exists():
        return
    workshop = Workshop.objects.create(
        code=KASAO_WORKSHOP,
        name="霞浦卡嫂共富工坊",
        organisation=community,
        address="北仑区霞浦街道物流工业社区党群服务中心一楼",
    )
    spouses = list(
        FamilyMember.objects.filter(
            driver__in=_xiapu_drivers(xiapu), relation=FamilyMember.Relation.SPOUSE
        ).order_by("pk")
    )
    rng.shuffle(spouses)
    on_site_n, raised_n, low_n = targets["on_site"], targets["home_raised"], targets["home_low"]
    if len(spouses) < on_site_n + raised_n + low_n:
        ctx.say(f"services: only {len(spouses)} spouses on file at Xiapu for the workshop")
    chosen = spouses[: on_site_n + raised_n + low_n]
    months = []
    month = today.replace(day=1)
    for _ in range(6):
        month = (month - timedelta(days=1)).replace(day=1)
        months.append(month)
    months.reverse()  # the six full months before this one
    orders = []
    clients = ["宁波某服饰有限公司", "北仑某电子元件厂", "某文具礼品公司", "某汽车配件公司"]
    works = [
        ("服装缝制", "9.50"),
        ("电子元件组装", "0.80"),
        ("礼品包装", "1.20"),
        ("线束加工", "2.40"),
    ]
    for n, (work, rate) in enumerate(works):
        orders.append(
            WorkOrder(
                code=f"kasao-{months[0]:%Y}-{n + 1:02d}",
                workshop=workshop,
                client=clients[n],
                description=work,
                piece_rate=Decimal(rate),
                quantity=200000 if Decimal(rate) < 1 else 40000,
                received_on=months[0],
                due_on=today + timedelta(days=60),
            )
        )
    WorkOrder.objects.bulk_create(orders)
    members = []
    plan = []  # each member's average monthly gain in yuan
    for n, spouse in enumerate(chosen):
        if n < on_site_n:
            mode, gain = WorkshopMember.Mode.ON_SITE, rng.randint(1400, 2600)
        elif n == on_site_n:
            # The report's floor: the least-earning raised family gains just over ¥1,000.
            mode, gain = WorkshopMember.Mode.HOME, rng.randint(1000, 1099)
        elif n < on_site_n + raised_n:
            mode, gain = WorkshopMember.Mode.HOME, rng.randint(1000, 1800)
        else:
            mode, gain = WorkshopMember.Mode.HOME, rng.randint(300, 900)
        member = WorkshopMember(
            workshop=workshop,
            driver_id=spouse.driver_id,
            spouse=spouse,
            mode=mode,
            joined_on=months[0] - timedelta(days=rng.randint(0, 400)),
            income_before=rng.choice([0, 0, 0, 500, 800, 1200]),
        )
        members.append(member)
        plan.append(gain)
    WorkshopMember.objects.bulk_create(members)
    earnings = []
    for member, gain in zip(members, plan, strict=True):
        order = rng.choice(orders)
        # Month-to-month ups and downs that cancel out, so the average gain is exactly `gain`.
        swings = [0] * len(months)
        for i in range(0, len(months) - 1, 2):
            swings[i] = rng.randint(-200, 200)
            swings[i + 1] = -swings[i]
        for m, swing in zip(months, swings, strict=True):
            amount = Decimal(member.income_before + gain + swing)
            earnings.append(
                MonthlyEarning(
                    member=member,
                    month=m,
                    order=order,
                    pieces=int(amount / order.piece_rate),
                    amount=amount,
                )
            )
    MonthlyEarning.objects.bulk_create(earnings, batch_size=2000)
    items = _items()
    records = []
    for member in members:
        item = items.get("N12-01" if member.mode == WorkshopMember.Mode.ON_SITE else "N12-04")
        if item is not None:
            records.append(
                ServiceRecord(
                    driver_id=member.driver_id,
                    family_member_id=member.spouse_id,
                    item=item,
                    delivered_at=_at(member.joined_on),
                    place=workshop.name,
                    staff=staff,
                    provider=item.provider,
                    source=ServiceRecord.Source.PROGRAMME,
                )
            )
    ServiceRecord.objects.bulk_create(records, batch_size=1000)
    ctx.say(f"services: workshop {len(members)} members, {len(earnings)} monthly earnings")


def _career(ctx, rng, xiapu, staff, targets, today):
    from .models import CareerChange, Certificate, ServiceRecord, TrainingCourse

    if CareerChange.objects.filter(driver__organisation__path__startswith=xiapu.path).exists():
        return
    drivers = list(_xiapu_drivers(xiapu).order_by("pk")[:4000])
    rng.shuffle(drivers)
    courses = {c.code: c for c in TrainingCourse.objects.all()}
    changes, certs, records = [], [], []
    items = _items()
    helps = list(CareerChange.Help.values)
    for n, driver in enumerate(drivers[: targets["career"]]):
        old, new = NEW_JOBS[n % len(NEW_JOBS)]
        help_kind = helps[n % 4]
        course = courses.get("appliance-repair" if "维修" in new else "re-employment")
        day = today - timedelta(days=rng.randint(20, 700))
        changes.append(
            CareerChange(
                driver=driver,
                from_job=old,
                to_job=new,
                new_employer="北仑区" + rng.choice(["某家电服务公司", "某仓储公司", "某物流公司"]),
                changed_on=day,
                help=help_kind,
                course=course if help_kind == "training" else None,
                recorded_by=staff,
            )
        )
        if help_kind == "training" and course is not None and course.certificate_name:
            certs.append(
                Certificate(
                    driver=driver,
                    course=course,
                    name=course.certificate_name,
                    number=f"XP{day:%Y}{n:04d}",
                    issued_on=day - timedelta(days=30),
                    issuer="北仑区人力资源和社会保障局",
                )
            )
        for code in ("N14-01", "N14-02"):
            if code in items:
                records.append(
                    ServiceRecord(
                        driver=driver,
                        item=items[code],
                        delivered_at=_at(day - timedelta(days=60 if code == "N14-01" else 30)),
                        staff=staff,
                        provider=items[code].provider,
                    )
                )
    CareerChange.objects.bulk_create(changes)
    Certificate.objects.bulk_create(certs)
    ServiceRecord.objects.bulk_create(records)
    ctx.say(f"services: {len(changes)} career changes")


# Items commonly delivered to any driver, with how many drivers in 100 received them.
COMMON = [
    ("N01-01", 60),
    ("N01-05", 35),
    ("N02-01", 8),
    ("N03-01", 12),
    ("N04-01", 20),
    ("N04-02", 30),
    ("N07-01", 25),
    ("N07-02", 15),
    ("N08-01", 10),
    ("N09-01", 3),
    ("N09-02", 2),
    ("N10-01", 20),
    ("N10-02", 15),
    ("N11-04", 18),
    ("N13-01", 25),
    ("N13-06", 12),
]


def _records(ctx, rng, xiapu, staff, today):
    from .models import ServiceRecord

    marker = "N01-01"
    drivers = list(_xiapu_drivers(xiapu).values_list("pk", "tags"))
    if ServiceRecord.objects.filter(
        item__code=marker, driver__organisation__path__startswith=xiapu.path
    ).exists():
        return
    items = _items()
    rows = []
    for pk, tags in drivers:
        for code, percent in COMMON:
            if code in items and rng.randint(1, 100) <= percent:
                day = today - timedelta(days=rng.randint(1, 540))
                rows.append(
                    ServiceRecord(
                        driver_id=pk,
                        item=items[code],
                        delivered_at=_at(day, rng.randint(8, 18)),
                        place="霞浦物流工业社区司机之家",
                        staff=staff,
                        provider=items[code].provider,
                    )
                )
        if "hardship" in (tags or []) and "N04-06" in items:
            # Home visits: some recent, some long ago (these come back on the worklist).
            day = today - timedelta(days=rng.choice([20, 45, 120, 200]))
            rows.append(
                ServiceRecord(
                    driver_id=pk,
                    item=items["N04-06"],
                    delivered_at=_at(day),
                    staff=staff,
                    provider=items["N04-06"].provider,
                )
            )
    ServiceRecord.objects.bulk_create(rows, batch_size=2000)
    ctx.say(f"services: {len(rows)} service records across the nodes")


def _refresh(ctx):
    from driverhome.drivers.models import Driver

    from .actions import refresh_recommendations

    counts = refresh_recommendations(Driver.objects.filter(anonymised_at__isnull=True))
    ctx.say(f"services: recommendations {counts}")
