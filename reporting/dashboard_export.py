"""The dashboard's Excel export: one workbook, a sheet of headline figures and then one sheet
per figure holding exactly the table the page shows under its chart, money in yuan."""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal.excel import safe_value

if TYPE_CHECKING:
    from .dashboard import Dashboard
    from .dashboard_figures import Figure

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YUAN_FORMAT = "#,##0.00"
SHARE_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
FORMATS = {"money": YUAN_FORMAT, "share": SHARE_FORMAT, "count": COUNT_FORMAT}
# Excel refuses these in a sheet's name and cuts names at 31 characters.
SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _sheet_name(title: str, used: set[str]) -> str:
    name = title.translate(SHEET_FORBIDDEN)[:31]
    base, n = name, 2
    while name in used:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def _bold(sheet, value):
    cell = WriteOnlyCell(sheet, value=safe_value(value))
    cell.font = Font(bold=True)
    return cell


def _cell(sheet, value, kind: str):
    cell = WriteOnlyCell(sheet, value=safe_value(value))
    if kind in FORMATS and value is not None:
        cell.number_format = FORMATS[kind]
    return cell


def _header(column) -> str:
    if column.kind == "money":
        return _("%(label)s (yuan)") % {"label": column.label}
    return column.label


def dashboard_workbook(data: Dashboard, figures: list[Figure], *, title: str):
    """The workbook in a temporary file (write-only mode: the tables are small, but the
    writer is the same as the other exports')."""
    book = Workbook(write_only=True)
    used: set[str] = set()
    head = data.headline
    summary = book.create_sheet(_sheet_name(_("Summary"), used))
    summary.column_dimensions["A"].width = 36
    summary.column_dimensions["B"].width = 22
    summary.append([_bold(summary, title)])
    summary.append([_bold(summary, _("Figure")), _bold(summary, _("Value"))])
    for label, value, kind in (
        (_("Assistance purchases in the period (yuan)"), head.amount, "money"),
        (_("Year to date (yuan)"), head.year_to_date, "money"),
        (_("Annual target (yuan)"), head.target, "money"),
        (_("Completion rate"), head.target_rate, "share"),
        (_("Budget units"), head.units_total, "count"),
        (_("Units meeting the share"), head.units_compliant, "count"),
        (_("Required share"), head.required_share, "share"),
        (_("Active outlets"), head.outlets_active, "count"),
        (_("Outlets opened in the period"), head.outlets_opened, "count"),
    ):
        summary.append([label, _cell(summary, value, kind)])
    for figure in figures:
        sheet = book.create_sheet(_sheet_name(figure.title, used))
        sheet.freeze_panes = "A4"
        for index in range(len(figure.columns)):
            sheet.column_dimensions[chr(ord("A") + index)].width = 16 if index else 30
        sheet.append([_bold(sheet, figure.title)])
        sheet.append([safe_value(figure.takeaway)])
        sheet.append([_bold(sheet, _header(column)) for column in figure.columns])
        for row in figure.rows:
            sheet.append(
                [
                    _cell(sheet, value, column.kind)
                    for value, column in zip(row, figure.columns, strict=True)
                ]
            )
        if figure.totals and figure.rows:
            kinds = [column.kind for column in figure.columns]
            sheet.append(
                [
                    _bold(sheet, value) if index == 0 else _cell(sheet, value, kinds[index])
                    for index, value in enumerate(figure.totals)
                ]
            )
        if figure.note:
            sheet.append([])
            sheet.append([safe_value(figure.note)])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the FileResponse closes it
    book.save(handle)
    handle.seek(0)
    return handle
