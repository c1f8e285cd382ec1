"""Procurement records (采购记录): what each budget unit bought, from whom, through which channel.

The binding rule of api.md: a record counts only if its supplier held a valid recognition on
the purchase date. Validity is precomputed in memory as one flag per supplier (and product)
per day, so a million records need no query each; the builder also re-checks every record it
writes against those flags.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef

from portal.models import DistrictPairing
from portal.periods import Quarter, ended_quarters, last_ended_quarter
from procurement.models import BudgetUnit, ProcurementRecord
from products.models import Certificate, Product, Supplier

from .context import PERIOD_START, SeedContext, weighted_sample, yuan

# 2,000 rows x 16 columns = 32,000 bind parameters per INSERT: under PostgreSQL's 65,535 limit
# with room to spare, about 1 MB of SQL, and few enough objects in memory at once; SQLite's
# backend splits each batch further to its own 999-parameter limit.
RECORD_BATCH = 2000
# What a unit typically spends per purchase, in yuan, by category (canteens buy in bulk).
CATEGORY_MEDIAN = {
    "agency": 5000,
    "institution": 4500,
    "school": 8000,
    "hospital": 15000,
    "soe": 12000,
    "union": 9000,
    "other": 3000,
}
# How many purchases a unit makes, relative to an agency.
CATEGORY_VOLUME = {
    "agency": 1.0,
    "institution": 0.8,
    "school": 1.3,
    "hospital": 1.6,
    "soe": 1.4,
    "union": 0.9,
    "other": 0.5,
}
PURPOSE_MIX = {
    "agency": {"canteen": 45, "union_welfare": 30, "gifts": 15, "other": 10},
    "institution": {"canteen": 50, "union_welfare": 30, "gifts": 10, "other": 10},
    "school": {"canteen": 80, "union_welfare": 12, "gifts": 3, "other": 5},
    "hospital": {"canteen": 75, "union_welfare": 15, "gifts": 5, "other": 5},
    "soe": {"canteen": 50, "union_welfare": 30, "gifts": 15, "other": 5},
    "union": {"union_welfare": 75, "gifts": 20, "other": 5},
    "other": {"canteen": 20, "union_welfare": 20, "gifts": 40, "other": 20},
}
CHANNEL_MIX = {
    "canteen": {"direct": 40, "platform_832": 35, "online_mall": 10, "outlet": 10, "other": 5},
    "union_welfare": {
        "outlet": 35,
        "platform_832": 30,
        "online_mall": 25,
        "buy_for_donation": 5,
        "other": 5,
    },
    "gifts": {
        "platform_832": 30,
        "online_mall": 30,
        "outlet": 20,
        "buy_for_donation": 15,
        "other": 5,
    },
    "other": {"buy_for_donation": 40, "platform_832": 30, "online_mall": 20, "other": 10},
}
PURPOSE_SCALE = {"canteen": 1.3, "union_welfare": 1.0, "gifts": 0.6, "other": 0.8}
# The product categories each purpose reaches for first.
PURPOSE_CATEGORIES = {
    "canteen": {"grain_oil", "meat", "vegetables", "aquatic", "fruit"},
    "union_welfare": {"fruit", "tea", "dried", "processed", "grain_oil", "other"},
    "gifts": {"tea", "dried", "processed", "fruit", "other"},
    "other": {"fruit", "dried", "processed", "grain_oil"},
}
# Festivals drive buying: Spring Festival (Jan/Feb), Mid-Autumn (Sep), year end (Dec).
MONTH_SEASON = (1.5, 1.2, 0.9, 0.9, 1.0, 1.0, 0.9, 0.9, 1.3, 1.0, 1.0, 1.3)
WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 1.0, 0.35, 0.2)
# Guangzhou measure 16 wants no less than last year; Shenzhen grew 28% from 2020 to 2021.
YEARLY_GROWTH = 0.25
REJECTED_RATE = 0.015
MIN_AMOUNT_CENTS, MAX_AMOUNT_CENTS = 200_00, 400_000_00


@dataclass(frozen=True)
class ProductInfo:
    id: int
    category: str
    price_cents: int
    price_unit: str
    valid: bytearray  # 1 on each day of the period it held a valid recognition


@dataclass
class Calendar:
    """The days of the demo period and what each one means for the quota."""

    days: list[datetime.date]
    cum_weights: list[float]
    quarter: list[Quarter]
    ended: set[Quarter]

    @classmethod
    def build(cls, as_of: datetime.date) -> Calendar:
        days, weights, running = [], [], 0.0
        day = PERIOD_START
        while day <= as_of:
            running += (
                MONTH_SEASON[day.month - 1]
                * WEEKDAY_FACTOR[day.weekday()]
                * (1 + YEARLY_GROWTH * (day.year - PERIOD_START.year))
            )
            days.append(day)
            weights.append(running)
            day += datetime.timedelta(days=1)
        ended = set(ended_quarters(since=Quarter.of(PERIOD_START), as_of=as_of))
        return cls(days, weights, [Quarter.of(d) for d in days], ended)


class Validity:
    """Which suppliers and products held a valid recognition (帮扶产品认定) on each day."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        first = calendar.days[0]
        size = len(calendar.days)
        self.products: dict[int, list[ProductInfo]] = defaultdict(list)
        self.suppliers: dict[int, bytearray] = {}
        self.region: dict[int, str] = {}
        listed = {
            p["id"]: p
            for p in Product.objects.filter(
                status=Product.Status.LISTED, supplier__status=Supplier.Status.ACTIVE
            ).values("id", "supplier_id", "category", "price", "price_unit", "supplier__region_id")
        }
        periods = defaultdict(list)
        # A suspended or revoked certificate is not a valid one, on any day.
        for product_id, start, until in Certificate.objects.filter(
            scheme_id="recognition",
            status__in=[Certificate.Status.VALID, Certificate.Status.EXPIRED],
            product_id__in=listed,
        ).values_list("product_id", "valid_from", "valid_until"):
            periods[product_id].append((start, until))
        for product_id, spans in sorted(periods.items()):
            row = listed[product_id]
            mask = bytearray(size)
            for start, until in spans:
                lo, hi = max(0, (start - first).days), min(size - 1, (until - first).days)
                mask[lo : hi + 1] = b"\x01" * max(0, hi - lo + 1)
            supplier_id = row["supplier_id"]
            self.products[supplier_id].append(
                ProductInfo(
                    product_id,
                    row["category"],
                    int(row["price"] * 100),
                    row["price_unit"],
                    mask,
                )
            )
            merged = self.suppliers.setdefault(supplier_id, bytearray(size))
            for i, flag in enumerate(mask):
                merged[i] |= flag
            self.region[supplier_id] = row["supplier__region_id"]
        self.by_day = [
            tuple(s for s, mask in sorted(self.suppliers.items()) if mask[i]) for i in range(size)
        ]

    def held(self, supplier_id: int, day_index: int) -> bool:
        return bool(self.suppliers[supplier_id][day_index])


