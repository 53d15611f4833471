"""Demo events: a year of Red Collar Markets at Guoju Zhinan and Xiapu's 125 training sessions.

* Markets: a repeating schedule on the second and last Saturday of each month (statutory
  holidays left out, so some months have one), from a year ago to two months ahead, with
  stalls, services offered, registrations, check-ins and walk-ins, services recorded and
  difficulties filed as requests at a few of them, and ratings.
* Training: weekly and fortnightly sessions of the training programme's courses at Xiapu,
  exactly 125 held in the past year, with attendance and certificates.

Events and schedules are made through ``actions``; the bulk of registrations and check-ins
of the past year are inserted in bulk (thousands of rows). Idempotent: a second run finds
the schedules and changes nothing. ``ctx.quick`` keeps a handful of each.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from . import actions
from .models import CheckIn, Event, Feedback, Participant, Registration, Schedule
from .schedule import occurrence_dates

MARKET_TITLE = "红领集市"
TRAINING_SESSIONS = 125
# (course code prefix match, weekday, interval in weeks, start, end)
TRAINING_RULES = [
    (1, 1, time(19, 0), time(21, 0)),  # Tuesday evenings, weekly
    (3, 1, time(19, 0), time(21, 0)),  # Thursday evenings, weekly
    (5, 2, time(9, 0), time(11, 30)),  # Saturday mornings, fortnightly
]
STALLS = [
    ("beilun-hrss", "A1", "社保政策咨询、就业信息"),
    ("beilun-justice", "A2", "法律援助、欠薪维权"),
    ("beilun-health", "A3", "义诊、血压血糖检测"),
    ("beilun-union", "B1", "工会入会、困难帮扶"),
    ("beilun-traffic-police", "B2", "交通违法处理咨询"),
    ("beilun-women", "B3", "卡嫂就业、家庭服务"),
]
MARKET_ITEMS = ["N07-05", "N07-03", "N09-01", "N03-01", "N06-04", "N04-01"]
COMMENTS = ["理发师傅手艺好", "法律咨询很有用", "体检很方便", "希望多办几次", "", "", ""]


def load(ctx) -> None:
    from driverhome.accounts.models import Organisation, User
    from driverhome.stations.models import Station

    guoju = Station.objects.filter(code="guoju-zhinan").first()
    xiapu = Station.objects.filter(code="xiapu").first()
    if guoju is None or xiapu is None:
        ctx.say("events: demo sites missing, skipped")
        return
    orgs = {o.code: o for o in Organisation.objects.all()}
    rng = random.Random(7)
    today = timezone.localdate()
    staff_guoju = User.objects.filter(username="guoju").first()
    staff_xiapu = User.objects.filter(username="xiapu").first()
    markets = _markets(ctx, rng, guoju, orgs, staff_guoju, today)
    sessions = _training(ctx, rng, xiapu, staff_xiapu, today)
    ctx.say(
        f"events: {markets} market dates at {guoju.code}, {sessions} training sessions at "
        f"{xiapu.code} ({Event.objects.filter(kind='training', status='held').count()} held)"
    )


def _drivers_of(organisation_codes, limit):
    from driverhome.drivers.models import Driver

    return list(
        Driver.objects.filter(
            organisation__code__in=organisation_codes, anonymised_at__isnull=True
        ).order_by("pk")[:limit]
    )


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


@transaction.atomic
def _markets(ctx, rng, station, orgs, staff, today) -> int:
    from driverhome.services.models import ServiceItem

    if Schedule.objects.filter(station=station, title=MARKET_TITLE).exists():
        return Event.objects.filter(station=station, kind="market").count()
    first = today - timedelta(days=60 if ctx.quick else 365)
    last = today + timedelta(days=60)
    items = list(ServiceItem.objects.filter(code__in=MARKET_ITEMS))
    schedule, events = actions.create_schedule(
        actor=staff,
        title=MARKET_TITLE,
        kind="market",
        station=station,
        organiser=orgs.get("guoju-zhinan") or station.operator,
        rule=Schedule.Rule.MONTHLY,
        weekday=5,
        nths=[2, -1],
        first_date=first,
        last_date=last,
        start_time=time(9, 0),
        end_time=time(12, 0),
        capacity=60,
        description=(
            "部门、社会组织和企业把司机最需要的服务送到身边：政策咨询、义诊体检、法律援助、"
            "理发、车辆小修；现场收集困难诉求，一人一档，关怀经纪人全程跟进。"
        ),
        skip_holidays=True,
        service_items=items,
    )
    drivers = _drivers_of(
        ["guoju", "guoju-zhinan", "xiapu-community", "xiapu"], 60 if ctx.quick else 400
    )
    if not drivers:
        return len(events)
    demo_driver = _demo_driver()
    now = timezone.now()
    for event in events:
        for code, stall, offers in STALLS:
            org = orgs.get(code)
            if org is not None:
                Participant.objects.get_or_create(
                    event=event, organisation=org, defaults={"stall": stall, "offers": offers}
                )
        if event.starts_at > now:
            _upcoming_registrations(rng, event, drivers, demo_driver)
            continue
        _past_attendance(rng, event, drivers, walk_ins=rng.randint(3, 8), ratings=True)
        actions.close_event(event, actor=staff)
    _services_and_requests(ctx, rng, [e for e in events if e.starts_at <= now], staff, items)
    return len(events)


def _demo_driver():
    from driverhome.drivers.models import Driver

    return Driver.objects.filter(user__username="driver").first()


def _upcoming_registrations(rng, event, drivers, demo_driver):
    """A few sign-ups through the action (so the waiting list and notices behave as live)."""
    chosen = rng.sample(drivers, min(len(drivers), rng.randint(8, 20)))
    if demo_driver is not None and rng.random() < 0.5:
        chosen.append(demo_driver)
    for driver in chosen:
        actions.register(event, driver, actor=driver.user)


def _past_attendance(rng, event, drivers, *, walk_ins, ratings):
    capacity = event.capacity or 40
    registered = rng.sample(drivers, min(len(drivers), rng.randint(capacity // 3, capacity)))
    others = [d for d in drivers if d not in set(registered)]
    queued = event.starts_at - timedelta(days=rng.randint(2, 10))
    regs = Registration.objects.bulk_create(
        [
            Registration(
                event=event,
                driver=d,
                status=Registration.Status.CONFIRMED,
                channel=rng.choice(["self", "self", "self", "staff"]),
                queued_at=queued + timedelta(minutes=i),
                created_at=queued + timedelta(minutes=i),
                updated_at=queued + timedelta(minutes=i),
                reminded_at=event.starts_at - timedelta(hours=15),
            )
            for i, d in enumerate(registered)
        ]
    )
    regs = {r.driver_id: r for r in Registration.objects.filter(event=event)}
    present = [d for d in registered if rng.random() < 0.82]
    walking = rng.sample(others, min(len(others), walk_ins))
    rows = [
        CheckIn(
            event=event,
            driver=d,
            registration=regs.get(d.pk),
            walk_in=False,
            method=rng.choice(["driver_qr", "driver_qr", "event_qr", "lookup"]),
            at=event.starts_at + timedelta(minutes=rng.randint(0, 90)),
        )
        for d in present
    ] + [
        CheckIn(
            event=event,
            driver=d,
            walk_in=True,
            method="lookup",
            at=event.starts_at + timedelta(minutes=rng.randint(0, 120)),
        )
        for d in walking
    ]
    CheckIn.objects.bulk_create(rows)
    if ratings:
        attendees = present + walking
        Feedback.objects.bulk_create(
            [
                Feedback(
                    event=event,
                    driver=d,
                    rating=rng.choice([5, 5, 5, 4, 4, 3]),
                    comment=rng.choice(COMMENTS),
                    at=event.ends_at + timedelta(hours=rng.randint(1, 30)),
                )
                for d in rng.sample(attendees, len(attendees) // 3)
            ]
        )
    return present + walking


def _services_and_requests(ctx, rng, events, staff, items):
    """Services recorded at the stalls (a few per market) and some difficulties filed as requests."""
    from driverhome.core.modules import optional_import

    services = optional_import("driverhome.services.actions")
    appeals = optional_import("driverhome.appeals.actions")
    if not items or services is None:
        return
    from driverhome.appeals.models import Category

    categories = list(Category.objects.filter(parent__isnull=False, is_active=True)[:40])
    per_market = 3 if ctx.quick else 8
    notices = optional_import("driverhome.notifications.models")
    last_notice = (
        notices.Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        if notices is not None
        else 0
    )
    for event in events[-(3 if ctx.quick else len(events)) :]:
        attendees = list(CheckIn.objects.filter(event=event).select_related("driver")[:per_market])
        for row in attendees:
            services.record_service(
                actor=staff,
                driver=row.driver,
                item=rng.choice(items),
                delivered_at=min(row.at, event.ends_at),
                station=event.station,
                event=event,
            )
        if appeals is not None and categories and attendees and rng.random() < 0.5:
            appeals.file_appeal(
                actor=staff,
                driver=attendees[0].driver,
                channel="market",
                category=rng.choice(categories),
                description="红领集市现场反映：运费结算拖欠，请帮助协调。",
                station=event.station,
                event=event,
                received_at=event.starts_at + timedelta(hours=1),
            )
    if notices is not None:
        # Demo history sent no messages: the receipts these requests queued would reach
        # the drivers' phones (or the log) when the job consumer starts.
        notices.Notification.objects.filter(pk__gt=last_notice).delete()


@transaction.atomic
def _training(ctx, rng, station, staff, today) -> int:
    from driverhome.services.models import TrainingCourse

    courses = list(TrainingCourse.objects.filter(organisation=station.operator).order_by("code"))
    if not courses:
        courses = list(TrainingCourse.objects.order_by("code"))
    if not courses:
        return 0
    if Schedule.objects.filter(station=station, kind="training").exists():
        return Event.objects.filter(station=station, kind="training").count()
    wanted = 6 if ctx.quick else TRAINING_SESSIONS
    yesterday = today - timedelta(days=1)
    window = today - timedelta(days=500)
    # Find the first date from which the rules give exactly `wanted` past sessions.
    candidates = sorted(
        (
            (day, index)
            for index, (weekday, interval, _s, _e) in enumerate(TRAINING_RULES)
            for day in occurrence_dates(
                "weekly", first=window, last=yesterday, weekday=weekday, interval=interval
            )
        ),
        reverse=True,
    )[:wanted]
    cutoff = min(day for day, _ in candidates)
    drivers = _drivers_of(["xiapu-community", "xiapu"], 80 if ctx.quick else 600)
    demo_driver = _demo_driver()
    made = 0
    for index, (weekday, interval, start, end) in enumerate(TRAINING_RULES):
        course = courses[index % len(courses)]
        first_day = (
            min(day for day, i in candidates if i == index)
            if any(i == index for _, i in candidates)
            else cutoff
        )
        _schedule, events = actions.create_schedule(
            actor=staff,
            title=course.name,
            kind="training",
            station=station,
            rule=Schedule.Rule.WEEKLY,
            weekday=weekday,
            interval=interval,
            first_date=first_day,
            last_date=today + timedelta(days=45),
            start_time=start,
            end_time=end,
            capacity=30,
            description=f"{course.name}：理论讲解与实操练习，结业颁发证书。",
            skip_holidays=True,
            course=course,
        )
        for event in events:
            made += 1
            if event.occurrence_date >= today:
                _upcoming_registrations(rng, event, drivers, demo_driver)
                continue
            _past_attendance(rng, event, drivers, walk_ins=rng.randint(0, 3), ratings=False)
            actions.close_event(event, actor=staff)
    _certificates(rng, courses[: len(TRAINING_RULES)], staff)
    return made


def _certificates(rng, courses, staff):
    """Drivers who attended at least four sessions of a course get its certificate."""
    from django.db.models import Count

    for course in courses:
        regulars = (
            CheckIn.objects.filter(event__course=course, event__status="held")
            .values("driver")
            .annotate(n=Count("pk"))
            .filter(n__gte=4)
            .order_by("driver")
        )
        from driverhome.drivers.models import Driver

        for row in list(regulars)[:40]:
            actions.complete_course(
                course, Driver.objects.get(pk=row["driver"]), actor=staff, notify=False
            )
