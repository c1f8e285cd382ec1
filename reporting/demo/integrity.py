"""Suspicious purchases for the integrity review queue (issue 9, point 4), planted among the
demo's records, and the checks run over the whole city so the queue has something to show:

- an invoice of one supplier claimed by budget unit A and by budget unit B;
- unit A buying from one supplier three times in five days, each just under the ¥50,000
  small-amount limit (``procurement.integrity.SPLIT_THRESHOLD``);
- unit B paying ten times the catalogue price × quantity (a zero too many);
- one scanned invoice attached to a purchase of unit A and to one of unit B.

All in unit A's open quarter (the last ended one), from suppliers recognised on those days
(the builder's ``verify`` holds every record to that). Idempotent: the purchases are found
again by their invoice numbers, the vouchers by their names, and the checks insert a flag
once per purchase and check.
"""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import Exists, OuterRef

from portal.periods import Quarter
from procurement.integrity import integrity_checks_run
from procurement.models import BudgetUnit, ProcurementRecord, Voucher
from products.models import Certificate, Product
from products.selectors import COUNTING_CERTIFICATE_STATUSES

from .context import SeedContext, upsert
from .paperwork import demo_pdf
from .purchases import open_quarter_of_unit_a

INVOICE_PREFIX = "DEMO-IC-"
VOUCHER_NAME = "发票扫描件-重复.pdf"


def _recognised_products(first: datetime.date, last: datetime.date) -> list[Product]:
    """Listed products with a price whose supplier is recognised over [first, last], in a
    stable order."""
    covered = Certificate.objects.filter(
        supplier_id=OuterRef("supplier_id"),
        scheme_id="recognition",
        status__in=COUNTING_CERTIFICATE_STATUSES,
        valid_from__lte=first,
        valid_until__gte=last,
    )
    return list(
        Product.objects.filter(status=Product.Status.LISTED, price__gt=0)
        .filter(Exists(covered))
        .select_related("supplier")
        .order_by("supplier_id", "pk")[:200]
    )


def _status(budget_unit: BudgetUnit, day: datetime.date, *, as_of, unit_a_id: int) -> str:
    """Submitted where the unit's quarter is, as the demo's other records (purchases.py): every
    ended quarter, but unit A's last one, which stays open."""
    quarter = Quarter.of(day)
    open_a = open_quarter_of_unit_a(as_of)
    if quarter.has_ended(as_of=as_of) and not (budget_unit.pk == unit_a_id and quarter == open_a):
        return ProcurementRecord.Status.SUBMITTED
    return ProcurementRecord.Status.RECORDED


def _purchase(ctx, budget_unit, product, day, amount, invoice, *, clerk_id, unit_a_id, **extra):
    lookup = {
        "budget_unit_id": budget_unit.pk,
        "supplier_id": product.supplier_id,
        "invoice_no": f"{INVOICE_PREFIX}{invoice}",
    }
    record = ProcurementRecord.objects.filter(**lookup).first()
    if record is not None:
        return record
    return upsert(
        ctx,
        ProcurementRecord,
        lookup,
        {
            "purchased_on": day,
            "product_id": product.pk,
            "amount": Decimal(amount),
            "channel": extra.pop("channel", "direct"),
            "purpose": extra.pop("purpose", "canteen"),
            "status": _status(budget_unit, day, as_of=ctx.as_of, unit_a_id=unit_a_id),
            "created_by_id": clerk_id,
            **extra,
        },
    )


def _voucher(ctx, record: ProcurementRecord, content: bytes, clerk_id) -> None:
    if Voucher.objects.filter(record=record, original_name=VOUCHER_NAME).exists():
        return
    voucher = Voucher(
        record=record,
        original_name=VOUCHER_NAME,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by_id=clerk_id,
    )
    voucher.file.save("invoice-scan.pdf", ContentFile(content), save=True)
    ctx.count_created(Voucher)


def seed_integrity(
    ctx: SeedContext, *, unit_a: BudgetUnit, unit_b: BudgetUnit, clerks: dict[int, int]
) -> dict[str, int]:
    """Plant the suspicious purchases (before the running totals are rebuilt: they count until
    an office rejects them) and run the checks; returns the new flags per check."""
    quarter = open_quarter_of_unit_a(ctx.as_of)
    day = quarter.first_day + datetime.timedelta(days=20)
    products = _recognised_products(day, day + datetime.timedelta(days=14))
    suppliers = list({product.supplier_id: product for product in products}.values())
    if len(suppliers) < 3:
        ctx.log("  合规核查 (integrity): too few recognised suppliers to plant the cases")
        return integrity_checks_run()
    shared, splitter, pricey = suppliers[0], suppliers[1], suppliers[2]
    clerk_a, clerk_b = clerks.get(unit_a.pk), clerks.get(unit_b.pk)

    claimed_a = _purchase(
        ctx,
        unit_a,
        shared,
        day,
        "6800.00",
        "SHARED-0612",
        clerk_id=clerk_a,
        unit_a_id=unit_a.pk,
        channel="outlet",
    )
    claimed_b = _purchase(
        ctx,
        unit_b,
        shared,
        day + datetime.timedelta(days=7),
        "6800.00",
        "SHARED-0612",
        clerk_id=clerk_b,
        unit_a_id=unit_a.pk,
        channel="outlet",
        purpose="union_welfare",
    )
    for offset, (amount, number) in enumerate(
        [("46800.00", "SPLIT-1"), ("48500.00", "SPLIT-2"), ("47200.00", "SPLIT-3")]
    ):
        _purchase(
            ctx,
            unit_a,
            splitter,
            day + datetime.timedelta(days=2 + 2 * offset),
            amount,
            number,
            clerk_id=clerk_a,
            unit_a_id=unit_a.pk,
        )
    quantity = Decimal("20")
    _purchase(
        ctx,
        unit_b,
        pricey,
        day + datetime.timedelta(days=3),
        f"{pricey.price * quantity * 10:.2f}",
        "PRICE-1",
        clerk_id=clerk_b,
        unit_a_id=unit_a.pk,
        quantity=quantity,
        unit=pricey.price_unit,
        channel="platform_832",
    )
    scan = demo_pdf("Invoice scan", f"{INVOICE_PREFIX}SHARED-0612")
    _voucher(ctx, claimed_a, scan, clerk_a)
    _voucher(ctx, claimed_b, scan, clerk_b)
    found = integrity_checks_run()
    ctx.log(f"  合规核查 (integrity flags): {sum(found.values())} new {found}")
    return found
