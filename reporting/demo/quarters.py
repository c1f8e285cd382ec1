"""The quota side of procurement: the yearly policy and targets, each unit's quarterly
declaration of its farm-products total (the quota's base), and the quarter submissions.

Declarations are derived from what each unit actually bought, divided by a share drawn per
unit, so most units land at 30–46% and some (about one in six) fall short of the 30% quota
(api.md, "The quota, exactly").
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Sum
from django.db.models.functions import ExtractQuarter, ExtractYear

from portal.models import DistrictPairing
from portal.money import CENT, ZERO
from portal.periods import Quarter, ended_quarters
from procurement.models import (
    AnnualTarget,
    BudgetUnit,
    Declaration,
    ProcurementRecord,
    QuarterSubmission,
    QuotaPolicy,
    QuotaRule,
)

from .context import PERIOD_START, SeedContext, upsert
from .purchases import open_quarter_of_unit_a

# Shenzhen's rule: no less than 30% of a budget unit's farm-products procurement.
QUOTA_RATIO = Decimal("0.300")
# The further rules of every year (procurement.quota): the national rule for canteens (832平台
# 采购食堂食材不低于10%) and Guangzhou's for trade unions' welfare money in the special outlets.
# (name, base, ratio, channels, categories, note)
QUOTA_RULES = (
    (
        "832平台采购食堂食材不低于10%",
        QuotaRule.Base.CANTEEN,
        Decimal("0.100"),
        ["platform_832"],
        ["agency", "institution", "school", "hospital"],
        "各级预算单位食堂采购脱贫地区农副产品，通过832平台采购的比例不低于食堂食材采购总额的10%。",
    ),
    (
        "工会福利50%用于消费帮扶专馆专区",
        QuotaRule.Base.UNION_WELFARE,
        Decimal("0.500"),
        ["outlet"],
        [],
        "工会组织的集体福利采购，50%以上用于在消费帮扶专馆、专区采购。",
    ),
)
# A unit's canteen and union-welfare totals: the assistance products bought for the purpose
# divided by the share of it they make up (draws from their own stream, so the farm-products
# totals stay as they were). One unit in five declares no union-welfare total (its union buys
# through its own account), and so does unit B, so "no base declared" shows.
CANTEEN_SHARE = (300, 520)  # per mille
UNION_WELFARE_SHARE = (550, 950)
NO_UNION_WELFARE = 0.2
# 5,000 rows x 7 columns: a small INSERT on any backend; SQLite splits it to 999 parameters.
DECLARATION_BATCH = 5000
# Targets: the first year's a little under what the units bought (met, as Shenzhen met 110亿
# with 115亿 in 2021), later years 10% over the year before (still in progress).
FIRST_YEAR_TARGET = Decimal("0.96")
TARGET_GROWTH = Decimal("1.10")
TARGET_STEP = Decimal("10000")  # targets are set in 万元
MIN_TARGET = Decimal("100000.00")


def seed_policies(ctx: SeedContext) -> None:
    for year in range(PERIOD_START.year, ctx.as_of.year + 1):
        policy = upsert(
            ctx,
            QuotaPolicy,
            {"year": year},
            {
                "ratio": QUOTA_RATIO,
                "growth_required": True,
                "note": "预算单位采购脱贫地区农副产品不低于农副产品采购总额的30%，"
                "且当年采购额不低于上年实际采购额。",
            },
        )
        for position, (name, base, ratio, channels, categories, note) in enumerate(QUOTA_RULES):
            upsert(
                ctx,
                QuotaRule,
                {"policy_id": policy.pk, "name": name},
                {
                    "base": base.value,
                    "ratio": ratio,
                    "channels": channels,
                    "categories": categories,
                    "position": position,
                    "note": note,
                },
            )


def unit_share(ctx: SeedContext, unit: BudgetUnit, *, unit_a: int, unit_b: int) -> Decimal:
    """The share of its farm-products spend a unit puts into assistance products. Unit A
    meets the quota comfortably; unit B falls short, so the demo shows a shortfall."""
    if unit.pk == unit_a:
        return Decimal("0.380")
    if unit.pk == unit_b:
        return Decimal("0.270")
    rng = ctx.rng("share", unit.credit_code)
    if rng.random() < 0.17:
        return Decimal(rng.randint(180, 285)).scaleb(-3)
    return Decimal(rng.randint(310, 460)).scaleb(-3)


def _to_money(value) -> Decimal:
    # SQLite sums decimals as floats; through str() and quantize they come back exact to the cent.
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def seed_declarations(
    ctx: SeedContext,
    units: list[BudgetUnit],
    *,
    unit_a: int,
    unit_b: int,
    declarers: dict[int, int],
) -> None:
    """A declaration for every quarter of each unit that has none yet, the current one to
    date included, so the year in progress shows a meaningful share too."""
    current = Quarter.of(ctx.as_of)
    quarters = [*ended_quarters(since=Quarter.of(PERIOD_START), as_of=ctx.as_of), current]
    undeclared = ~Exists(Declaration.objects.filter(budget_unit=OuterRef("budget_unit")))
    sums = (
        ProcurementRecord.objects.filter(undeclared, purchased_on__lte=ctx.as_of)
        .exclude(status=ProcurementRecord.Status.REJECTED)
        .annotate(year=ExtractYear("purchased_on"), quarter=ExtractQuarter("purchased_on"))
        .values_list("budget_unit_id", "year", "quarter", "purpose")
        .annotate(total=Sum("amount"))
    )
    bought: dict[int, dict[Quarter, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for_purpose: dict[tuple[int, Quarter, str], Decimal] = {}
    for unit_id, year, quarter, purpose, total in sums:
        bought[unit_id][Quarter(year, quarter)] += _to_money(total)
        for_purpose[unit_id, Quarter(year, quarter), purpose] = _to_money(total)
    has_declarations = Declaration.objects.filter(budget_unit=OuterRef("pk"))
    todo = set(BudgetUnit.objects.exclude(Exists(has_declarations)).values_list("pk", flat=True))
    rows = []
    for unit in units:
        if unit.pk not in todo:
            continue
        share = unit_share(ctx, unit, unit_a=unit_a, unit_b=unit_b)
        rng = ctx.rng("declaration", unit.credit_code)
        bases = _base_shares(ctx, unit, unit_b=unit_b)
        spent = bought.get(unit.pk, {})
        usual = sorted(v for v in spent.values() if v > 0)
        typical = usual[len(usual) // 2] if usual else Decimal("15000.00")
        for quarter in quarters:
            assistance = spent.get(quarter, ZERO)
            if not assistance:
                if quarter == current:
                    continue  # nothing bought yet this quarter: nothing to declare yet
                assistance = typical
            jitter = Decimal(rng.randint(930, 1070)).scaleb(-3)
            total = assistance / share * jitter
            agri_total = max(_hundreds(total), Decimal(100)).quantize(CENT)
            canteen, union_welfare = (
                _declared_base(for_purpose.get((unit.pk, quarter, purpose), ZERO), base, agri_total)
                for purpose, base in (("canteen", bases[0]), ("union_welfare", bases[1]))
            )
            rows.append(
                Declaration(
                    budget_unit_id=unit.pk,
                    year=quarter.year,
                    quarter=quarter.quarter,
                    agri_total=agri_total,
                    canteen_total=canteen.quantize(CENT),
                    union_welfare_total=union_welfare.quantize(CENT),
                    declared_by_id=declarers.get(unit.pk),
                )
            )
    Declaration.objects.bulk_create(rows, batch_size=DECLARATION_BATCH)
    ctx.count_created(Declaration, len(rows))
    ctx.log(f"  季度申报 (declarations): {len(rows):,} new")


def _hundreds(amount: Decimal) -> Decimal:
    """Declared totals are round figures: to the hundred yuan."""
    return (amount / 100).to_integral_value(rounding=ROUND_HALF_UP) * 100


def _declared_base(bought: Decimal, share: Decimal, agri_total: Decimal) -> Decimal:
    """A canteen or union-welfare total: what was bought for it over its assistance share, no
    more than the farm-products total; 0 when nothing was bought for it or none is declared."""
    if not bought or not share:
        return ZERO
    return min(_hundreds(bought / share), agri_total)


def _base_shares(ctx: SeedContext, unit: BudgetUnit, *, unit_b: int) -> tuple[Decimal, Decimal]:
    """The share of its canteen food and of its union-welfare spending a unit buys as
    assistance products; 0 where it declares no such total."""
    rng = ctx.rng("bases", unit.credit_code)
    canteen = Decimal(rng.randint(*CANTEEN_SHARE)).scaleb(-3)
    union_welfare = Decimal(rng.randint(*UNION_WELFARE_SHARE)).scaleb(-3)
    if unit.pk == unit_b or rng.random() < NO_UNION_WELFARE:
        union_welfare = ZERO
    return canteen, union_welfare


def seed_submissions(
    ctx: SeedContext,
    units: list[BudgetUnit],
    *,
    unit_a: int,
    submitters: dict[int, int],
) -> None:
    """Every ended quarter submitted a few days after it closed, except unit A's latest."""
    quarters = ended_quarters(since=Quarter.of(PERIOD_START), as_of=ctx.as_of)
    open_a = open_quarter_of_unit_a(ctx.as_of)
    has_submissions = QuarterSubmission.objects.filter(budget_unit=OuterRef("pk"))
    todo = set(BudgetUnit.objects.exclude(Exists(has_submissions)).values_list("pk", flat=True))
    rows = []
    for unit in units:
        if unit.pk not in todo:
            continue
        rng = ctx.rng("submission", unit.credit_code)
        for quarter in quarters:
            if unit.pk == unit_a and quarter == open_a:
                continue
            day = min(quarter.last_day + datetime.timedelta(days=rng.randint(2, 12)), ctx.as_of)
            rows.append(
                QuarterSubmission(
                    budget_unit_id=unit.pk,
                    year=quarter.year,
                    quarter=quarter.quarter,
                    status=QuarterSubmission.Status.SUBMITTED,
                    submitted_by_id=submitters.get(unit.pk),
                    submitted_at=ctx.at(day, rng.randint(9, 17), rng.randint(0, 59)),
                )
            )
    QuarterSubmission.objects.bulk_create(rows, batch_size=DECLARATION_BATCH)
    ctx.count_created(QuarterSubmission, len(rows))
    ctx.log(f"  季度报送 (quarter submissions): {len(rows):,} new")


