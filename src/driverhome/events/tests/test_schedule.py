from datetime import date, time

import pytest

from driverhome.events import actions
from driverhome.events.models import Event, Schedule
from driverhome.events.schedule import (
    is_statutory_holiday,
    monthly_dates,
    nth_weekday,
    occurrence_dates,
    skipped_holidays,
)

SAT = 5


def test_second_and_last_saturday_of_each_month():
    dates = monthly_dates(date(2026, 3, 1), date(2026, 5, 31), SAT, [2, -1])
    assert dates == [
        date(2026, 3, 14),
        date(2026, 3, 28),
        date(2026, 4, 11),
        date(2026, 4, 25),
        date(2026, 5, 9),
        date(2026, 5, 30),
    ]


def test_a_fifth_weekday_is_left_out_in_months_without_one():
    assert nth_weekday(2026, 2, SAT, 5) is None
    assert nth_weekday(2026, 5, SAT, 5) == date(2026, 5, 30)


def test_statutory_holidays_are_holidays_but_weekends_and_make_up_days_are_not():
    assert is_statutory_holiday(date(2026, 10, 3))  # National Day, a Saturday
    assert not is_statutory_holiday(date(2026, 10, 17))  # an ordinary Saturday
    assert not is_statutory_holiday(date(2026, 10, 10))  # make-up working day (调休)
    assert not is_statutory_holiday(date(2030, 10, 1))  # a year the calendar does not know


def test_weekly_schedule_skips_mid_autumn_and_national_day_and_keeps_the_make_up_saturday():
    dates = occurrence_dates(
        "weekly", first=date(2026, 9, 19), last=date(2026, 10, 24), weekday=SAT
    )
    assert dates == [date(2026, 9, 19), date(2026, 10, 10), date(2026, 10, 17), date(2026, 10, 24)]
    assert skipped_holidays(
        "weekly", first=date(2026, 9, 19), last=date(2026, 10, 24), weekday=SAT
    ) == [date(2026, 9, 26), date(2026, 10, 3)]


def test_without_skipping_holidays_every_date_stays():
    dates = occurrence_dates(
        "weekly",
        first=date(2026, 9, 19),
        last=date(2026, 10, 24),
        weekday=SAT,
        skip_holidays=False,
    )
    assert date(2026, 10, 3) in dates and len(dates) == 6


def test_fortnightly_schedule():
    dates = occurrence_dates(
        "weekly", first=date(2026, 6, 1), last=date(2026, 6, 30), weekday=2, interval=2
    )
    assert dates == [date(2026, 6, 3), date(2026, 6, 17)]


@pytest.mark.django_db
def test_schedule_generates_events_once_and_across_a_holiday(station, personas):
    schedule, created = actions.create_schedule(
        actor=personas["site_staff"],
        title="红领集市",
        kind="market",
        station=station,
        rule=Schedule.Rule.MONTHLY,
        weekday=SAT,
        nths=[1, 3],
        first_date=date(2026, 9, 1),
        last_date=date(2026, 10, 31),
        start_time=time(9, 0),
        end_time=time(12, 0),
        capacity=50,
    )
    days = sorted(e.occurrence_date for e in created)
    # First Saturday of October 2026 is National Day: left out.
    assert days == [date(2026, 9, 5), date(2026, 9, 19), date(2026, 10, 17)]
    first = Event.objects.get(schedule=schedule, occurrence_date=date(2026, 9, 5))
    assert first.organiser == station.operator
    assert first.capacity == 50
    from django.utils import timezone

    assert timezone.localtime(first.starts_at).time() == time(9, 0)
    # Running the generator again adds nothing.
    assert actions.generate_occurrences(schedule, actor=None) == []
    assert Event.objects.filter(schedule=schedule).count() == 3


@pytest.mark.django_db
def test_monthly_schedule_without_weeks_is_refused(station):
    from driverhome.core.errors import DomainError

    with pytest.raises(DomainError):
        actions.create_schedule(
            actor=None,
            title="x",
            kind="market",
            station=station,
            rule="monthly",
            weekday=SAT,
            nths=[],
            first_date=date(2026, 9, 1),
            last_date=date(2026, 10, 31),
            start_time=time(9, 0),
            end_time=time(12, 0),
        )
    assert not Schedule.objects.exists()


@pytest.mark.django_db
def test_schedule_page_creates_the_occurrences(client_for, station):
    response = client_for("site_staff").post(
        "/console/events/schedules/new/",
        {
            "kind": "market",
            "title": "红领集市",
            "station": station.code,
            "rule": "monthly",
            "weekday": "5",
            "nths": ["2", "-1"],
            "interval": "1",
            "first_date": "2026-09-01",
            "last_date": "2026-10-31",
            "start_time": "09:00",
            "end_time": "12:00",
            "skip_holidays": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # Second and last Saturdays: 9-12, (9-26 Mid-Autumn: left out), 10-10 (make-up day), 10-31.
    days = sorted(Event.objects.values_list("occurrence_date", flat=True))
    assert days == [date(2026, 9, 12), date(2026, 10, 10), date(2026, 10, 31)]
    follow = client_for("site_staff").get(response["Location"])
    assert follow.status_code == 200
