"""The monthly report: the month's figures, year-to-date and monthly trends, as data,
as an Excel workbook (a sheet per section, native charts) and as a print page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from driverhome.core import sheets

from . import panels, registry
from . import summary as S
from .actions import month_start
from .labels import labelled


@dataclass
class Report:
    org: object
    month: date
    period: S.Period
    year_to_date: S.Period
    generated_at: object
    sections: list[dict] = field(default_factory=list)
    breakdowns: list[dict] = field(default_factory=list)
    trend: dict = field(default_factory=dict)
    units: list[dict] | None = None
    sites: list[dict] | None = None
    missing: list[str] = field(default_factory=list)

    @property
    def trend_headers(self) -> list[str]:
        return [str(registry.BY_KEY[k].label) for k in self.trend.get("series", {})]

    @property
    def trend_rows(self) -> list[dict]:
        series = self.trend.get("series", {})
        return [
            {
                "month": month,
                "values": [
                    format_value(values[i], registry.BY_KEY[k].kind) for k, values in series.items()
                ],
            }
            for i, month in enumerate(self.trend.get("months", []))
        ]

    @property
    def org_name(self) -> str:
        return self.org.name if self.org is not None else _("All organisations")

    @property
    def title(self) -> str:
        return _("%(org)s Driver's Home monthly report, %(year)d-%(month)02d") % {
            "org": self.org_name,
            "year": self.month.year,
            "month": self.month.month,
        }


def format_value(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == registry.Kind.RATE:
        return f"{value:.1f}%"
    if kind == registry.Kind.YUAN:
        return f"¥{value:,.0f}"
    if kind == registry.Kind.DAYS:
        return f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def build(org, month: date) -> Report:
    month = month_start(month)
    period = S.month_period(month.year, month.month)
    ytd = S.Period(date(month.year, 1, 1), period.end)
    in_month = S.compute(org, period)
    in_year = S.compute(org, ytd)
    to_date = S.compute(org, S.Period(None, period.end))
    data = Report(
        org=org,
        month=month,
        period=period,
        year_to_date=ytd,
        generated_at=timezone.localtime(),
    )
    sections: dict[str, dict] = {}
    for figure in registry.FIGURES:
        if figure.function() is None:
            data.missing.append(figure.key)
            continue
        if figure.kind == registry.Kind.BREAKDOWN:
            value = to_date[figure.key] if figure.periodic else in_month[figure.key]
            if value:
                rows = labelled(figure.key, value)
                data.breakdowns.append(
                    {"key": figure.key, "label": str(figure.label), "rows": rows}
                )
            continue
        section = sections.setdefault(
            figure.section,
            {
                "key": figure.section,
                "label": str(registry.SECTION_LABELS[figure.section]),
                "rows": [],
            },
        )
        row = {
            "key": figure.key,
            "label": str(figure.label),
            "kind": figure.kind,
            "periodic": figure.periodic,
            "month": in_month[figure.key],
            "year": in_year[figure.key] if figure.periodic else None,
            "total": to_date[figure.key] if figure.periodic else in_month[figure.key],
        }
        row["month_text"] = format_value(row["month"], figure.kind) if figure.periodic else ""
        row["year_text"] = format_value(row["year"], figure.kind) if figure.periodic else ""
        row["total_text"] = format_value(row["total"], figure.kind)
        section["rows"].append(row)
    data.sections = list(sections.values())
    data.trend = S.trends(org, S.Period(_twelve_months_before(month), period.end))
    data.units = panels.units_ranked(org, period)
    data.sites = panels.sites(None, org, period)
    return data


def _twelve_months_before(month: date) -> date:
    year, m = month.year, month.month - 11
    if m <= 0:
        year, m = year - 1, m + 12
    return date(year, m, 1)


def filename(data: Report) -> str:
    code = data.org.code if data.org is not None else "all"
    return f"driverhome-report-{code}-{data.month:%Y-%m}.xlsx"


# ---------------------------------------------------------------- Excel


def _sheet_name(text: str, used: set) -> str:
    name = "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or "Sheet"
    base, n = name, 2
    while name in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def workbook(data: Report) -> bytes:
    """The report as an .xlsx: a cover sheet, a sheet per section, breakdowns and trends with charts."""
    buffer = io.BytesIO()
    book = sheets.workbook(buffer, in_memory=True, remove_timezone=True)
    font = {"font_name": "Microsoft YaHei", "font_size": 10}
    fmt = {
        "title": book.add_format({**font, "bold": True, "font_size": 16, "font_color": "#b3261e"}),
        "sub": book.add_format({**font, "font_color": "#555555"}),
        "head": book.add_format(
            {**font, "bold": True, "bg_color": "#b3261e", "font_color": "#ffffff", "border": 1}
        ),
        "text": book.add_format({**font, "border": 1}),
        "count": book.add_format({**font, "border": 1, "num_format": "#,##0"}),
        "rate": book.add_format({**font, "border": 1, "num_format": "0.0%"}),
        "yuan": book.add_format({**font, "border": 1, "num_format": "¥#,##0"}),
        "days": book.add_format({**font, "border": 1, "num_format": "0.0"}),
        "blank": book.add_format({**font, "border": 1, "font_color": "#999999"}),
    }
    number_fmt = {
        registry.Kind.COUNT: fmt["count"],
        registry.Kind.RATE: fmt["rate"],
        registry.Kind.YUAN: fmt["yuan"],
        registry.Kind.DAYS: fmt["days"],
    }
    book.set_properties({"title": data.title, "author": "driverhome", "company": data.org_name})
    used: set = set()

    def put(sheet, row, col, value, kind):
        if value is None:
            sheet.write_string(row, col, "—", fmt["blank"])
        else:
            if kind == registry.Kind.RATE:
                value = float(value) / 100  # Excel shows fractions as per cent
            sheet.write_number(row, col, float(value), number_fmt.get(kind, fmt["count"]))

    # Cover: every figure of the month on one sheet.
    cover = book.add_worksheet(_sheet_name(_("Summary"), used))
    cover.set_paper(9)  # A4
    cover.set_column(0, 0, 34)
    cover.set_column(1, 3, 16)
    cover.write_string(0, 0, data.title, fmt["title"])
    cover.write_string(
        1,
        0,
        _("Period %(start)s to %(end)s · generated %(at)s")
        % {
            "start": data.period.start,
            "end": data.period.end,
            "at": data.generated_at.strftime("%Y-%m-%d %H:%M"),
        },
        fmt["sub"],
    )
    headers = [_("Figure"), _("This month"), _("Year to date"), _("To date")]
    row = 3
    for section in data.sections:
        cover.write_string(row, 0, section["label"], fmt["head"])
        for col, text in enumerate(headers[1:], start=1):
            cover.write_string(row, col, text, fmt["head"])
        row += 1
        for item in section["rows"]:
            cover.write_string(row, 0, item["label"], fmt["text"])
            if item["periodic"]:
                put(cover, row, 1, item["month"], item["kind"])
                put(cover, row, 2, item["year"], item["kind"])
            else:
                cover.write_string(row, 1, "", fmt["text"])
                cover.write_string(row, 2, "", fmt["text"])
            put(cover, row, 3, item["total"], item["kind"])
            row += 1
        row += 1

    # A sheet per section.
    for section in data.sections:
        sheet = book.add_worksheet(_sheet_name(section["label"], used))
        sheet.set_paper(9)
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, 3, 16)
        sheet.write_string(0, 0, section["label"], fmt["title"])
        for col, text in enumerate(headers):
            sheet.write_string(2, col, text, fmt["head"])
        for i, item in enumerate(section["rows"], start=3):
            sheet.write_string(i, 0, item["label"], fmt["text"])
            put(sheet, i, 1, item["month"] if item["periodic"] else None, item["kind"])
            put(sheet, i, 2, item["year"], item["kind"])
            put(sheet, i, 3, item["total"], item["kind"])
        sheet.freeze_panes(3, 1)

    # Monthly trends, one line per figure, with a chart of the counts and one of the rates.
    trend = data.trend
    if trend.get("series"):
        sheet = book.add_worksheet(_sheet_name(_("Monthly trends"), used))
        sheet.set_column(0, 0, 12)
        sheet.set_column(1, len(trend["series"]), 16)
        sheet.write_string(0, 0, _("Month"), fmt["head"])
        keys = list(trend["series"])
        for col, key in enumerate(keys, start=1):
            sheet.write_string(0, col, str(registry.BY_KEY[key].label), fmt["head"])
        for r, month in enumerate(trend["months"], start=1):
            sheet.write_string(r, 0, month, fmt["text"])
            for col, key in enumerate(keys, start=1):
                put(sheet, r, col, trend["series"][key][r - 1], registry.BY_KEY[key].kind)
        last = len(trend["months"])
        name = sheet.get_name()
        for chart_kind, title, anchor in (
            (registry.Kind.COUNT, _("Monthly counts"), "B%d" % (last + 3)),
            (registry.Kind.RATE, _("Monthly rates"), "B%d" % (last + 21)),
        ):
            cols = [c for c, k in enumerate(keys, start=1) if registry.BY_KEY[k].kind == chart_kind]
            if not cols:
                continue
            chart = book.add_chart({"type": "line"})
            for col in cols:
                chart.add_series(
                    {
                        "name": [name, 0, col],
                        "categories": [name, 1, 0, last, 0],
                        "values": [name, 1, col, last, col],
                        "marker": {"type": "circle"},
                    }
                )
            chart.set_title({"name": title, "name_font": {"name": font["font_name"]}})
            chart.set_legend({"position": "bottom", "font": {"name": font["font_name"]}})
            if chart_kind == registry.Kind.RATE:
                chart.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
            chart.set_size({"width": 760, "height": 320})
            sheet.insert_chart(anchor, chart)

    # Breakdowns with a bar chart each.
    for breakdown in data.breakdowns:
        sheet = book.add_worksheet(_sheet_name(breakdown["label"], used))
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, 1, 14)
        sheet.write_string(0, 0, breakdown["label"], fmt["head"])
        sheet.write_string(0, 1, _("Number"), fmt["head"])
        rows = breakdown["rows"]
        for r, (label, value) in enumerate(rows, start=1):
            sheet.write_string(r, 0, str(label), fmt["text"])
            put(sheet, r, 1, value, registry.Kind.COUNT)
        if rows:
            shown = min(len(rows), 20)
            chart = book.add_chart({"type": "bar"})
            chart.add_series(
                {
                    "name": breakdown["label"],
                    "categories": [sheet.get_name(), 1, 0, shown, 0],
                    "values": [sheet.get_name(), 1, 1, shown, 1],
                    "fill": {"color": "#b3261e"},
                }
            )
            chart.set_title({"name": breakdown["label"], "name_font": {"name": font["font_name"]}})
            chart.set_legend({"none": True})
            chart.set_y_axis({"reverse": True})
            chart.set_size({"width": 620, "height": max(260, 22 * shown + 80)})
            sheet.insert_chart("D2", chart)

    # Units ranked by on-time rate, and sites.
    if data.units:
        sheet = book.add_worksheet(_sheet_name(_("Units ranked"), used))
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, 3, 14)
        for col, text in enumerate(
            [_("Handling unit"), _("Requests"), _("On time"), _("On-time rate")]
        ):
            sheet.write_string(0, col, text, fmt["head"])
        for r, unit in enumerate(data.units, start=1):
            sheet.write_string(r, 0, unit["name"], fmt["text"])
            put(sheet, r, 1, unit["requests"], registry.Kind.COUNT)
            put(sheet, r, 2, unit.get("on_time"), registry.Kind.COUNT)
            put(sheet, r, 3, unit["rate"], registry.Kind.RATE)
    if data.sites:
        sheet = book.add_worksheet(_sheet_name(_("Driver's Homes: grade and use"), used))
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, 2, 14)
        for col, text in enumerate([pgettext("dashboard", "Site"), _("Grade"), _("Visits")]):
            sheet.write_string(0, col, text, fmt["head"])
        for r, site in enumerate(data.sites, start=1):
            sheet.write_string(r, 0, site["name"], fmt["text"])
            sheet.write_string(r, 1, site.get("grade") or "—", fmt["text"])
            put(sheet, r, 2, site.get("visits"), registry.Kind.COUNT)
    book.close()
    return buffer.getvalue()
