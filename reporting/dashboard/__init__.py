"""The coordination offices' dashboard figures (issue 6, point 3; api.md ``dashboard/summary/``).

Every figure is built from aggregates the database computes, read through scoped
selectors, so a role sees totals of what it may see only. The purchases are read from their
running totals (``procurement.totals``: a unit's month through a channel, a district's month
from a region of origin), never from the purchases themselves: at a city's size (a million
purchases a year) that is milliseconds instead of seconds. The Python here walks aggregated
rows only (months × channels, districts × regions of origin, one row a unit), never
purchases: ``dashboard_data`` runs the same dozen queries for 3 units or 3,000.

Scope: the city office reads the city, or one district when it filters; a district office
reads its own district, whatever the filter says. Period: a year (default this year) or one
of its quarters. Figures of composition (where the money went, by channel, the share bands,
outlets opened) cover the period; progress against the annual targets counts the year to
the end of the period ("year to date"), which is the whole year when no quarter is chosen.

The parts: ``scope`` (who and when, the scoped totals), ``purchases`` (progress, channels,
districts, regions, flows), ``units`` (compliance), ``catalogue`` (outlets, certified
products), ``households`` (the households the purchases reached, by county), ``rows`` (the
figures' data). This module assembles them; the names other modules import from
``reporting.dashboard`` are listed in ``__all__``.
"""

from __future__ import annotations

from decimal import Decimal

from portal.money import ZERO
from portal.selectors import pairing_for_user
from procurement.models import Channel
from procurement.selectors import annual_target_for_user, required_share

from . import catalogue, households, purchases, units
from .purchases import ChannelSums, OriginSums, Regions, Targets
from .rows import (
    AreaRow,
    Band,
    ChannelMonth,
    CountyHouseholds,
    Dashboard,
    Flow,
    Headline,
    KindCount,
    MonthPoint,
    SchemeCount,
    Shortfall,
)
from .scope import DashboardScope, NotAnOffice, dashboard_scope
from .units import BELOW_QUOTA_SHOWN, NO_DECLARATION, SHARE_BANDS

__all__ = [
    "BELOW_QUOTA_SHOWN",
    "NO_DECLARATION",
    "SHARE_BANDS",
    "AreaRow",
    "Band",
    "ChannelMonth",
    "CountyHouseholds",
    "Dashboard",
    "DashboardScope",
    "Flow",
    "Headline",
    "KindCount",
    "MonthPoint",
    "NotAnOffice",
    "SchemeCount",
    "Shortfall",
    "dashboard_data",
    "dashboard_scope",
]


def _targets(user, scope: DashboardScope) -> Targets:
    """The year's targets the user may read, keyed ("city", None), ("district", code) and
    ("region", code)."""
    targets: Targets = {}
    rows = (
        annual_target_for_user(user)
        .filter(year=scope.year)
        .values_list("district_id", "region_id", "amount")
    )
    for district, region, amount in rows:
        if district:
            targets["district", district] = amount
        elif region:
            targets["region", region] = amount
        else:
            targets["city", None] = amount
    return targets


def dashboard_data(*, user, scope: DashboardScope) -> Dashboard:
    """All the dashboard's figures for ``scope`` (see ``dashboard_scope``), in a bounded
    number of queries whatever the size of the data."""
    ratio = required_share(scope.year)
    targets = _targets(user, scope)
    paired = set(pairing_for_user(user).values_list("region_id", flat=True))

    channel_sums = ChannelSums.read(user, scope)
    origin_sums = OriginSums.read(user, scope)
    region_targets = {code for (kind, code), _amount in targets.items() if kind == "region"}
    regions = Regions(origin_sums.codes() | region_targets)
    months = purchases.months(channel_sums, scope)
    channel_months = purchases.channel_months(channel_sums, scope)
    by_channel: dict[str, Decimal] = dict.fromkeys(Channel.values, ZERO)
    for row in channel_months:
        by_channel[row.channel] = by_channel.get(row.channel, ZERO) + row.amount

    unit_figures = units.unit_figures(user, scope, ratio)
    outlets = catalogue.outlets(user, scope)
    certified_total, certified_by_scheme = catalogue.certified(user, scope.as_of)
    households_total, households_by_county = households.households_reached(user, scope)
    target = (
        targets.get(("city", None))
        if scope.city_wide
        else targets.get(("district", scope.district))
    )
    headline = Headline(
        amount=unit_figures.assistance,
        year_to_date=months[-1].cumulative if months else ZERO,
        target=target,
        units_total=unit_figures.units_total,
        units_compliant=unit_figures.units_compliant,
        required_share=ratio,
        outlets_active=sum(row.active for row in outlets),
        outlets_opened=sum(row.opened for row in outlets),
    )
    return Dashboard(
        scope=scope,
        headline=headline,
        months=months,
        by_district=purchases.by_district(origin_sums, scope, targets, regions),
        by_region=purchases.by_region(origin_sums, scope, targets, paired, regions),
        flows=purchases.flows(origin_sums, regions),
        by_channel=by_channel,
        channel_months=channel_months,
        bands=unit_figures.bands,
        units_below=unit_figures.units_below,
        shortfall_total=unit_figures.shortfall_total,
        below_quota=unit_figures.below_quota,
        outlets_by_kind=outlets,
        certified_total=certified_total,
        certified_by_scheme=certified_by_scheme,
        agri_total=unit_figures.agri,
        households_reached=households_total,
        households_by_county=households_by_county,
    )
