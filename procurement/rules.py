"""The rules a procurement record must keep, checked for one record or ten thousand at once.

Every check is made against the database in a fixed number of queries for the whole batch
(recognition periods, locked quarters, invoices already claimed), so the clerk's form and the
import share one implementation and the import of 10,000 rows stays fast.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from portal.periods import Quarter
from products.models import Product, Supplier
from products.selectors import held_recognition, recognition_cover

from .models import Channel, ProcurementRecord, Purpose, QuarterSubmission

# A single purchase above ¥10m is a typing error (a missing decimal point), not a canteen order:
# the largest direct-supply deals in the articles are annual contracts logged as many invoices.
MAX_RECORD_AMOUNT = Decimal("10000000.00")
# A unit may log purchases of the previous year while its quarters are open, never older.
OLDEST_YEAR_BACK = 1


@dataclass
class RecordData:
    """One purchase as entered: by the form, the API or a row of an import file."""

    purchased_on: datetime.date
    supplier: Supplier
    amount: Decimal
    channel: str
    purpose: str
    product: Product | None = None
    quantity: Decimal | None = None
    unit: str = ""
    invoice_no: str = ""

    def as_fields(self) -> dict:
        return {
            "purchased_on": self.purchased_on,
            "supplier": self.supplier,
            "product": self.product,
            "amount": self.amount,
            "quantity": self.quantity,
            "unit": self.unit,
            "channel": self.channel,
            "purpose": self.purpose,
            "invoice_no": self.invoice_no,
        }


@dataclass
class RowErrors:
    """What is wrong with one record: field name → messages."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)


def locked_quarters(budget_unit_id: int) -> set[Quarter]:
    """The unit's quarters that are submitted and so closed to any change."""
    return {
        Quarter(year, quarter)
        for year, quarter in QuarterSubmission.objects.filter(
            budget_unit_id=budget_unit_id, status=QuarterSubmission.Status.SUBMITTED
        ).values_list("year", "quarter")
    }


def quarter_label(quarter: Quarter) -> str:
    return _("%(year)s, quarter %(quarter)s") % {"year": quarter.year, "quarter": quarter.quarter}


def check_records(
    *,
    budget_unit_id: int,
    rows: Sequence[RecordData],
    as_of: datetime.date,
    exclude_record_id: int | None = None,
) -> list[RowErrors]:
    """The errors of each row, in order; an empty RowErrors for a good row.

    api.md: "A procurement record counts only if its supplier held a valid recognition
    (recognition certificate) on the purchase date; otherwise it is refused with a clear error
    naming the supplier and the date." Records of a submitted quarter are locked (domain.md:
    each unit reports quarterly; a correction is an explicit reopening).
    """
    results = [RowErrors() for _row in rows]
    dated = [row.purchased_on for row in rows if row.purchased_on]
    if not dated:
        return results
    cover = recognition_cover(
        supplier_ids=[row.supplier.pk for row in rows if row.supplier],
        first=min(dated),
        last=max(dated),
    )
    locked = locked_quarters(budget_unit_id)
    claimed = _claimed_invoices(budget_unit_id, rows, exclude_record_id)
    oldest = datetime.date(as_of.year - OLDEST_YEAR_BACK, 1, 1)
    channels, purposes = set(Channel.values), set(Purpose.values)

    for row, errors in zip(rows, results, strict=True):
        day = row.purchased_on
        if day > as_of:
            errors.add(
                "purchased_on",
                _("The purchase date %(date)s is in the future.") % {"date": day.isoformat()},
            )
        elif day < oldest:
            errors.add(
                "purchased_on",
                _(
                    "The purchase date %(date)s is before %(oldest)s; "
                    "older purchases can no longer be logged."
                )
                % {"date": day.isoformat(), "oldest": oldest.isoformat()},
            )
        elif Quarter.of(day) in locked:
            errors.add(
                "purchased_on",
                _(
                    "%(quarter)s has been submitted: its records can no "
                    "longer be added or changed unless an office reopens it."
                )
                % {"quarter": quarter_label(Quarter.of(day))},
            )
        if row.amount is None or row.amount <= 0:
            errors.add("amount", _("The amount must be greater than zero."))
        elif row.amount > MAX_RECORD_AMOUNT:
            errors.add(
                "amount",
                _(
                    "¥%(amount)s is more than a single purchase can be "
                    "(at most ¥%(limit)s); check the decimal point."
                )
                % {"amount": f"{row.amount:,.2f}", "limit": f"{MAX_RECORD_AMOUNT:,.0f}"},
            )
        if row.quantity is not None and row.quantity <= 0:
            errors.add("quantity", _("The quantity must be greater than zero."))
        if row.channel not in channels:
            errors.add("channel", _("Unknown channel “%(value)s”.") % {"value": row.channel})
        if row.purpose not in purposes:
            errors.add("purpose", _("Unknown purpose “%(value)s”.") % {"value": row.purpose})
        if row.supplier is not None and not held_recognition(cover, row.supplier.pk, day):
            errors.add(
                "supplier",
                _("“%(supplier)s” did not hold a valid assistance-product recognition on %(date)s.")
                % {"supplier": row.supplier.name, "date": day.isoformat()},
            )
        if row.product is not None and row.product.supplier_id != row.supplier.pk:
            errors.add(
                "product",
                _("“%(product)s” is not in the catalogue of “%(supplier)s”.")
                % {"product": row.product.name, "supplier": row.supplier.name},
            )
        if row.invoice_no:
            key = (row.supplier.pk, row.invoice_no)
            if key in claimed:
                errors.add(
                    "invoice_no",
                    _("Invoice %(invoice)s of “%(supplier)s” is already logged by this unit.")
                    % {"invoice": row.invoice_no, "supplier": row.supplier.name},
                )
            claimed.add(key)
    return results


def _claimed_invoices(
    budget_unit_id: int, rows: Sequence[RecordData], exclude_record_id: int | None
) -> set[tuple[int, str]]:
    numbers = {row.invoice_no for row in rows if row.invoice_no}
    if not numbers:
        return set()
    # The unit, the suppliers and the numbers: all three columns of record_invoice_unique, so
    # one purchase's check is a single probe of that index, not a walk of the unit's entries.
    existing = ProcurementRecord.objects.filter(
        budget_unit_id=budget_unit_id,
        supplier_id__in={row.supplier.pk for row in rows if row.invoice_no},
        invoice_no__in=numbers,
    )
    if exclude_record_id is not None:
        existing = existing.exclude(pk=exclude_record_id)
    return set(existing.values_list("supplier_id", "invoice_no"))
