"""What happens at the outlets: the products they carry, their monthly sales reports, the
inspections and the recorded status changes (动态退出).

Each is written only for outlets that have none of it yet, in bulk.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from outlets.models import Inspection, Outlet, OutletSalesReport, OutletStatusChange
from products.models import Certificate, Product, Supplier

from .context import PERIOD_START, SeedContext, person_name, yuan
from .network import OutletPlan
from .places import GIVEN_NAMES, SURNAMES
from .purchases import MONTH_SEASON, YEARLY_GROWTH

# 5,000 rows x 6 columns per INSERT on PostgreSQL; SQLite's backend splits to 999 parameters.
ACTIVITY_BATCH = 5000
# A month's sales of assistance products, in yuan, by kind of outlet.
KIND_MONTHLY = {
    "centre": 1_200_000,
    "hall": 250_000,
    "zone": 120_000,
    "counter": 25_000,
    "station": 40_000,
    "train": 60_000,
}
CARRIED = {
    "centre": (40, 80),
    "hall": (15, 35),
    "zone": (10, 30),
    "counter": (5, 15),
    "station": (5, 15),
    "train": (8, 20),
}
CHECKLIST = ("帮扶产品标识", "价格公示", "进销台账", "食品安全", "环境卫生")
FINDINGS = {
    Inspection.Result.PASSED: "经营规范，帮扶产品标识清晰，价格公示齐全。",
    Inspection.Result.RECTIFY: "部分产品未公示价格，进销台账不完整，限期整改。",
    Inspection.Result.FAILED: "抽检产品不合格，存在非认定产品混放销售。",
}

Planned = list[tuple[Outlet, OutletPlan]]


@dataclass(frozen=True)
class Inspector:
    """The district office account, who inspects the outlets of its own district."""

    user_id: int
    name: str
    region_id: str


def _without(model, field: str) -> set[int]:
    """Ids of outlets that have no rows of ``model`` yet."""
    rows = model.objects.filter(**{field: OuterRef("pk")})
    return set(Outlet.objects.exclude(Exists(rows)).values_list("pk", flat=True))


def _reporting_months(as_of: datetime.date) -> list[datetime.date]:
    """First days of the months of the period that have ended by ``as_of``."""
    months, day = [], PERIOD_START
    while True:
        following = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        if following > as_of:
            return months
        months.append(day)
        day = following


def seed_carried(ctx: SeedContext, outlets: Planned) -> None:
    """The products each outlet carries; a hall shows its theme's regions first."""
    szp = set(
        Certificate.objects.filter(scheme_id="szp", status=Certificate.Status.VALID).values_list(
            "product_id", flat=True
        )
    )
    products = list(
        Product.objects.filter(
            status=Product.Status.LISTED, supplier__status=Supplier.Status.ACTIVE
        )
        .order_by("pk")
        .values_list("pk", "region_id")
    )
    todo = _without(Outlet.products.through, "outlet")
    through = Outlet.products.through
    rows = []
    for outlet, plan in outlets:
        if outlet.pk not in todo or not products:
            continue
        rng = ctx.rng("carried", plan.spec.district, plan.spec.name)
        low, high = CARRIED[plan.spec.kind]
        k = min(len(products), rng.randint(low, high))
        themed = [
            pk
            for pk, region in products
            if any(
                (prefix == "szp" and pk in szp) or region.startswith(prefix)
                for prefix in plan.spec.regions
            )
        ]
        chosen = rng.sample(themed, min(k, len(themed)))
        picked = set(chosen)
        others = [pk for pk, _ in products if pk not in picked]
        chosen += rng.sample(others, k - len(chosen))
        rows.extend(through(outlet_id=outlet.pk, product_id=pk) for pk in sorted(chosen))
    through.objects.bulk_create(rows, batch_size=ACTIVITY_BATCH)
    ctx.count_created(through, len(rows))


