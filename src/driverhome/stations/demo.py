"""Demo: the three Beilun Driver's Homes of the report, with facilities, capacity, hours,
free-places history, official grades and an assessment.

Check-ins and ratings need drivers, which the drivers demo loads after this one:
they are added on the first run that finds demo drivers on file (so ``driverhome
demo`` run once more fills them in), and never twice.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from django.db import transaction
from django.utils import timezone

from driverhome.accounts.models import Organisation, User
from driverhome.core.synth import availability

from . import actions
from .catalogue import load_defaults
from .models import (
    AvailabilityUpdate,
    CheckIn,
    Facility,
    GradeThreshold,
    RubricCriterion,
    Station,
)

K = Station.Kind

# Coordinates (WGS-84) near Beilun, Ningbo: the container-truck base in the development
# zone, the Xiapu logistics-industrial community, and the Zhinan truck park by Guoju.
SITES = [
    {
        "code": "jiyun",
        "name": "北仑集运基地司机之家",
        "kind": K.LOGISTICS_PARK,
        "operator": "kfq-logistics",
        "address": "浙江省宁波市北仑区新碶街道集运基地综合服务楼",
        "city": "宁波市",
        "province": "浙江省",
        "postal_code": "315800",
        "lat": 29.9312,
        "lon": 121.8705,
        "open_24h": True,
        "phone": "0574-86861234",
        "supervision_phone": "0574-86865678",
        "description": (
            "集卡司机一站式服务基地：停车休息、餐饮、淋浴洗衣，设党群服务中心、金融驿站和健康驿站，"
            "配套司机公寓。"
        ),
        "truck_bays": 320,
        "car_bays": 60,
        "beds": 80,
        "rooms": 40,
        "low_threshold": 15,
        "facilities": [
            ("parking", True, ""),
            ("rest", True, ""),
            ("dining", False, "¥12–18/餐"),
            ("shower", True, ""),
            ("laundry", True, ""),
            ("toilet", True, ""),
            ("hot_water", True, ""),
            ("meal_heating", True, ""),
            ("store", False, "按标价"),
            ("repair", False, "按项目计价"),
            ("wifi", True, ""),
            ("health_kiosk", True, ""),
            ("medicine_box", True, ""),
            ("reading_room", True, ""),
            ("etc", True, ""),
            ("security_video", True, ""),
            ("staff_24h", True, ""),
            ("beds", False, "¥30/晚"),
            ("finance_station", True, ""),
            ("party_service", True, ""),
            ("charging", False, "¥1.2/度"),
        ],
        "grade": "5A",
        "assessor_points": {"M01": 58, "M02": 46, "M03": 40, "M04": 48},
    },
    {
        "code": "xiapu",
        "name": "霞浦物流工业社区司机之家",
        "kind": K.INDUSTRIAL_PARK,
        "operator": "xiapu-community",
        "address": "浙江省宁波市北仑区霞浦街道物流工业社区服务中心一楼",
        "city": "宁波市",
        "province": "浙江省",
        "postal_code": "315803",
        "lat": 29.8985,
        "lon": 121.9318,
        "open_24h": False,
        "hours": (time(6, 30), time(22, 30)),
        "phone": "0574-86101234",
        "supervision_phone": "0574-86105678",
        "description": "社区里的司机之家：热水、饭菜加热、淋浴洗衣免费，文体活动室有乒乓球和按摩椅。",
        "truck_bays": 90,
        "car_bays": 20,
        "beds": 16,
        "rooms": 8,
        "low_threshold": 5,
        "facilities": [
            ("parking", True, ""),
            ("rest", True, ""),
            ("dining", False, "¥10–15/餐"),
            ("shower", True, ""),
            ("laundry", True, ""),
            ("toilet", True, ""),
            ("hot_water", True, ""),
            ("meal_heating", True, ""),
            ("wifi", True, ""),
            ("medicine_box", True, ""),
            ("reading_room", True, ""),
            ("activity_room", True, ""),
            ("table_tennis", True, ""),
            ("massage_chair", False, "¥5/15分钟"),
            ("kitchen", True, ""),
            ("beds", False, "¥25/晚"),
        ],
        "grade": "4A",
        "assessor_points": {"M01": 50, "M02": 45, "M03": 36, "M04": 40},
    },
    {
        "code": "guoju-zhinan",
        "name": "郭巨峙南集卡停车场司机之家",
        "kind": K.PORT,
        "operator": "guoju-zhinan",
        "address": "浙江省宁波市北仑区郭巨街道峙南集卡停车场",
        "city": "宁波市",
        "province": "浙江省",
        "postal_code": "315818",
        "lat": 29.8652,
        "lon": 122.0287,
        "open_24h": True,
        "phone": "0574-86701234",
        "supervision_phone": "0574-86705678",
        "description": "港区集卡停车场，住在驾驶室的司机可安心停车过夜：淋浴、洗衣、热水、港区预约单打印。",
        "truck_bays": 480,
        "car_bays": 0,
        "beds": 0,
        "rooms": 0,
        "low_threshold": 20,
        "facilities": [
            ("parking", True, ""),
            ("rest", True, ""),
            ("shower", True, ""),
            ("laundry", True, ""),
            ("toilet", True, ""),
            ("hot_water", True, ""),
            ("meal_heating", True, ""),
            ("store", False, "按标价"),
            ("security_video", True, ""),
            ("staff_24h", True, ""),
            ("appointment_print", True, ""),
            ("charging", False, "¥1.2/度"),
        ],
        "grade": "3A",
        "assessor_points": {"M01": 55, "M02": 38, "M03": 30, "M04": 35},
    },
]

SERVICES_USED = ["shower", "hot_water", "meal_heating", "laundry", "rest", "parking"]
COMMENTS = [
    "热水很方便，淋浴干净。",
    "晚上停车有人值守，放心。",
    "饭菜加热不用排队，工作人员态度好。",
    "洗衣机有时要等，希望再加两台。",
    "",
    "乒乓球打得很开心。",
    "",
]


HISTORY_DAYS = 330  # back past the Spring Festival: the forecast learns the holidays
QUICK_HISTORY_DAYS = 21
MARKET_SITE = "guoju-zhinan"  # the events demo's Red Collar Market schedule is held here


def _history(station: Station, quick: bool) -> int:
    """Months of free-place reports every 10-30 minutes (``core.synth.availability``): night
    peaks, weekday and weekend shapes, holidays, market days, gaps and shocks. Inserted in
    bulk; the last one through the action, so the site's current figure follows it."""
    if AvailabilityUpdate.objects.filter(station=station).exists():
        return 0
    rng = random.Random(station.code)
    now = timezone.now()
    start = now - timedelta(days=QUICK_HISTORY_DAYS if quick else HISTORY_DAYS)
    markets = []
    if station.code == MARKET_SITE:
        days = availability.market_days(start.date(), now.date())
        markets = availability.market_spans(days, station.tz)
    reports = availability.history(
        rng,
        truck_bays=station.truck_bays,
        beds=station.beds,
        start=start,
        end=now - timedelta(minutes=4),
        tz=station.tz,
        markets=markets,
    )
    source = (
        AvailabilityUpdate.Source.SENSOR
        if station.code != "xiapu"
        else AvailabilityUpdate.Source.CONSOLE
    )
    if not station.open_24h:  # a desk that reports only while the site is open
        weekly = list(station.weekly_hours.all())
        reports = [r for r in reports if station.is_open_at(r[0], weekly, [])]
    AvailabilityUpdate.objects.bulk_create(
        [
            AvailabilityUpdate(
                station=station, at=at, free_truck_bays=trucks, free_beds=beds, source=source
            )
            for at, trucks, beds in reports[:-1]
        ],
        batch_size=2000,
    )
    at, trucks, beds = reports[-1]
    actions.update_availability(
        station, actor=None, source=source, free_truck_bays=trucks, free_beds=beds, at=at
    )
    return len(reports)