@dataclass(frozen=True)
class UnitProfile:
    median_yuan: float
    purposes: list[str]
    purpose_cum: list[float]
    favourites: list[int]
    favourite_cum: list[float]


def _cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def paired_regions() -> dict[str, set[str]]:
    """For each district, the counties it is paired with and their cities (对口帮扶)."""
    paired: dict[str, set[str]] = defaultdict(set)
    for district, region in DistrictPairing.objects.values_list("district_id", "region_id"):
        paired[district].update({region, region[:4] + "00"})
    return paired


def unit_profile(
    ctx: SeedContext, unit: BudgetUnit, validity: Validity, paired: dict[str, set[str]]
) -> UnitProfile:
    """How a unit buys: its usual amount, purposes and favourite suppliers (mostly from the
    regions its district is paired with)."""
    rng = ctx.rng("profile", unit.credit_code)
    mix = PURPOSE_MIX[unit.category]
    pairs = paired.get(unit.region_id, set())
    weights = {}
    for supplier_id, county in sorted(validity.region.items()):
        weights[supplier_id] = (
            6.0 if county in pairs else 2.0 if county[:4] + "00" in pairs else 1.0
        )
    favourites = weighted_sample(rng, weights, rng.randint(5, 10))
    return UnitProfile(
        median_yuan=CATEGORY_MEDIAN[unit.category] * rng.lognormvariate(0, 0.45),
        purposes=list(mix),
        purpose_cum=_cumulative(list(mix.values())),
        favourites=favourites,
        favourite_cum=_cumulative([rng.uniform(0.5, 3.0) for _ in favourites]),
    )


def allocate(ctx: SeedContext, units: list[BudgetUnit]) -> dict[int, int]:
    """Split ``--records`` over all units by size (largest remainder, so the sum is exact)."""
    weights = {
        unit.pk: CATEGORY_VOLUME[unit.category]
        * ctx.rng("volume", unit.credit_code).lognormvariate(0, 0.5)
        for unit in units
    }
    total = sum(weights.values())
    exact = {pk: ctx.records * w / total for pk, w in weights.items()}
    counts = {pk: int(x) for pk, x in exact.items()}
    spare = ctx.records - sum(counts.values())
    for pk in sorted(exact, key=lambda pk: (counts[pk] - exact[pk], pk))[:spare]:
        counts[pk] += 1
    return counts


def open_quarter_of_unit_a(as_of: datetime.date) -> Quarter:
    """Budget unit A's most recent ended quarter stays open (api.md), so a clerk sees both."""
    return last_ended_quarter(as_of=as_of)


