"""Workbooks and CSV files the platform writes: user text always stays text.

A name such as ``=HYPERLINK("http://…"&A1,"x")`` typed into a form or an imported
roster must come out of an export as those characters, never as a live formula or
link in the official's spreadsheet. Every XLSX and CSV writer goes through here:

* :func:`workbook` opens an ``xlsxwriter`` workbook that never turns a string into a
  formula, a link or a number, and :func:`write_row` writes each string with
  ``write_string`` (numbers and blanks keep their types, dates are written in ISO form).
* :func:`csv_cell` / :func:`csv_writer` put a leading apostrophe before a CSV cell
  that a spreadsheet would read as a formula (OWASP's defence): it starts with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

#: first characters that make a spreadsheet read a cell as a formula or a command
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: xlsxwriter options that keep every string a string
SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def workbook(target, **options):
    """An ``xlsxwriter.Workbook`` on ``target`` that writes strings only as text."""
    import xlsxwriter

    return xlsxwriter.Workbook(target, {**options, **SAFE_OPTIONS})


def write_row(sheet, row: int, col: int, values, cell_format=None) -> None:
    """Write ``values`` from (row, col): strings as text, numbers as numbers, blanks empty."""
    for offset, value in enumerate(values):
        at = (row, col + offset)
        if value is None:
            sheet.write_blank(*at, None, cell_format)
        elif isinstance(value, bool):
            sheet.write_boolean(*at, value, cell_format)
        elif isinstance(value, int | float | Decimal):
            sheet.write_number(*at, float(value), cell_format)
        elif isinstance(value, dt.date):
            sheet.write_string(*at, value.isoformat(), cell_format)
        else:
            sheet.write_string(*at, str(value), cell_format)


def csv_cell(value):
    """A CSV cell that no spreadsheet runs: formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(stream, *args, **kwargs) -> _SafeWriter:
    """``csv.writer`` whose every cell passes through :func:`csv_cell`."""
    return _SafeWriter(csv.writer(stream, *args, **kwargs))
