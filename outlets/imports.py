"""Importing a month's sales of many outlets from a spreadsheet: .xlsx, or .csv in UTF-8 (with or
without BOM) or GB18030/GBK, with the template's headers (``HEADERS``).

All rows or none: every row is read and checked with the rules of a single report
(``outlets.services.sales.check_sales``), every problem is reported with its row number, column
and reason, and nothing is saved unless every row is good. A row without an amount is left out
(the template lists every outlet; not every one has its figure yet).

An outlet is named by its number (``编号``, the portal's id, as the template fills it in) or by
its district and name. The file is read by ``portal.spreadsheets`` (size, encodings, shape,
damaged or inflating workbooks); a formula counts by the value Excel saved with it, and a
formula saved without one (a file written by a script) is refused by cell.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.models import Region
from portal.roles import actor_of
from portal.spreadsheets import (
    ImportFileError,
    RowProblem,
    Table,
    normalise_header,
    read_table,
)

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
# 1,000 reports x 6 columns per INSERT/UPDATE stays far below PostgreSQL's 65,535 parameters.
BATCH_SIZE = 1000
SHEET_TITLE = "月度销售额"


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
        header = [normalise_header(cell) for cell in table.rows[0]]
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
        table = read_table(name, content, expected_columns=len(HEADERS))
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

    from portal.excel import add_notes_sheet, safe_row, workbook_bytes

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
            safe_row(
                [
                    outlet.pk,
                    outlet.name,
                    outlet.district.name,
                    kinds.get(outlet.kind, outlet.kind),
                    month_label(month),
                    outlet.month_amount,
                ]
            )
        )
        # A name beginning with "=" stays text: openpyxl would write it as a formula.
        sheet.cell(row=sheet.max_row, column=2).data_type = "s"
        sheet.cell(row=sheet.max_row, column=6).number_format = "#,##0.00"
    for column, width in zip("ABCDEF", (8, 36, 12, 18, 10, 16), strict=True):
        sheet.column_dimensions[column].width = width
    add_notes_sheet(
        book,
        facts=[("报送单位", actor_of(user).organisation_name), ("月份", month_label(month))],
        lines=[
            "每行一个专柜（专馆、专区、专列、专站、消费帮扶中心）；第一行表头请勿修改。",
            "按“编号”识别专柜；无编号时按“所在区”与“专柜名称”识别。“类型”仅供核对。",
            "销售额为当月帮扶产品销售额，单位为元，最多两位小数；当月无销售请填0；暂未统计的请留空。",
            "已报送的月份再次导入即为更正，以本次导入的金额为准。",
            "任何一行有误时整份文件都不会导入，系统会列出每一处错误的行号、列名和原因。",
        ],
    )
    return workbook_bytes(book)
