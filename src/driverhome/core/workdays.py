"""Working days as China counts them: statutory holidays and make-up working days (调休).

The calendar is data (the ``holidays`` app: one row per year the State Council has
published, seeded from ``chinese-calendar``), handed to this module at start by
:func:`use_calendar`. A year the calendar does not know yet follows the plain rule
(Monday to Friday), so a deadline can always be computed; such a deadline is
*provisional* (:func:`is_provisional`) until the year's notice is entered.

``add_working_days(d, n)`` is the n-th working day *after* ``d`` (time limits
are counted from the day after intake); with ``n == 0`` it is ``d`` itself when
``d`` is a working day, else the next working day.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import chinese_calendar
from django.utils import timezone


class KnownYear:
    """One published year: its holidays and its make-up working days."""

    __slots__ = ("year", "holidays", "workdays", "_counts")

    def __init__(self, year: int, holidays: frozenset[date], workdays: frozenset[date]):
        self.year = year
        self.holidays = holidays
        self.workdays = workdays
        self._counts: tuple[int, ...] | None = None

    def is_working(self, day: date) -> bool:
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)

    def counts(self) -> tuple[int, ...]:
        if self._counts is None:
            self._counts = _running_counts(self.year, self.is_working)
        return self._counts


_source: Callable[[], Mapping[int, KnownYear]] | None = None


def use_calendar(source: Callable[[], Mapping[int, KnownYear]] | None) -> None:
    """Install the function that answers the known years (the ``holidays`` app does, at start)."""
    global _source
    _source = source


def _years() -> Mapping[int, KnownYear]:
    return _source() if _source is not None else {}


def known_years() -> set[int]:
    return set(_years())


def is_known_year(year: int) -> bool:
    return year in _years()


def is_provisional(moment: date | datetime | None) -> bool:
    """True when ``moment`` falls in a year whose holidays are not known yet."""
    if moment is None:
        return False
    if isinstance(moment, datetime):
        moment = local_date(moment)
    return moment.year not in _years()


def missing_year(today: date | None = None) -> int | None:
    """The year whose holidays should be known and are not: this year always, next year
    from 1 November (the State Council publishes it in the autumn)."""
    today = today or timezone.localdate()
    years = _years()
    if today.year not in years:
        return today.year
    if today.month >= 11 and today.year + 1 not in years:
        return today.year + 1
    return None


def is_working_day(day: date) -> bool:
    if isinstance(day, datetime):
        day = day.date()
    known = _years().get(day.year)
    if known is None:  # a year the calendar does not cover yet
        return day.weekday() < 5
    return known.is_working(day)


def is_holiday(day: date) -> bool:
    return not is_working_day(day)


def holiday_name(day: date) -> str | None:
    """The statutory holiday ``day`` is a day off of (``"Spring Festival"``, ``"National Day"`` ...),
    or None: a working day, a make-up working day, a plain weekend or a year not known yet.

    The names come from ``chinese-calendar``; whether the day is off comes from the
    calendar data, so an entered year without names answers None."""
    if isinstance(day, datetime):
        day = day.date()
    known = _years().get(day.year)
    if known is None or day not in known.holidays:
        return None
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
    years = _years()

    def working(d: date) -> bool:
        known = years.get(d.year)
        return d.weekday() < 5 if known is None else known.is_working(d)

    if n == 0:
        while not working(day):
            day += timedelta(days=1)
        return day
    while n > 0:
        day += timedelta(days=1)
        if working(day):
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
    years = _years()
    if start.year == end.year:
        counts = _year_counts(start.year, years)
        return counts[_day_of_year(end)] - counts[_day_of_year(start)]
    counts = _year_counts(start.year, years)
    total = counts[-1] - counts[_day_of_year(start)]
    for year in range(start.year + 1, end.year):
        total += _year_counts(year, years)[-1]
    return total + _year_counts(end.year, years)[_day_of_year(end)]


def _day_of_year(day: date) -> int:
    return day.timetuple().tm_yday


def _year_counts(year: int, years: Mapping[int, KnownYear]) -> tuple[int, ...]:
    known = years.get(year)
    return _weekday_counts(year) if known is None else known.counts()


def _running_counts(year: int, working: Callable[[date], bool]) -> tuple[int, ...]:
    """``counts[k]``: working days among the first ``k`` days of ``year`` (``counts[0] == 0``)."""
    counts = [0]
    day = date(year, 1, 1)
    while day.year == year:
        counts.append(counts[-1] + working(day))
        day += timedelta(days=1)
    return tuple(counts)


@lru_cache(maxsize=256)
def _weekday_counts(year: int) -> tuple[int, ...]:
    return _running_counts(year, lambda day: day.weekday() < 5)


def local_date(moment: datetime) -> date:
    """The calendar date of an aware datetime in the platform's time zone."""
    return timezone.localtime(moment).date()


def end_of_day(day: date) -> datetime:
    """23:59:59 of ``day`` in the platform's time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))
