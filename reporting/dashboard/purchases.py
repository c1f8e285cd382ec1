"""The purchases' figures, read from their running totals (``procurement.totals``) rather than
from the purchases: a year of a city is about 65,000 monthly totals of units and a few
thousand totals by region of origin, against a million purchases.

Two queries: the units' totals by month and channel (the year's progress, the channel mix)
and the districts' totals by region of origin (the districts, where the money went, the
flows); a third reads the regions involved, for the roll-up of counties to their city and
for the names. A group counts when it holds purchases (``records`` > 0): a total
whose purchases were all deleted or rejected stays in its table at zero and must not make a
month, a district or a region appear.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum

from portal.models import Region
from portal.money import ZERO
from portal.selectors import city_districts, region_for_user

from .rows import AreaRow, ChannelMonth, Flow, MonthPoint, money
from .scope import DashboardScope, origin_totals, unit_totals

# Target keys: ("city", None), ("district", code), ("region", code).
Targets = dict[tuple[str, str | None], Decimal]


@dataclass(frozen=True)
class ChannelSums:
    """The units' totals of the scope by month and channel (at most 12 × 6 rows)."""

    rows: list[dict]

    @classmethod
    def read(cls, user, scope: DashboardScope) -> ChannelSums:
        rows = (
            unit_totals(user, scope)
            .values("month", "channel")
            .annotate(total=Sum("amount"), n=Sum("records"))
            .filter(n__gt=0)
        )
        return cls(list(rows))


def months(sums: ChannelSums, scope: DashboardScope) -> list[MonthPoint]:
    """The year's purchases by month to the period's end, with the running total; in the
    year under way the months stop at today's (or the last month with purchases)."""
    by_month: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in sums.rows:
        by_month[row["month"].month] += row["total"]
    last = scope.last
    if scope.year_first <= scope.as_of < scope.last:
        last = max(scope.as_of, scope.first)
    last_month = max([last.month, *by_month])
    points, running = [], ZERO
    for month in range(1, last_month + 1):
        amount = money(by_month.get(month))
        running += amount
        points.append(MonthPoint(month, amount, running))
    return points


def channel_months(sums: ChannelSums, scope: DashboardScope) -> list[ChannelMonth]:
    """The period's purchases by month and channel, in month and channel order."""
    cells: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for row in sums.rows:
        if row["month"] >= scope.first:
            cells[row["month"].month, row["channel"]] += row["total"]
    return [
        ChannelMonth(month, channel, money(cells[month, channel]))
        for month, channel in sorted(cells)
    ]


@dataclass(frozen=True)
class OriginSums:
    """The districts' totals of the scope by region of origin, in the period and to date.
    A district is the unit's (``procurement.totals`` recomputes the totals when a unit moves),
    "" for a unit without one; so is an origin, the supplier's region."""

    rows: list[dict]

    @classmethod
    def read(cls, user, scope: DashboardScope) -> OriginSums:
        in_period = Q(month__gte=scope.first)
        rows = (
            origin_totals(user, scope)
            .values("district", "origin")
            .annotate(
                in_period=Sum("amount", filter=in_period),
                to_date=Sum("amount"),
                n_period=Sum("records", filter=in_period),
                n=Sum("records"),
            )
            .filter(n__gt=0)
        )
        return cls(list(rows))

    def codes(self) -> set[str]:
        """The regions the figures name: the districts and the regions of origin."""
        return {code for row in self.rows for code in (row["district"], row["origin"]) if code}


def _shown(name: str, level: str | None, parent_name: str | None) -> str:
    """A name that reads alone: a county with its city (百色市田阳区), a city by itself."""
    return f"{parent_name}{name}" if level == Region.Level.COUNTY and parent_name else name


