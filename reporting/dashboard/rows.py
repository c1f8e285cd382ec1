"""The dashboard's figures as plain data: what ``dashboard_data`` returns and
``reporting.dashboard_figures`` draws."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from portal.money import ZERO, quantize

from .scope import DashboardScope


def money(value) -> Decimal:
    return quantize(value) if value is not None else ZERO


@dataclass(frozen=True)
class Headline:
    amount: Decimal  # the period's purchases (the visible units' assistance_total)
    year_to_date: Decimal  # from 1 January to the period's end
    target: Decimal | None  # the scope's annual target
    units_total: int
    units_compliant: int
    required_share: Decimal
    outlets_active: int
    outlets_opened: int

    @property
    def target_rate(self) -> Decimal | None:
        return self.year_to_date / self.target if self.target else None


@dataclass(frozen=True)
class MonthPoint:
    month: int
    amount: Decimal
    cumulative: Decimal


@dataclass(frozen=True)
class AreaRow:
    """A district, or a paired region, with what it bought (or sold) and its target."""

    code: str | None
    name: str
    amount: Decimal  # in the period
    year_to_date: Decimal
    target: Decimal | None
    paired: bool = False

    @property
    def rate(self) -> Decimal | None:
        return self.year_to_date / self.target if self.target else None


@dataclass(frozen=True)
class Flow:
    district: str
    district_name: str
    region: str
    region_name: str
    amount: Decimal


@dataclass(frozen=True)
class ChannelMonth:
    month: int
    channel: str
    amount: Decimal


@dataclass(frozen=True)
class Band:
    key: str
    lower: Decimal | None
    upper: Decimal | None
    count: int


@dataclass(frozen=True)
class Shortfall:
    budget_unit: int
    name: str
    district_name: str
    agri_total: Decimal
    assistance_total: Decimal
    share: Decimal
    shortfall: Decimal


@dataclass(frozen=True)
class KindCount:
    kind: str
    active: int
    opened: int


@dataclass(frozen=True)
class SchemeCount:
    scheme: str
    name: str
    count: int


# The dashboard names the counties where the most households were reached, this many.
HOUSEHOLD_COUNTIES_SHOWN = 10


@dataclass(frozen=True)
class CountyHouseholds:
    """A region of origin (a county, mostly) and the households the period's purchases reached
    there: the sum of ``households_lifted`` over the distinct certified products bought."""

    code: str
    name: str
    area: str  # its province and city, e.g. 广西壮族自治区百色市
    products: int
    households: int


@dataclass
class Dashboard:
    scope: DashboardScope
    headline: Headline
    months: list[MonthPoint]
    by_district: list[AreaRow]
    by_region: list[AreaRow]
    flows: list[Flow]
    by_channel: dict[str, Decimal]
    channel_months: list[ChannelMonth]
    bands: list[Band]
    units_below: int
    shortfall_total: Decimal
    below_quota: list[Shortfall]
    outlets_by_kind: list[KindCount]
    certified_total: int
    certified_by_scheme: list[SchemeCount]
    agri_total: Decimal = field(default=ZERO)
    # 一品一码: the households the period's purchases reached, in all and by county (most first).
    households_reached: int = 0
    households_by_county: list[CountyHouseholds] = field(default_factory=list)

    @property
    def households_top_counties(self) -> list[CountyHouseholds]:
        return self.households_by_county[:HOUSEHOLD_COUNTIES_SHOWN]
