"""Reconciliation with the national 832 platform (脱贫地区农副产品网络销售平台): importing the
platform's order export, by a unit's clerk (its own orders) or by the city office (every
unit's), and matching each order one to one with the purchase a unit logged through the
``platform_832`` channel (``procurement.reconciliation_match``), so that the offices see what
was bought on the platform but never logged, what was logged but never ordered, and that no
purchase counts twice.

The export is read like the purchase import (``portal.spreadsheets``: .xlsx, or .csv in UTF-8
or GB18030/GBK, checked by content and size): every row is checked, every problem is reported
with its row, column and reason, and nothing is stored unless every row is good.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Role
from portal.roles import actor_of
from portal.spreadsheets import ImportFileError, RowProblem, normalise_header, read_table
from products.models import Supplier

from .models import BudgetUnit, OrderImport, PlatformOrder
from .reconciliation_match import MatchResult, platform_orders_match

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
# Bulk insert batch: 1,000 rows × 9 columns stays far below PostgreSQL's 65,535 parameters.
BATCH_SIZE = 1000
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


@dataclass
class OrderImportResult:
    """What an upload did: nothing and its problems, or the import and its counts."""

    errors: list[RowProblem] = field(default_factory=list)
    order_import: OrderImport | None = None
    orders: int = 0
    new_orders: int = 0
    already_known: int = 0
    unknown_units: int = 0
    match: MatchResult | None = None

    def as_dict(self) -> dict:
        if self.errors:
            return {"created": 0, "errors": [error.as_dict() for error in self.errors]}
        match = self.match or MatchResult()
        return {
            "id": self.order_import.pk if self.order_import else None,
            "created": self.new_orders,
            "orders": self.orders,
            "new_orders": self.new_orders,
            "already_known": self.already_known,
            "unknown_units": self.unknown_units,
            "matched": match.matched,
            "flagged": match.flagged,
        }


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


def _unique_by(pairs) -> dict[str, int]:
    """Name → id, for the names that denote exactly one row."""
    found: dict[str, int | None] = {}
    for key, pk in pairs:
        found[key] = None if key in found else pk
    return {key: pk for key, pk in found.items() if pk is not None}


def _resolve(orders: list[OrderRow]) -> None:
    """Set each order's unit (by credit code when the export gives one, else by exact name)
    and supplier (by exact name): three queries for the whole file."""
    codes = {order.buyer_code for order in orders if order.buyer_code}
    names = {order.buyer_name for order in orders}
    by_code = dict(
        BudgetUnit.objects.filter(credit_code__in=codes).order_by().values_list("credit_code", "pk")
    )
    named = (
        BudgetUnit.objects.filter(name__in=names)
        .order_by()
        .values_list("name", "pk", "credit_code")
    )
    registered_code = {pk: code for _name, pk, code in named}
    by_name = _unique_by((name, pk) for name, pk, _code in named)
    suppliers = _unique_by(
        Supplier.objects.filter(name__in={order.supplier_name for order in orders})
        .order_by()
        .values_list("name", "pk")
    )
    for order in orders:
        unit = by_code.get(order.buyer_code) if order.buyer_code else None
        if unit is None:
            named_unit = by_name.get(order.buyer_name)
            # A name resolves only when the export's code does not contradict the unit's own.
            if named_unit is not None and (
                not order.buyer_code or not registered_code.get(named_unit)
            ):
                unit = named_unit
        order.budget_unit_id = unit
        order.supplier_id = suppliers.get(order.supplier_name)


def _check_ownership(
    orders: list[OrderRow],
    known: dict[str, PlatformOrder],
    own_unit: BudgetUnit | None,
    errors: list[RowProblem],
) -> None:
    """A clerk's export holds its own unit's orders only; an order already stored for one unit
    is not claimed by another."""
    for order in orders:
        if own_unit is not None and order.budget_unit_id != own_unit.pk:
            errors.append(
                RowProblem(
                    order.row,
                    BUYER,
                    _(
                        "This order is of “%(buyer)s”, not of %(unit)s: a unit imports its own "
                        "orders only (the city office imports every unit's). If it is your "
                        "unit's name on the 832 platform, add the column %(column)s with your "
                        "unit's credit code."
                    )
                    % {"buyer": order.buyer_name, "unit": own_unit.name, "column": BUYER_CODE},
                )
            )
            continue
        stored = known.get(order.order_no)
        if (
            stored is not None
            and stored.budget_unit_id is not None
            and order.budget_unit_id is not None
            and stored.budget_unit_id != order.budget_unit_id
        ):
            errors.append(
                RowProblem(
                    order.row,
                    ORDER_NO,
                    _(
                        "Order %(order)s is already recorded for another purchasing unit; "
                        "check the export."
                    )
                    % {"order": order.order_no},
                )
            )


def _fill_missing(stored: PlatformOrder, order: OrderRow, *, city: bool) -> bool:
    """Complete what an order already stored lacks (never change what it holds): its unit,
    from the city office's export only; its supplier and invoice number."""
    changed = False
    if city and stored.budget_unit_id is None and order.budget_unit_id is not None:
        stored.budget_unit_id = order.budget_unit_id
        changed = True
    if stored.supplier_id is None and order.supplier_id is not None:
        stored.supplier_id = order.supplier_id
        changed = True
    if not stored.invoice_no and order.invoice_no:
        stored.invoice_no = order.invoice_no
        changed = True
    return changed


