"""The running totals of the purchases: ``MonthlyTotal`` (unit × month × channel),
``PurposeMonthlyTotal`` (the same split by purpose, for the quota rules) and
``OriginMonthlyTotal`` (district × month × region of origin).

Compliance and the dashboards add up a year of purchases for every unit; at a city's size (a
million purchases a year) reading the purchases each time costs seconds, reading these totals
milliseconds. They are exact, never stale: every service that writes a purchase (log, correct,
delete, import, and any change of status into or out of "rejected") calls ``totals_apply``
with the purchases as they were and as they are, in its own transaction, under the unit's
lock. A counted purchase is one that is not rejected (api.md, "The quota, exactly").

``totals_apply`` adds the differences with one ``INSERT … ON CONFLICT DO UPDATE`` per table
(PostgreSQL and SQLite alike), so two units of one district writing at once add up rather
than overwrite. ``totals_rebuild`` recomputes the tables from the purchases, for bulk loads
that bypass the services (the demo, the benchmark) and as the reference the tests compare
against.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, F, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from portal.models import Organisation
from portal.money import ZERO

from .models import MonthlyTotal, OriginMonthlyTotal, ProcurementRecord, PurposeMonthlyTotal

REJECTED = ProcurementRecord.Status.REJECTED


@dataclass(frozen=True)
class Counted:
    """What a purchase adds to the totals: nothing when it is rejected."""

    budget_unit_id: int
    supplier_id: int
    month: datetime.date
    channel: str
    purpose: str
    amount: Decimal

    @classmethod
    def of(cls, record: ProcurementRecord) -> Counted | None:
        if record.status == REJECTED:
            return None
        return cls(
            budget_unit_id=record.budget_unit_id,
            supplier_id=record.supplier_id,
            month=record.purchased_on.replace(day=1),
            channel=record.channel,
            purpose=record.purpose,
            amount=Decimal(record.amount),
        )


def counted(records: Iterable[ProcurementRecord]) -> list[Counted]:
    """The purchases' contributions, taken now (before the caller changes them)."""
    return [c for c in (Counted.of(record) for record in records) if c is not None]


def totals_apply(*, removed: Iterable[Counted] = (), added: Iterable[Counted] = ()) -> None:
    """Take ``removed`` out of the totals and put ``added`` in: one query for the regions of
    the units and suppliers concerned, one statement per table for the differences."""
    removed, added = list(removed), list(added)
    if not removed and not added:
        return
    # Units and suppliers are both organisations: their regions in one query.
    organisations = {c.budget_unit_id for c in removed + added}
    organisations |= {c.supplier_id for c in removed + added}
    region = dict(
        Organisation.objects.filter(pk__in=organisations).order_by().values_list("pk", "region_id")
    )

    by_unit: dict[tuple, list] = defaultdict(lambda: [ZERO, 0])
    by_purpose: dict[tuple, list] = defaultdict(lambda: [ZERO, 0])
    by_origin: dict[tuple, list] = defaultdict(lambda: [ZERO, 0])
    for sign, contributions in ((-1, removed), (1, added)):
        for c in contributions:
            for table, key in (
                (by_unit, (c.budget_unit_id, c.month, c.channel)),
                (by_purpose, (c.budget_unit_id, c.month, c.channel, c.purpose)),
                (
                    by_origin,
                    (
                        region.get(c.budget_unit_id) or "",
                        c.month,
                        region.get(c.supplier_id) or "",
                    ),
                ),
            ):
                table[key][0] += sign * c.amount
                table[key][1] += sign
    _upsert(MonthlyTotal, ("budget_unit_id", "month", "channel"), by_unit)
    _upsert(PurposeMonthlyTotal, ("budget_unit_id", "month", "channel", "purpose"), by_purpose)
    _upsert(OriginMonthlyTotal, ("district", "month", "origin"), by_origin)


def _upsert(model, keys: tuple[str, ...], deltas: dict[tuple, list]) -> None:
    rows = [(*key, amount, n) for key, (amount, n) in deltas.items() if amount or n]
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in (*keys, "amount", "records"))
    conflict = ", ".join(connection.ops.quote_name(c) for c in keys)
    placeholders = ", ".join(["%s"] * (len(keys) + 2))
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608 (names only)
        f"ON CONFLICT ({conflict}) DO UPDATE SET "
        f"amount = {table}.amount + excluded.amount, "
        f"records = {table}.records + excluded.records"
    )
    adapt = connection.ops.adapt_decimalfield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [(*row[:-2], adapt(row[-2], 14, 2), row[-1]) for row in sorted(rows, key=str)]
        )


def totals_after_region_change(organisation: Organisation, *, changed: Iterable[str]) -> None:
    """A steward moved a budget unit to another district or a supplier to another region of
    origin (``changed``: the names of the fields the admin's form changed). Only the admin
    changes a region once there may be purchases; it is a rare correction, so the tables are
    recomputed (seconds at 10^6 purchases, in the admin's transaction) rather than each
    purchase's share moved."""
    kinds = (Organisation.Kind.BUDGET_UNIT, Organisation.Kind.SUPPLIER)
    if "region" in changed and organisation.kind in kinds:
        totals_rebuild()


# One INSERT of this many totals rows at a time when rebuilding.
REBUILD_BATCH = 5000


def _refill(model, grouped, keys: dict[str, str]) -> None:
    """Insert ``grouped``'s rows (with ``total`` and ``n``) into ``model``, its key fields
    taken from the columns ``keys`` names, in batches."""
    model.objects.bulk_create(
        (
            model(
                **{field: row[column] for field, column in keys.items()},
                amount=row["total"],
                records=row["n"],
            )
            for row in grouped.iterator(chunk_size=REBUILD_BATCH)
        ),
        batch_size=REBUILD_BATCH,
    )


@transaction.atomic
def totals_rebuild() -> tuple[int, int]:
    """Recompute the three tables from the purchases; returns the row counts of the units' and
    the origins' (the purposes' follow the units')."""
    MonthlyTotal.objects.all().delete()
    PurposeMonthlyTotal.objects.all().delete()
    OriginMonthlyTotal.objects.all().delete()
    counted_records = ProcurementRecord.objects.exclude(status=REJECTED).order_by()
    _refill(
        MonthlyTotal,
        counted_records.annotate(m=TruncMonth("purchased_on"))
        .values("budget_unit_id", "m", "channel")
        .annotate(total=Sum("amount"), n=Count("pk")),
        {"budget_unit_id": "budget_unit_id", "month": "m", "channel": "channel"},
    )
    _refill(
        PurposeMonthlyTotal,
        counted_records.annotate(m=TruncMonth("purchased_on"))
        .values("budget_unit_id", "m", "channel", "purpose")
        .annotate(total=Sum("amount"), n=Count("pk")),
        {
            "budget_unit_id": "budget_unit_id",
            "month": "m",
            "channel": "channel",
            "purpose": "purpose",
        },
    )
    _refill(
        OriginMonthlyTotal,
        counted_records.annotate(
            m=TruncMonth("purchased_on"),
            d=Coalesce(F("budget_unit__region_id"), Value("")),
            o=Coalesce(F("supplier__region_id"), Value("")),
        )
        .values("d", "m", "o")
        .annotate(total=Sum("amount"), n=Count("pk")),
        {"district": "d", "month": "m", "origin": "o"},
    )
    return MonthlyTotal.objects.count(), OriginMonthlyTotal.objects.count()
