"""Matching the 832 platform's orders with the purchases units logged through the
``platform_832`` channel: one order ↔ one purchase, so the same purchase never counts twice.

For each unmatched order of a known unit, the candidates are that unit's ``platform_832``
purchases, not rejected and not matched yet, of the order's amount (to the cent, within
``AMOUNT_TOLERANCE``) and dated within ``DAYS_BEFORE_ORDER``/``DAYS_AFTER_ORDER`` of the
order. A candidate whose invoice number is the order's number, else the order's invoice
number, wins; without one, the order takes the candidate of its amount and date only when
there is exactly one and that purchase is no other order's only fit. A second purchase that
matches an order already matched by its number is flagged ``counted_twice`` for the offices'
review queue (``IntegrityFlag``), which may reject it.

The run reads the orders and the purchases in a few set-based queries and writes the links
in bulk; running it again changes nothing until orders or purchases change.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from portal.roles import actor_of

from .models import BudgetUnit, Channel, IntegrityFlag, PlatformOrder, ProcurementRecord

# The purchase of an order is dated from a few days before it (the unit's own purchase date
# when it ordered late at night or fixed the order afterwards) to a month after it (the date
# on the invoice, which the platform issues on delivery).
DAYS_BEFORE_ORDER = 3
DAYS_AFTER_ORDER = 30
# Amounts must agree to the cent: an 832 order's amount is what the unit paid.
AMOUNT_TOLERANCE = Decimal("0.00")
# Bulk writes in batches: 1,000 rows stay far below PostgreSQL's 65,535 parameters.
BATCH_SIZE = 1000
# Order numbers looked up at a time (SQLite binds at most 32,766 parameters).
LOOKUP_CHUNK = 1000

PLATFORM = Channel.PLATFORM_832
REJECTED = ProcurementRecord.Status.REJECTED


@dataclass
class MatchResult:
    matched: int = 0
    released: int = 0
    flagged: int = 0


@dataclass
class _Order:
    pk: int
    order_no: str
    invoice_no: str
    budget_unit_id: int
    day: datetime.date
    amount: Decimal
    record_id: int | None = None


@dataclass
class _Record:
    pk: int
    budget_unit_id: int
    invoice_no: str
    amount: Decimal
    purchased_on: datetime.date
    reserved: bool = False  # its invoice number is some order's number


def fits(order: _Order, record: _Record) -> bool:
    """Same unit, same amount, dated within the window of the order."""
    return (
        record.budget_unit_id == order.budget_unit_id
        and abs(record.amount - order.amount) <= AMOUNT_TOLERANCE
        and order.day - datetime.timedelta(days=DAYS_BEFORE_ORDER)
        <= record.purchased_on
        <= order.day + datetime.timedelta(days=DAYS_AFTER_ORDER)
    )


def _numbers(order: _Order) -> list[str]:
    """The numbers a purchase may carry for the order, the preferred first."""
    return [order.order_no] + ([order.invoice_no] if order.invoice_no else [])


def _scope(unit_ids: Collection[int] | None) -> Q:
    return Q() if unit_ids is None else Q(budget_unit_id__in=list(unit_ids))


def _allowed_units(actor, unit_ids: Collection[int] | None) -> Collection[int] | None:
    """The city office (or the system: no actor) matches any unit; a unit's staff their own."""
    if actor is None:
        return unit_ids
    who = actor_of(actor)
    if who.is_city_office:
        return unit_ids
    own = who.organisation_id
    if who.is_unit and own is not None and (unit_ids is None or set(unit_ids) <= {own}):
        return [own]
    raise PermissionDenied(_("Only the city office or the unit's own staff may match its orders."))


def _lock_units(unit_ids: Collection[int] | None) -> None:
    """The units' row locks, in id order, as every change to a unit's purchases takes them
    (``services.lock_budget_unit``): no purchase is changed, rejected or deleted while it is
    being linked, and two runs over the same unit take turns."""
    units = BudgetUnit.objects.select_for_update(of=("self",)).order_by("pk")
    if unit_ids is not None:
        units = units.filter(pk__in=list(unit_ids))
    list(units.values_list("pk", flat=True))