class Regions:
    """The regions the figures name, read in one query with their parent (a county's city)
    and grandparent (for the city's own name)."""

    def __init__(self, codes: set[str]) -> None:
        self.names: dict[str, str] = {}  # as each region calls itself (a district's row)
        self.shown: dict[str, str] = {}  # the names that read alone, cities rolled up to too
        self.cities: dict[str, str | None] = {}  # a county's city; anything else itself
        rows = (
            region_for_user(None)
            .filter(code__in=sorted(codes))
            .values_list(
                "code",
                "name",
                "level",
                "parent_id",
                "parent__name",
                "parent__level",
                "parent__parent__name",
            )
        )
        for code, name, level, parent, parent_name, parent_level, grandparent_name in rows:
            self.names[code] = name
            self.shown[code] = _shown(name, level, parent_name)
            self.cities[code] = parent if level == Region.Level.COUNTY else code
            if level == Region.Level.COUNTY and parent:
                self.shown.setdefault(parent, _shown(parent_name, parent_level, grandparent_name))

    def city_of(self, origin: str) -> str | None:
        """The supplier's region at city level: a county rolls up to its city (a county
        without a parent to none); a region the table does not know stays as it is; no
        region is none."""
        if not origin:
            return None
        return self.cities.get(origin, origin)


def by_district(
    sums: OriginSums, scope: DashboardScope, targets: Targets, regions: Regions
) -> list[AreaRow]:
    """Every district of the scope (none left out for buying nothing), in code order; units
    outside the city's districts (or without one: code None) add their own row."""
    in_period: dict[str | None, Decimal] = defaultdict(lambda: ZERO)
    to_date: dict[str | None, Decimal] = defaultdict(lambda: ZERO)
    for row in sums.rows:
        code = row["district"] or None
        to_date[code] += row["to_date"]
        in_period[code] += row["in_period"] or ZERO
    shown: dict[str | None, str] = {}
    if scope.district:
        shown[scope.district] = scope.district_name
    else:
        shown.update(city_districts().values_list("code", "name"))
    for code in to_date:
        shown.setdefault(code, regions.names.get(code or "", "—"))
    return [
        AreaRow(
            code=code,
            name=shown[code],
            amount=money(in_period.get(code)),
            year_to_date=money(to_date.get(code)),
            target=targets.get(("district", code)),
        )
        for code in sorted(shown, key=lambda c: (c is None, c or ""))
    ]


def by_region(
    sums: OriginSums,
    scope: DashboardScope,
    targets: Targets,
    paired: set[str],
    regions: Regions,
) -> list[AreaRow]:
    """Where the money went: the supplier's region, kept as it is when it is a paired region
    (a county a district helps, or one with a target of its own), else rolled up to its city.
    The city-wide targets by region are shown for the city-wide scope only."""
    region_targets = {code: amount for (kind, code), amount in targets.items() if kind == "region"}
    keep = paired | set(region_targets)
    in_period: dict[str, Decimal] = defaultdict(lambda: ZERO)
    to_date: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in sums.rows:
        origin = row["origin"]
        area = origin if origin in keep else regions.city_of(origin)
        if not area:
            continue
        to_date[area] += row["to_date"]
        in_period[area] += row["in_period"] or ZERO
    shown_targets = region_targets if scope.city_wide else {}
    result = []
    for code in set(to_date) | set(shown_targets):
        result.append(
            AreaRow(
                code=code,
                name=regions.shown.get(code, code),
                amount=money(in_period.get(code)),
                year_to_date=money(to_date.get(code)),
                target=shown_targets.get(code),
                paired=code in keep,
            )
        )
    result.sort(key=lambda row: (-row.year_to_date, -(row.target or 0), row.code or ""))
    return result


def flows(sums: OriginSums, regions: Regions) -> list[Flow]:
    """The period's money from each unit district to each supplier city (a Sankey's links)."""
    amounts: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for row in sums.rows:
        if row["n_period"]:
            city = regions.city_of(row["origin"]) or ""
            amounts[row["district"], city] += row["in_period"]
    result = [
        Flow(
            district=district,
            district_name=regions.names.get(district, "—"),
            region=city,
            region_name=regions.shown.get(city, "—"),
            amount=money(amount),
        )
        for (district, city), amount in amounts.items()
    ]
    result.sort(key=lambda flow: (-flow.amount, flow.district, flow.region))
    return result