def _round_target(amount: Decimal) -> Decimal:
    stepped = (amount / TARGET_STEP).to_integral_value(rounding=ROUND_CEILING) * TARGET_STEP
    return max(stepped, MIN_TARGET).quantize(CENT)


def seed_targets(ctx: SeedContext, districts: list[str]) -> None:
    """The city's and each district's yearly target, scaled to what the demo's units buy."""
    totals: dict[tuple[int, str | None], Decimal] = defaultdict(lambda: ZERO)
    sums = (
        ProcurementRecord.objects.exclude(status=ProcurementRecord.Status.REJECTED)
        .annotate(year=ExtractYear("purchased_on"))
        .values_list("year", "budget_unit__region_id")
        .annotate(total=Sum("amount"))
    )
    for year, district, total in sums:
        totals[year, district] += _to_money(total)
        totals[year, None] += _to_money(total)
    for year in range(PERIOD_START.year, ctx.as_of.year + 1):
        for district in [None, *districts]:
            if year == PERIOD_START.year:
                amount = totals[year, district] * FIRST_YEAR_TARGET
            else:
                amount = totals[year - 1, district] * TARGET_GROWTH
            lookup = {"year": year, "district_id": district}
            if district is None:
                lookup = {"year": year, "district__isnull": True}
            upsert(ctx, AnnualTarget, lookup, {"amount": _round_target(amount)})
    _seed_county_targets(ctx)
    ctx.log(f"  年度目标 (annual targets): {AnnualTarget.objects.count()}")


def _seed_county_targets(ctx: SeedContext) -> None:
    """What the city means to buy from each paired county it bought from: last year's amount
    grown like the districts' (the first year, the year's own amount)."""
    paired = set(DistrictPairing.objects.values_list("region_id", flat=True))
    totals: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    sums = (
        ProcurementRecord.objects.exclude(status=ProcurementRecord.Status.REJECTED)
        .filter(supplier__region_id__in=paired)
        .annotate(year=ExtractYear("purchased_on"))
        .values_list("year", "supplier__region_id")
        .annotate(total=Sum("amount"))
    )
    for year, region, total in sums:
        totals[year, region] += _to_money(total)
    for year in range(PERIOD_START.year, ctx.as_of.year + 1):
        for region in sorted(paired):
            if year == PERIOD_START.year:
                amount = totals[year, region] * FIRST_YEAR_TARGET
            else:
                amount = totals[year - 1, region] * TARGET_GROWTH
            if amount > 0:
                lookup = {"year": year, "region_id": region}
                upsert(ctx, AnnualTarget, lookup, {"amount": _round_target(amount)})
