"""The year-end projection of each unit's quota and the early-warning list (issue 9, point 2).

A unit learns in December that it missed the quota too late to act. From the months that
have passed, this module estimates where each unit will stand on 31 December against the
city's main rule (api.md, "The quota, exactly": assistance ≥ required share × declared
farm-products total) and against the year-on-year floor (Guangzhou: this year's amount no
lower than last year's), and from the third quarter on names the units heading for a miss.

The formula, for unit U, year Y and the day ``as_of`` (``m`` = the months of Y fully or
partly elapsed by ``as_of``: its month number; 12 for a past year):

- **Purchases to date** ``A`` = U's counted purchases (``MonthlyTotal``, rejected aside) in
  months 1..m of Y.
- **Season** ``f`` = the fraction of last year's purchases that fell in months 1..m of Y−1:
  U's own (when U bought last year, some of it in those months); otherwise that of every
  unit of the city together; otherwise (nobody bought last year) ``m / 12``, a linear
  run-rate.
- **Projected assistance** = ``A / f``.
- **Declared so far** ``D`` = the sum of U's declared farm-products totals of Y's quarters
  that have begun by ``as_of``; ``n`` of them declared.
- **Declaration season** ``g`` = the fraction of U's last-year declared total that fell in
  the same quarters, when U declared all four quarters of Y−1 (a partial year would show a
  false shape); otherwise ``n / 4``.
- **Projected farm-products total** = ``D / g``; none when U has declared nothing yet.
- **Projected share** = projected assistance / projected farm-products total (none when the
  total is none or 0); **projected shortfall** = max(0, required share × projected total −
  projected assistance); **projected vs last year** = projected assistance − last year's
  total (api.md's ``last_year_total``), its **growth gap** max(0, the opposite).
- **Warning** (only when ``as_of`` lies in Q3 or Q4 of Y; never for a past year): the unit
  misses the quota (projected share below the required share, or nothing declared), or,
  when the year's policy keeps the floor, its projected assistance is below last year's.
  **Gap** = the larger of the projected shortfall and (with the floor) last year's total
  minus projected assistance. **Monthly amount needed** = (the year-end target − ``A``) /
  the months left including the current one, where the target is the larger of required
  share × projected total and (with the floor) last year's total: what the unit must buy
  each month from now on to finish the year in line.

Every figure for any number of units costs the same six queries: the units, the policy,
this year's and last year's running totals grouped by unit in SQL, the city's season, and
the declarations of both years; the rest is arithmetic here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from portal.money import ZERO, quantize
from portal.periods import QUARTERS, Quarter

from .models import BudgetUnit, Declaration, MonthlyTotal, QuotaPolicy
from .selectors import DEFAULT_QUOTA_RATIO, SHARE_PLACES, compliance_scope

SEASON_OWN, SEASON_CITY, SEASON_LINEAR = "own", "city", "linear"
DECLARED_OWN, DECLARED_LINEAR, DECLARED_NONE = "own", "linear", "none"
# Early warnings from the third quarter on: before July too few months have passed for a
# projection to single a unit out.
WARNING_FROM_QUARTER = 3
MONTHS = 12


@dataclass(frozen=True)
class Projection:
    """One unit's projected year end (see the module's docstring for each figure)."""

    budget_unit: int
    name: str
    district: str | None
    district_name: str
    category: str
    year: int
    as_of: datetime.date
    months_elapsed: int
    season_basis: str
    season_fraction: Decimal
    assistance_to_date: Decimal
    projected_assistance: Decimal
    agri_declared: Decimal
    quarters_declared: int
    agri_basis: str
    projected_agri_total: Decimal | None
    required_share: Decimal
    projected_share: Decimal | None
    projected_shortfall: Decimal | None
    last_year_total: Decimal
    projected_vs_last_year: Decimal
    growth_required: bool
    meets_quota: bool
    meets_growth: bool
    warning: bool
    growth_gap: Decimal
    gap: Decimal
    months_left: int
    monthly_needed: Decimal | None


def months_elapsed(year: int, as_of: datetime.date) -> int:
    """The months of ``year`` fully or partly elapsed by ``as_of`` (0 for a future year)."""
    if as_of.year > year:
        return MONTHS
    if as_of.year < year:
        return 0
    return as_of.month


def warning_period(year: int, as_of: datetime.date) -> bool:
    """Early warnings are given from the third quarter of the year itself on."""
    return as_of.year == year and Quarter.of(as_of).quarter >= WARNING_FROM_QUARTER


def _ratio_and_floor(year: int) -> tuple[Decimal, bool]:
    policy = QuotaPolicy.objects.filter(year=year).values_list("ratio", "growth_required").first()
    return policy if policy is not None else (DEFAULT_QUOTA_RATIO, True)


def _fraction(part: Decimal, whole: Decimal) -> Decimal | None:
    return part / whole if whole > 0 and part > 0 else None


@dataclass(frozen=True)
class _Inputs:
    """What the database says about the units, read in four queries."""

    to_date: dict[int, Decimal]
    last_year: dict[int, tuple[Decimal, Decimal]]  # (whole year, months 1..m)
    city_season: Decimal | None
    declared: dict[int, dict[int, Decimal]]  # this year: quarter -> total
    declared_last_year: dict[int, dict[int, Decimal]]


def _read(unit_ids: QuerySet, year: int, elapsed: int, last_quarter: int) -> _Inputs:
    totals = MonthlyTotal.objects.order_by()
    to_date = dict(
        totals.filter(
            budget_unit__in=unit_ids,
            month__range=(datetime.date(year, 1, 1), datetime.date(year, elapsed, 1)),
        )
        .values("budget_unit")
        .annotate(total=Sum("amount"))
        .values_list("budget_unit", "total")
    )
    last_first = datetime.date(year - 1, 1, 1)
    last_elapsed = Q(month__lte=datetime.date(year - 1, elapsed, 1))
    last_year_months = totals.filter(month__range=(last_first, datetime.date(year - 1, 12, 1)))
    last_year = {
        unit: (whole, part or ZERO)
        for unit, whole, part in last_year_months.filter(budget_unit__in=unit_ids)
        .values("budget_unit")
        .annotate(whole=Sum("amount"), part=Sum("amount", filter=last_elapsed))
        .values_list("budget_unit", "whole", "part")
    }
    # The city's season: every unit's purchases, whoever reads (a fraction, no unit's figure).
    city = last_year_months.aggregate(whole=Sum("amount"), part=Sum("amount", filter=last_elapsed))
    declared: dict[int, dict[int, Decimal]] = defaultdict(dict)
    declared_last_year: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for unit, declared_year, quarter, total in (
        Declaration.objects.filter(budget_unit__in=unit_ids, year__in=(year, year - 1))
        .order_by()
        .values_list("budget_unit", "year", "quarter", "agri_total")
    ):
        if declared_year == year:
            if quarter <= last_quarter:
                declared[unit][quarter] = total
        else:
            declared_last_year[unit][quarter] = total
    return _Inputs(
        to_date=to_date,
        last_year=last_year,
        city_season=_fraction(city["part"] or ZERO, city["whole"] or ZERO),
        declared=declared,
        declared_last_year=declared_last_year,
    )


def _season(inputs: _Inputs, unit: int, elapsed: int) -> tuple[str, Decimal]:
    whole, part = inputs.last_year.get(unit, (ZERO, ZERO))
    own = _fraction(part, whole)
    if own is not None:
        return SEASON_OWN, own
    if inputs.city_season is not None:
        return SEASON_CITY, inputs.city_season
    return SEASON_LINEAR, Decimal(elapsed) / MONTHS


def _projected_agri(inputs: _Inputs, unit: int) -> tuple[str, Decimal, int, Decimal | None]:
    """(basis, declared so far, quarters declared, projected year total)."""
    declared = inputs.declared.get(unit, {})
    if not declared:
        return DECLARED_NONE, ZERO, 0, None
    so_far = sum(declared.values(), ZERO)
    last_year = inputs.declared_last_year.get(unit, {})
    own = None
    if len(last_year) == len(QUARTERS):
        same = sum((last_year[q] for q in declared), ZERO)
        own = _fraction(same, sum(last_year.values(), ZERO))
    if own is not None:
        return DECLARED_OWN, so_far, len(declared), quantize(so_far / own)
    linear = Decimal(len(declared)) / len(QUARTERS)
    return DECLARED_LINEAR, so_far, len(declared), quantize(so_far / linear)


def _project(
    unit: BudgetUnit,
    inputs: _Inputs,
    *,
    year: int,
    as_of: datetime.date,
    elapsed: int,
    ratio: Decimal,
    floor: bool,
) -> Projection:
    to_date = inputs.to_date.get(unit.pk) or ZERO
    season_basis, season = _season(inputs, unit.pk, elapsed)
    projected = quantize(to_date / season)
    agri_basis, agri_declared, quarters_declared, projected_agri = _projected_agri(inputs, unit.pk)
    last_year_total = inputs.last_year.get(unit.pk, (ZERO, ZERO))[0]
    share = shortfall = None
    meets_quota = False
    quota_target = None
    if projected_agri is not None:
        quota_target = ratio * projected_agri
        shortfall = max(ZERO, quantize(quota_target - projected))
        if projected_agri > 0:
            share = (projected / projected_agri).quantize(SHARE_PLACES)
            meets_quota = projected >= quota_target
    meets_growth = projected >= last_year_total
    growth_gap = max(ZERO, last_year_total - projected)
    gap = max(shortfall or ZERO, growth_gap if floor else ZERO)
    months_left = MONTHS - as_of.month + 1 if as_of.year == year else 0
    monthly_needed = None
    if months_left:
        target = max(quota_target or ZERO, last_year_total if floor else ZERO)
        monthly_needed = quantize(max(ZERO, target - to_date) / months_left)
    region = unit.region if unit.region_id else None
    return Projection(
        budget_unit=unit.pk,
        name=unit.name,
        district=unit.region_id,
        district_name=region.name if region is not None else "",
        category=unit.category,
        year=year,
        as_of=as_of,
        months_elapsed=elapsed,
        season_basis=season_basis,
        season_fraction=season.quantize(SHARE_PLACES),
        assistance_to_date=to_date,
        projected_assistance=projected,
        agri_declared=agri_declared,
        quarters_declared=quarters_declared,
        agri_basis=agri_basis,
        projected_agri_total=projected_agri,
        required_share=ratio,
        projected_share=share,
        projected_shortfall=shortfall,
        last_year_total=last_year_total,
        projected_vs_last_year=projected - last_year_total,
        growth_required=floor,
        meets_quota=meets_quota,
        meets_growth=meets_growth,
        warning=warning_period(year, as_of) and (not meets_quota or (floor and not meets_growth)),
        growth_gap=growth_gap,
        gap=gap,
        months_left=months_left,
        monthly_needed=monthly_needed,
    )


def projections(
    units: QuerySet[BudgetUnit], *, year: int, as_of: datetime.date
) -> list[Projection]:
    """The projected year end of each of ``units`` (already scoped to the reader), in their
    order; empty for a year that has not begun by ``as_of``."""
    elapsed = months_elapsed(year, as_of)
    if not elapsed:
        return []
    unit_list = list(units.select_related("region"))
    if not unit_list:
        return []
    ratio, floor = _ratio_and_floor(year)
    last_quarter = Quarter.of(as_of).quarter if as_of.year == year else len(QUARTERS)
    inputs = _read(units.order_by().values("pk"), year, elapsed, last_quarter)
    return [
        _project(unit, inputs, year=year, as_of=as_of, elapsed=elapsed, ratio=ratio, floor=floor)
        for unit in unit_list
    ]


def projection_rows(
    *, user, year: int, as_of: datetime.date, district: str | None = None
) -> list[Projection]:
    """The projections of the units the user may read (a unit itself, a district office its
    district's, the city office all, optionally one district's), in the compliance order."""
    return projections(compliance_scope(user=user, district=district), year=year, as_of=as_of)


def early_warnings(rows: list[Projection]) -> list[Projection]:
    """The units projected to miss the quota or to fall below last year, the largest gap
    first."""
    return sorted((row for row in rows if row.warning), key=lambda row: -row.gap)


# ?sort= key of the lists -> the figure a row sorts by.
SORTS = {
    "name": lambda row: row.name,
    "gap": lambda row: row.gap,
    "projected_share": lambda row: row.projected_share,
    "projected_assistance": lambda row: row.projected_assistance,
}


def sorted_rows(rows: list[Projection], sort: str) -> list[Projection]:
    """``rows`` in the order ``sort`` names (``-`` for descending), rows without the figure
    last; the compliance order (district, name) breaks ties, Python's sort being stable."""
    if not sort or sort.removeprefix("-") not in SORTS:
        return rows
    key = SORTS[sort.removeprefix("-")]
    present = [row for row in rows if key(row) is not None]
    missing = [row for row in rows if key(row) is None]
    return sorted(present, key=key, reverse=sort.startswith("-")) + missing


def projection_for_unit(*, user, budget_unit, year: int, as_of: datetime.date):
    """The unit's projected year end for its quarters page: None unless ``year`` is the
    current one (a past year has its actual figures; a future one has none yet) or when the
    user may not read the unit."""
    if year != as_of.year:
        return None
    scope = compliance_scope(user=user).filter(pk=budget_unit.pk)
    return next(iter(projections(scope, year=year, as_of=as_of)), None)
