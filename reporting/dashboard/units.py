"""The units' figures: how many meet the share, the share bands, the largest shortfalls.

Each unit's ``agri_total`` (its declarations of the period's quarters) and
``assistance_total`` (its counted purchases in the period, from the units' monthly totals)
are computed in the database: over a whole year exactly api.md's quota formula
(``procurement.selectors.compliance_units``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Value
from django.db.models.functions import Coalesce

from portal.money import ZERO, MoneyField
from procurement.models import BudgetUnit, MonthlyTotal
from procurement.selectors import (
    SHARE_PLACES,
    budget_unit_for_user,
    declaration_for_user,
    sum_by_unit,
)

from .rows import Band, Shortfall, money
from .scope import DashboardScope

# The compliance distribution's bands of a unit's share (lower bound inclusive); a unit with
# no declaration (agri_total 0) has no share and sits in a band of its own.
SHARE_BANDS: tuple[tuple[str, Decimal, Decimal | None], ...] = (
    ("0-10", Decimal("0.0"), Decimal("0.1")),
    ("10-20", Decimal("0.1"), Decimal("0.2")),
    ("20-30", Decimal("0.2"), Decimal("0.3")),
    ("30-40", Decimal("0.3"), Decimal("0.4")),
    ("40+", Decimal("0.4"), None),
)
NO_DECLARATION = "none"
# The units-below-quota figure names the largest shortfalls, this many.
BELOW_QUOTA_SHOWN = 20


def scoped_units(user, scope: DashboardScope) -> QuerySet[BudgetUnit]:
    """The visible units of the scope with the period's ``agri_total`` and
    ``assistance_total``."""
    declared = declaration_for_user(user).filter(year=scope.year, quarter__in=scope.quarters)
    # Not scoped again: the outer query holds only the units the user may read.
    bought = MonthlyTotal.objects.filter(month__range=(scope.first, scope.last))
    zero = Value(ZERO, output_field=MoneyField())
    units = budget_unit_for_user(user).annotate(
        agri_total=Coalesce(sum_by_unit(declared, "agri_total"), zero),
        assistance_total=Coalesce(sum_by_unit(bought, "amount"), zero),
    )
    if scope.district:
        units = units.filter(region_id=scope.district)
    return units.order_by()


@dataclass(frozen=True)
class UnitFigures:
    units_total: int
    units_compliant: int
    units_below: int
    shortfall_total: Decimal  # of the units below the quota
    assistance: Decimal
    agri: Decimal
    bands: list[Band]
    below_quota: list[Shortfall]


def _band_of(agri: Decimal, assistance: Decimal) -> str | None:
    if agri == 0:
        return NO_DECLARATION
    for key, lower, upper in SHARE_BANDS:
        if agri > 0 and assistance >= agri * lower and (upper is None or assistance < agri * upper):
            return key
    return None


def unit_figures(user, scope: DashboardScope, ratio: Decimal) -> UnitFigures:
    """Counts, bands, totals and the largest shortfalls over the units of the scope, from one
    row a unit (a city has about a thousand).

    The counts are taken here rather than by an aggregate over the annotated units: PostgreSQL
    inlines that subquery and evaluates both correlated sums once for every expression using
    them (37 times, and compiles the lot), which costs more than the rows. The arithmetic is
    the database's, in ``Decimal``: required = ratio × agri_total, exact; a unit meets the
    share when agri_total > 0 and assistance_total ≥ required. The rows come in name order
    (the database's collation) so that equal shortfalls keep it."""
    rows = (
        scoped_units(user, scope)
        .order_by("name", "pk")
        .values_list("pk", "name", "region__name", "agri_total", "assistance_total")
    )
    counts = dict.fromkeys([key for key, _lower, _upper in SHARE_BANDS] + [NO_DECLARATION], 0)
    total = compliant = 0
    assistance_sum = agri_sum = shortfall_sum = ZERO
    below: list[tuple[Decimal, Shortfall]] = []
    for pk, name, district_name, agri, assistance in rows:
        total += 1
        agri_sum += agri
        assistance_sum += assistance
        band = _band_of(agri, assistance)
        if band is not None:
            counts[band] += 1
        if agri <= 0:
            continue
        required = agri * ratio
        if assistance >= required:
            compliant += 1
            continue
        shortfall = required - assistance
        shortfall_sum += shortfall
        below.append(
            (
                shortfall,
                Shortfall(
                    budget_unit=pk,
                    name=name,
                    district_name=district_name or "—",
                    agri_total=money(agri),
                    assistance_total=money(assistance),
                    share=(assistance / agri).quantize(SHARE_PLACES),
                    shortfall=money(shortfall),
                ),
            )
        )
    below.sort(key=lambda item: -item[0])  # stable: equal shortfalls stay in name order
    return UnitFigures(
        units_total=total,
        units_compliant=compliant,
        units_below=len(below),
        shortfall_total=money(shortfall_sum),
        assistance=money(assistance_sum),
        agri=money(agri_sum),
        bands=[Band(key, lower, upper, counts[key]) for key, lower, upper in SHARE_BANDS]
        + [Band(NO_DECLARATION, None, None, counts[NO_DECLARATION])],
        below_quota=[shortfall for _amount, shortfall in below[:BELOW_QUOTA_SHOWN]],
    )