def _release_stale(scope: Q) -> int:
    """Unlink the orders whose purchase no longer fits: rejected since, moved to another
    channel or unit, or its amount corrected."""
    tolerance = AMOUNT_TOLERANCE
    stale = Q(record__status=REJECTED) | ~Q(record__channel=PLATFORM)
    stale |= ~Q(record__budget_unit_id=F("budget_unit_id"))
    stale |= Q(record__amount__gt=F("amount") + tolerance)
    stale |= Q(record__amount__lt=F("amount") - tolerance)
    return (
        PlatformOrder.objects.filter(scope, record__isnull=False)
        .filter(stale)
        .update(record=None, matched_at=None)
    )


def _load_orders(scope: Q) -> list[_Order]:
    rows = (
        PlatformOrder.objects.filter(scope, record__isnull=True, budget_unit__isnull=False)
        .order_by("ordered_at", "pk")
        .values_list("pk", "order_no", "invoice_no", "budget_unit_id", "ordered_at", "amount")
    )
    return [
        _Order(pk, order_no, invoice_no, unit, timezone.localtime(at).date(), amount)
        for pk, order_no, invoice_no, unit, at, amount in rows
    ]


def _unmatched_records(**filters):
    return (
        ProcurementRecord.objects.filter(channel=PLATFORM, platform_order__isnull=True, **filters)
        .exclude(status=REJECTED)
        .order_by("pk")
    )


def _load_candidates(orders: list[_Order]) -> list[_Record]:
    """The unmatched ``platform_832`` purchases of the orders' units within their window."""
    first = min(order.day for order in orders) - datetime.timedelta(days=DAYS_BEFORE_ORDER)
    last = max(order.day for order in orders) + datetime.timedelta(days=DAYS_AFTER_ORDER)
    rows = (
        _unmatched_records(
            budget_unit_id__in={order.budget_unit_id for order in orders},
            purchased_on__range=(first, last),
        )
        .annotate(reserved=Exists(PlatformOrder.objects.filter(order_no=OuterRef("invoice_no"))))
        .values_list("pk", "budget_unit_id", "invoice_no", "amount", "purchased_on", "reserved")
    )
    return [_Record(*row) for row in rows]


def _pair(orders: list[_Order], records: list[_Record]) -> int:
    """Set ``record_id`` on the orders that match: first by number, then by amount and date
    where the fit is unique both ways. Returns how many matched."""
    by_number: dict[tuple[int, str], list[_Record]] = defaultdict(list)
    by_amount: dict[tuple[int, Decimal], list[_Record]] = defaultdict(list)
    for record in records:
        if record.invoice_no:
            by_number[record.budget_unit_id, record.invoice_no].append(record)
        by_amount[record.budget_unit_id, record.amount].append(record)
    taken: set[int] = set()
    matched = 0
    for order in orders:
        for number in _numbers(order):
            found = next(
                (
                    record
                    for record in by_number.get((order.budget_unit_id, number), ())
                    if record.pk not in taken and fits(order, record)
                ),
                None,
            )
            if found is not None:
                order.record_id = found.pk
                taken.add(found.pk)
                matched += 1
                break
    # Amount and date alone: only a fit that is unique for the order and for the purchase.
    # A purchase carrying another order's number waits for that order.
    options: dict[int, list[_Record]] = {}
    suitors: dict[int, int] = defaultdict(int)
    for order in orders:
        if order.record_id is not None:
            continue
        if AMOUNT_TOLERANCE:
            pool = [r for r in records if r.budget_unit_id == order.budget_unit_id]
        else:
            pool = by_amount.get((order.budget_unit_id, order.amount), [])
        fitting = [
            record
            for record in pool
            if record.pk not in taken and not record.reserved and fits(order, record)
        ]
        options[order.pk] = fitting
        for record in fitting:
            suitors[record.pk] += 1
    for order in orders:
        fitting = options.get(order.pk)
        if fitting is not None and len(fitting) == 1 and suitors[fitting[0].pk] == 1:
            order.record_id = fitting[0].pk
            taken.add(fitting[0].pk)
            matched += 1
    return matched


