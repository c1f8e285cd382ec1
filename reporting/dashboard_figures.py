"""The dashboard's figures: ``reporting.dashboard`` computes the numbers (in the database);
this module turns them into figures: a title, a one-line takeaway, a table (the page's
``<details>`` view and a sheet of the Excel export alike) and the data ECharts draws
(``static/js/dashboard.js``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import dates
from django.utils.translation import gettext as _

from outlets.models import Outlet
from portal.formatting import WAN, percent, wanyuan
from procurement.models import Channel

from .dashboard import NO_DECLARATION, Dashboard, DashboardScope

# The regions' chart names this many regions; the rest are summed in one bar ("other").
REGIONS_CHARTED = 12
# Status colours of ui.md for the share bands: below the quota amber, meeting it green.
BAND_COLOURS = {"below": "#d97706", "meets": "#1e7b34", "none": "#9aa5b1"}


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # text | money | share | count


@dataclass
class Figure:
    """One chart of the page with its table view and its sheet of the export."""

    name: str
    title: str
    takeaway: str
    columns: list[Column]
    rows: list[list]
    chart: dict
    totals: list | None = None
    note: str = ""
    link: tuple[str, str] | None = None  # (url, label)
    wide: bool = False
    # Nothing worth drawing although the table has rows (a year of zeros, no target).
    blank: bool = False

    @property
    def empty(self) -> bool:
        return self.blank or not self.rows

    @property
    def script_id(self) -> str:
        return f"chart-data-{self.name}"

    def _shown(self, row: list) -> list[tuple[str, bool]]:
        return [
            (_display(value, column.kind), column.kind != "text")
            for value, column in zip(row, self.columns, strict=False)
        ]

    @property
    def table(self) -> list[list[tuple[str, bool]]]:
        """The rows as the page shows them: 万元 and shares formatted, numbers flagged."""
        return [self._shown(row) for row in self.rows]

    @property
    def table_totals(self) -> list[tuple[str, bool]] | None:
        return self._shown(self.totals) if self.totals and self.rows else None


def _display(value, kind: str) -> str:
    if kind == "money":
        return wanyuan(value)
    if kind == "share":
        return percent(value)
    if kind == "count":
        return "—" if value is None else f"{value:,}"
    return "—" if value in (None, "") else str(value)


def _wan(value: Decimal | None) -> float | None:
    """万元 with two places, as a number for the chart only (the tables keep the Decimal)."""
    if value is None:
        return None
    return float((Decimal(value) / WAN).quantize(Decimal("0.01")))


def _month(month: int) -> str:
    return str(dates.MONTHS_3[month]).title()


def period_label(scope: DashboardScope) -> str:
    if scope.quarter:
        return _("%(year)s, quarter %(quarter)s") % {"year": scope.year, "quarter": scope.quarter}
    return _("Year %(year)s") % {"year": scope.year}


def scope_label(scope: DashboardScope) -> str:
    return scope.district_name or _("Whole city")


def _progress(data: Dashboard) -> Figure:
    target = data.headline.target
    last = data.months[-1] if data.months else None
    if last is None or not last.cumulative:
        takeaway = _("No purchases are recorded this year yet.")
    elif target:
        takeaway = _(
            "By %(month)s: %(amount)s bought, %(rate)s of the annual target of %(target)s"
        ) % {
            "month": _month(last.month),
            "amount": wanyuan(last.cumulative),
            "rate": percent(last.cumulative / target),
            "target": wanyuan(target),
        }
    else:
        takeaway = _("By %(month)s: %(amount)s bought; no annual target is set") % {
            "month": _month(last.month),
            "amount": wanyuan(last.cumulative),
        }
    rows = [
        [
            _month(point.month),
            point.amount,
            point.cumulative,
            point.cumulative / target if target else None,
        ]
        for point in data.months
    ]
    return Figure(
        name="progress",
        title=_("The year's progress against the annual target"),
        takeaway=takeaway,
        columns=[
            Column(_("Month")),
            Column(_("Bought in the month"), "money"),
            Column(_("Cumulative"), "money"),
            Column(_("Of the annual target"), "share"),
        ],
        rows=rows,
        note=_("Annual target: %(target)s") % {"target": wanyuan(target)} if target else "",
        chart={
            "type": "line",
            "categories": [row[0] for row in rows],
            "series": [
                {"name": _("Cumulative"), "values": [_wan(p.cumulative) for p in data.months]},
                {"name": _("Bought in the month"), "values": [_wan(p.amount) for p in data.months]},
            ],
            "target": _wan(target),
            "targetLabel": _("Annual target"),
            "unit": _("10k yuan"),
        },
        wide=True,
        blank=last is None or not last.cumulative,
    )


def _by_district(data: Dashboard) -> Figure:
    districts = data.by_district
    rated = [row for row in districts if row.rate is not None]
    if not any(row.year_to_date for row in districts):
        takeaway = _("No purchases are recorded in this period yet.")
    elif len(rated) > 1:
        high = max(rated, key=lambda row: row.rate)
        low = min(rated, key=lambda row: row.rate)
        takeaway = _(
            "%(high)s has the highest completion rate, at %(high_rate)s; %(low)s the lowest, "
            "at %(low_rate)s"
        ) % {
            "high": high.name,
            "high_rate": percent(high.rate),
            "low": low.name,
            "low_rate": percent(low.rate),
        }
    elif rated:
        takeaway = _("%(name)s has reached %(rate)s of its annual target") % {
            "name": rated[0].name,
            "rate": percent(rated[0].rate),
        }
    else:
        top = max(districts, key=lambda row: row.year_to_date)
        takeaway = _("%(name)s bought the most: %(amount)s") % {
            "name": top.name,
            "amount": wanyuan(top.year_to_date),
        }
    columns = [Column(_("District"))]
    if data.scope.quarter:
        columns.append(Column(period_label(data.scope), "money"))
    columns += [
        Column(_("Year to date"), "money"),
        Column(_("Annual target"), "money"),
        Column(_("Completion rate"), "share"),
    ]
    rows = []
    for row in districts:
        cells = [row.name]
        if data.scope.quarter:
            cells.append(row.amount)
        rows.append([*cells, row.year_to_date, row.target, row.rate])
    return Figure(
        name="districts",
        title=_("Procurement by district against the targets"),
        takeaway=takeaway,
        columns=columns,
        rows=rows,
        chart={
            "type": "bar",
            "categories": [row.name for row in districts],
            "series": [
                {"name": _("Year to date"), "values": [_wan(r.year_to_date) for r in districts]}
            ],
            "targets": [_wan(row.target) for row in districts],
            "targetLabel": _("Annual target"),
            "unit": _("10k yuan"),
        },
        blank=not any(row.year_to_date or row.target for row in districts),
    )


def _region_name(row) -> str:
    if row.paired or row.target is not None:
        return row.name
    return _("%(city)s (other counties)") % {"city": row.name}


def _by_region(data: Dashboard) -> Figure:
    regions = [row for row in data.by_region if row.year_to_date or row.target]
    total = sum((row.year_to_date for row in regions), Decimal(0))
    if total:
        top = regions[0]
        takeaway = _("%(name)s received the most: %(amount)s, %(share)s of the total") % {
            "name": _region_name(top),
            "amount": wanyuan(top.year_to_date),
            "share": percent(top.year_to_date / total),
        }
    else:
        takeaway = _("No purchases are recorded in this period yet.")
    columns = [Column(_("Region")), Column(_("Paired region"))]
    if data.scope.quarter:
        columns.append(Column(period_label(data.scope), "money"))
    columns += [
        Column(_("Year to date"), "money"),
        Column(_("Annual target"), "money"),
        Column(_("Completion rate"), "share"),
    ]
    rows = []
    for row in regions:
        cells = [_region_name(row), _("Yes") if row.paired else _("No")]
        if data.scope.quarter:
            cells.append(row.amount)
        rows.append([*cells, row.year_to_date, row.target, row.rate])
    charted, rest = regions[:REGIONS_CHARTED], regions[REGIONS_CHARTED:]
    categories = [_region_name(row) for row in charted]
    values = [_wan(row.year_to_date) for row in charted]
    targets = [_wan(row.target) for row in charted]
    if rest:
        categories.append(_("Other regions"))
        values.append(_wan(sum((row.year_to_date for row in rest), Decimal(0))))
        targets.append(None)
    return Figure(
        name="regions",
        title=_("Procurement by paired region"),
        takeaway=takeaway,
        columns=columns,
        rows=rows,
        note=_(
            "The supplier's region: a paired county (or a region with a target of its own) "
            "by itself, any other county within its city."
        ),
        chart={
            "type": "bar",
            "horizontal": True,
            "categories": categories,
            "series": [{"name": _("Year to date"), "values": values}],
            "targets": targets,
            "targetLabel": _("Annual target"),
            "unit": _("10k yuan"),
        },
    )


def _flows(data: Dashboard) -> Figure:
    flows = [flow for flow in data.flows if flow.amount]
    if flows:
        top = flows[0]
        takeaway = _("The largest flow: %(district)s → %(region)s, %(amount)s") % {
            "district": top.district_name,
            "region": top.region_name,
            "amount": wanyuan(top.amount),
        }
    else:
        takeaway = _("No purchases are recorded in this period yet.")
    # A Sankey names its nodes; a district and a supplier city never share a name in practice,
    # but a city buying from itself (a local supplier) would, so sources get a suffix then.
    targets = {flow.region_name for flow in flows}
    sources = {
        flow.district_name: (
            _("%(district)s (buyer)") % {"district": flow.district_name}
            if flow.district_name in targets
            else flow.district_name
        )
        for flow in flows
    }
    nodes = [*dict.fromkeys(sources.values()), *dict.fromkeys(flow.region_name for flow in flows)]
    return Figure(
        name="flows",
        title=_("Where each district's money went"),
        takeaway=takeaway,
        columns=[Column(_("District")), Column(_("Supplier's city")), Column(_("Amount"), "money")],
        rows=[[flow.district_name, flow.region_name, flow.amount] for flow in flows],
        chart={
            "type": "sankey",
            "nodes": nodes,
            "links": [
                {
                    "source": sources[flow.district_name],
                    "target": flow.region_name,
                    "value": _wan(flow.amount),
                }
                for flow in flows
            ],
            "unit": _("10k yuan"),
        },
        wide=True,
    )


def _channels(data: Dashboard) -> Figure:
    labels = dict(Channel.choices)
    total = sum(data.by_channel.values(), Decimal(0))
    if total:
        channel, amount = max(data.by_channel.items(), key=lambda item: item[1])
        takeaway = _("%(channel)s carries the largest share: %(share)s") % {
            "channel": labels[channel],
            "share": percent(amount / total),
        }
    else:
        takeaway = _("No purchases are recorded in this period yet.")
    months = sorted({row.month for row in data.channel_months})
    cells = {(row.month, row.channel): row.amount for row in data.channel_months}
    codes = list(Channel.values)
    rows = [[str(labels[code]), data.by_channel[code], None] for code in codes]
    for row in rows:
        row[2] = row[1] / total if total else None
    return Figure(
        name="channels",
        title=_("Channel mix"),
        takeaway=takeaway,
        columns=[
            Column(_("Channel")),
            Column(_("Amount"), "money"),
            Column(_("Share of the total"), "share"),
        ],
        rows=rows if total else [],
        totals=[_("Total"), total, Decimal(1) if total else None],
        chart={
            "type": "bar",
            "stacked": True,
            "categories": [_month(month) for month in months],
            "series": [
                {
                    "name": str(labels[code]),
                    "values": [_wan(cells.get((month, code), Decimal(0))) for month in months],
                }
                for code in codes
            ],
            "unit": _("10k yuan"),
        },
    )


def _band_label(band, ratio: Decimal) -> str:
    if band.key == NO_DECLARATION:
        return _("No declaration")
    if band.upper is None:
        return _("%(lower)s or more") % {"lower": percent(band.lower).replace(".0%", "%")}
    return f"{percent(band.lower).replace('.0%', '%')}–{percent(band.upper).replace('.0%', '%')}"


def _band_colour(band, ratio: Decimal) -> str:
    if band.key == NO_DECLARATION:
        return BAND_COLOURS["none"]
    return BAND_COLOURS["meets"] if band.lower >= ratio else BAND_COLOURS["below"]


def _compliance(data: Dashboard) -> Figure:
    head = data.headline
    if head.units_total:
        takeaway = _("%(compliant)s of %(total)s units meet the %(ratio)s share") % {
            "compliant": head.units_compliant,
            "total": head.units_total,
            "ratio": percent(head.required_share),
        }
    else:
        takeaway = _("No budget unit is registered in this area yet.")
    labels = [_band_label(band, head.required_share) for band in data.bands]
    return Figure(
        name="compliance",
        title=_("Units by share of assistance purchases"),
        takeaway=takeaway,
        columns=[Column(_("Share band")), Column(_("Units"), "count")],
        rows=[[label, band.count] for label, band in zip(labels, data.bands, strict=True)]
        if head.units_total
        else [],
        totals=[_("Total"), head.units_total],
        note=_("The share: assistance purchases over the declared farm-products total."),
        chart={
            "type": "bar",
            "categories": labels,
            "series": [{"name": _("Units"), "values": [band.count for band in data.bands]}],
            "colors": [_band_colour(band, head.required_share) for band in data.bands],
            "unit": "",
        },
    )


def _compliance_url(scope: DashboardScope) -> str:
    query = {"year": scope.year, "status": "below_quota", "sort": "-shortfall"}
    if scope.district:
        query["district"] = scope.district
    return f"{reverse('procurement:compliance')}?{urlencode(query)}"


def _below_quota(data: Dashboard) -> Figure:
    if data.units_below:
        takeaway = _("%(count)s units are below the quota, %(amount)s short in all") % {
            "count": data.units_below,
            "amount": wanyuan(data.shortfall_total),
        }
    else:
        takeaway = _("Every unit that declared its farm-products total meets the quota.")
    shown = data.below_quota
    return Figure(
        name="below-quota",
        title=_("Units below the quota: the largest shortfalls"),
        takeaway=takeaway,
        columns=[
            Column(_("Budget unit")),
            Column(_("District")),
            Column(_("Declared farm-products total"), "money"),
            Column(_("Assistance purchases"), "money"),
            Column(_("Share"), "share"),
            Column(_("Shortfall"), "money"),
        ],
        rows=[
            [
                row.name,
                row.district_name,
                row.agri_total,
                row.assistance_total,
                row.share,
                row.shortfall,
            ]
            for row in shown
        ],
        link=(_compliance_url(data.scope), _("All units below the quota")),
        chart={
            "type": "bar",
            "horizontal": True,
            "categories": [row.name for row in shown],
            "series": [{"name": _("Shortfall"), "values": [_wan(row.shortfall) for row in shown]}],
            "colors": [BAND_COLOURS["below"]],
            "unit": _("10k yuan"),
        },
        wide=True,
    )


def _outlets(data: Dashboard) -> Figure:
    head = data.headline
    takeaway = _("%(active)s outlets are active; %(opened)s opened in the period") % {
        "active": head.outlets_active,
        "opened": head.outlets_opened,
    }
    labels = dict(Outlet.Kind.choices)
    kinds = data.outlets_by_kind
    return Figure(
        name="outlets",
        title=_("Outlets by kind"),
        takeaway=takeaway,
        columns=[
            Column(_("Kind")),
            Column(_("Active now"), "count"),
            Column(_("Opened in the period"), "count"),
        ],
        rows=[[str(labels[row.kind]), row.active, row.opened] for row in kinds],
        totals=[_("Total"), head.outlets_active, head.outlets_opened],
        chart={
            "type": "bar",
            "categories": [str(labels[row.kind]) for row in kinds],
            "series": [
                {"name": _("Active now"), "values": [row.active for row in kinds]},
                {"name": _("Opened in the period"), "values": [row.opened for row in kinds]},
            ],
            "unit": "",
        },
    )


def _certified(data: Dashboard) -> Figure:
    schemes = data.certified_by_scheme
    return Figure(
        name="certified",
        title=_("Certified products"),
        takeaway=_("%(count)s listed products hold a valid certificate today")
        % {"count": data.certified_total},
        columns=[Column(_("Scheme")), Column(_("Products"), "count")],
        rows=[[row.name, row.count] for row in schemes],
        totals=[_("Listed products holding a valid certificate"), data.certified_total],
        note=_(
            "The city's catalogue, whatever the district: a product holding both certificates "
            "counts under each."
        ),
        chart={
            "type": "bar",
            "categories": [row.name for row in schemes],
            "series": [{"name": _("Products"), "values": [row.count for row in schemes]}],
            "unit": "",
        },
    )


def dashboard_figures(data: Dashboard) -> list[Figure]:
    return [
        _progress(data),
        _by_district(data),
        _by_region(data),
        _flows(data),
        _channels(data),
        _compliance(data),
        _below_quota(data),
        _outlets(data),
        _certified(data),
    ]
