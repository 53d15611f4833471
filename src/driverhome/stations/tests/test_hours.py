"""Open now: round the clock, a weekly schedule, past midnight, exceptions, the site's time zone."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from driverhome.core.errors import DomainError
from driverhome.stations import actions

from .factories import make_station, with_hours

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(day, hh, mm=0, tz=SH):
    return datetime.combine(day, time(hh, mm), tzinfo=tz)


WED = date(2026, 3, 4)  # a Wednesday
THU = date(2026, 3, 5)


def test_a_24_hour_site_is_always_open(orgs):
    station = make_station(orgs["xiapu"])
    assert station.is_open_at(at(WED, 3)) and station.is_open_at(at(WED, 23, 59))


def test_weekly_schedule_open_and_closed(orgs):
    station = with_hours(make_station(orgs["xiapu"]), "06:30", "22:30", days=range(5))
    assert not station.is_open_at(at(WED, 6, 29))
    assert station.is_open_at(at(WED, 6, 30))
    assert station.is_open_at(at(WED, 22, 29))
    assert not station.is_open_at(at(WED, 22, 30))
    assert not station.is_open_at(at(date(2026, 3, 7), 12))  # Saturday: no hours


def test_schedule_past_midnight_carries_into_the_next_day(orgs):
    station = with_hours(make_station(orgs["xiapu"]), "20:00", "06:00", days=[2])  # Wednesday night
    assert station.is_open_at(at(WED, 23))
    assert station.is_open_at(at(THU, 5, 59))
    assert not station.is_open_at(at(THU, 6))
    assert not station.is_open_at(at(THU, 21))  # no Thursday hours


def test_open_now_is_computed_in_the_site_time_zone(orgs):
    station = with_hours(make_station(orgs["xiapu"]), "08:00", "18:00")
    actions.update_station(station, actor=None, time_zone="Asia/Urumqi")  # UTC+6
    station.refresh_from_db()
    # 09:00 in Shanghai is 07:00 in Urumqi: not yet open there.
    assert not station.is_open_at(at(WED, 9))
    assert station.is_open_at(at(WED, 11))


def test_exception_closes_a_day_and_another_shortens_it(orgs):
    station = make_station(orgs["xiapu"])
    actions.add_hours_exception(station, actor=None, day=WED, closed=True, note="检修")
    actions.add_hours_exception(
        station, actor=None, day=THU, closed=False, opens="10:00", closes="12:00"
    )
    assert not station.is_open_at(at(WED, 12))
    assert station.is_open_at(at(THU, 11))
    assert not station.is_open_at(at(THU, 13))


def test_hours_need_a_time_or_round_the_clock(orgs):
    station = make_station(orgs["xiapu"])
    with pytest.raises(DomainError):
        actions.set_hours(station, actor=None, open_24h=False, weekly=[])
    with pytest.raises(DomainError):
        actions.set_hours(station, actor=None, open_24h=False, weekly=[(7, "08:00", "09:00")])
    with pytest.raises(DomainError):
        actions.add_hours_exception(station, actor=None, day=WED, closed=False)


def test_setting_hours_writes_the_audit_log(orgs):
    from driverhome.accounts.models import AuditLog

    station = with_hours(make_station(orgs["xiapu"]), "08:00", "20:00")
    entry = AuditLog.objects.filter(action="station.hours", object_id=str(station.pk)).get()
    assert entry.changes["open_24h"] == [True, False]