def _read_rows(rows: list[list[str]], *, today: datetime.date, errors: list[RowProblem]):
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


def _importer_unit(actor) -> BudgetUnit | None:
    """The clerk's unit, or None for the city office; anyone else may not import."""
    who = actor_of(actor)
    if who.is_city_office:
        return None
    if who.role == Role.UNIT_CLERK and who.organisation_id:
        unit = BudgetUnit.objects.filter(pk=who.organisation_id).first()
        if unit is not None:
            return unit
    raise PermissionDenied(
        _("Only a unit's clerk (its own orders) or the city office may import 832 orders.")
    )


def platform_orders_import(
    *, actor, name: str, content: bytes, now: datetime.datetime
) -> OrderImportResult:
    """Store the orders of an 832 platform export and match them with the logged purchases
    (issue 9: reconcile the purchases units log with the platform's own orders).

    All rows or none. A unit's clerk imports its own unit's orders; the city office every
    unit's, an order of a unit the portal does not know being kept unassigned and counted.
    An order already stored (the unit's and the city's exports overlap) is stored once."""
    own_unit = _importer_unit(actor)
    today = timezone.localtime(now).date()
    errors: list[RowProblem] = []
    try:
        rows = read_table(name, content, expected_columns=len(HEADERS)).rows
        if not rows:
            raise ImportFileError(_("The file is empty."))
        orders = _read_rows(rows, today=today, errors=errors)
    except ImportFileError as error:
        return OrderImportResult(errors=[RowProblem(1, "", error.message)])
    if not orders and not errors:
        errors.append(RowProblem(2, "", _("The file has a header row but no orders.")))
    _resolve(orders)
    known = {
        stored.order_no: stored
        for stored in PlatformOrder.objects.filter(
            order_no__in=[order.order_no for order in orders]
        ).order_by()
    }
    _check_ownership(orders, known, own_unit, errors)
    if errors:
        errors.sort(
            key=lambda error: (
                error.row,
                HEADERS.index(error.column) if error.column in HEADERS else -1,
            )
        )
        return OrderImportResult(errors=errors)
    try:
        return _store(actor, own_unit, name, content, orders, known, now)
    except IntegrityError:
        # The same orders stored between the reading above and this save by another upload:
        # order numbers are unique, nothing of this file was stored.
        return OrderImportResult(
            errors=[
                RowProblem(
                    orders[0].row,
                    ORDER_NO,
                    _(
                        "These orders were imported at the same moment by another upload; "
                        "nothing from this file was stored. Upload it again to see which "
                        "orders are already known."
                    ),
                )
            ]
        )


@transaction.atomic
def _store(actor, own_unit, name, content, orders, known, now) -> OrderImportResult:
    order_import = OrderImport.objects.create(
        budget_unit=own_unit,
        original_name=name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
        orders=len(orders),
    )
    fresh, filled = [], []
    for order in orders:
        stored = known.get(order.order_no)
        if stored is None:
            fresh.append(
                PlatformOrder(
                    order_import=order_import,
                    order_no=order.order_no,
                    ordered_at=order.ordered_at,
                    buyer_name=order.buyer_name,
                    budget_unit_id=order.budget_unit_id,
                    supplier_name=order.supplier_name,
                    supplier_id=order.supplier_id,
                    amount=order.amount,
                    invoice_no=order.invoice_no,
                )
            )
        elif _fill_missing(stored, order, city=own_unit is None):
            filled.append(stored)
    PlatformOrder.objects.bulk_create(fresh, batch_size=BATCH_SIZE)
    PlatformOrder.objects.bulk_update(
        filled, ["budget_unit", "supplier", "invoice_no"], batch_size=BATCH_SIZE
    )
    unknown = sum(1 for order in orders if order.budget_unit_id is None)
    order_import.new_orders = len(fresh)
    order_import.unknown_units = unknown
    order_import.save(update_fields=["new_orders", "unknown_units"])
    units = {order.budget_unit_id for order in orders if order.budget_unit_id is not None}
    match = platform_orders_match(actor=actor, budget_unit_ids=units, now=now) if units else None
    return OrderImportResult(
        order_import=order_import,
        orders=len(orders),
        new_orders=len(fresh),
        already_known=len(orders) - len(fresh),
        unknown_units=unknown,
        match=match,
    )
