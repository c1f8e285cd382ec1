"""Importing purchases from the clerk's spreadsheet: .xlsx, or .csv in UTF-8 (with or without
BOM) or GB18030/GBK, with the template's headers (api.md, "Import file").

All rows or none: every row is read and checked, every problem is reported with its row
number, column and reason, and nothing is saved unless every row is good.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from portal.models import Role
from portal.spreadsheets import (
    MAX_ROWS,
    ImportFileError,
    RowProblem,
    normalise_header,
    read_table,
)
from products.models import Product
from products.selectors import supplier_for_user

from .models import BudgetUnit, Channel, ProcurementRecord, Purpose
from .rules import RecordData, check_records
from .services import lock_budget_unit, require_unit_role
from .tasks import run_integrity_checks
from .totals import counted, totals_apply

HEADERS = (
    "采购日期",
    "供应商统一社会信用代码",
    "供应商名称",
    "产品名称",
    "金额(元)",
    "数量",
    "单位",
    "采购渠道",
    "用途",
    "发票号码",
)
FIELD_HEADER = {
    "purchased_on": "采购日期",
    "supplier": "供应商统一社会信用代码",
    "product": "产品名称",
    "amount": "金额(元)",
    "quantity": "数量",
    "unit": "单位",
    "channel": "采购渠道",
    "purpose": "用途",
    "invoice_no": "发票号码",
}
# A year of a large unit's purchases is a few thousand rows; 20,000 leaves room and keeps one
# import to a few seconds. Wider than 50 columns or longer than 1 MB a cell is not a template.
# Bulk insert batch: 1,000 rows × 13 columns stays far below PostgreSQL's 65,535 parameters.
BATCH_SIZE = 1000
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


@dataclass
class ImportResult:
    created: int
    errors: list[RowProblem]


def _label_aliases(choices) -> dict[str, str]:
    """Codes, and their labels in each of the portal's languages, mapped to the code."""
    aliases = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in choices.choices:
                aliases[str(label).strip().lower()] = code
    for code in choices.values:
        aliases[code.lower()] = code
    return aliases


# The names clerks use beside the portal's own labels.
EXTRA_CHANNEL_NAMES = {
    "832": Channel.PLATFORM_832,
    "832平台": Channel.PLATFORM_832,
    "专柜": Channel.OUTLET,
    "专馆": Channel.OUTLET,
    "专区": Channel.OUTLET,
    "圳帮扶": Channel.ONLINE_MALL,
    "线上商城": Channel.ONLINE_MALL,
    "直采": Channel.DIRECT,
    "直接采购": Channel.DIRECT,
    "以购代捐": Channel.BUY_FOR_DONATION,
    "其他": Channel.OTHER,
}
EXTRA_PURPOSE_NAMES = {
    "食堂": Purpose.CANTEEN,
    "食堂采购": Purpose.CANTEEN,
    "工会福利": Purpose.UNION_WELFARE,
    "慰问": Purpose.GIFTS,
    "节日慰问": Purpose.GIFTS,
    "其他": Purpose.OTHER,
}


def _parse_date(text: str) -> datetime.date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


def _parse_decimal(text: str, *, places: int) -> Decimal | None:
    cleaned = text.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or -value.as_tuple().exponent > places:
        return None
    return value


