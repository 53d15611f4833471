"""Working days and time limits across National Day 2025 (Oct 1–8) and its make-up working days."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from driverhome.appeals import deadlines
from driverhome.appeals.models import AppealType
from driverhome.core import workdays

# The calendar is data (the holidays app's rows, seeded from chinese-calendar).
pytestmark = pytest.mark.django_db


def at(y, m, d, hh=10):
    return timezone.make_aware(datetime(y, m, d, hh, 0))


def test_national_day_is_not_a_working_day_and_the_make_up_sunday_is():
    assert not workdays.is_working_day(date(2025, 10, 1))
    assert not workdays.is_working_day(date(2025, 10, 8))
    assert workdays.is_working_day(date(2025, 9, 28))  # Sunday, make-up day
    assert workdays.is_working_day(date(2025, 10, 11))  # Saturday, make-up day
    assert not workdays.is_working_day(date(2025, 10, 12))


def test_add_working_days_skips_the_holiday_and_counts_make_up_days():
    # Sat 27 Sep 2025 + 1 working day = Sun 28 Sep (make-up day)
    assert workdays.add_working_days(date(2025, 9, 27), 1) == date(2025, 9, 28)
    # Tue 30 Sep + 1 = Thu 9 Oct (1–8 Oct are the holiday)
    assert workdays.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    # Tue 30 Sep + 3 = Sat 11 Oct (make-up working day)
    assert workdays.add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)
    assert workdays.add_working_days(date(2025, 10, 3), 0) == date(2025, 10, 9)


def test_working_days_between_counts_the_half_open_interval():
    assert workdays.working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == 3
    assert workdays.working_days_between(date(2025, 10, 11), date(2025, 9, 30)) == -3
    assert workdays.working_days_between(date(2025, 10, 2), date(2025, 10, 8)) == 0


def test_a_year_the_calendar_does_not_know_falls_back_to_weekdays():
    assert workdays.is_working_day(date(2099, 6, 1))  # a Monday
    assert not workdays.is_working_day(date(2099, 6, 6))  # a Saturday


def test_enquiry_filed_before_national_day_is_due_on_the_make_up_saturday():
    limit = deadlines.limit_for(AppealType.ENQUIRY)
    due = deadlines.answer_due(at(2025, 9, 30), limit)
    assert timezone.localtime(due).date() == date(2025, 10, 11)


def test_complaint_filed_during_the_holiday_counts_thirteen_working_days_from_the_next():
    limit = deadlines.limit_for(AppealType.COMPLAINT)
    due = deadlines.answer_due(at(2025, 10, 3), limit)
    # 9,10,11(Sat make-up),13,14,15,16,17,20,21,22,23,24 → Fri 24 Oct
    assert timezone.localtime(due).date() == date(2025, 10, 24)


def test_emergency_is_due_the_same_calendar_day_even_on_a_holiday():
    limit = deadlines.limit_for(AppealType.EMERGENCY)
    due = timezone.localtime(deadlines.answer_due(at(2025, 10, 2, 22), limit))
    assert (due.date(), due.hour, due.minute) == (date(2025, 10, 2), 23, 59)


def test_return_visit_is_due_the_working_day_after_the_answer():
    limit = deadlines.limit_for(AppealType.HELP)
    assert timezone.localtime(deadlines.visit_due(at(2025, 9, 30), limit)).date() == date(
        2025, 10, 9
    )
    assert timezone.localtime(deadlines.visit_due(at(2025, 10, 10), limit)).date() == date(
        2025, 10, 11
    )


def test_a_category_time_limit_overrides_the_type_default():
    from driverhome.appeals.models import Category, TimeLimit

    category = Category.objects.get(code="C01-01")
    TimeLimit.objects.create(appeal_type=AppealType.COMPLAINT, category=category, answer_days=5)
    assert deadlines.limit_for(AppealType.COMPLAINT, category).answer_days == 5
    assert deadlines.limit_for(AppealType.COMPLAINT).answer_days == 13


def test_extension_moves_the_deadline_by_working_days_over_the_holiday():
    due = deadlines.extend(at(2025, 9, 29, 23), 2)
    assert timezone.localtime(due).date() == date(2025, 10, 9)


def test_working_days_between_equals_counting_day_by_day():
    """The running-count shortcut agrees with walking the days, across years and holidays."""
    import random
    from datetime import timedelta

    def walk(start, end):
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += workdays.is_working_day(day)
        return count

    rng = random.Random(9)
    for _ in range(300):
        start = date(2023, 1, 1) + timedelta(days=rng.randrange(6 * 365))
        end = start + timedelta(days=rng.choice((0, 1, 2, 7, 30, 200, 400, 900)))
        assert workdays.working_days_between(start, end) == walk(start, end)
        assert workdays.working_days_between(end, start) == -walk(start, end)
    assert workdays.working_days_between(date(2098, 12, 30), date(2100, 1, 4)) == walk(
        date(2098, 12, 30), date(2100, 1, 4)
    )
