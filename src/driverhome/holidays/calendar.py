"""Each process's copy of the working calendar, handed to ``core.workdays`` at start."""

from __future__ import annotations

from collections import defaultdict

from driverhome.core.tablecache import TableCache
from driverhome.core.workdays import KnownYear

from .models import CalendarDay, CalendarYear


def _load() -> dict[int, KnownYear]:
    days: dict[int, dict[str, set]] = defaultdict(lambda: {"holiday": set(), "workday": set()})
    for year, day, kind in CalendarDay.objects.values_list("calendar__year", "day", "kind"):
        days[year][kind].add(day)
    return {
        year: KnownYear(year, frozenset(days[year]["holiday"]), frozenset(days[year]["workday"]))
        for year in CalendarYear.objects.values_list("year", flat=True)
    }


#: every known year, by year; dropped in every process when a year is entered or edited
YEARS = TableCache("holidays.years", _load, watch=[CalendarYear, CalendarDay])


def library_years() -> dict[int, list[tuple]]:
    """What ``chinese-calendar`` knows: ``{year: [(date, kind, name), ...]}``."""
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    def name(value):
        try:
            return Holiday(value).chinese
        except ValueError:
            return str(value or "")

    years: dict[int, list[tuple]] = defaultdict(list)
    for day, value in chinese_calendar.holidays.items():
        years[day.year].append((day, CalendarDay.Kind.HOLIDAY, name(value)))
    for day, value in chinese_calendar.workdays.items():
        years[day.year].append((day, CalendarDay.Kind.WORKDAY, name(value)))
    return dict(years)
