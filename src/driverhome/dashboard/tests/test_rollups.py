"""Rollups equal live aggregation: every figure read from the monthly counters equals the owning
app's figure function, for every organisation subtree and whole-month period, on random data.

The random records are inserted with ``bulk_create`` rather than through the apps' actions:
the property is about reading, and it needs timestamps anywhere in the past (late and
backdated records, moments exactly on month boundaries), which the actions rightly do not
allow to be chosen freely.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driverhome.dashboard import actions, rollups
from driverhome.dashboard import summary as S

FIRST_DAY = date(2025, 11, 1)
DAYS = 150  # November 2025 to March 2026, across the year end

ORG_KEYS = ["district", "xiapu", "guoju", "labour", "police", "other_sub", "other_district"]
UNIT_KEYS = [None, "labour", "police"]


def moments():
    """A moment in the window; often exactly at local midnight or a breath before it."""
    return st.builds(
        lambda day, clock: (
            timezone.make_aware(datetime.combine(FIRST_DAY + timedelta(days=day), time.min)) + clock
        ),
        st.integers(0, DAYS),
        st.one_of(
            st.just(timedelta(0)),
            st.just(timedelta(days=1, microseconds=-1)),
            st.timedeltas(timedelta(0), timedelta(days=1, microseconds=-1)),
        ),
    )


appeal = st.fixed_dictionaries(
    {
        "org": st.sampled_from(ORG_KEYS),
        "unit": st.sampled_from(UNIT_KEYS),
        "received": moments(),
        "answer_after": st.one_of(st.none(), st.timedeltas(timedelta(0), timedelta(days=40))),
        "due_after": st.timedeltas(timedelta(hours=1), timedelta(days=20)),
        "answered_on_the_deadline": st.booleans(),
        "rehandled": st.booleans(),
        "visits": st.lists(
            st.tuples(st.sampled_from(["yes", "partly", "no"]), st.integers(1, 5), moments()),
            max_size=2,
        ),
    }
)
record = st.tuples(st.sampled_from(ORG_KEYS), moments(), st.sampled_from(["delivered", "declined"]))
driver = st.fixed_dictionaries(
    {
        "org": st.sampled_from(ORG_KEYS),
        "created": moments(),
        "residence": st.sampled_from(["apartment", "rented", "cab", "local"]),
        "employed": st.booleans(),
        "anonymised": st.booleans(),
    }
)
visit = st.tuples(st.sampled_from(ORG_KEYS), st.integers(0, DAYS), st.integers(0, 6))
event = st.fixed_dictionaries(
    {
        "organiser": st.sampled_from(ORG_KEYS),
        "site": st.sampled_from(ORG_KEYS),
        "kind": st.sampled_from(["market", "training", "briefing"]),
        "status": st.sampled_from(["scheduled", "held", "cancelled"]),
        "starts": moments(),
        "attendees": st.integers(0, 3),
    }
)


def _insert(orgs, personas, appeals, records, events, drivers_=(), visits=()):
    from driverhome.appeals.models import Appeal, Category, ReturnVisit
    from driverhome.drivers.models import Driver
    from driverhome.events.models import CheckIn, Event
    from driverhome.services.models import LifecycleNode, ServiceItem, ServiceRecord
    from driverhome.stations.models import Station

    category = Category.objects.filter(parent__isnull=False).first()
    from driverhome.accounts.models import Organisation

    employer, _created = Organisation.objects.get_or_create(
        code="t-company",
        defaults={"name": "物流公司", "kind": "company", "parent": orgs["xiapu"]},
    )
    drivers = Driver.objects.bulk_create(
        [Driver(name=f"司机{i}", organisation=orgs[key]) for i, key in enumerate(ORG_KEYS)]
    )
    driver_of = dict(zip(ORG_KEYS, drivers, strict=True))
    node = LifecycleNode.objects.first() or LifecycleNode.objects.create(code="N99", name="测试")
    Driver.objects.bulk_create(
        [
            Driver(
                name=f"档案{i}",
                organisation=orgs[d["org"]],
                created_at=d["created"],
                residence_type=d["residence"],
                employer=employer if d["employed"] else None,
                current_node=node if d["employed"] else None,
                anonymised_at=d["created"] if d["anonymised"] else None,
            )
            for i, d in enumerate(drivers_)
        ]
    )
    made = Appeal.objects.bulk_create(
        [
            Appeal(
                tracking_no=f"T{i:08d}",
                appeal_type="help",
                category=category,
                channel="phone",
                organisation=orgs[a["org"]],
                handling_unit=orgs[a["unit"]] if a["unit"] else None,
                received_at=a["received"],
                answered_at=a["received"] + a["answer_after"] if a["answer_after"] else None,
                answer_due_at=a["received"]
                + (
                    a["answer_after"]
                    if a["answer_after"] and a["answered_on_the_deadline"]
                    else a["due_after"]
                ),
                status="answered" if a["answer_after"] else "handling",
                rehandle_count=1 if a["rehandled"] else 0,
            )
            for i, a in enumerate(appeals)
        ]
    )
    ReturnVisit.objects.bulk_create(
        [
            ReturnVisit(
                appeal=obj, resolved=r, satisfaction=sat, at=at, by=personas["supervisor"], round=n
            )
            for obj, a in zip(made, appeals, strict=True)
            for n, (r, sat, at) in enumerate(a["visits"])
        ]
    )
    item = ServiceItem.objects.filter(node=node).first() or ServiceItem.objects.create(
        code="N99-01", node=node, name="测试服务"
    )
    ServiceRecord.objects.bulk_create(
        [
            ServiceRecord(driver=driver_of[key], item=item, delivered_at=at, outcome=outcome)
            for key, at, outcome in records
        ]
    )
    stations = {
        key: Station.objects.get_or_create(
            code=f"t-site-{key}",
            defaults={
                "name": key,
                "kind": "logistics_park",
                "operator": orgs[key],
                "address": "-",
                "lat": 29.9,
                "lon": 121.8,
            },
        )[0]
        for key in ORG_KEYS
    }
    made_events = Event.objects.bulk_create(
        [
            Event(
                code=f"E{i:06d}",
                kind=e["kind"],
                title="测试",
                organiser=orgs[e["organiser"]],
                station=stations[e["site"]],
                starts_at=e["starts"],
                ends_at=e["starts"] + timedelta(hours=2),
                status=e["status"],
            )
            for i, e in enumerate(events)
        ]
    )
    from driverhome.stations.models import CheckIn as SiteCheckIn

    seen = set()
    site_visits = []
    for key, day, who in visits:
        when = FIRST_DAY + timedelta(days=day)
        if (key, when, who) in seen:
            continue
        seen.add((key, when, who))
        site_visits.append(
            SiteCheckIn(
                station=stations[key],
                driver=drivers[who],
                day=when,
                at=timezone.make_aware(datetime.combine(when, time(10))),
                channel="staff",
            )
        )
    SiteCheckIn.objects.bulk_create(site_visits)
    CheckIn.objects.bulk_create(
        [
            CheckIn(event=obj, driver=drivers[n], method="lookup")
            for obj, e in zip(made_events, events, strict=True)
            for n in range(e["attendees"])
        ]
    )


PERIODS = [
    S.Period(),
    S.Period(date(2025, 11, 1), date(2025, 11, 30)),
    S.Period(date(2025, 12, 1), date(2025, 12, 31)),
    S.Period(date(2026, 1, 1), date(2026, 3, 31)),
    S.Period(date(2025, 12, 1), None),
    S.Period(None, date(2026, 1, 31)),
]


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    appeals=st.lists(appeal, max_size=25),
    records=st.lists(record, max_size=25),
    events=st.lists(event, max_size=10),
    drivers_=st.lists(driver, max_size=20),
    visits=st.lists(visit, max_size=20),
)
def test_rollups_equal_live_aggregation(orgs, personas, appeals, records, events, drivers_, visits):
    figures = sorted(rollups.rollup_figures())
    assert {
        "requests_received",
        "services_delivered",
        "requests_on_time_rate",
        "drivers_on_file",
        "drivers_by_residence",
        "site_visits",
        "training_sessions",
        "services_by_node",
    } <= set(figures)
    with transaction.atomic():
        _insert(orgs, personas, appeals, records, events, drivers_, visits)
        actions.refresh_rollups()
        for org in [None, *orgs.values()]:
            for period in PERIODS:
                live = S.compute(org, period, live=True, keys=figures)
                rolled = S.compute(org, period, keys=figures)
                assert rolled == live, (org, period)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_refreshing_some_months_leaves_the_others_alone(orgs, personas):
    from driverhome.dashboard.models import MonthlyCount

    moment = timezone.make_aware(datetime(2026, 1, 15, 10))
    _insert(
        orgs,
        personas,
        [],
        [("xiapu", moment, "delivered"), ("xiapu", moment - timedelta(days=40), "delivered")],
        [],
    )
    actions.refresh_rollups()
    before = set(MonthlyCount.objects.values_list("organisation_id", "month", "counter", "value"))
    run = actions.refresh_rollups(first=date(2026, 1, 1), last=date(2026, 1, 1))
    after = set(MonthlyCount.objects.values_list("organisation_id", "month", "counter", "value"))
    assert before == after
    assert run.first_month == date(2026, 1, 1) and not run.full
    # The district's row holds its sub-district's records: subtree totals.
    district_jan = MonthlyCount.objects.get(
        organisation=orgs["district"], month=date(2026, 1, 1), counter="services_delivered"
    )
    assert district_jan.value == 1


@pytest.mark.django_db
def test_summary_uses_rollups_once_refreshed_and_says_as_of_when(orgs, personas, api):
    moment = timezone.make_aware(datetime(2026, 1, 15, 10))
    _insert(orgs, personas, [], [("xiapu", moment, "delivered")], [])
    assert not S.rollups_ready()
    actions.refresh_rollups()
    assert S.rollups_ready() and S.last_refresh() is not None
    period = S.Period(date(2026, 1, 1), date(2026, 1, 31))
    assert S.compute(orgs["district"], period, keys=["services_delivered"]) == {
        "services_delivered": 1
    }


def test_refresh_rollups_command_rejects_a_bad_month():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="not a month"):
        call_command("refresh-rollups", "--from", "2026-13")


@pytest.mark.django_db
def test_a_month_marked_stale_is_recomputed_by_the_periodic_refresh(orgs, personas):
    from driverhome.dashboard.models import StaleMonth

    today = date(2026, 6, 15)
    actions.refresh_recent(today=today)
    late = timezone.make_aware(datetime(2026, 1, 20, 9))
    _insert(orgs, personas, [], [("guoju", late, "delivered")], [])
    january = S.Period(date(2026, 1, 1), date(2026, 1, 31))
    actions.refresh_recent(today=today)
    assert S.compute(orgs["guoju"], january, keys=["services_delivered"]) == {
        "services_delivered": 0
    }  # not refreshed: January is neither this month nor the last
    actions.mark_stale(late)
    assert StaleMonth.objects.filter(month=date(2026, 1, 1)).exists()
    actions.refresh_recent(today=today)
    assert S.compute(orgs["guoju"], january, keys=["services_delivered"]) == {
        "services_delivered": 1
    }
    assert not StaleMonth.objects.exists()