class _RowReader:
    """Turns one row of strings into RecordData, noting what cannot be read."""

    def __init__(self, *, user, rows: list[list[str]]):
        header = [normalise_header(cell) for cell in rows[0]]
        missing = [name for name in HEADERS if name not in header]
        if missing:
            raise ImportFileError(
                _(
                    "The header row lacks the column(s) %(columns)s; download the template and "
                    "keep its first row."
                )
                % {"columns": "、".join(missing)}
            )
        self.position = {name: header.index(name) for name in HEADERS}
        body = rows[1:]
        codes = {self._cell(row, "供应商统一社会信用代码").upper() for row in body}
        names = {self._cell(row, "供应商名称") for row in body}
        visible = supplier_for_user(user).filter(status="active")
        self.by_code = {s.credit_code: s for s in visible.filter(credit_code__in=codes)}
        self.by_name = {s.name: s for s in visible.filter(name__in=names)}
        suppliers = {s.pk for s in [*self.by_code.values(), *self.by_name.values()]}
        self.products = {
            (p.supplier_id, p.name): p
            for p in Product.objects.filter(supplier_id__in=suppliers).only(
                "id", "name", "supplier_id"
            )
        }
        self.channels = {**_label_aliases(Channel), **EXTRA_CHANNEL_NAMES}
        self.purposes = {**_label_aliases(Purpose), **EXTRA_PURPOSE_NAMES}

    def _cell(self, row: list[str], column: str) -> str:
        index = self.position[column]
        return row[index].strip() if index < len(row) else ""

    def read(self, row: list[str], number: int, errors: list[RowProblem]):
        def fail(column: str, message: str) -> None:
            errors.append(RowProblem(number, column, message))

        before = len(errors)
        day = _parse_date(self._cell(row, "采购日期"))
        if day is None:
            fail(
                "采购日期",
                _("“%(value)s” is not a date (write 2026-03-15).")
                % {"value": self._cell(row, "采购日期")},
            )
        code = self._cell(row, "供应商统一社会信用代码").upper()
        name = self._cell(row, "供应商名称")
        supplier = self.by_code.get(code) if code else self.by_name.get(name)
        if supplier is None:
            fail(
                "供应商统一社会信用代码",
                _("No active supplier “%(supplier)s” is registered in the portal.")
                % {"supplier": code or name},
            )
        amount = _parse_decimal(self._cell(row, "金额(元)"), places=2)
        if amount is None:
            fail(
                "金额(元)",
                _("“%(value)s” is not an amount in yuan with at most two decimals.")
                % {"value": self._cell(row, "金额(元)")},
            )
        quantity = None
        if self._cell(row, "数量"):
            quantity = _parse_decimal(self._cell(row, "数量"), places=3)
            if quantity is None:
                fail(
                    "数量", _("“%(value)s” is not a quantity.") % {"value": self._cell(row, "数量")}
                )
        channel = self.channels.get(self._cell(row, "采购渠道").lower())
        if channel is None:
            fail(
                "采购渠道",
                _("Unknown channel “%(value)s”.") % {"value": self._cell(row, "采购渠道")},
            )
        purpose = self.purposes.get(self._cell(row, "用途").lower())
        if purpose is None:
            fail("用途", _("Unknown purpose “%(value)s”.") % {"value": self._cell(row, "用途")})
        product = None
        product_name = self._cell(row, "产品名称")
        if product_name and supplier is not None:
            product = self.products.get((supplier.pk, product_name))
            if product is None:
                fail(
                    "产品名称",
                    _("“%(product)s” is not in the catalogue of “%(supplier)s”.")
                    % {"product": product_name, "supplier": supplier.name},
                )
        if len(errors) > before:
            return None
        return RecordData(
            purchased_on=day,
            supplier=supplier,
            product=product,
            amount=amount,
            quantity=quantity,
            unit=self._cell(row, "单位")[:16],
            channel=channel,
            purpose=purpose,
            invoice_no=self._cell(row, "发票号码")[:64],
        )


def _rule_problems(
    budget_unit: BudgetUnit, parsed: list[tuple[int, RecordData]], as_of: datetime.date
) -> list[RowProblem]:
    """The rules of a single purchase (procurement.rules), broken by the rows read."""
    checks = check_records(
        budget_unit_id=budget_unit.pk, rows=[data for _n, data in parsed], as_of=as_of
    )
    return [
        RowProblem(number, FIELD_HEADER.get(field, field), message)
        for (number, _data), result in zip(parsed, checks, strict=True)
        for field, messages in result.errors.items()
        for message in messages
    ]


