"""Working days as China counts them: statutory holidays and make-up working days (调休).

The calendar comes from ``chinese-calendar``, which carries the State Council's
holiday notices year by year. For a year it does not know yet the plain rule
(Monday to Friday) applies, so a deadline can always be computed.

``add_working_days(d, n)`` is the n-th working day *after* ``d`` (time limits
are counted from the day after intake); with ``n == 0`` it is ``d`` itself when
``d`` is a working day, else the next working day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar
from django.utils import timezone


@lru_cache(maxsize=8192)
def is_working_day(day: date) -> bool:
    if isinstance(day, datetime):
        day = day.date()
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the calendar does not cover yet
        return day.weekday() < 5


def is_holiday(day: date) -> bool:
    return not is_working_day(day)


@lru_cache(maxsize=8192)
def holiday_name(day: date) -> str | None:
    """The statutory holiday ``day`` is a day off of (``"Spring Festival"``, ``"National Day"`` ...),
    or None: a working day, a make-up working day, a plain weekend or a year not known yet."""
    if isinstance(day, datetime):
        day = day.date()
    try:
        off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name if off and name else None


def next_working_day(day: date) -> date:
    """The first working day strictly after ``day``."""
    return add_working_days(day, 1)


def add_working_days(day: date, n: int) -> date:
    if isinstance(day, datetime):
        day = day.date()
    if n < 0:
        raise ValueError("n must be zero or more")
    if n == 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    while n > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days in the half-open interval (start, end]; negative when end is before start.

    Constant time for any span (dashboards average it over millions of requests): the
    difference of the two days' running counts of working days within their years.
    """
    if isinstance(start, datetime):
        start = start.date()
    if isinstance(end, datetime):
        end = end.date()
    if end < start:
        return -working_days_between(end, start)
    if start.year == end.year:
        return (
            _year_counts(end.year)[_day_of_year(end)]
            - _year_counts(start.year)[_day_of_year(start)]
        )
    counts = _year_counts(start.year)
    total = counts[-1] - counts[_day_of_year(start)]
    for year in range(start.year + 1, end.year):
        total += _year_counts(year)[-1]
    return total + _year_counts(end.year)[_day_of_year(end)]


def _day_of_year(day: date) -> int:
    return day.timetuple().tm_yday


@lru_cache(maxsize=256)
def _year_counts(year: int) -> tuple[int, ...]:
    """``counts[k]``: working days among the first ``k`` days of ``year`` (``counts[0] == 0``)."""
    counts = [0]
    day = date(year, 1, 1)
    while day.year == year:
        counts.append(counts[-1] + is_working_day(day))
        day += timedelta(days=1)
    return tuple(counts)


def local_date(moment: datetime) -> date:
    """The calendar date of an aware datetime in the platform's time zone."""
    return timezone.localtime(moment).date()


def end_of_day(day: date) -> datetime:
    """23:59:59 of ``day`` in the platform's time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))
