"""The coordination offices' dashboard figures (issue 6, point 3; api.md ``dashboard/summary/``).

Every figure is an aggregate the database computes (``values().annotate()`` with ``Sum`` and
``Count``, ``TruncMonth`` for months, ``Case`` for the roll-up of regions and for the share
bands), read through the ``*_for_user`` selectors, so a role sees totals of what it may see
only. The Python here walks aggregated rows (at most months × channels, districts × regions),
never records: ``dashboard_data`` runs the same dozen queries for 3 units or 3,000.

Scope: the city office reads the city, or one district when it filters; a district office
reads its own district, whatever the filter says. Period: a year (default this year) or one
of its quarters. Figures of composition (where the money went, by channel, the share bands,
outlets opened) cover the period; progress against the annual targets counts the year to
the end of the period ("year to date"), which is the whole year when no quarter is chosen.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from outlets.models import Outlet
from outlets.selectors import outlet_for_user
from portal.models import Region
from portal.money import ZERO, MoneyField, quantize
from portal.periods import Quarter, year_bounds
from portal.roles import actor_of
from portal.selectors import city_districts, pairing_for_user, region_for_user
from procurement.models import BudgetUnit, Channel, ProcurementRecord
from procurement.selectors import (
    SHARE_PLACES,
    annual_target_for_user,
    budget_unit_for_user,
    declaration_for_user,
    record_for_user,
    required_share,
)
from products.models import Certificate, CertificationScheme, Product, Supplier
from products.selectors import certificate_for_user, certificates_valid_on, product_for_user

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


class NotAnOffice(Exception):
    """Only the coordination offices read the dashboards."""


@dataclass(frozen=True)
class DashboardScope:
    """Whose figures and for when: ``district`` is the district code the figures are narrowed
    to (None: the whole city); ``first``–``last`` the period, ``year_first`` the year's first
    day (progress counts from it)."""

    year: int
    quarter: int | None
    district: str | None
    district_name: str
    first: datetime.date
    last: datetime.date
    as_of: datetime.date

    @property
    def year_first(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def city_wide(self) -> bool:
        return self.district is None

    @property
    def quarters(self) -> tuple[int, ...]:
        return (self.quarter,) if self.quarter else (1, 2, 3, 4)


def dashboard_scope(
    *, user, year: int, quarter: int | None = None, district: str | None = None, as_of
) -> DashboardScope:
    """The scope a user's filters ask for, as far as the user may see: a district office is
    held to its own district; the city office's ``district`` must be one of the city's."""
    actor = actor_of(user)
    if actor.is_district_office:
        district = actor.district_code
    elif not actor.is_city_office:
        raise NotAnOffice
    name = ""
    if district:
        found = city_districts().filter(code=district).values_list("name", flat=True).first()
        if found is None and actor.is_district_office:
            found = Region.objects.filter(code=district).values_list("name", flat=True).first()
        if found is None:
            district = None
        else:
            name = found
    if quarter:
        first, last = Quarter(year, quarter).first_day, Quarter(year, quarter).last_day
    else:
        first, last = year_bounds(year)
    return DashboardScope(
        year=year,
        quarter=quarter or None,
        district=district or None,
        district_name=name,
        first=first,
        last=last,
        as_of=as_of,
    )


# --- the figures --------------------------------------------------------------------------


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


def _records(user, scope: DashboardScope, *, first: datetime.date) -> QuerySet:
    """The visible, counted (not rejected) purchases from ``first`` to the period's end."""
    qs = (
        record_for_user(user)
        .filter(purchased_on__range=(first, scope.last))
        .exclude(status=ProcurementRecord.Status.REJECTED)
    )
    if scope.district:
        qs = qs.filter(budget_unit__region_id=scope.district)
    return qs.order_by()


def _in_period(scope: DashboardScope) -> Q:
    return Q(purchased_on__gte=scope.first)


def _money(value) -> Decimal:
    return quantize(value) if value is not None else ZERO


