"""Repeating schedules: which dates a rule produces, and which of them are statutory holidays.

Rules:

* weekly — every ``interval`` weeks on ``weekday`` (0 Monday .. 6 Sunday), counted from
  the first matching date on or after ``first``;
* monthly — the ``nths`` occurrences of ``weekday`` in each month: ``[2, -1]`` is
  "the second and the last Saturday", ``[1]`` "the first".

With ``skip_holidays`` a date that falls on a statutory holiday (Spring Festival,
National Day ...) is left out. Make-up working days (调休) are not holidays, and
neither are ordinary weekends (markets are held on Saturdays): the test is
``chinese_calendar``'s *named* holidays, not ``core.workdays.is_holiday`` (which
counts every non-working day). Years the calendar does not know have no holidays.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

MAX_OCCURRENCES = 400


def is_statutory_holiday(day: date) -> bool:
    import chinese_calendar

    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # a year the calendar has no data for
        return False
    # Weekends are "holidays" to chinese_calendar too; only named ones are statutory.
    return bool(on_holiday and name)


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The ``nth`` ``weekday`` of the month (``-1`` the last); None if the month has fewer."""
    days = [
        date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == weekday
    ]
    index = nth - 1 if nth > 0 else nth
    try:
        return days[index]
    except IndexError:
        return None


def weekly_dates(first: date, last: date, weekday: int, interval: int = 1) -> list[date]:
    start = first + timedelta(days=(weekday - first.weekday()) % 7)
    step = timedelta(weeks=max(1, interval))
    dates = []
    day = start
    while day <= last and len(dates) < MAX_OCCURRENCES:
        dates.append(day)
        day += step
    return dates


def monthly_dates(first: date, last: date, weekday: int, nths: list[int]) -> list[date]:
    dates: set[date] = set()
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month) and len(dates) < MAX_OCCURRENCES:
        for nth in nths:
            day = nth_weekday(year, month, weekday, nth)
            if day is not None and first <= day <= last:
                dates.add(day)
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return sorted(dates)


def occurrence_dates(
    rule: str,
    *,
    first: date,
    last: date,
    weekday: int,
    nths: list[int] | None = None,
    interval: int = 1,
    skip_holidays: bool = True,
) -> list[date]:
    if rule == "weekly":
        dates = weekly_dates(first, last, weekday, interval)
    elif rule == "monthly":
        dates = monthly_dates(first, last, weekday, nths or [1])
    else:
        raise ValueError(f"unknown rule {rule!r}")
    if skip_holidays:
        dates = [d for d in dates if not is_statutory_holiday(d)]
    return dates


def skipped_holidays(
    rule: str, *, first: date, last: date, weekday: int, nths=None, interval: int = 1
) -> list[date]:
    """The dates the rule would produce that are left out as statutory holidays."""
    every = occurrence_dates(
        rule,
        first=first,
        last=last,
        weekday=weekday,
        nths=nths,
        interval=interval,
        skip_holidays=False,
    )
    return [d for d in every if is_statutory_holiday(d)]
