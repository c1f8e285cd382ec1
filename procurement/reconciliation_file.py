"""The 832 platform's order export as the reconciliation reads it: its columns (with the
synonyms the platform's exports have used), and each row checked into an ``OrderRow`` or a
problem with its row, column and reason (``procurement.reconciliation`` stores them)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.spreadsheets import ImportFileError, RowProblem, normalise_header

ORDER_NO, ORDERED_AT, BUYER, SUPPLIER, AMOUNT = (
    "订单编号",
    "下单时间",
    "采购单位",
    "供应商",
    "订单金额(元)",
)
INVOICE_NO, BUYER_CODE = "发票号码", "采购单位统一社会信用代码"
# The columns of the platform's order export the reconciliation reads, in the template's
# order; the last two may be left out.
REQUIRED_HEADERS = (ORDER_NO, ORDERED_AT, BUYER, SUPPLIER, AMOUNT)
OPTIONAL_HEADERS = (INVOICE_NO, BUYER_CODE)
HEADERS = REQUIRED_HEADERS + OPTIONAL_HEADERS
# What the platform's exports (and the offices' copies of them) call the same columns.
SYNONYMS = {
    "订单号": ORDER_NO,
    "订单编码": ORDER_NO,
    "订单号码": ORDER_NO,
    "下单日期": ORDERED_AT,
    "订单时间": ORDERED_AT,
    "创建时间": ORDERED_AT,
    "订单创建时间": ORDERED_AT,
    "采购单位名称": BUYER,
    "采购人": BUYER,
    "买方": BUYER,
    "买家名称": BUYER,
    "预算单位": BUYER,
    "供应商名称": SUPPLIER,
    "卖家": SUPPLIER,
    "店铺名称": SUPPLIER,
    "订单金额": AMOUNT,
    "金额(元)": AMOUNT,
    "订单总额(元)": AMOUNT,
    "订单总金额(元)": AMOUNT,
    "实付金额(元)": AMOUNT,
    "实付金额": AMOUNT,
    "发票号": INVOICE_NO,
    "统一社会信用代码": BUYER_CODE,
    "采购单位信用代码": BUYER_CODE,
}
# One 832 order of a budget unit is a canteen's or a union's purchase: Shenzhen's whole year on
# the platform was ¥320m across 1,000+ units. An order above ¥10m is a typo (a misplaced
# decimal point or an order number in the amount column).
MAX_ORDER_AMOUNT = Decimal("10000000.00")
EARLIEST_ORDER = datetime.date(2019, 1, 1)  # the 832 platform opened in 2019-2020
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)
# A float an .xlsx cell stored (1234.56 as 1234.5600000000001) is the amount it rounds to.
FLOAT_NOISE = Decimal("0.000001")


@dataclass
class OrderRow:
    """One good row of the export, with the unit and supplier it names (None: unknown)."""

    row: int
    order_no: str
    ordered_at: datetime.datetime
    buyer_name: str
    buyer_code: str
    supplier_name: str
    amount: Decimal
    invoice_no: str
    budget_unit_id: int | None = None
    supplier_id: int | None = None


def parse_order_time(text: str) -> datetime.datetime | None:
    """The order time in the portal's time zone; a bare date is the day's start."""
    text = " ".join(text.split())
    for fmt in DATETIME_FORMATS:
        try:
            naive = datetime.datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware below
        except ValueError:
            continue
        return timezone.make_aware(naive, timezone.get_default_timezone())
    return None


def parse_amount(text: str) -> Decimal | None:
    cleaned = text.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    cents = value.quantize(Decimal("0.01"))
    return cents if abs(cents - value) < FLOAT_NOISE else None


def _columns(header_row: list[str]) -> dict[str, int]:
    """Each known column's index; a header the export repeats counts at its first place."""
    position: dict[str, int] = {}
    for index, cell in enumerate(header_row):
        name = normalise_header(cell).strip()
        name = SYNONYMS.get(name, name)
        if name in HEADERS:
            position.setdefault(name, index)
    missing = [name for name in REQUIRED_HEADERS if name not in position]
    if missing:
        raise ImportFileError(
            _(
                "The header row lacks the column(s) %(columns)s: upload the 832 platform's order "
                "export, or download the template and keep its first row."
            )
            % {"columns": "、".join(missing)}
        )
    return position


