"""Reading the spreadsheets people upload (the purchase import, the outlets' monthly sales):
.xlsx, or .csv in UTF-8 (with or without BOM) or GB18030/GBK, the offices' usual encodings.

A file is refused whole, with a message safe to show, when it cannot be a template: too
large, an old .xls, a damaged or inflating workbook, an unknown encoding, too many rows or
columns. Each importer then checks its own headers and rows, and reports every problem with
its row number, column and reason (``RowProblem``).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

# A city-wide file fits many times over (10^3 units, 10^3-10^4 outlets); wider than 50 columns
# or a cell longer than 1 MB is not a template.
MAX_ROWS = 20_000
MAX_COLUMNS = 50
MAX_CELL_CHARS = 1_000_000


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, format, size, headers)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """The file's rows as strings (the header first), and the (row, column) indexes of formula
    cells saved without a value (a workbook written by a script rather than by Excel)."""

    rows: list[list[str]]
    blank_formulas: set[tuple[int, int]] = field(default_factory=set)


def oversize_message(size: int) -> str | None:
    """Why a file of ``size`` bytes is refused before it is read (the portal's upload limit);
    None when it is within the limit."""
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    if size > limit:
        return _("The file is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)}
    return None


def read_table(name: str, content: bytes, *, expected_columns: int) -> Table:
    """The rows of an uploaded .xlsx or .csv; ``expected_columns`` is the template's width,
    named when a row is far wider."""
    if (problem := oversize_message(len(content))) is not None:
        raise ImportFileError(problem)
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content, expected_columns)
    lowered = name.lower()
    if lowered.endswith((".xlsx", ".xlsm")):
        raise ImportFileError(_("The file is not a valid Excel workbook."))
    if lowered.endswith(".xls"):
        raise ImportFileError(
            _("Old .xls workbooks are not read: save the file as .xlsx or CSV and try again.")
        )
    return Table(_read_csv(content, expected_columns))


def normalise_header(text: str) -> str:
    """A header as typed, compared without spaces, full-width brackets or a BOM."""
    return text.replace(" ", "").replace("（", "(").replace("）", ")").replace("\ufeff", "")


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        _(
            "The file's text encoding is not UTF-8 or GB18030/GBK: save it as “CSV UTF-8” "
            "or as an Excel workbook and try again."
        )
    )


def _check_shape(rows_so_far: int, columns: int, expected_columns: int) -> None:
    if columns > MAX_COLUMNS:
        raise ImportFileError(
            _("Row %(row)s has %(count)s columns; the template has %(expected)s.")
            % {"row": rows_so_far + 1, "count": columns, "expected": expected_columns}
        )
    if rows_so_far > MAX_ROWS:
        raise ImportFileError(
            _("The file has more than %(limit)s rows; split it into several files.")
            % {"limit": f"{MAX_ROWS:,}"}
        )


def _read_csv(content: bytes, expected_columns: int) -> list[list[str]]:
    text = _decode(content)
    if "\x00" in text:
        raise ImportFileError(_("The file is not a CSV text file."))
    rows: list[list[str]] = []
    previous_limit = csv.field_size_limit(MAX_CELL_CHARS)
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            _check_shape(len(rows), len(row), expected_columns)
            rows.append([cell.strip() for cell in row])
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file cannot be read near line %(line)s.") % {"line": len(rows) + 1}
        ) from error
    finally:
        csv.field_size_limit(previous_limit)
    return rows


def _guard_zip(content: bytes) -> None:
    """A workbook is a zip: refuse one that would inflate far beyond any real template."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise ImportFileError(_("The file is not a valid Excel workbook.")) from error
    if inflated > 20 * settings.PORTAL_MAX_UPLOAD_BYTES:
        raise ImportFileError(_("The workbook expands to an implausible size and is refused."))


def _open_first_sheet(content: bytes, *, data_only: bool):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=data_only)
        return book, book.worksheets[0]
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise ImportFileError(_("The file is not a valid Excel workbook.")) from error


def _read_xlsx(content: bytes, expected_columns: int) -> Table:
    _guard_zip(content)
    # Two passes: the values Excel saved with the cells, then where the formulas are.
    book, sheet = _open_first_sheet(content, data_only=True)
    rows: list[list[str]] = []
    try:
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            width = max((i + 1 for i, v in enumerate(values) if v not in (None, "")), default=0)
            _check_shape(len(rows), width, expected_columns)
            rows.append([_cell_text(value) for value in values])
    except ImportFileError:
        raise
    except Exception as error:  # a sheet that breaks half-way is damaged too
        raise ImportFileError(_("The file is not a valid Excel workbook.")) from error
    finally:
        book.close()
    while rows and not any(rows[-1]):
        rows.pop()
    table = Table(rows)
    if not _has_formulas(content):
        return table  # nothing for the second pass to find: it would read every cell again
    book, sheet = _open_first_sheet(content, data_only=False)
    try:
        for index, cells in enumerate(sheet.iter_rows(max_row=len(rows), max_col=MAX_COLUMNS)):
            for column, cell in enumerate(cells):
                if getattr(cell, "data_type", None) == "f" and not rows[index][column]:
                    table.blank_formulas.add((index, column))
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise ImportFileError(_("The file is not a valid Excel workbook.")) from error
    finally:
        book.close()
    return table


# A formula cell's <f> element (<f>, <f t="shared" …/>, or with a namespace prefix).
_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_SCAN_CHUNK = 1 << 20


def _has_formulas(content: bytes) -> bool:
    """Whether the workbook may hold a formula: any part of it (sheets wherever they are
    stored, charts, styles: a stray match costs only the second pass) has an ``<f>`` element,
    read in chunks. Most uploads have none, and openpyxl takes seconds to walk the cells of
    10,000 rows a second time."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            with archive.open(info) as part:
                tail = b""
                while chunk := part.read(_SCAN_CHUNK):
                    if _FORMULA_ELEMENT.search(tail + chunk):
                        return True
                    tail = chunk[-64:]
    return False


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
