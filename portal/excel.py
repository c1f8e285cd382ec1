"""Cells written into the portal's Excel exports, safe from formula injection.

A name typed by a supplier, a unit or an outlet ends up in workbooks that officers open in
Excel or WPS. A text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can
be read there as a formula (``=HYPERLINK("http://evil.example","x")``), so it is written as
text prefixed with ``'`` (the OWASP CSV-injection rule). Numbers, Decimals and dates pass
unchanged; so does every other value.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_value(value: Any) -> Any:
    """``value`` as a cell may hold it: a text that could start a formula gets a leading
    ``'``; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row's values made safe; a cell built beforehand (bold, a number format) keeps its
    style and has its value made safe in place."""
    row = []
    for value in values:
        if isinstance(value, Cell):
            if isinstance(value.value, str) or value.data_type == "f":
                value.value = safe_value(value.value)
            row.append(value)
        else:
            row.append(safe_value(value))
    return row


TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)


def titled_sheet(book, name: str, *, title: str, headers: Sequence[tuple[str, int]]):
    """A new write-only sheet of ``book`` opening with ``title`` (larger, bold) and a row of
    the column headers (bold), both kept in view as the officer scrolls; each column as wide
    as ``headers`` says (header, width)."""
    sheet = book.create_sheet(name)
    for index, (_header, width) in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    sheet.append([styled_cell(sheet, title, font=TITLE_FONT)])
    sheet.append([styled_cell(sheet, header, font=HEADER_FONT) for header, _width in headers])
    return sheet


def styled_cell(sheet, value: Any, *, font: Font | None = None, number_format: str = ""):
    """A cell of a write-only ``sheet`` with its font or number format, its value made safe."""
    cell = WriteOnlyCell(sheet, value=safe_value(value))
    if font is not None:
        cell.font = font
    if number_format:
        cell.number_format = number_format
    return cell


def write_row(sheet, values: Iterable[Any]) -> None:
    """Append ``values`` to ``sheet`` (normal or write-only), made safe."""
    sheet.append(safe_row(values))


def add_notes_sheet(book, *, facts: list[tuple[str, object]], lines: list[str]) -> None:
    """The "填写说明" sheet of an import template: who it is for (label, value pairs, written
    safely), then one instruction a row."""
    notes = book.create_sheet("填写说明")
    for label, value in facts:
        notes.append(safe_row([label, value]))
    notes.append([])
    for line in lines:
        notes.append([line])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 40


def workbook_bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
