"""The working calendar as data: seeded years, entering and importing a notice, the warnings."""

import io
from datetime import date, datetime
from unittest import mock

import pytest
from django.core.checks import run_checks
from django.urls import reverse
from django.utils import timezone

from driverhome.accounts.models import AuditLog
from driverhome.core import workdays
from driverhome.core.errors import PermissionDeniedError
from driverhome.holidays.actions import enter_year
from driverhome.holidays.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def at(y, m, d):
    return timezone.make_aware(datetime(y, m, d, 10))


@pytest.fixture
def no_2027():
    CalendarYear.objects.filter(year__gte=2027).delete()


def test_the_years_chinese_calendar_knows_are_seeded():
    assert CalendarYear.objects.filter(year=2025, source="library").exists()
    day = CalendarDay.objects.get(day=date(2025, 10, 1))
    assert day.kind == "holiday" and day.name == "国庆节"
    assert CalendarDay.objects.get(day=date(2025, 9, 28)).kind == "workday"


def test_an_official_enters_next_years_notice_in_the_console(no_2027, client, personas):
    client.force_login(personas["supervisor"])
    response = client.post(
        reverse("holidays:year-detail", args=[2027]),
        {
            "notice": "国办发明电〔2026〕99号",
            "holidays": "2027-01-01 元旦\n2027-02-06~2027-02-12 春节",
            "workdays": "2027-02-14 春节",
        },
    )
    assert response.status_code == 302
    calendar = CalendarYear.objects.get(year=2027)
    assert calendar.source == "entered" and calendar.entered_by == personas["supervisor"]
    assert calendar.days.filter(kind="holiday").count() == 8
    assert not workdays.is_working_day(date(2027, 2, 8))  # a Monday of the Spring Festival
    assert workdays.is_working_day(date(2027, 2, 14))  # the make-up Sunday
    audit = AuditLog.objects.get(action="calendar.entered")
    assert audit.actor == personas["supervisor"]
    assert "2027-02-14" in audit.changes["workdays"][1]
    page = client.get(reverse("holidays:year-detail", args=[2027])).content.decode()
    assert "2027-02-14" in page


def test_a_wrong_date_is_refused_and_nothing_is_saved(no_2027, client, personas):
    client.force_login(personas["admin"])
    response = client.post(
        reverse("holidays:year-detail", args=[2027]),
        {"holidays": "2027-01-01 元旦\n2026-12-31 跨年", "workdays": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "2026-12-31 is not in 2027" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_api_refuses_a_day_of_another_year_with_its_field(no_2027, api):
    response = api("admin").put(
        "/api/v1/calendar/years/2027",
        data={"days": [{"date": "2028-01-01", "kind": "holiday"}]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "day_outside_year"
    assert response.json()["field"] == "days"
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_a_broker_may_not_enter_a_calendar(no_2027, personas):
    with pytest.raises(PermissionDeniedError):
        enter_year(
            actor=personas["broker"], year=2027, days=[(date(2027, 1, 1), "holiday", "元旦")]
        )


def test_a_notice_is_imported_from_csv(no_2027, client, personas):
    client.force_login(personas["admin"])
    data = "日期,类型,名称\n2027-01-01,休,元旦\n2027-02-14,班,春节\n".encode()
    upload = io.BytesIO(data)
    upload.name = "2027.csv"
    response = client.post(
        reverse("holidays:year-import"), {"year": 2027, "notice": "", "file": upload}
    )
    assert response.status_code == 302
    calendar = CalendarYear.objects.get(year=2027)
    assert calendar.source == "imported"
    assert list(calendar.days.values_list("day", "kind")) == [
        (date(2027, 1, 1), "holiday"),
        (date(2027, 2, 14), "workday"),
    ]


def test_a_notice_is_imported_from_a_spreadsheet(no_2027, client, personas):
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["date", "kind", "name"])
    sheet.write_row(1, 0, ["2027-10-01", "holiday", "国庆节"])
    sheet.write_datetime(2, 0, datetime(2027, 10, 9), book.add_format({"num_format": "yyyy-mm-dd"}))
    sheet.write_row(2, 1, ["workday", "国庆节"])
    book.close()
    out.seek(0)
    out.name = "2027.xlsx"
    client.force_login(personas["admin"])
    client.post(reverse("holidays:year-import"), {"year": 2027, "file": out})
    assert set(CalendarDay.objects.filter(calendar__year=2027).values_list("day", "kind")) == {
        (date(2027, 10, 1), "holiday"),
        (date(2027, 10, 9), "workday"),
    }


def test_a_file_with_an_unknown_kind_is_refused(no_2027, client, personas):
    upload = io.BytesIO(b"date,kind\n2027-01-01,maybe\n")
    upload.name = "x.csv"
    client.force_login(personas["admin"])
    response = client.post(
        reverse("holidays:year-import"),
        {"year": 2027, "file": upload},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "row 2" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()


def _now(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_next_years_calendar_is_missing_from_the_first_of_november(no_2027):
    with _now(at(2026, 10, 31)):
        assert workdays.missing_year() is None
    with _now(at(2026, 11, 1)):
        assert workdays.missing_year() == 2027
    enter_year(actor=None, year=2027, days=[(date(2027, 1, 1), "holiday", "元旦")])
    with _now(at(2026, 11, 1)):
        assert workdays.missing_year() is None


def test_the_current_year_missing_is_always_reported():
    with _now(at(2099, 3, 1)):
        assert workdays.missing_year() == 2099


def test_console_dashboard_and_system_check_warn_of_the_missing_year(no_2027, client, personas):
    client.force_login(personas["supervisor"])
    with _now(at(2026, 11, 2)):
        home = client.get(reverse("core:console-home"), HTTP_ACCEPT_LANGUAGE="en")
        dashboard = client.get(reverse("dashboard:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
        errors = [e.id for e in run_checks(include_deployment_checks=True)]
    assert "The 2027 holidays are missing" in home.content.decode()
    assert "The 2027 holidays and make-up working days are not entered" in (
        dashboard.content.decode()
    )
    assert "driverhome.W010" in errors
    with _now(at(2026, 10, 2)):
        home = client.get(reverse("core:console-home"), HTTP_ACCEPT_LANGUAGE="en")
        errors = [e.id for e in run_checks(include_deployment_checks=True)]
    assert "holidays are missing" not in home.content.decode()
    assert "driverhome.W010" not in errors
