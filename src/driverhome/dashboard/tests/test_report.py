"""The monthly report: the Excel workbook (read back with python-calamine), the print page, the command."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from python_calamine import CalamineWorkbook

from driverhome.dashboard import report


def _services(orgs, n_jan=3, n_feb=2):
    from driverhome.drivers.models import Driver
    from driverhome.services.models import LifecycleNode, ServiceItem, ServiceRecord

    node = LifecycleNode.objects.first() or LifecycleNode.objects.create(code="N99", name="测试")
    item = ServiceItem.objects.filter(node=node).first() or ServiceItem.objects.create(
        code="N99-01", node=node, name="测试服务"
    )
    driver = Driver.objects.create(name="张伟", organisation=orgs["xiapu"])
    jan = timezone.make_aware(datetime(2026, 1, 10, 9))
    feb = timezone.make_aware(datetime(2026, 2, 10, 9))
    # Records dated in the past: test data for reading (record_service stamps "now").
    ServiceRecord.objects.bulk_create(
        [ServiceRecord(driver=driver, item=item, delivered_at=jan) for _ in range(n_jan)]
        + [ServiceRecord(driver=driver, item=item, delivered_at=feb) for _ in range(n_feb)]
    )


def _sheets(content: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _row(rows, label):
    return next(r for r in rows if r and r[0] == label)


@pytest.mark.django_db
def test_workbook_has_a_sheet_per_section_values_and_charts(orgs):
    _services(orgs)
    with translation.override("en"):
        data = report.build(orgs["district"], date(2026, 2, 1))
        content = report.workbook(data)
    sheets = _sheets(content)
    names = list(sheets)
    assert names[0] == "Summary"
    for section in data.sections:
        assert section["label"][:31] in names
    services = sheets[next(s["label"] for s in data.sections if s["key"] == "services")]
    label = next(
        r["label"] for s in data.sections for r in s["rows"] if r["key"] == "services_delivered"
    )
    row = _row(services, label)
    assert row[1:4] == [2.0, 5.0, 5.0]  # this month, year to date, to date
    # Native Excel charts in the workbook (trends, breakdowns).
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert any(n.startswith("xl/charts/chart") for n in archive.namelist())


@pytest.mark.django_db
def test_workbook_trend_sheet_has_twelve_months_to_the_report_month(orgs):
    _services(orgs)
    data = report.build(orgs["district"], date(2026, 2, 1))
    assert data.trend["months"][0] == "2025-03" and data.trend["months"][-1] == "2026-02"
    assert data.trend["series"]["services_delivered"][-2:] == [3, 2]


@pytest.mark.django_db
def test_report_download_is_one_click_and_scoped(client_for, orgs):
    _services(orgs)
    response = client_for("supervisor").get(
        reverse("dashboard:report-xlsx"), {"org": "t-xiapu", "month": "2026-01"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "driverhome-report-t-xiapu-2026-01.xlsx" in response["Content-Disposition"]
    assert _sheets(response.content)
    assert (
        client_for("site_staff")
        .get(reverse("dashboard:report-xlsx"), {"org": "t-beilun", "month": "2026-01"})
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_print_page_is_a4_with_page_numbers_and_no_inline_code(client_for, orgs):
    _services(orgs)
    response = client_for("supervisor").get(reverse("dashboard:report"), {"month": "2026-02"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "report.css" in html and 'style="' not in html and "<script>" not in html
    assert "2026-02" in html
    from django.contrib.staticfiles import finders

    css = open(finders.find("dashboard/report.css"), encoding="utf-8").read()
    assert "size: A4" in css and "counter(page)" in css and "@media print" in css


@pytest.mark.django_db
def test_print_page_rejects_a_malformed_month_with_a_message(client_for):
    response = client_for("supervisor").get(reverse("dashboard:report"), {"month": "2026-1"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_report_command_writes_the_workbook(orgs, tmp_path):
    _services(orgs)
    out = tmp_path / "beilun.xlsx"
    call_command("report", "--org", "t-beilun", "--month", "2026-01", "--out", str(out))
    sheets = _sheets(out.read_bytes())
    assert len(sheets) >= 2
    assert not (tmp_path / "beilun.xlsx.part").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "nowhere", "--month", "2026-01"], "No organisation"),
        (["--org", "t-beilun", "--month", "2026-13"], "not a month"),
        (["--org", "t-beilun", "--month", "January"], "not a month"),
    ],
)
def test_report_command_rejects_bad_input_clearly(orgs, tmp_path, args, message):
    out = tmp_path / "x.xlsx"
    with pytest.raises(CommandError, match=message):
        call_command("report", *args, "--out", str(out))
    assert not out.exists()


def test_format_value_shows_rates_yuan_and_counts():
    assert report.format_value(97.5, "rate") == "97.5%"
    assert report.format_value(1000, "yuan") == "¥1,000"
    assert report.format_value(2942, "count") == "2,942"
    assert report.format_value(None, "count") == "—"
    assert report.format_value(2.5, "days") == "2.5"


def test_twelve_months_before_wraps_the_year():
    assert report._twelve_months_before(date(2026, 2, 1)) == date(2025, 3, 1)
    assert report._twelve_months_before(date(2026, 12, 1)) == date(2026, 1, 1)
    assert report._twelve_months_before(date(2026, 1, 1)) - timedelta(days=1) == date(2025, 1, 31)