def _flag_counted_twice(scope: Q, actor, now: datetime.datetime) -> int:
    """Flag each unmatched purchase that matches, by its number, an order already matched
    with another purchase: the second logging of one 832 order. Only the purchases left
    unmatched are read, and the orders their numbers name."""
    extras = [
        _Record(*row)
        for row in _unmatched_records()
        .filter(scope)
        .exclude(invoice_no="")
        .values_list("pk", "budget_unit_id", "invoice_no", "amount", "purchased_on")
    ]
    if not extras:
        return 0
    numbers = sorted({record.invoice_no for record in extras})
    orders: dict[tuple[int, str], list[tuple[_Order, int]]] = defaultdict(list)
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        chunk = numbers[start : start + LOOKUP_CHUNK]
        rows = (
            PlatformOrder.objects.filter(scope, record__isnull=False)
            .filter(Q(order_no__in=chunk) | Q(invoice_no__in=chunk))
            .order_by("pk")
            .values_list(
                "pk",
                "order_no",
                "invoice_no",
                "budget_unit_id",
                "ordered_at",
                "amount",
                "record_id",
                "record__invoice_no",
            )
        )
        for pk, order_no, invoice_no, unit, at, amount, record_id, matched_no in rows:
            order = _Order(
                pk, order_no, invoice_no, unit, timezone.localtime(at).date(), amount, record_id
            )
            for number in _numbers(order):
                orders[unit, number].append((order, matched_no))
    already = set(
        IntegrityFlag.objects.filter(
            record_id__in=[record.pk for record in extras], kind=IntegrityFlag.Kind.COUNTED_TWICE
        ).values_list("record_id", flat=True)
    )
    flags = []
    for record in extras:
        if record.pk in already:
            continue
        for order, matched_no in orders.get((record.budget_unit_id, record.invoice_no), ()):
            if fits(order, record):
                flags.append(
                    IntegrityFlag(
                        record_id=record.pk,
                        budget_unit_id=record.budget_unit_id,
                        kind=IntegrityFlag.Kind.COUNTED_TWICE,
                        related_record_id=order.record_id,
                        facts={
                            "order_no": order.order_no,
                            "order_invoice_no": order.invoice_no,
                            "ordered_on": order.day.isoformat(),
                            "amount": f"{order.amount:.2f}",
                            "matched_record": order.record_id,
                            "matched_invoice_no": matched_no,
                        },
                    )
                )
                break
    bulk_create_with_history(
        flags,
        IntegrityFlag,
        batch_size=BATCH_SIZE,
        default_user=actor,
        default_change_reason=_("832 order logged twice"),
        default_date=now,
    )
    return len(flags)


@transaction.atomic
def platform_orders_match(
    *, actor=None, budget_unit_ids: Collection[int] | None = None, now: datetime.datetime
) -> MatchResult:
    """Match the stored 832 orders of the given units (every unit: None) with their logged
    ``platform_832`` purchases, one to one, and flag a purchase logged twice for one order
    (issue 9: reconciliation with the 832 platform; the same purchase never counts twice).

    ``actor`` None is the system (a nightly run); otherwise the city office, or a unit's
    staff for their own unit only."""
    unit_ids = _allowed_units(actor, budget_unit_ids)
    _lock_units(unit_ids)
    scope = _scope(unit_ids)
    result = MatchResult(released=_release_stale(scope))
    orders = _load_orders(scope)
    if orders:
        result.matched = _pair(orders, _load_candidates(orders))
        linked = []
        for order in orders:
            if order.record_id is not None:
                linked.append(PlatformOrder(pk=order.pk, record_id=order.record_id, matched_at=now))
        PlatformOrder.objects.bulk_update(linked, ["record", "matched_at"], batch_size=BATCH_SIZE)
    result.flagged = _flag_counted_twice(scope, actor, now)
    return result