def procurement_import(
    *, actor, budget_unit: BudgetUnit, name: str, content: bytes, as_of: datetime.date
) -> ImportResult:
    """Import a spreadsheet of purchases into the clerk's unit, all rows or none; every rule of
    a single purchase (procurement.rules) applies to every row."""
    require_unit_role(actor, budget_unit, Role.UNIT_CLERK)
    try:
        rows = read_table(name, content, expected_columns=len(HEADERS)).rows
        if not rows:
            raise ImportFileError(_("The file is empty."))
        reader = _RowReader(user=actor, rows=rows)
    except ImportFileError as error:
        return ImportResult(0, [RowProblem(1, "", error.message)])
    errors: list[RowProblem] = []
    parsed: list[tuple[int, RecordData]] = []
    for offset, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines between rows are harmless
        data = reader.read(row, offset, errors)
        if data is not None:
            parsed.append((offset, data))
    if not parsed and not errors:
        errors.append(RowProblem(2, "", _("The file has a header row but no purchases.")))
    try:
        with transaction.atomic():
            # Checked and saved under the unit's lock, as a single purchase is: the same file
            # posted twice at once is saved once (the second finds its invoices logged), and
            # a quarter being submitted takes no rows.
            lock_budget_unit(budget_unit.pk)
            errors.extend(_rule_problems(budget_unit, parsed, as_of))
            if errors:
                errors.sort(
                    key=lambda error: (
                        error.row,
                        HEADERS.index(error.column) if error.column in HEADERS else -1,
                    )
                )
                return ImportResult(0, errors)
            records = [
                ProcurementRecord(budget_unit=budget_unit, created_by=actor, **data.as_fields())
                for _number, data in parsed
            ]
            bulk_create_with_history(
                records,
                ProcurementRecord,
                batch_size=BATCH_SIZE,
                default_user=actor,
                default_change_reason=_("Imported from %(name)s") % {"name": name[:80]},
            )
            totals_apply(added=counted(records))  # the whole file: one statement per table
            # The integrity checks of the imported dates, once the rows are committed.
            days = [record.purchased_on for record in records]
            transaction.on_commit(
                lambda: run_integrity_checks.delay(
                    unit_id=budget_unit.pk, first=min(days).isoformat(), last=max(days).isoformat()
                )
            )
    except IntegrityError:
        # The same purchases saved between the checks above and this save by a writer that
        # does not take the unit's lock: record_invoice_unique refused them, nothing of this
        # import was saved.
        return ImportResult(
            0,
            [
                RowProblem(
                    parsed[0][0],
                    FIELD_HEADER["invoice_no"],
                    _(
                        "These purchases were imported at the same moment by another request; "
                        "nothing from this file was saved. Check the ledger before importing "
                        "again."
                    ),
                )
            ],
        )
    return ImportResult(len(parsed), [])


def build_template(budget_unit: BudgetUnit) -> bytes:
    """The import template of api.md as an .xlsx: the unit's name on top of the instructions
    sheet, the headers in order on the first sheet, and drop-downs of the Chinese channel and
    purpose labels (codes are accepted too)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from portal.excel import add_notes_sheet, workbook_bytes

    with translation.override("zh-hans"):
        channel_labels = [str(label) for _code, label in Channel.choices]
        purpose_labels = [str(label) for _code, label in Purpose.choices]
    book = Workbook()
    sheet = book.active
    sheet.title = "采购记录"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJ", (12, 22, 30, 18, 12, 8, 8, 16, 12, 16), strict=True):
        sheet.column_dimensions[column].width = width
    lists = book.create_sheet("选项")
    for row, label in enumerate(channel_labels, start=1):
        lists.cell(row=row, column=1, value=label)
    for row, label in enumerate(purpose_labels, start=1):
        lists.cell(row=row, column=2, value=label)
    lists.sheet_state = "hidden"
    for column, letter, count in (("H", "A", len(channel_labels)), ("I", "B", len(purpose_labels))):
        validation = DataValidation(
            type="list", formula1=f"=选项!${letter}$1:${letter}${count}", allow_blank=False
        )
        validation.add(f"{column}2:{column}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)
    add_notes_sheet(
        book,
        facts=[("预算单位", budget_unit.name), ("统一社会信用代码", budget_unit.credit_code or "")],
        lines=[
            "每行一笔采购；第一行表头请勿修改。",
            "采购日期按2026-03-15格式填写；金额单位为元，最多两位小数。",
            "供应商须在采购日期持有有效的帮扶产品认定；按统一社会信用代码识别供应商。",
            "采购渠道、用途可从下拉列表选择，也可填写代码。",
            "同一供应商的发票号码在本单位只能登记一次。",
            "任何一行有误时整份文件都不会导入，系统会列出每一处错误的行号、列名和原因。",
        ],
    )
    return workbook_bytes(book)
