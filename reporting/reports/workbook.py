"""The quarterly report as an Excel workbook (openpyxl): one sheet per subject, each with a
title row naming the report, the period and the scope, a frozen header row, yuan as
``#,##0.00`` beside a 万元 column, shares as ``0.0%`` and a totals row. The cells hold the
figures of ``data.collect_figures`` and nothing else, so the same figures give the same cells.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from portal.excel import safe_value
from portal.formatting import WAN
from procurement.models import BudgetUnit

from .figures import ReportFigures, ScopeTotals, ratio
from .text import long_date, report_title

YUAN = "#,##0.00"
COUNT = "#,##0"
PERCENT = "0.0%"
TEXT = "@"

TITLE_FONT = Font(bold=True, size=14)
NOTE_FONT = Font(size=10, color="555555")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E8C")
TOTAL_FONT = Font(bold=True)
TOTAL_FILL = PatternFill("solid", fgColor="E8EEF6")
THIN = Side(style="thin", color="B7C3D0")
TOTAL_BORDER = Border(top=THIN)
# Excel refuses these in a sheet name and cuts names at 31 characters.
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


@dataclass(frozen=True)
class Col:
    header: str
    width: int
    fmt: str | None = None


def wan(value: Decimal | None) -> Decimal | None:
    """Yuan in 万元 (exact: a shift of four places)."""
    return None if value is None else value / WAN


class Sheets:
    def __init__(self, figures: ReportFigures):
        self.figures = figures
        self.book = Workbook()
        self.book.remove(self.book.active)
        self.names: set[str] = set()

    def sheet(self, name: str) -> Worksheet:
        base = name.translate(SHEET_NAME_FORBIDDEN)[:31]
        title, n = base, 2
        while title in self.names:
            title = f"{base[:28]}({n})"
            n += 1
        self.names.add(title)
        ws = self.book.create_sheet(title)
        f = self.figures
        ws.cell(row=1, column=1, value=f"{report_title(f)} — {name}").font = TITLE_FONT
        ws.cell(row=2, column=1, value=period_note(f)).font = NOTE_FONT
        return ws

    def table(
        self,
        ws: Worksheet,
        top: int,
        columns: Sequence[Col],
        rows: Iterable[Sequence],
        totals: Sequence | None = None,
        *,
        freeze: bool = True,
        indents: Sequence[int] | None = None,
    ) -> int:
        """Write a header at row ``top``, the rows and the totals row; return the next free row."""
        for index, col in enumerate(columns, start=1):
            cell = ws.cell(row=top, column=index, value=col.header)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            letter = get_column_letter(index)
            width = ws.column_dimensions[letter].width or 0
            ws.column_dimensions[letter].width = max(width, col.width)
        ws.row_dimensions[top].height = 32
        if freeze:
            ws.freeze_panes = ws.cell(row=top + 1, column=1)
        current = top + 1
        for position, values in enumerate(rows):
            self._row(ws, current, columns, values)
            if indents is not None and indents[position]:
                ws.cell(row=current, column=2).alignment = Alignment(indent=2 * indents[position])
            current += 1
        if totals is not None:
            self._row(ws, current, columns, totals)
            for index in range(1, len(columns) + 1):
                cell = ws.cell(row=current, column=index)
                cell.font, cell.fill, cell.border = TOTAL_FONT, TOTAL_FILL, TOTAL_BORDER
            current += 1
        return current

    @staticmethod
    def _row(ws: Worksheet, row: int, columns: Sequence[Col], values: Sequence) -> None:
        for index, (col, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = ws.cell(row=row, column=index, value=safe_value(value))
            if col.fmt and value is not None and not isinstance(value, str):
                cell.number_format = col.fmt
            elif isinstance(value, str):
                cell.number_format = TEXT

    def save(self) -> bytes:
        # The document's dates are the period's end rather than the clock's (openpyxl still
        # stamps "modified" on save: the checksum is taken over the figures, not the bytes).
        import datetime

        stamp = datetime.datetime.combine(self.figures.last_day, datetime.time())
        self.book.properties.created = stamp
        self.book.properties.creator = self.figures.city_name
        self.book.properties.title = report_title(self.figures)
        buffer = io.BytesIO()
        self.book.save(buffer)
        return buffer.getvalue()


def period_note(f: ReportFigures) -> str:
    return _(
        "Period: %(first)s to %(last)s (year to date from %(year_first)s). Scope: %(scope)s."
    ) % {
        "first": long_date(f.first_day),
        "last": long_date(f.last_day),
        "year_first": long_date(f.year_first_day),
        "scope": f.scope_name,
    }


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


# --- the sheets ----------------------------------------------------------------------------


def _key_figures(sheets: Sheets, ws: Worksheet, top: int, totals: ScopeTotals) -> int:
    """The indicators of one scope: the quarter's, the year to date's, and the latter in 万元."""
    columns = [
        Col(_("Indicator"), 30),
        Col(_("This quarter"), 20),
        Col(_("Year to date"), 20),
        Col(_("Year to date (10k yuan)"), 18, YUAN),
    ]
    t = totals
    rows = [
        (_("Assistance purchases (yuan)"), t.assistance_quarter, t.assistance_ytd, YUAN),
        (_("Farm-products purchases declared (yuan)"), t.agri_quarter, t.agri_ytd, YUAN),
        (_("Share of assistance purchases"), t.share_quarter, t.share_ytd, PERCENT),
        (_("Required share"), t.required_share, t.required_share, PERCENT),
        (_("Procurement records (count)"), t.records_quarter, t.records_ytd, COUNT),
        (_("Budget units"), None, t.units_total, COUNT),
        (_("Units meeting the quota"), None, t.units_compliant, COUNT),
        (_("Annual target (yuan)"), None, t.target, YUAN),
        (_("Progress against the target"), None, t.progress, PERCENT),
    ]
    next_row = sheets.table(
        ws,
        top,
        columns,
        [(label, q, y, wan(y) if fmt == YUAN else None) for label, q, y, fmt in rows],
    )
    for offset, (_label, _q, _y, fmt) in enumerate(rows, start=top + 1):
        for column in (2, 3):
            ws.cell(row=offset, column=column).number_format = fmt
    return next_row


def _district_columns() -> list[Col]:
    return [
        Col(_("District"), 14),
        Col(_("Division code"), 10),
        Col(_("Assistance this quarter (yuan)"), 20, YUAN),
        Col(_("This quarter (10k yuan)"), 14, YUAN),
        Col(_("Assistance year to date (yuan)"), 20, YUAN),
        Col(_("Year to date (10k yuan)"), 14, YUAN),
        Col(_("Farm-products declared year to date (yuan)"), 20, YUAN),
        Col(_("Share year to date"), 10, PERCENT),
        Col(_("Required share"), 10, PERCENT),
        Col(_("Budget units"), 10, COUNT),
        Col(_("Units meeting the quota"), 10, COUNT),
        Col(_("Annual target (yuan)"), 20, YUAN),
        Col(_("Progress against the target"), 12, PERCENT),
    ]


def summary_sheet(sheets: Sheets) -> None:
    f = sheets.figures
    name = _("City summary") if not f.is_district else _("District summary")
    ws = sheets.sheet(name)
    after = _key_figures(sheets, ws, 4, f.summary)
    ws.cell(row=after + 1, column=1, value=_("By district")).font = TOTAL_FONT
    rows = [
        (
            d.name,
            d.code,
            d.assistance_quarter,
            wan(d.assistance_quarter),
            d.assistance_ytd,
            wan(d.assistance_ytd),
            d.agri_ytd,
            d.share_ytd,
            d.required_share,
            d.units_total,
            d.units_compliant,
            d.target,
            d.progress,
        )
        for d in f.districts
    ]
    quarter = sum((d.assistance_quarter for d in f.districts), Decimal(0))
    ytd = sum((d.assistance_ytd for d in f.districts), Decimal(0))
    agri = sum((d.agri_ytd for d in f.districts), Decimal(0))
    targets = [d.target for d in f.districts if d.target is not None]
    target = sum(targets, Decimal(0)) if targets else None
    totals = (
        _("Total"),
        "",
        quarter,
        wan(quarter),
        ytd,
        wan(ytd),
        agri,
        ratio(ytd, agri),
        f.summary.required_share,
        sum(d.units_total for d in f.districts),
        sum(d.units_compliant for d in f.districts),
        target,
        ratio(ytd, target),
    )
    sheets.table(ws, after + 2, _district_columns(), rows, totals, freeze=False)


def _unit_columns() -> list[Col]:
    return [
        Col(_("District"), 12),
        Col(_("Budget unit"), 34),
        Col(_("Unit category"), 14),
        Col(_("Farm-products declared (yuan)"), 20, YUAN),
        Col(_("Assistance purchases (yuan)"), 20, YUAN),
        Col(_("Share"), 10, PERCENT),
        Col(_("Required share"), 10, PERCENT),
        Col(_("Shortfall (yuan)"), 18, YUAN),
        Col(_("Last year's assistance (yuan)"), 20, YUAN),
        Col(_("Meets the quota"), 10),
        Col(_("No lower than last year"), 12),
    ]


def _unit_rows(f: ReportFigures, units) -> tuple[list, tuple]:
    rows = [
        (
            f.district_names.get(u.district, u.district or ""),
            u.name,
            str(BudgetUnit.Category(u.category).label) if u.category else "",
            u.agri_total,
            u.assistance_total,
            u.share,
            u.required_share,
            u.shortfall,
            u.last_year_total,
            yes_no(u.meets_share),
            yes_no(u.meets_growth),
        )
        for u in units
    ]
    agri = sum((u.agri_total for u in units), Decimal(0))
    assistance = sum((u.assistance_total for u in units), Decimal(0))
    totals = (
        _("Total"),
        _("%(n)s units") % {"n": len(units)},
        "",
        agri,
        assistance,
        ratio(assistance, agri),
        f.summary.required_share,
        sum((u.shortfall for u in units), Decimal(0)),
        sum((u.last_year_total for u in units), Decimal(0)),
        sum(1 for u in units if u.meets_share),
        sum(1 for u in units if u.meets_growth),
    )
    return rows, totals


def district_sheets(sheets: Sheets) -> None:
    f = sheets.figures
    for district in f.districts:
        ws = sheets.sheet(district.name)
        after = _key_figures(sheets, ws, 4, district)
        ws.cell(row=after + 1, column=1, value=_("Budget units' compliance")).font = TOTAL_FONT
        units = [u for u in f.units if u.district == district.code]
        rows, totals = _unit_rows(f, units)
        sheets.table(ws, after + 2, _unit_columns(), rows, totals, freeze=False)


def units_sheet(sheets: Sheets) -> None:
    f = sheets.figures
    ws = sheets.sheet(_("Budget units' compliance"))
    ws.cell(
        row=3,
        column=1,
        value=_(
            "Year to date: declarations of quarters 1 to %(quarter)s, purchases dated up to "
            "%(last)s; rejected records do not count."
        )
        % {"quarter": f.quarter, "last": long_date(f.last_day)},
    ).font = NOTE_FONT
    rows, totals = _unit_rows(f, f.units)
    sheets.table(ws, 4, _unit_columns(), rows, totals)


def _money_columns(first: Sequence[Col]) -> list[Col]:
    return [
        *first,
        Col(_("This quarter (yuan)"), 20, YUAN),
        Col(_("This quarter (10k yuan)"), 14, YUAN),
        Col(_("Share of the quarter"), 10, PERCENT),
        Col(_("Year to date (yuan)"), 20, YUAN),
        Col(_("Year to date (10k yuan)"), 14, YUAN),
        Col(_("Records this quarter"), 10, COUNT),
    ]


def _money_cells(quarter: Decimal, whole: Decimal, ytd: Decimal, records: int) -> tuple:
    return (quarter, wan(quarter), ratio(quarter, whole), ytd, wan(ytd), records)


def regions_sheet(sheets: Sheets) -> None:
    f = sheets.figures
    ws = sheets.sheet(_("By paired region"))
    whole = f.summary.assistance_quarter
    columns = _money_columns(
        [Col(_("Division code"), 10), Col(_("Region"), 26), Col(_("Level"), 10)]
    )
    columns.insert(3, Col(_("Paired with"), 16))
    rows = [
        (
            r.code,
            r.name,
            _level_label(r.level),
            "、".join(r.paired_with),
            *_money_cells(r.quarter, whole, r.ytd, r.records),
        )
        for r in f.regions
    ]
    top = [r for r in f.regions if r.depth == 0]
    totals = _money_totals(_("Total"), 4, top, whole)
    sheets.table(ws, 4, columns, rows, totals, indents=[r.depth for r in f.regions])


def counties_sheet(sheets: Sheets) -> None:
    f = sheets.figures
    ws = sheets.sheet(_("By county"))
    whole = f.summary.assistance_quarter
    columns = _money_columns(
        [
            Col(_("Division code"), 10),
            Col(_("County"), 16),
            Col(_("Full name"), 30),
            Col(_("Paired with"), 16),
        ]
    )
    columns += [
        Col(_("Annual target (yuan)"), 20, YUAN),
        Col(_("Progress against the target"), 12, PERCENT),
    ]
    rows = [
        (
            r.code,
            r.name,
            r.full_name,
            "、".join(r.paired_with),
            *_money_cells(r.quarter, whole, r.ytd, r.records),
            r.target,
            r.progress,
        )
        for r in f.counties
    ]
    totals = (*_money_totals(_("Total"), 4, f.counties, whole), None, None)
    sheets.table(ws, 4, columns, rows, totals)


def _money_totals(label: str, leading: int, rows, whole: Decimal) -> tuple:
    quarter = sum((r.quarter for r in rows), Decimal(0))
    ytd = sum((r.ytd for r in rows), Decimal(0))
    records = sum(r.records for r in rows)
    return (label, *[""] * (leading - 1), *_money_cells(quarter, whole, ytd, records))


def coded_sheet(sheets: Sheets, title: str, header: str, rows_in) -> None:
    f = sheets.figures
    ws = sheets.sheet(title)
    whole = f.summary.assistance_quarter
    columns = _money_columns([Col(_("Code"), 18), Col(header, 22)])
    rows = [(r.code, r.name, *_money_cells(r.quarter, whole, r.ytd, r.records)) for r in rows_in]
    sheets.table(ws, 4, columns, rows, _money_totals(_("Total"), 2, rows_in, whole))


def outlets_sheet(sheets: Sheets) -> None:
    f = sheets.figures
    ws = sheets.sheet(_("Outlets by district and kind"))
    ws.cell(
        row=3,
        column=1,
        value=_(
            "Outlets open at some time in the quarter, including those that exited during it; "
            "sales as reported for the quarter's months."
        ),
    ).font = NOTE_FONT
    columns = [
        Col(_("District"), 12),
        Col(_("Division code"), 10),
        Col(_("Kind"), 16),
        Col(_("Outlets open in the quarter"), 14, COUNT),
        Col(_("Of which exited in the quarter"), 14, COUNT),
        Col(_("Sales this quarter (yuan)"), 20, YUAN),
        Col(_("Sales this quarter (10k yuan)"), 14, YUAN),
    ]
    rows = [
        (o.district_name, o.district_code, o.kind_label, o.open, o.exited, o.sales, wan(o.sales))
        for o in f.outlets
    ]
    sales = sum((o.sales for o in f.outlets), Decimal(0))
    totals = (
        _("Total"),
        "",
        "",
        sum(o.open for o in f.outlets),
        sum(o.exited for o in f.outlets),
        sales,
        wan(sales),
    )
    sheets.table(ws, 4, columns, rows, totals)


def certifications_sheet(sheets: Sheets) -> None:
    f = sheets.figures
    ws = sheets.sheet(_("Certifications"))
    ws.cell(
        row=3,
        column=1,
        value=_(
            "City-wide. Issued: validity starting in the quarter; expired: last day of validity "
            "in the quarter (revoked certificates excepted); revoked: revocations dated in the "
            "quarter."
        ),
    ).font = NOTE_FONT
    columns = [
        Col(_("Code"), 14),
        Col(_("Scheme"), 30),
        Col(_("Issued in the quarter"), 14, COUNT),
        Col(_("Expired in the quarter"), 14, COUNT),
        Col(_("Revoked in the quarter"), 14, COUNT),
    ]
    rows = [(c.scheme, c.name, c.issued, c.expired, c.revoked) for c in f.certifications]
    totals = (
        _("Total"),
        "",
        sum(c.issued for c in f.certifications),
        sum(c.expired for c in f.certifications),
        sum(c.revoked for c in f.certifications),
    )
    sheets.table(ws, 4, columns, rows, totals)


def _level_label(level: str) -> str:
    from portal.models import Region

    try:
        return str(Region.Level(level).label)
    except ValueError:
        return level


def workbook_bytes(figures: ReportFigures) -> bytes:
    sheets = Sheets(figures)
    summary_sheet(sheets)
    district_sheets(sheets)
    units_sheet(sheets)
    regions_sheet(sheets)
    counties_sheet(sheets)
    coded_sheet(sheets, _("By channel"), _("Channel"), figures.channels)
    coded_sheet(sheets, _("By product category"), _("Product category"), figures.categories)
    outlets_sheet(sheets)
    certifications_sheet(sheets)
    return sheets.save()