def seed_records(
    ctx: SeedContext,
    units: list[BudgetUnit],
    *,
    unit_a: BudgetUnit,
    clerks: dict[int, int],
) -> None:
    """Records for every unit that has none yet; ``clerks`` maps a unit id to its clerk's
    user id (the demo accounts' units)."""
    calendar = Calendar.build(ctx.as_of)
    validity = Validity(calendar)
    paired = paired_regions()
    counts = allocate(ctx, units)
    has_records = ProcurementRecord.objects.filter(budget_unit=OuterRef("pk"))
    todo = set(
        BudgetUnit.objects.filter(pk__in=[u.pk for u in units])
        .exclude(Exists(has_records))
        .values_list("pk", flat=True)
    )
    open_a = open_quarter_of_unit_a(ctx.as_of)
    buffer: list[ProcurementRecord] = []
    written, next_report = 0, 100_000
    for unit in units:
        if unit.pk not in todo:
            continue
        profile = unit_profile(ctx, unit, validity, paired)
        locked = calendar.ended - ({open_a} if unit.pk == unit_a.pk else set())
        buffer.extend(
            _unit_records(ctx, unit, profile, counts[unit.pk], calendar, validity, locked, clerks)
        )
        if len(buffer) >= RECORD_BATCH:
            written += _flush(ctx, buffer)
            if written >= next_report:
                ctx.log(f"    … {written:,} records")
                next_report += 100_000
    written += _flush(ctx, buffer)
    ctx.log(f"  采购记录 (procurement records): {written:,} new for {len(todo)} units")


def _flush(ctx: SeedContext, buffer: list[ProcurementRecord]) -> int:
    n = len(buffer)
    if n:
        ProcurementRecord.objects.bulk_create(buffer, batch_size=RECORD_BATCH)
        ctx.count_created(ProcurementRecord, n)
        buffer.clear()
    return n


def _unit_records(
    ctx: SeedContext,
    unit: BudgetUnit,
    profile: UnitProfile,
    count: int,
    calendar: Calendar,
    validity: Validity,
    locked: set[Quarter],
    clerks: dict[int, int],
) -> list[ProcurementRecord]:
    rng = ctx.rng("records", unit.credit_code)
    picks = sorted(
        rng.choices(range(len(calendar.days)), cum_weights=calendar.cum_weights, k=count)
    )
    invoices: set[tuple[int, str]] = set()
    records = []
    for i in picks:
        purpose = rng.choices(profile.purposes, cum_weights=profile.purpose_cum)[0]
        supplier_id = _supplier_on(rng, profile, validity, i)
        if supplier_id is None:
            continue
        if not validity.held(supplier_id, i):  # the binding rule, checked on every record
            raise AssertionError(f"supplier {supplier_id} held no recognition on day {i}")
        mix = CHANNEL_MIX[purpose]
        channel = rng.choices(list(mix), weights=list(mix.values()))[0]
        product = _product_on(rng, validity.products[supplier_id], purpose, i)
        target = profile.median_yuan * PURPOSE_SCALE[purpose] * rng.lognormvariate(0, 0.8)
        target_cents = min(max(int(target * 100), MIN_AMOUNT_CENTS), MAX_AMOUNT_CENTS)
        quantity, measure = None, ""
        if product is not None:
            units_bought = max(1, round(target_cents / product.price_cents))
            cents = units_bought * product.price_cents
            quantity, measure = Decimal(units_bought), product.price_unit
        else:
            cents = target_cents // 100 * 100  # whole yuan, as on most invoices
        status = ProcurementRecord.Status.RECORDED
        if calendar.quarter[i] in locked:
            status = ProcurementRecord.Status.SUBMITTED
            if rng.random() < REJECTED_RATE:
                status = ProcurementRecord.Status.REJECTED
        records.append(
            ProcurementRecord(
                budget_unit_id=unit.pk,
                purchased_on=calendar.days[i],
                supplier_id=supplier_id,
                product_id=product.id if product else None,
                amount=yuan(cents),
                quantity=quantity,
                unit=measure,
                channel=channel,
                purpose=purpose,
                invoice_no=_invoice(rng, invoices, supplier_id),
                status=status,
                created_by_id=clerks.get(unit.pk),
            )
        )
    return records


def _supplier_on(
    rng: random.Random, profile: UnitProfile, validity: Validity, day_index: int
) -> int | None:
    """A favourite supplier that was recognised that day, else any that was."""
    for _ in range(3 if profile.favourites else 0):
        supplier_id = rng.choices(profile.favourites, cum_weights=profile.favourite_cum)[0]
        if validity.held(supplier_id, day_index):
            return supplier_id
    candidates = validity.by_day[day_index]
    return rng.choice(candidates) if candidates else None


def _product_on(
    rng: random.Random, products: list[ProductInfo], purpose: str, day_index: int
) -> ProductInfo | None:
    """One of the supplier's products recognised that day (or none named: 8% of records)."""
    if rng.random() < 0.08:
        return None
    valid = [p for p in products if p.valid[day_index]]
    if not valid:
        return None
    preferred = PURPOSE_CATEGORIES[purpose]
    weights = [3.0 if p.category in preferred else 1.0 for p in valid]
    return rng.choices(valid, weights=weights)[0]


def _invoice(rng: random.Random, taken: set[tuple[int, str]], supplier_id: int) -> str:
    """An 8-digit invoice number (12 digits for some issuers), unique per unit and supplier;
    3% of purchases are backed by a contract instead and carry none."""
    if rng.random() < 0.03:
        return ""
    digits = 12 if rng.random() < 0.3 else 8
    while True:
        number = str(rng.randrange(10 ** (digits - 1), 10**digits))
        if (supplier_id, number) not in taken:
            taken.add((supplier_id, number))
            return number
