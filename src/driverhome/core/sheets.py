"""Workbooks and CSV files the platform writes and reads: user text always stays text, and
no uploaded file can take a worker down.

A name such as ``=HYPERLINK("http://…"&A1,"x")`` typed into a form or an imported
roster must come out of an export as those characters, never as a live formula or
link in the official's spreadsheet. Every XLSX and CSV writer goes through here:

* :func:`workbook` opens an ``xlsxwriter`` workbook that never turns a string into a
  formula, a link or a number, and :func:`write_row` writes each string with
  ``write_string`` (numbers and blanks keep their types, dates are written in ISO form).
* :func:`csv_cell` / :func:`csv_writer` put a leading apostrophe before a CSV cell
  that a spreadsheet would read as a formula (OWASP's defence): it starts with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return.

Every upload is read through :func:`read_table` (rosters, the organisation tree): a
spreadsheet in a child process with capped memory and CPU, after a zip-bomb check; a CSV
in UTF-8 or GB18030 with its size and quoting checked. Whatever it cannot read is
refused with :class:`ImportFileError` and a reason, never a server error.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import zipfile
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

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


# --- reading ---------------------------------------------------------------------------------

# What an upload may be: far above a district's tens of thousands of drivers, far below what
# would exhaust a worker's memory. Larger files are split into several.
MAX_ROWS = 300_000
MAX_COLUMNS = 200
# A zip (.xlsx, .ods): members, unpacked size in all, unpacked size per packed byte.
ZIP_MAX_MEMBERS = 1_000
ZIP_MAX_UNPACKED = 512 * 1024 * 1024
ZIP_MAX_RATIO = 200
READ_CPU_SECONDS = 120


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (not a spreadsheet, no header row ...)."""


def _unreadable() -> ImportFileError:
    return ImportFileError(
        _("The file could not be read as a spreadsheet. Save it as .xlsx or CSV and try again.")
    )


def _too_large() -> ImportFileError:
    return ImportFileError(
        _(
            "The sheet is too large: at most %(rows)s rows and %(columns)s columns. "
            "Split the roster into several files."
        )
        % {"rows": f"{MAX_ROWS:,}", "columns": MAX_COLUMNS}
    )


def _decode_text(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("The file is not a spreadsheet (.xlsx) or a CSV file."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The file is not a spreadsheet (.xlsx) or a CSV file."))


def _check_zip(data: bytes) -> None:
    """Refuse a zip (.xlsx, .ods) that unpacks to far more than it weighs (a zip bomb).

    Every member is read through, so a member that unpacks beyond the size its header
    declares fails its checksum here, before the spreadsheet reader sees it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        if len(members) > ZIP_MAX_MEMBERS:
            raise _unreadable()
        declared = sum(m.file_size for m in members)
        if declared > ZIP_MAX_UNPACKED or declared > ZIP_MAX_RATIO * max(len(data), 1):
            raise ImportFileError(
                _("The file unpacks to far more data than a roster holds; it is refused.")
            )
        for member in members:
            with archive.open(member) as stream:
                while stream.read(1 << 20):
                    pass
    except ImportFileError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ):
        raise _unreadable() from None


# Run in a child process with capped memory and CPU: the spreadsheet reader allocates
# the sheet's whole rectangle at once (a 5 KB file with one far cell asks for 500 GB
# and aborts the process), so a hostile file must not be read by the web or job worker.
# The sheet is named by its index ("#0") or its name; a missing named sheet answers "absent".
_READER = """
import io, pickle, resource, sys
memory, cpu, rows_max, columns_max = (int(v) for v in sys.argv[1:5])
wanted = sys.argv[5]
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
from python_calamine import CalamineWorkbook
data = sys.stdin.buffer.read()
try:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    if wanted.startswith("#"):
        sheet = book.get_sheet_by_index(int(wanted[1:]))
    elif wanted in book.sheet_names:
        sheet = book.get_sheet_by_name(wanted)
    else:
        sheet = None
    if sheet is None:
        answer = ("absent", None)
    elif sheet.height > rows_max or sheet.width > columns_max:
        answer = ("too_large", None)
    else:
        answer = ("rows", sheet.to_python(skip_empty_area=False))
except Exception as exc:
    answer = ("unreadable", type(exc).__name__)
sys.stdout.buffer.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
"""


def _read_spreadsheet(data: bytes, sheet: int | str = 0) -> list[list] | None:
    import pickle
    import subprocess
    import sys

    command = [
        sys.executable,
        "-I",  # isolated: no user site, no environment, no current directory on the path
        "-c",
        _READER,
        str(settings.IMPORT_READ_MAX_MB * 1024 * 1024),
        str(READ_CPU_SECONDS),
        str(MAX_ROWS + 1),
        str(MAX_COLUMNS),
        f"#{sheet}" if isinstance(sheet, int) else sheet,
    ]
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and code, the file on stdin
            command, input=data, capture_output=True, timeout=READ_CPU_SECONDS * 2, check=False
        )
    except subprocess.TimeoutExpired:
        raise _too_large() from None
    if done.returncode != 0 or not done.stdout:
        # Killed by its memory or CPU limit: a sheet too large (or too strange) to read.
        logging.getLogger(__name__).warning(
            "spreadsheet reader stopped (exit %s): %s", done.returncode, done.stderr[-300:]
        )
        raise _too_large()
    kind, value = pickle.loads(done.stdout)  # noqa: S301 - written by our own child process
    if kind == "too_large":
        raise _too_large()
    if kind == "absent":
        return None
    if kind != "rows":
        raise _unreadable()
    return value


def _read_csv(data: bytes) -> list[list]:
    text = _decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    table = []
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS or len(table) > MAX_ROWS:
                raise _too_large()
            table.append(row)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportFileError(
                _("Line %(line)s has a cell longer than %(limit)s characters.")
                % {"line": reader.line_num, "limit": f"{csv.field_size_limit():,}"}
            ) from None
        raise ImportFileError(
            _("The CSV file is damaged near line %(line)s (check its quotes).")
            % {"line": reader.line_num}
        ) from None
    return table


def is_spreadsheet(data: bytes, filename: str = "") -> bool:
    """Whether ``data`` is read as a workbook (.xlsx, .xls, .ods) rather than as CSV."""
    return (
        data[:4] == b"PK\x03\x04"
        or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        or Path(filename).suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods")
    )


def read_table(data: bytes, filename: str = "", *, sheet: int | str = 0) -> list[list] | None:
    """All rows of one sheet (or the CSV) as lists of cell values, header first.

    ``sheet`` is the sheet's index or name; a named sheet the workbook lacks gives None
    (a CSV has one table, read whatever ``sheet`` says). Raises :class:`ImportFileError`
    with a clear reason for any file it cannot read: not a spreadsheet, damaged, a zip
    bomb, more than ``MAX_ROWS`` rows or ``MAX_COLUMNS`` columns, a CSV with broken
    quoting or a cell beyond the CSV limit."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(
            _("The file is too large: at most %(mb)s MB.")
            % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    is_zip = data[:4] == b"PK\x03\x04"
    is_ole = data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if is_spreadsheet(data, filename):
        if is_zip:
            _check_zip(data)
        elif not is_ole:
            raise _unreadable()
        return _read_spreadsheet(data, sheet)
    return _read_csv(data)