def _months(user, scope: DashboardScope) -> list[MonthPoint]:
    """The year's purchases by month to the period's end, with the running total; in the
    year under way the months stop at today's (or the last month with purchases)."""
    rows = (
        _records(user, scope, first=scope.year_first)
        .annotate(month=TruncMonth("purchased_on"))
        .values("month")
        .annotate(amount=Sum("amount"))
        .order_by("month")
    )
    by_month = {row["month"].month: _money(row["amount"]) for row in rows}
    last = scope.last
    if scope.year_first <= scope.as_of < scope.last:
        last = max(scope.as_of, scope.first)
    last_month = max([last.month, *by_month])
    points, running = [], ZERO
    for month in range(1, last_month + 1):
        amount = by_month.get(month, ZERO)
        running += amount
        points.append(MonthPoint(month, amount, running))
    return points


def _targets(user, scope: DashboardScope) -> dict[tuple[str, str | None], Decimal]:
    """The year's targets the user may read, keyed ("city", None), ("district", code) and
    ("region", code)."""
    targets: dict[tuple[str, str | None], Decimal] = {}
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


def _by_district(
    user, scope: DashboardScope, targets: dict[tuple[str, str | None], Decimal]
) -> list[AreaRow]:
    """Every district of the scope (none left out for buying nothing), in code order."""
    rows = (
        _records(user, scope, first=scope.year_first)
        .values("budget_unit__region_id", "budget_unit__region__name")
        .annotate(
            in_period=Sum("amount", filter=_in_period(scope)),
            to_date=Sum("amount"),
        )
    )
    names: dict[str, str] = {}
    if scope.district:
        names[scope.district] = scope.district_name
    else:
        names.update(city_districts().values_list("code", "name"))
    sums = {}
    for row in rows:
        code = row["budget_unit__region_id"]
        names.setdefault(code, row["budget_unit__region__name"] or "—")
        sums[code] = row
    result = []
    for code in sorted(names, key=lambda c: (c is None, c or "")):
        row = sums.get(code, {})
        result.append(
            AreaRow(
                code=code,
                name=names[code],
                amount=_money(row.get("in_period")),
                year_to_date=_money(row.get("to_date")),
                target=targets.get(("district", code)),
            )
        )
    return result


def _region_names(codes) -> dict[str, str]:
    """Names that read alone: a county with its city (百色市田阳区), a city by itself."""
    names = {}
    for code, name, level, parent in (
        region_for_user(None)
        .filter(code__in=codes)
        .values_list("code", "name", "level", "parent__name")
    ):
        names[code] = f"{parent}{name}" if level == Region.Level.COUNTY and parent else name
    return names


def _city_level() -> Case:
    """The supplier's region at city level: a county rolls up to its city."""
    return Case(
        When(
            supplier__region__level=Region.Level.COUNTY,
            then=F("supplier__region__parent_id"),
        ),
        default=F("supplier__region_id"),
    )


def _by_region(
    user,
    scope: DashboardScope,
    targets: dict[tuple[str, str | None], Decimal],
    paired: set[str],
) -> list[AreaRow]:
    """Where the money went: the supplier's region, kept as it is when it is a paired region
    (a county a district helps, or one with a target of its own), else rolled up to its city.
    The city-wide targets by region are shown for the city-wide scope only."""
    region_targets = {code: amount for (kind, code), amount in targets.items() if kind == "region"}
    keep = paired | set(region_targets)
    rolled = Case(
        When(supplier__region_id__in=sorted(keep), then=F("supplier__region_id")),
        default=_city_level(),
    )
    rows = list(
        _records(user, scope, first=scope.year_first)
        .values(area=rolled)
        .annotate(
            in_period=Sum("amount", filter=_in_period(scope)),
            to_date=Sum("amount"),
        )
    )
    shown_targets = region_targets if scope.city_wide else {}
    codes = {row["area"] for row in rows if row["area"]} | set(shown_targets)
    names = _region_names(codes)
    sums = {row["area"]: row for row in rows}
    result = [
        AreaRow(
            code=code,
            name=names.get(code, code or "—"),
            amount=_money(sums.get(code, {}).get("in_period")),
            year_to_date=_money(sums.get(code, {}).get("to_date")),
            target=shown_targets.get(code),
            paired=code in keep,
        )
        for code in codes
    ]
    result.sort(key=lambda row: (-row.year_to_date, -(row.target or 0), row.code or ""))
    return result