class _Reader:
    def __init__(self, position: dict[str, int], *, today: datetime.date):
        self.position = position
        self.today = today

    def cell(self, row: list[str], column: str) -> str:
        index = self.position.get(column)
        if index is None or index >= len(row):
            return ""
        return row[index].strip()

    def read(self, row: list[str], number: int, errors: list[RowProblem]) -> OrderRow | None:
        before = len(errors)

        def fail(column: str, message: str) -> None:
            errors.append(RowProblem(number, column, message))

        order_no = self.cell(row, ORDER_NO)
        if not order_no:
            fail(ORDER_NO, _("The order number is missing."))
        elif len(order_no) > 64:
            fail(ORDER_NO, _("The order number is longer than 64 characters."))
        text = self.cell(row, ORDERED_AT)
        ordered_at = parse_order_time(text)
        if ordered_at is None:
            fail(
                ORDERED_AT,
                _("“%(value)s” is not an order time (write 2026-03-15 10:30:00).")
                % {"value": text},
            )
        else:
            day = timezone.localtime(ordered_at).date()
            if day > self.today:
                fail(ORDERED_AT, _("%(day)s is in the future.") % {"day": day.isoformat()})
            elif day < EARLIEST_ORDER:
                fail(
                    ORDERED_AT,
                    _("%(day)s is before the 832 platform opened.") % {"day": day.isoformat()},
                )
        buyer = self.cell(row, BUYER)
        if not buyer:
            fail(BUYER, _("The purchasing unit is missing."))
        elif len(buyer) > 200:
            fail(BUYER, _("The purchasing unit's name is longer than 200 characters."))
        supplier = self.cell(row, SUPPLIER)
        if not supplier:
            fail(SUPPLIER, _("The supplier is missing."))
        elif len(supplier) > 200:
            fail(SUPPLIER, _("The supplier's name is longer than 200 characters."))
        text = self.cell(row, AMOUNT)
        amount = parse_amount(text)
        if amount is None:
            fail(
                AMOUNT,
                _("“%(value)s” is not an amount in yuan with at most two decimals.")
                % {"value": text},
            )
        elif amount <= 0:
            fail(AMOUNT, _("The amount must be more than zero."))
        elif amount > MAX_ORDER_AMOUNT:
            fail(
                AMOUNT,
                _("¥%(amount)s is implausibly large for one order; check the decimal point.")
                % {"amount": f"{amount:,.2f}"},
            )
        invoice_no = self.cell(row, INVOICE_NO)
        if len(invoice_no) > 64:
            fail(INVOICE_NO, _("The invoice number is longer than 64 characters."))
        code = self.cell(row, BUYER_CODE).upper()
        if len(errors) > before:
            return None
        return OrderRow(
            row=number,
            order_no=order_no,
            ordered_at=ordered_at,
            buyer_name=buyer,
            buyer_code=code,
            supplier_name=supplier,
            amount=amount,
            invoice_no=invoice_no,
        )


def read_rows(rows: list[list[str]], *, today: datetime.date, errors: list[RowProblem]):
    reader = _Reader(_columns(rows[0]), today=today)
    orders: list[OrderRow] = []
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines between rows are harmless
        order = reader.read(row, number, errors)
        if order is None:
            continue
        if order.order_no in first_row:
            errors.append(
                RowProblem(
                    number,
                    ORDER_NO,
                    _("Order %(order)s appears again (first in row %(row)s).")
                    % {"order": order.order_no, "row": first_row[order.order_no]},
                )
            )
            continue
        first_row[order.order_no] = number
        orders.append(order)
    return orders
