"""Importing a month's sales of many outlets from a spreadsheet: .xlsx, or .csv in UTF-8 (with or
without BOM) or GB18030/GBK, with the template's headers (``HEADERS``).

All rows or none: every row is read and checked with the rules of a single report
(``outlets.services.sales.check_sales``), every problem is reported with its row number, column
and reason, and nothing is saved unless every row is good. A row without an amount is left out
(the template lists every outlet; not every one has its figure yet).

An outlet is named by its number (``编号``, the portal's id, as the template fills it in) or by
its district and name. The file checks are those of ``procurement.imports`` (size, encodings,
shape, damaged or inflating workbooks); its reader is not reused because its messages name the
purchase template and it does not tell formulas apart: here a formula counts by the value Excel
saved with it, and a formula saved without one (a file written by a script) is refused by cell.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.models import Region
from portal.roles import actor_of

from .models import Outlet, OutletSalesReport
from .selectors import Month, may_report_sales, sales_month_outlets, was_active_in
from .services.sales import (
    SalesRow,
    amount_error,
    check_sales,
    log_correction,
    month_error,
    month_label,
)

ID, NAME, DISTRICT, KIND, MONTH, AMOUNT = "编号", "专柜名称", "所在区", "类型", "月份", "销售额(元)"
HEADERS = (ID, NAME, DISTRICT, KIND, MONTH, AMOUNT)
# Shenzhen had 2,176 outlets in 2021: one city-wide month fits many times over. Wider than 50
# columns or a cell longer than 1 MB is not a template.
MAX_ROWS = 20_000
MAX_COLUMNS = 50
MAX_CELL_CHARS = 1_000_000
# 1,000 reports x 6 columns per INSERT/UPDATE stays far below PostgreSQL's 65,535 parameters.
BATCH_SIZE = 1000
SHEET_TITLE = "月度销售额"


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[RowProblem] = field(default_factory=list)

    def counts(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, format, size, headers)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """The file's rows as strings (the header first), and the (row, column) indexes of formula
    cells saved without a value."""

    rows: list[list[str]]
    blank_formulas: set[tuple[int, int]] = field(default_factory=set)


# --- reading the file ----------------------------------------------------------------------


def read_table(name: str, content: bytes) -> Table:
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    if len(content) > limit:
        raise ImportFileError(
            _("The file is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)}
        )
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    lowered = name.lower()
    if lowered.endswith((".xlsx", ".xlsm")):
        raise ImportFileError(_("The file is not a valid Excel workbook."))
    if lowered.endswith(".xls"):
        raise ImportFileError(
            _("Old .xls workbooks are not read: save the file as .xlsx or CSV and try again.")
        )
    return Table(_read_csv(content))


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


def _check_shape(rows_so_far: int, columns: int) -> None:
    if columns > MAX_COLUMNS:
        raise ImportFileError(
            _("Row %(row)s has %(count)s columns; the template has %(expected)s.")
            % {"row": rows_so_far + 1, "count": columns, "expected": len(HEADERS)}
        )
    if rows_so_far > MAX_ROWS:
        raise ImportFileError(
            _("The file has more than %(limit)s rows; split it into several files.")
            % {"limit": f"{MAX_ROWS:,}"}
        )


def _read_csv(content: bytes) -> list[list[str]]:
    text = _decode(content)
    if "\x00" in text:
        raise ImportFileError(_("The file is not a CSV text file."))
    rows: list[list[str]] = []
    previous_limit = csv.field_size_limit(MAX_CELL_CHARS)
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            _check_shape(len(rows), len(row))
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


def _read_xlsx(content: bytes) -> Table:
    _guard_zip(content)
    # Two passes: the values Excel saved with the cells, then where the formulas are.
    book, sheet = _open_first_sheet(content, data_only=True)
    rows: list[list[str]] = []
    try:
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
            width = max((i + 1 for i, v in enumerate(values) if v not in (None, "")), default=0)
            _check_shape(len(rows), width)
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


def _normalise_header(text: str) -> str:
    return text.replace(" ", "").replace("（", "(").replace("）", ")").replace("\ufeff", "")


def parse_amount(text: str) -> Decimal | None:
    """``1,234.5``, ``¥1 234.50`` or ``1234.50`` as Decimal; None when it is not a number."""
    cleaned = re.sub(r"[\s,，¥￥]", "", text)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


MONTH_PATTERN = re.compile(r"^(\d{4})\s*(?:[-/.年])\s*(\d{1,2})(?:\s*月)?(?:[-/.]\d{1,2}日?)?$")


def parse_month(text: str) -> Month | None:
    """``2026-03``, ``2026/3``, ``2026年3月`` or an Excel date in the month."""
    match = MONTH_PATTERN.match(text.strip())
    if not match:
        return None
    try:
        return Month(int(match.group(1)), int(match.group(2)))
    except ValueError:
        return None


# --- reading the rows ----------------------------------------------------------------------


@dataclass
class _Parsed:
    number: int
    outlet: Outlet
    amount: Decimal


class _RowReader:
    """Turns rows of strings into (outlet, amount), naming what cannot be read; looks every
    outlet of the file up in two queries, whatever its size."""

    def __init__(self, *, user, month: Month, table: Table):
        header = [_normalise_header(cell) for cell in table.rows[0]]
        named = NAME in header and DISTRICT in header
        if AMOUNT not in header or (ID not in header and not named):
            missing = [AMOUNT] if AMOUNT not in header else []
            if ID not in header and not named:
                missing.append(
                    _("%(number)s, or %(district)s and %(name)s")
                    % {"number": ID, "district": DISTRICT, "name": NAME}
                )
            raise ImportFileError(
                _(
                    "The header row lacks the column(s) %(columns)s; download the template and "
                    "keep its first row."
                )
                % {"columns": "、".join(missing)}
            )
        self.user, self.month, self.table = user, month, table
        self.position = {name: header.index(name) for name in HEADERS if name in header}
        body = table.rows[1:]
        ids = {int(v) for row in body if (v := self._cell(row, ID)).isdigit() and len(v) < 10}
        names = {self._cell(row, NAME) for row in body} - {""}
        outlets = Outlet.objects.select_related("district").filter(pk__in=ids)
        self.by_id = {outlet.pk: outlet for outlet in outlets}
        self.by_name = {
            (outlet.district_id, outlet.name): outlet
            for outlet in Outlet.objects.select_related("district").filter(name__in=names)
        }
        self.districts = {}
        for code, name in Region.objects.filter(parent_id=settings.PORTAL_CITY_CODE).values_list(
            "code", "name"
        ):
            self.districts[code] = self.districts[name] = code
        self.seen: dict[int, int] = {}

    def _cell(self, row: list[str], column: str) -> str:
        index = self.position.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    def _blank_formula(self, index: int, column: str) -> bool:
        position = self.position.get(column)
        return position is not None and (index, position) in self.table.blank_formulas

    def _outlet(self, row, fail) -> Outlet | None:
        number, name = self._cell(row, ID), self._cell(row, NAME)
        district_text = self._cell(row, DISTRICT)
        if number:
            outlet = self.by_id.get(int(number)) if number.isdigit() else None
            if outlet is None:
                fail(ID, _("No outlet has the number “%(value)s”.") % {"value": number})
            elif name and name != outlet.name:
                fail(
                    NAME,
                    _("Outlet number %(number)s is “%(name)s”, not “%(value)s”.")
                    % {"number": number, "name": outlet.name, "value": name},
                )
                return None
            return outlet
        if not name:
            fail(ID, _("Give the outlet's number, or its district and name."))
            return None
        district = self.districts.get(district_text)
        if district is None:
            fail(
                DISTRICT,
                _("“%(value)s” is not a district of the city.") % {"value": district_text},
            )
            return None
        outlet = self.by_name.get((district, name))
        if outlet is None:
            fail(
                NAME,
                _("No outlet “%(name)s” is registered in %(district)s.")
                % {"name": name, "district": district_text},
            )
        return outlet

    def _scope_error(self, outlet: Outlet) -> str | None:
        if may_report_sales(self.user, outlet):
            return None
        if actor_of(self.user).is_district_office:
            return _(
                "“%(outlet)s” is in %(district)s, outside your district: its district's office "
                "reports it."
            ) % {"outlet": outlet.name, "district": outlet.district.name}
        return _("“%(outlet)s” is not operated by your organisation.") % {"outlet": outlet.name}

    def read(self, index: int, row: list[str], errors: list[RowProblem]):
        """(outlet, amount) for a good row, "skip" for a row without an amount, else None."""
        number = index + 1

        def fail(column: str, message: str) -> None:
            errors.append(RowProblem(number, column, message))

        before = len(errors)
        outlet = self._outlet(row, fail)
        if outlet is not None:
            scope = self._scope_error(outlet)
            if scope:
                fail(NAME if NAME in self.position else ID, scope)
            elif outlet.pk in self.seen:
                fail(
                    NAME if NAME in self.position else ID,
                    _("“%(outlet)s” is in row %(row)s already: one row per outlet.")
                    % {"outlet": outlet.name, "row": self.seen[outlet.pk]},
                )
            else:
                self.seen[outlet.pk] = number
        month_text = self._cell(row, MONTH)
        if month_text:
            stated = parse_month(month_text)
            if stated is None:
                fail(
                    MONTH, _("“%(value)s” is not a month (write 2026-03).") % {"value": month_text}
                )
            elif stated != self.month:
                fail(
                    MONTH,
                    _("This row is for %(stated)s, but the file is imported for %(month)s.")
                    % {"stated": month_label(stated), "month": month_label(self.month)},
                )
        amount_text = self._cell(row, AMOUNT)
        amount = None
        if self._blank_formula(index, AMOUNT):
            fail(
                AMOUNT,
                _(
                    "The cell holds a formula without a saved result: type the amount, or open "
                    "and save the file in Excel."
                ),
            )
        elif not amount_text:
            return None if len(errors) > before else "skip"
        else:
            amount = parse_amount(amount_text)
            message = (
                _("“%(value)s” is not an amount in yuan.") % {"value": amount_text}
                if amount is None
                else amount_error(amount)
            )
            if message:
                fail(AMOUNT, message)
        if len(errors) > before:
            return None
        return outlet, amount


# --- the import ----------------------------------------------------------------------------


def _require_reporter_role(user) -> None:
    actor = actor_of(user)
    if not (actor.is_office or actor.is_supplier):
        raise PermissionDenied(
            _("Only coordination offices and outlet operators may report outlets' sales.")
        )


def sales_import(
    *, actor, year: int, month: int, name: str, content: bytes, as_of: datetime.date
) -> ImportResult:
    """Import one month's sales of many outlets, all rows or none; every rule of a single
    report (``check_sales``) applies to every row, and a row may name only an outlet whose
    sales the user reports (issue 5, point 2: "Excel import of a month's sales for many
    outlets, all rows or none, errors by row")."""
    _require_reporter_role(actor)
    try:
        period = Month(year, month)
    except (TypeError, ValueError):
        return ImportResult(errors=[RowProblem(1, MONTH, _("Choose a month from 1 to 12."))])
    problem = month_error(month=period, as_of=as_of)
    if problem:
        return ImportResult(errors=[RowProblem(1, MONTH, problem)])
    try:
        table = read_table(name, content)
        if not table.rows:
            raise ImportFileError(_("The file is empty."))
        reader = _RowReader(user=actor, month=period, table=table)
    except ImportFileError as error:
        return ImportResult(errors=[RowProblem(1, "", error.message)])
    result = ImportResult()
    parsed: list[_Parsed] = []
    for index, row in enumerate(table.rows[1:], start=1):
        if not any(cell.strip() for cell in row):
            continue  # blank lines between rows are harmless
        outcome = reader.read(index, row, result.errors)
        if outcome == "skip":
            result.skipped += 1
        elif outcome is not None:
            parsed.append(_Parsed(index + 1, *outcome))
    if not parsed and not result.errors:
        result.errors.append(RowProblem(2, AMOUNT, _("No row of the file has an amount.")))
    checks = check_sales(
        [SalesRow(p.outlet, period.year, period.month, p.amount) for p in parsed], as_of=as_of
    )
    for item, checked in zip(parsed, checks, strict=True):
        for key, messages in checked.errors.items():
            column = MONTH if key == "month" else AMOUNT
            result.errors.extend(RowProblem(item.number, column, m) for m in messages)
    if result.errors:
        result.errors.sort(key=lambda e: (e.row, HEADERS.index(e.column) if e.column else -1))
        return ImportResult(errors=result.errors)
    _save(actor=actor, period=period, parsed=parsed, result=result)
    return result


@transaction.atomic
def _save(*, actor, period: Month, parsed: list[_Parsed], result: ImportResult) -> None:
    existing = {
        report.outlet_id: report
        for report in OutletSalesReport.objects.select_for_update().filter(
            year=period.year, month=period.month, outlet_id__in=[p.outlet.pk for p in parsed]
        )
    }
    stamp = timezone.now()
    new, changed = [], []
    for item in parsed:
        report = existing.get(item.outlet.pk)
        if report is None:
            new.append(
                OutletSalesReport(
                    outlet=item.outlet,
                    year=period.year,
                    month=period.month,
                    amount=item.amount,
                    reported_by=actor,
                )
            )
        elif report.amount == item.amount:
            result.unchanged += 1
        else:
            previous = report.amount
            report.amount, report.reported_by, report.reported_at = item.amount, actor, stamp
            changed.append(report)
            log_correction(user=actor, report=report, previous=previous)
    OutletSalesReport.objects.bulk_create(new, batch_size=BATCH_SIZE)
    OutletSalesReport.objects.bulk_update(
        changed, ["amount", "reported_by", "reported_at"], batch_size=BATCH_SIZE
    )
    result.created, result.updated = len(new), len(changed)


# --- the template --------------------------------------------------------------------------


def template_outlets(*, user, month: Month) -> list[Outlet]:
    """The outlets the template lists: the user's outlets active in ``month``, and any that
    reported it, with ``month_amount``."""
    return [
        outlet
        for outlet in sales_month_outlets(user=user, month=month)
        if outlet.month_report_id is not None or was_active_in(outlet, month)
    ]


def build_template(*, user, month: Month) -> bytes:
    """The import template as an .xlsx: the headers, then one row per outlet the user reports
    for ``month`` (number, name, district, kind, month, and the amount already reported), and
    a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    outlets = template_outlets(user=user, month=month)
    with translation.override("zh-hans"):
        kinds = {code: str(label) for code, label in Outlet.Kind.choices}
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for outlet in outlets:
        sheet.append(
            [
                outlet.pk,
                outlet.name,
                outlet.district.name,
                kinds.get(outlet.kind, outlet.kind),
                month_label(month),
                outlet.month_amount,
            ]
        )
        # A name beginning with "=" stays text: openpyxl would write it as a formula.
        sheet.cell(row=sheet.max_row, column=2).data_type = "s"
        sheet.cell(row=sheet.max_row, column=6).number_format = "#,##0.00"
    for column, width in zip("ABCDEF", (8, 36, 12, 18, 10, 16), strict=True):
        sheet.column_dimensions[column].width = width
    notes = book.create_sheet("填写说明")
    notes.append(["报送单位", actor_of(user).organisation_name])
    notes.append(["月份", month_label(month)])
    notes.append([])
    for line in (
        "每行一个专柜（专馆、专区、专列、专站、消费帮扶中心）；第一行表头请勿修改。",
        "按“编号”识别专柜；无编号时按“所在区”与“专柜名称”识别。“类型”仅供核对。",
        "销售额为当月帮扶产品销售额，单位为元，最多两位小数；当月无销售请填0；暂未统计的请留空。",
        "已报送的月份再次导入即为更正，以本次导入的金额为准。",
        "任何一行有误时整份文件都不会导入，系统会列出每一处错误的行号、列名和原因。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
