"""Reading a year's notice as an official types it or sends it in a small file.

Typed: one line per day or span, ``2027-02-05`` or ``2027-02-05~2027-02-11``, optionally
followed by the festival's name (``2027-02-05~2027-02-11 春节``). A file (CSV or .xlsx): a
header row, then one row per day with the columns ``date``, ``kind`` (``holiday`` /
``workday``, or 休 / 班) and ``name``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from driverhome.core.errors import DomainError

from .models import CalendarDay

_SPAN = re.compile(
    r"^(?P<start>\d{4}-\d{1,2}-\d{1,2})(?:\s*[~～至到]\s*(?P<end>\d{4}-\d{1,2}-\d{1,2}))?\s*(?P<name>.*)$"
)
KINDS = {
    "holiday": CalendarDay.Kind.HOLIDAY,
    "休": CalendarDay.Kind.HOLIDAY,
    "放假": CalendarDay.Kind.HOLIDAY,
    "假": CalendarDay.Kind.HOLIDAY,
    "workday": CalendarDay.Kind.WORKDAY,
    "班": CalendarDay.Kind.WORKDAY,
    "上班": CalendarDay.Kind.WORKDAY,
    "调休上班": CalendarDay.Kind.WORKDAY,
}
HEADERS = {"date": ("date", "日期"), "kind": ("kind", "类型"), "name": ("name", "名称", "节日")}
MAX_DAYS = 366


def _date(text: str, where: str) -> date:
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in text.strip().split("-")))
    except ValueError:
        raise DomainError(
            _("%(where)s: “%(text)s” is not a date (write 2027-01-01).")
            % {"where": where, "text": text},
            code="bad_date",
            field="days",
        ) from None


def parse_lines(text: str, kind: str) -> list[tuple[date, str, str]]:
    days = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        where = _("line %(n)s") % {"n": number}
        match = _SPAN.match(line)
        if match is None:
            raise DomainError(
                _("%(where)s: “%(text)s” is not a date or a span of dates.")
                % {"where": where, "text": line[:40]},
                code="bad_date",
                field="days",
            )
        start = _date(match["start"], where)
        end = _date(match["end"], where) if match["end"] else start
        if end < start or (end - start).days > 31:
            raise DomainError(
                _("%(where)s: the span must run forward and last at most a month.")
                % {"where": where},
                code="bad_span",
                field="days",
            )
        day = start
        while day <= end:
            days.append((day, kind, match["name"].strip()))
            day += timedelta(days=1)
    return days


def read_file(data: bytes, filename: str = "") -> list[tuple[date, str, str]]:
    """The days listed in a CSV or spreadsheet file (see the module's docstring)."""
    rows = _rows(data, filename)
    if not rows:
        raise DomainError(_("The file is empty."), code="empty_file", field="file")
    header = [str(cell or "").strip().lower() for cell in rows[0]]
    columns = {}
    for key, names in HEADERS.items():
        for index, cell in enumerate(header):
            if cell in names:
                columns[key] = index
                break
    if "date" not in columns or "kind" not in columns:
        raise DomainError(
            _("The first row must name the columns: date, kind, name."),
            code="bad_header",
            field="file",
        )
    days = []
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row) + [""] * len(header)
        value, kind = cells[columns["date"]], str(cells[columns["kind"]] or "").strip()
        if value in ("", None) and not kind:
            continue
        where = _("row %(n)s") % {"n": number}
        if isinstance(value, datetime):
            day = value.date()
        elif isinstance(value, date):
            day = value
        else:
            day = _date(str(value).split(" ")[0], where)
        if kind.lower() not in KINDS:
            raise DomainError(
                _("%(where)s: the kind must be “holiday” (休) or “workday” (班), not “%(kind)s”.")
                % {"where": where, "kind": kind[:20]},
                code="kind",
                field="file",
            )
        name = str(cells[columns["name"]] or "").strip() if "name" in columns else ""
        days.append((day, KINDS[kind.lower()], name))
        if len(days) > MAX_DAYS:
            raise DomainError(_("The file lists more days than a year has."), code="too_many")
    return days


def _rows(data: bytes, filename: str) -> list[list]:
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xls", ".ods")):
        from python_calamine import CalamineWorkbook

        try:
            sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
            return sheet.to_python(skip_empty_area=True)
        except Exception:  # noqa: BLE001 - calamine raises several types for a broken file
            raise DomainError(
                _("The file could not be read: save it as .xlsx or CSV."),
                code="bad_file",
                field="file",
            ) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError(
            _("The file could not be read: save it as .xlsx or CSV."), code="bad_file", field="file"
        )
    return [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
