"""API: the working calendar, year by year; supervisors and administrators enter a year."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404
from ninja import Router, Schema

from driverhome.accounts.access import require_roles, require_staff
from driverhome.core import workdays
from driverhome.core.dates import Day
from driverhome.core.validation import WriteSchema

from . import actions
from .models import CalendarDay, CalendarYear

router = Router()


class DayIO(WriteSchema):
    rules_model = CalendarDay

    date: Day
    kind: Literal["holiday", "workday"]
    name: str = ""


class YearSummary(Schema):
    year: int
    notice: str
    source: str
    entered_at: datetime


class YearOut(YearSummary):
    days: list[DayIO]


class YearsOut(Schema):
    items: list[YearSummary]
    #: the year whose calendar is missing (this year, or next year from 1 November), if any
    missing_year: int | None


class YearIn(WriteSchema):
    rules_model = CalendarYear

    notice: str = ""
    days: list[DayIO]


def _year_out(calendar: CalendarYear) -> dict:
    return {
        "year": calendar.year,
        "notice": calendar.notice,
        "source": calendar.source,
        "entered_at": calendar.entered_at,
        "days": [
            {"date": d.day, "kind": d.kind, "name": d.name} for d in calendar.days.order_by("day")
        ],
    }


@router.get("/years", response=YearsOut, summary="Known years of the working calendar")
def list_years(request):
    require_staff(request)
    years = CalendarYear.objects.order_by("-year")[:200]
    return {
        "items": [
            {"year": c.year, "notice": c.notice, "source": c.source, "entered_at": c.entered_at}
            for c in years
        ],
        "missing_year": workdays.missing_year(),
    }


@router.get("/years/{year}", response=YearOut, summary="One year's holidays and make-up days")
def get_year(request, year: int):
    require_staff(request)
    calendar = CalendarYear.objects.filter(year=year).first()
    if calendar is None:
        raise Http404
    return _year_out(calendar)


@router.put(
    "/years/{year}",
    response=YearOut,
    summary="Enter or replace a year (the State Council notice); open deadlines are recomputed",
)
def put_year(request, year: int, body: YearIn):
    require_roles(request, *actions.EDIT_ROLES)
    calendar = actions.enter_year(
        actor=request.user,
        year=year,
        days=[(d.date, d.kind, d.name) for d in body.days],
        notice=body.notice,
        source=CalendarYear.Source.API,
    )
    return _year_out(calendar)
