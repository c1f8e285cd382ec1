"""The integrity checks (issue 9): purchases that look wrong, put in the coordination offices'
review queue as ``IntegrityFlag`` rows.

Five checks, each a few set-based queries over a scope of purchases (one unit's dates after
an import, or every purchase of this year and last year at night), never a query per
purchase:

- ``shared_invoice``: one supplier's invoice claimed by two units (both are flagged);
- ``price_mismatch``: an amount far from the catalogue price × the quantity;
- ``split_purchase``: one unit's purchases from one supplier, each just under the
  small-amount limit, within a few days, adding up to more than it;
- ``lapsed_recognition``: a purchase dated when the supplier held no valid recognition
  (old data: the services refuse such purchases today);
- ``reused_voucher``: a voucher file (by its SHA-256) backing more than one purchase.

Rejected purchases neither get flagged nor count as the other side of a flag: they no longer
count. A check finds again what it found before; ``bulk_create(ignore_conflicts=True)`` on
the flag's unique (record, kind) keeps one flag per purchase and check, so a dismissed flag
stays dismissed. ``facts`` holds the numbers and names of the finding (strings, dates ISO),
put into words in the reader's language when shown (``procurement.integrity_selectors``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from products.models import Certificate, CertificationScheme
from products.selectors import COUNTING_CERTIFICATE_STATUSES

from .models import IntegrityFlag, ProcurementRecord, Voucher

Kind = IntegrityFlag.Kind
REJECTED = ProcurementRecord.Status.REJECTED

# price_mismatch: the catalogue price is a reference, not the invoice: promotions, delivery
# and a price changed since the purchase move an honest amount by tens of percent. Beyond
# ±50% the likelier story is a wrong unit (jin for kg, a box for an item: ×2, ×10) or a typo
# (a zero too many), worth an office's look.
PRICE_TOLERANCE = Decimal("0.50")

# split_purchase: the small-amount limit (小额零星采购限额). Below ¥50,000 a budget unit may buy
# directly from a supplier without a competitive procedure; a purchase above it needs one. A
# unit that cuts one purchase into several just under the limit avoids the procedure: each
# piece is at least SPLIT_NEAR_SHARE of the limit, the pieces fall within SPLIT_WINDOW_DAYS of
# each other (one week: a single order delivered over days), and together they exceed it.
SPLIT_THRESHOLD = Decimal("50000.00")
SPLIT_NEAR_SHARE = Decimal("0.80")
SPLIT_WINDOW_DAYS = 7
# Two purchases less than SPLIT_WINDOW_DAYS apart are neighbours: at most 6 days between them.
SPLIT_REACH = SPLIT_WINDOW_DAYS - 1

# Keys looked up at once with ``__in`` (suppliers with invoice numbers, file hashes): a few
# hundred keep each statement small on both databases.
LOOKUP_CHUNK = 500
# Flags inserted per statement (7 columns each: far below PostgreSQL's 65,535 parameters).
FLAG_BATCH = 1000


class ShiftDays(Func):
    """``date + days`` as a date, on PostgreSQL (date + integer) and SQLite (date(x, '+n
    days')): Django's date + timedelta turns into a timestamp, which SQLite compares to a date
    as text and gets wrong on the boundary day."""

    output_field = DateField()

    def __init__(self, expression, days: int):
        self.days = days
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL and others: date + integer
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} + %s::integer)", [*params, self.days]

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, %s)", [*params, f"{self.days:+d} days"]


@dataclass(frozen=True)
class Scope:
    """The purchases a run looks at: one unit's, or every unit's (``unit_id`` None), dated in
    [first, last] (open-ended where None)."""

    unit_id: int | None = None
    first: datetime.date | None = None
    last: datetime.date | None = None

    def records(self) -> QuerySet[ProcurementRecord]:
        records = ProcurementRecord.objects.exclude(status=REJECTED).order_by()
        if self.unit_id is not None:
            records = records.filter(budget_unit_id=self.unit_id)
        if self.first is not None:
            records = records.filter(purchased_on__gte=self.first)
        if self.last is not None:
            records = records.filter(purchased_on__lte=self.last)
        return records


@dataclass(frozen=True)
class Finding:
    record_id: int
    budget_unit_id: int
    related_record_id: int | None
    facts: dict


def _money(value) -> str:
    return f"{Decimal(value):.2f}"


def _chunks(items: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _counted() -> QuerySet[ProcurementRecord]:
    return ProcurementRecord.objects.exclude(status=REJECTED).order_by()


# --- 1. One invoice claimed by two units --------------------------------------------------------


def find_shared_invoices(scope: Scope) -> list[Finding]:
    """The same supplier's invoice number on purchases of two different units: an invoice is
    one sale, so at most one of them bought it. Both sides are flagged, the other side's
    purchase as the related record, wherever its date (an invoice claimed in January by one
    unit and in June by another is still one invoice)."""
    # "invoice_no <> ''" repeated inside lets PostgreSQL use a partial index on (supplier,
    # invoice_no) WHERE invoice_no <> '', should one exist (see the report on indexes).
    claimed_elsewhere = (
        _counted()
        .exclude(invoice_no="")
        .filter(supplier_id=OuterRef("supplier_id"), invoice_no=OuterRef("invoice_no"))
    )
    keys = list(
        scope.records()
        .exclude(invoice_no="")
        .filter(Exists(claimed_elsewhere.exclude(budget_unit_id=OuterRef("budget_unit_id"))))
        .values_list("supplier_id", "invoice_no")
        .distinct()
    )
    findings = []
    for chunk in _chunks(keys):
        suppliers = {supplier for supplier, _invoice in chunk}
        invoices = {invoice for _supplier, invoice in chunk}
        wanted = set(chunk)
        groups: dict[tuple, list] = defaultdict(list)
        for row in (
            _counted()
            .filter(supplier_id__in=suppliers, invoice_no__in=invoices)
            .values_list(
                "pk",
                "budget_unit_id",
                "budget_unit__name",
                "supplier_id",
                "supplier__name",
                "invoice_no",
                "purchased_on",
                "amount",
            )
            .order_by("pk")
        ):
            if (row[3], row[5]) in wanted:
                groups[(row[3], row[5])].append(row)
        for members in groups.values():
            for pk, unit_id, _unit_name, _sid, supplier_name, invoice, _day, _amount in members:
                other = next((m for m in members if m[1] != unit_id), None)
                if other is None:
                    continue
                findings.append(
                    Finding(
                        record_id=pk,
                        budget_unit_id=unit_id,
                        related_record_id=other[0],
                        facts={
                            "invoice_no": invoice,
                            "supplier": supplier_name,
                            "other_unit": other[2],
                            "other_date": other[6].isoformat(),
                            "other_amount": _money(other[7]),
                            "units": len({m[1] for m in members}),
                        },
                    )
                )
    return findings


# --- 2. An amount far from the catalogue price × the quantity -----------------------------------


def find_price_mismatches(scope: Scope) -> list[Finding]:
    """A purchase naming its product and quantity whose amount lies outside
    (1 ± PRICE_TOLERANCE) × the product's catalogue price × the quantity. A product without a
    price (0) is no reference."""
    expected = ExpressionWrapper(
        F("product__price") * F("quantity"),
        output_field=DecimalField(max_digits=28, decimal_places=5),
    )
    low, high = Value(1 - PRICE_TOLERANCE), Value(1 + PRICE_TOLERANCE)
    rows = (
        scope.records()
        .filter(product__isnull=False, quantity__isnull=False, product__price__gt=0)
        .annotate(expected=expected)
        .filter(Q(amount__lt=F("expected") * low) | Q(amount__gt=F("expected") * high))
        .values_list(
            "pk",
            "budget_unit_id",
            "amount",
            "quantity",
            "unit",
            "product__name",
            "product__price",
            "product__price_unit",
        )
    )
    findings = []
    for pk, unit_id, amount, quantity, unit, product, price, price_unit in rows.iterator(
        chunk_size=2000
    ):
        reference = Decimal(price) * Decimal(quantity)
        findings.append(
            Finding(
                record_id=pk,
                budget_unit_id=unit_id,
                related_record_id=None,
                facts={
                    "product": product,
                    "amount": _money(amount),
                    "price": _money(price),
                    "price_unit": price_unit,
                    "quantity": f"{Decimal(quantity).normalize():f}",
                    "unit": unit,
                    "expected": _money(reference),
                    "ratio": f"{(Decimal(amount) / reference):.2f}",
                    "tolerance": f"{PRICE_TOLERANCE:.2f}",
                },
            )
        )
    return findings


# --- 3. A purchase split to stay under the small-amount limit ------------------------------------


def _near_limit() -> QuerySet[ProcurementRecord]:
    return _counted().filter(
        amount__gte=SPLIT_THRESHOLD * SPLIT_NEAR_SHARE, amount__lt=SPLIT_THRESHOLD
    )


def find_split_purchases(scope: Scope) -> list[Finding]:
    """A unit's purchases from one supplier each in [SPLIT_NEAR_SHARE × SPLIT_THRESHOLD,
    SPLIT_THRESHOLD) with another such purchase at most SPLIT_REACH days away, the group of
    those neighbours adding up to more than SPLIT_THRESHOLD. The database picks the candidates
    (one query, the neighbours found through the unit-and-date index); their neighbours are
    read once more (one query per chunk of units) to give each its group's count and total."""
    neighbour = (
        _near_limit()
        .filter(
            budget_unit_id=OuterRef("budget_unit_id"),
            supplier_id=OuterRef("supplier_id"),
            purchased_on__gte=ShiftDays(OuterRef("purchased_on"), -SPLIT_REACH),
            purchased_on__lte=ShiftDays(OuterRef("purchased_on"), SPLIT_REACH),
        )
        .exclude(pk=OuterRef("pk"))
    )
    candidates = list(
        scope.records()
        .filter(amount__gte=SPLIT_THRESHOLD * SPLIT_NEAR_SHARE, amount__lt=SPLIT_THRESHOLD)
        .filter(Exists(neighbour))
        .values_list("pk", "budget_unit_id", "supplier_id", "purchased_on")
    )
    if not candidates:
        return []
    reach = datetime.timedelta(days=SPLIT_REACH)
    first = min(row[3] for row in candidates) - reach
    last = max(row[3] for row in candidates) + reach
    units = sorted({row[1] for row in candidates})
    findings = []
    for unit_chunk in _chunks(units):
        wanted = [row for row in candidates if row[1] in set(unit_chunk)]
        suppliers = {row[2] for row in wanted}
        series: dict[tuple, list] = defaultdict(list)
        for pk, unit_id, supplier_id, supplier_name, day, amount in (
            _near_limit()
            .filter(
                budget_unit_id__in=unit_chunk,
                supplier_id__in=suppliers,
                purchased_on__range=(first, last),
            )
            .values_list(
                "pk", "budget_unit_id", "supplier_id", "supplier__name", "purchased_on", "amount"
            )
            .order_by("purchased_on", "pk")
        ):
            series[(unit_id, supplier_id)].append((pk, day, amount, supplier_name))
        for pk, unit_id, supplier_id, day in wanted:
            group = [item for item in series[(unit_id, supplier_id)] if abs(item[1] - day) <= reach]
            total = sum((item[2] for item in group), Decimal(0))
            others = [item for item in group if item[0] != pk]
            if not others or total <= SPLIT_THRESHOLD:
                continue
            findings.append(
                Finding(
                    record_id=pk,
                    budget_unit_id=unit_id,
                    related_record_id=others[0][0],
                    facts={
                        "supplier": group[0][3],
                        "count": len(group),
                        "total": _money(total),
                        "first": group[0][1].isoformat(),
                        "last": group[-1][1].isoformat(),
                        "threshold": _money(SPLIT_THRESHOLD),
                        "window_days": SPLIT_WINDOW_DAYS,
                    },
                )
            )
    return findings


# --- 4. A purchase dated when the supplier's recognition had lapsed -----------------------------


def find_lapsed_recognitions(scope: Scope) -> list[Finding]:
    """api.md: a purchase counts only if its supplier held a valid recognition on the purchase
    date. The services refuse a new purchase without one; this finds those logged before the
    rule, imported by other means, or whose certificate was suspended or revoked since (a
    suspended or revoked certificate vouches for no day). One anti-join on the certificates'
    (supplier, scheme, valid_from, valid_until) index."""
    covering = Certificate.objects.filter(
        supplier_id=OuterRef("supplier_id"),
        scheme_id=CertificationScheme.Code.RECOGNITION,
        status__in=COUNTING_CERTIFICATE_STATUSES,
        valid_from__lte=OuterRef("purchased_on"),
        valid_until__gte=OuterRef("purchased_on"),
    )
    last_cover = (
        Certificate.objects.filter(
            supplier_id=OuterRef("supplier_id"),
            scheme_id=CertificationScheme.Code.RECOGNITION,
            status__in=COUNTING_CERTIFICATE_STATUSES,
            valid_until__lt=OuterRef("purchased_on"),
        )
        .order_by()
        .values("supplier_id")
        .annotate(until=Max("valid_until"))
        .values("until")
    )
    rows = (
        scope.records()
        .exclude(Exists(covering))
        .annotate(lapsed_after=Subquery(last_cover, output_field=DateField()))
        .values_list("pk", "budget_unit_id", "supplier__name", "purchased_on", "lapsed_after")
    )
    return [
        Finding(
            record_id=pk,
            budget_unit_id=unit_id,
            related_record_id=None,
            facts={
                "supplier": supplier,
                "date": day.isoformat(),
                "last_valid_until": until.isoformat() if until else None,
            },
        )
        for pk, unit_id, supplier, day, until in rows.iterator(chunk_size=2000)
    ]


# --- 5. One voucher file behind several purchases ----------------------------------------------


def find_reused_vouchers(scope: Scope) -> list[Finding]:
    """A voucher file whose SHA-256 also backs another purchase (another unit's, or another
    purchase of the same unit): one invoice scanned once proves one purchase. Every purchase
    of the group is flagged, the earliest other one as the related record (by the indexed
    ``sha256``)."""
    elsewhere = Voucher.objects.filter(sha256=OuterRef("sha256")).exclude(
        record_id=OuterRef("record_id")
    )
    hashes = list(
        Voucher.objects.filter(record__in=scope.records())
        .filter(Exists(elsewhere.exclude(record__status=REJECTED)))
        .order_by()
        .values_list("sha256", flat=True)
        .distinct()
    )
    findings = []
    for chunk in _chunks(hashes):
        groups: dict[str, dict[int, tuple]] = defaultdict(dict)
        for sha, name, pk, unit_id, unit_name, day in (
            Voucher.objects.filter(sha256__in=chunk)
            .exclude(record__status=REJECTED)
            .values_list(
                "sha256",
                "original_name",
                "record_id",
                "record__budget_unit_id",
                "record__budget_unit__name",
                "record__purchased_on",
            )
            .order_by("record_id", "pk")
        ):
            groups[sha].setdefault(pk, (unit_id, unit_name, day, name))
        for sha, records in groups.items():
            if len(records) < 2:
                continue
            for pk, (unit_id, _unit_name, _day, name) in records.items():
                other_pk = next(other for other in records if other != pk)
                other_unit, other_name, other_day, _other_file = records[other_pk]
                findings.append(
                    Finding(
                        record_id=pk,
                        budget_unit_id=unit_id,
                        related_record_id=other_pk,
                        facts={
                            "file": name,
                            "sha256": sha,
                            "others": len(records) - 1,
                            "other_unit": other_name,
                            "other_date": other_day.isoformat(),
                            "same_unit": other_unit == unit_id,
                        },
                    )
                )
    return findings


CHECKS = {
    Kind.SHARED_INVOICE: find_shared_invoices,
    Kind.PRICE_MISMATCH: find_price_mismatches,
    Kind.SPLIT_PURCHASE: find_split_purchases,
    Kind.LAPSED_RECOGNITION: find_lapsed_recognitions,
    Kind.REUSED_VOUCHER: find_reused_vouchers,
}


def flags_record(kind: str, findings: Iterable[Finding]) -> int:
    """Insert a flag for each finding that has none of this kind yet; returns how many were
    new. A purchase already flagged keeps its flag as it is (open, confirmed or dismissed)."""
    findings = list({finding.record_id: finding for finding in findings}.values())
    if not findings:
        return 0
    known = set()
    for chunk in _chunks([finding.record_id for finding in findings], FLAG_BATCH):
        known.update(
            IntegrityFlag.objects.filter(kind=kind, record_id__in=chunk).values_list(
                "record_id", flat=True
            )
        )
    new = [finding for finding in findings if finding.record_id not in known]
    IntegrityFlag.objects.bulk_create(
        (
            IntegrityFlag(
                record_id=finding.record_id,
                budget_unit_id=finding.budget_unit_id,
                kind=kind,
                related_record_id=finding.related_record_id,
                facts=finding.facts,
            )
            for finding in new
        ),
        batch_size=FLAG_BATCH,
        # Another run may have inserted the same flag since the read above: it stays as it is.
        ignore_conflicts=True,
    )
    return len(new)


def integrity_checks_run(
    *,
    unit_id: int | None = None,
    first: datetime.date | None = None,
    last: datetime.date | None = None,
    kinds: Iterable[str] | None = None,
) -> dict[str, int]:
    """Run the checks (``kinds``, default all five) over the purchases of ``unit_id`` (every
    unit when None) dated in [first, last]; returns the number of new flags per check. Safe to
    run again: what was found before is not found twice."""
    scope = Scope(unit_id=unit_id, first=first, last=last)
    return {
        str(kind): flags_record(kind, CHECKS[kind](scope))
        for kind in (kinds if kinds is not None else CHECKS)
    }