def _visits(stations: list[Station], quick: bool) -> tuple[int, int]:
    """Check-ins and ratings of demo drivers, once drivers are on file."""
    try:
        from driverhome.drivers.models import Driver
    except ImportError:
        return 0, 0
    if CheckIn.objects.exists():
        return 0, 0
    drivers = list(Driver.objects.filter(user__isnull=False).order_by("pk")[:5]) + list(
        Driver.objects.filter(user__isnull=True).order_by("pk")[: 20 if quick else 120]
    )
    if not drivers:
        return 0, 0
    rng = random.Random(2026)
    now = timezone.now()
    visits = reviews = 0
    for days_ago in range(20, -1, -1):
        for station in stations:
            count = rng.randint(2, 6) if quick else rng.randint(8, 30)
            for driver in rng.sample(drivers, min(count, len(drivers))):
                at = now - timedelta(
                    days=days_ago, hours=rng.randint(0, 10), minutes=rng.randint(0, 59)
                )
                if at > now:
                    at = now - timedelta(minutes=5)
                checkin = actions.check_in(
                    station,
                    driver,
                    actor=None,
                    channel=CheckIn.Channel.QR if rng.random() < 0.8 else CheckIn.Channel.STAFF,
                    services_used=rng.sample(SERVICES_USED, rng.randint(1, 3)),
                    at=at,
                )
                visits += checkin.created
                if checkin.created and rng.random() < 0.25:
                    score = rng.choice([5, 5, 5, 4, 4, 3])
                    review = actions.submit_review(
                        station,
                        driver,
                        actor=None,
                        cleanliness=score,
                        service=min(5, score + rng.choice([0, 0, 1])),
                        facilities=max(1, score - rng.choice([0, 0, 1])),
                        comment=rng.choice(COMMENTS),
                    )
                    reviews += 1
                    if review.comment and rng.random() < 0.5:
                        actions.reply_to_review(review, actor=None, text="感谢您的评价，欢迎常来！")
    return visits, reviews