def seed_sales(ctx: SeedContext, outlets: Planned) -> None:
    """A sales report for each month an outlet was open, from the demo period's start."""
    months = _reporting_months(ctx.as_of)
    todo = _without(OutletSalesReport, "outlet")
    rows = []
    for outlet, plan in outlets:
        if outlet.pk not in todo:
            continue
        rng = ctx.rng("sales", plan.spec.district, plan.spec.name)
        scale = KIND_MONTHLY[plan.spec.kind] * rng.lognormvariate(0, 0.4)
        if "海吉星" in plan.spec.name:
            scale *= 2.5  # the city centre is the flagship
        opened = plan.values["opened_on"]
        closures = plan.closures()
        for first in months:
            last = datetime.date(first.year + first.month // 12, first.month % 12 + 1, 1)
            last -= datetime.timedelta(days=1)
            if opened > last or any(
                start <= last and (end is None or end >= first) for start, end in closures
            ):
                continue
            factor = MONTH_SEASON[first.month - 1] * (
                1 + YEARLY_GROWTH * (first.year - PERIOD_START.year)
            )
            cents = int(scale * factor * rng.lognormvariate(0, 0.15) * 100)
            rows.append(
                OutletSalesReport(
                    outlet_id=outlet.pk,
                    year=first.year,
                    month=first.month,
                    amount=yuan(cents),
                )
            )
    OutletSalesReport.objects.bulk_create(rows, batch_size=ACTIVITY_BATCH)
    ctx.count_created(OutletSalesReport, len(rows))


def _inspection(
    rng: random.Random, outlet: Outlet, day: datetime.date, result: str, inspector: Inspector | None
) -> Inspection:
    failing = set() if result == Inspection.Result.PASSED else set(rng.sample(CHECKLIST, 2))
    by_office = inspector is not None and outlet.district_id == inspector.region_id
    return Inspection(
        outlet_id=outlet.pk,
        inspected_on=day,
        inspector_id=inspector.user_id if by_office else None,
        inspector_name=inspector.name if by_office else person_name(rng, SURNAMES, GIVEN_NAMES),
        checklist={item: item not in failing for item in CHECKLIST},
        findings=FINDINGS[result],
        result=result,
    )


def seed_inspections(ctx: SeedContext, outlets: Planned, inspector: Inspector | None) -> None:
    """Routine inspections of about a third of the outlets, and the inspection that led to
    each suspension."""
    todo = _without(Inspection, "outlet")
    rows = []
    start = PERIOD_START
    for outlet, plan in outlets:
        if outlet.pk not in todo:
            continue
        rng = ctx.rng("inspections", plan.spec.district, plan.spec.name)
        first = max(plan.values["opened_on"], start)
        routine = rng.randint(1, 2) if rng.random() < 0.33 else 0
        for _ in range(routine):
            if first >= ctx.as_of:
                break
            day = first + datetime.timedelta(days=rng.randint(0, (ctx.as_of - first).days - 1))
            result = rng.choices(list(FINDINGS), weights=(80, 15, 5))[0]
            rows.append(_inspection(rng, outlet, day, result, inspector))
        for _, to_status, reason, _, day in plan.events:
            if to_status != Outlet.Status.SUSPENDED:
                continue
            result = (
                Inspection.Result.FAILED
                if reason in ("quality", "integrity", "price")
                else Inspection.Result.RECTIFY
            )
            before = day - datetime.timedelta(days=rng.randint(3, 10))
            rows.append(_inspection(rng, outlet, before, result, inspector))
    Inspection.objects.bulk_create(rows, batch_size=ACTIVITY_BATCH)
    ctx.count_created(Inspection, len(rows))


def seed_status_changes(ctx: SeedContext, outlets: Planned, *, changer_id: int) -> None:
    """The recorded suspensions, reinstatements and exits of the planned outlets."""
    todo = _without(OutletStatusChange, "outlet")
    rows = []
    for outlet, plan in outlets:
        if outlet.pk not in todo or not plan.events:
            continue
        rng = ctx.rng("status-changes", plan.spec.district, plan.spec.name)
        for from_status, to_status, reason, note, day in plan.events:
            rows.append(
                OutletStatusChange(
                    outlet_id=outlet.pk,
                    from_status=from_status,
                    to_status=to_status,
                    reason=reason,
                    note=note,
                    changed_by_id=changer_id,
                    changed_at=ctx.at(day, rng.randint(9, 17), rng.randint(0, 59)),
                )
            )
    OutletStatusChange.objects.bulk_create(rows, batch_size=ACTIVITY_BATCH)
    ctx.count_created(OutletStatusChange, len(rows))


def seed_outlet_activity(
    ctx: SeedContext, outlets: Planned, *, inspector: Inspector | None, changer_id: int
) -> None:
    seed_carried(ctx, outlets)
    seed_sales(ctx, outlets)
    seed_inspections(ctx, outlets, inspector)
    seed_status_changes(ctx, outlets, changer_id=changer_id)
    ctx.log(
        "  网点经营 (outlet activity): "
        + ", ".join(
            f"{model.__name__} +{ctx.created[model._meta.label]:,}"
            for model in (OutletSalesReport, Inspection, OutletStatusChange)
        )
    )