def _flows(user, scope: DashboardScope) -> list[Flow]:
    """The period's money from each unit district to each supplier city (a Sankey's links)."""
    rows = list(
        _records(user, scope, first=scope.first)
        .values("budget_unit__region_id", "budget_unit__region__name", city=_city_level())
        .annotate(amount=Sum("amount"))
    )
    names = _region_names({row["city"] for row in rows if row["city"]})
    flows = [
        Flow(
            district=row["budget_unit__region_id"] or "",
            district_name=row["budget_unit__region__name"] or "—",
            region=row["city"] or "",
            region_name=names.get(row["city"], "—"),
            amount=_money(row["amount"]),
        )
        for row in rows
    ]
    flows.sort(key=lambda flow: (-flow.amount, flow.district, flow.region))
    return flows


def _channel_months(user, scope: DashboardScope) -> list[ChannelMonth]:
    rows = (
        _records(user, scope, first=scope.first)
        .annotate(month=TruncMonth("purchased_on"))
        .values("month", "channel")
        .annotate(amount=Sum("amount"))
        .order_by("month", "channel")
    )
    return [ChannelMonth(row["month"].month, row["channel"], _money(row["amount"])) for row in rows]


def _units(user, scope: DashboardScope) -> QuerySet[BudgetUnit]:
    """The visible units of the scope with the period's ``agri_total`` (declarations of the
    period's quarters) and ``assistance_total`` (counted purchases in the period): over a
    whole year, exactly api.md's quota formula (``procurement.selectors.compliance_units``)."""
    declared = (
        declaration_for_user(user)
        .filter(year=scope.year, quarter__in=scope.quarters, budget_unit=OuterRef("pk"))
        .order_by()
        .values("budget_unit")
        .annotate(total=Sum("agri_total"))
        .values("total")
    )
    bought = (
        record_for_user(user)
        .filter(purchased_on__range=(scope.first, scope.last), budget_unit=OuterRef("pk"))
        .exclude(status=ProcurementRecord.Status.REJECTED)
        .order_by()
        .values("budget_unit")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    zero = Value(ZERO, output_field=MoneyField())
    units = budget_unit_for_user(user).annotate(
        agri_total=Coalesce(Subquery(declared, output_field=MoneyField()), zero),
        assistance_total=Coalesce(Subquery(bought, output_field=MoneyField()), zero),
    )
    if scope.district:
        units = units.filter(region_id=scope.district)
    return units.order_by()


def _share_of(fraction: Decimal) -> Value:
    return Value(fraction, output_field=DecimalField(max_digits=5, decimal_places=3))


def _band_condition(lower: Decimal, upper: Decimal | None) -> Q:
    condition = Q(agri_total__gt=0, assistance_total__gte=F("agri_total") * _share_of(lower))
    if upper is not None:
        condition &= Q(assistance_total__lt=F("agri_total") * _share_of(upper))
    return condition


def _unit_totals(units: QuerySet[BudgetUnit], ratio: Decimal) -> dict:
    """Counts, bands and totals over the units, in one query."""
    required = F("agri_total") * _share_of(ratio)
    below = Q(agri_total__gt=0, assistance_total__lt=required)
    return units.aggregate(
        units_total=Count("pk"),
        units_compliant=Count("pk", filter=Q(agri_total__gt=0, assistance_total__gte=required)),
        units_below=Count("pk", filter=below),
        shortfall_total=Sum(required - F("assistance_total"), filter=below),
        assistance=Sum("assistance_total"),
        agri=Sum("agri_total"),
        no_declaration=Count("pk", filter=Q(agri_total=0)),
        **{
            f"band_{index}": Count("pk", filter=_band_condition(lower, upper))
            for index, (_key, lower, upper) in enumerate(SHARE_BANDS)
        },
    )


def _below_quota(units: QuerySet[BudgetUnit], ratio: Decimal) -> list[Shortfall]:
    """The largest shortfalls (required × agri_total − assistance_total), largest first."""
    required = F("agri_total") * _share_of(ratio)
    rows = (
        units.filter(agri_total__gt=0, assistance_total__lt=required)
        .annotate(shortfall=required - F("assistance_total"))
        .order_by("-shortfall", "name", "pk")
        .values("pk", "name", "region__name", "agri_total", "assistance_total", "shortfall")[
            :BELOW_QUOTA_SHOWN
        ]
    )
    return [
        Shortfall(
            budget_unit=row["pk"],
            name=row["name"],
            district_name=row["region__name"] or "—",
            agri_total=_money(row["agri_total"]),
            assistance_total=_money(row["assistance_total"]),
            share=(row["assistance_total"] / row["agri_total"]).quantize(SHARE_PLACES),
            shortfall=_money(row["shortfall"]),
        )
        for row in rows
    ]


def _outlets(user, scope: DashboardScope) -> list[KindCount]:
    """Outlets by kind: active now, and opened in the period."""
    outlets = outlet_for_user(user)
    if scope.district:
        outlets = outlets.filter(district_id=scope.district)
    rows = (
        outlets.order_by()
        .values("kind")
        .annotate(
            active=Count("pk", filter=Q(status=Outlet.Status.ACTIVE)),
            opened=Count("pk", filter=Q(opened_on__range=(scope.first, scope.last))),
        )
    )
    counts = {row["kind"]: (row["active"], row["opened"]) for row in rows}
    return [KindCount(kind, *counts.get(kind, (0, 0))) for kind in Outlet.Kind.values]


def _certified(user, as_of: datetime.date) -> tuple[int, list[SchemeCount]]:
    """Listed products of active suppliers holding a certificate valid today (the public
    catalogue's rule), in all and by scheme. Products are the city's, whatever the district."""
    valid = certificates_valid_on(as_of)
    products = product_for_user(user).filter(
        Exists(valid.filter(product=OuterRef("pk"))),
        status=Product.Status.LISTED,
        supplier__status=Supplier.Status.ACTIVE,
    )
    total = products.order_by().count()
    rows = (
        certificate_for_user(user)
        .filter(
            product__isnull=False,
            status=Certificate.Status.VALID,
            valid_from__lte=as_of,
            valid_until__gte=as_of,
            product__status=Product.Status.LISTED,
            product__supplier__status=Supplier.Status.ACTIVE,
        )
        .order_by()
        .values("scheme_id")
        .annotate(count=Count("product_id", distinct=True))
    )
    counts = {row["scheme_id"]: row["count"] for row in rows}
    schemes = [
        SchemeCount(code, str(label), counts.get(code, 0))
        for code, label in CertificationScheme.Code.choices
        if code != CertificationScheme.Code.BASE
    ]
    return total, schemes


def dashboard_data(*, user, scope: DashboardScope) -> Dashboard:
    """All the dashboard's figures for ``scope`` (see ``dashboard_scope``), in a bounded
    number of queries whatever the size of the data."""
    ratio = required_share(scope.year)
    targets = _targets(user, scope)
    paired = set(pairing_for_user(user).values_list("region_id", flat=True))
    months = _months(user, scope)
    units = _units(user, scope)
    totals = _unit_totals(units, ratio)
    outlets = _outlets(user, scope)
    certified_total, certified_by_scheme = _certified(user, scope.as_of)
    target = (
        targets.get(("city", None))
        if scope.city_wide
        else targets.get(("district", scope.district))
    )
    headline = Headline(
        amount=_money(totals["assistance"]),
        year_to_date=months[-1].cumulative if months else ZERO,
        target=target,
        units_total=totals["units_total"],
        units_compliant=totals["units_compliant"],
        required_share=ratio,
        outlets_active=sum(row.active for row in outlets),
        outlets_opened=sum(row.opened for row in outlets),
    )
    channel_months = _channel_months(user, scope)
    by_channel = dict.fromkeys(Channel.values, ZERO)
    for row in channel_months:
        by_channel[row.channel] = by_channel.get(row.channel, ZERO) + row.amount
    bands = [
        Band(key, lower, upper, totals[f"band_{index}"])
        for index, (key, lower, upper) in enumerate(SHARE_BANDS)
    ]
    bands.append(Band(NO_DECLARATION, None, None, totals["no_declaration"]))
    return Dashboard(
        scope=scope,
        headline=headline,
        months=months,
        by_district=_by_district(user, scope, targets),
        by_region=_by_region(user, scope, targets, paired),
        flows=_flows(user, scope),
        by_channel=by_channel,
        channel_months=channel_months,
        bands=bands,
        units_below=totals["units_below"],
        shortfall_total=_money(totals["shortfall_total"]),
        below_quota=_below_quota(units, ratio),
        outlets_by_kind=outlets,
        certified_total=certified_total,
        certified_by_scheme=certified_by_scheme,
        agri_total=_money(totals["agri"]),
    )