@transaction.atomic
def load(ctx) -> None:
    load_defaults(Facility, RubricCriterion, GradeThreshold)
    operators = {
        o.code: o for o in Organisation.objects.filter(code__in=[s["operator"] for s in SITES])
    }
    supervisor = User.objects.filter(username="supervisor").first()
    created = history = 0
    stations = []
    for spec in SITES:
        station = Station.objects.filter(code=spec["code"]).first()
        if station is None:
            operator = operators.get(spec["operator"])
            if operator is None:
                ctx.say(f"stations: operator {spec['operator']} missing, {spec['code']} skipped")
                continue
            fields = {
                k: v
                for k, v in spec.items()
                if k not in ("facilities", "grade", "assessor_points", "hours", "operator")
            }
            station = actions.create_station(actor=None, operator=operator, **fields)
            actions.set_facilities(
                station,
                actor=None,
                items=[
                    {"code": code, "is_free": free, "price": price, "hours": ""}
                    for code, free, price in spec["facilities"]
                ],
            )
            if not spec["open_24h"]:
                opens, closes = spec["hours"]
                actions.set_hours(
                    station,
                    actor=None,
                    open_24h=False,
                    weekly=[(day, opens, closes) for day in range(7)],
                )
            last_year = timezone.localdate().year - 1
            actions.award_grade(
                station,
                actor=supervisor,
                year=last_year,
                grade=spec["grade"],
                awarded_on=date(last_year, 12, 20),
                document=f"北仑交运〔{last_year}〕{40 + len(stations)}号",
            )
            created += 1
        history += _history(station, ctx.quick)
        stations.append(station)
    for spec, station in zip(SITES, stations, strict=False):
        if not station.assessments.exists():
            actions.run_assessment(
                station,
                actor=supervisor,
                year=timezone.localdate().year,
                kind="supervision",
                assessor_points=spec["assessor_points"],
                note="年度复核（演示）",
            )
    ctx.say(f"stations: {created} new sites, {history} free-place reports")


@transaction.atomic
def load_visits(ctx) -> None:
    """Check-ins and ratings: a second step of the demo, run once the drivers are on file."""
    stations = list(
        Station.objects.filter(code__in=[spec["code"] for spec in SITES]).order_by("pk")
    )
    visits, reviews = _visits(stations, ctx.quick)
    ctx.say(f"stations: {visits} check-ins, {reviews} ratings")


def load_forecasts(ctx) -> None:
    """The demo sites' forecasts, fitted now rather than at the job's next run."""
    from . import forecast

    stats = forecast.refresh(
        Station.objects.filter(code__in=[spec["code"] for spec in SITES]), refit=True
    )
    ctx.say(f"stations: {stats.forecasts} forecasts, {stats.without} sites without")
