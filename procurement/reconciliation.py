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

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Role
from portal.roles import actor_of
from portal.spreadsheets import ImportFileError, RowProblem, read_table
from products.models import Supplier

from .models import BudgetUnit, OrderImport, PlatformOrder
from .reconciliation_file import (
    BUYER,
    BUYER_CODE,
    HEADERS,
    ORDER_NO,
    OrderRow,
    read_rows,
)
from .reconciliation_match import MatchResult, platform_orders_match

# Bulk insert batch: 1,000 rows × 9 columns stays far below PostgreSQL's 65,535 parameters.
BATCH_SIZE = 1000


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
        orders = read_rows(rows, today=today, errors=errors)
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
