"""The quarterly report's figures, computed in the database (grouped ``Sum``/``Count``; Python
only arranges the grouped rows), with Decimal money and every list in a stable order, so the
same data gives the same figures and the same checksum.

Periods: "the quarter" is ``Quarter(year, quarter)``; "the year to date" runs from 1 January
to the quarter's last day. Records dated after the quarter (the next quarter's, or anything
entered since) never count, so a report of a past quarter does not move when later purchases
are logged.

Definitions (issue 6, point 1; api.md "The quota, exactly"):

- assistance: the ``amount`` of procurement records that are not rejected, by purchase date;
- farm-products total (``agri``): the units' declarations (``Declaration``) of the quarter,
  or of the quarters up to it for the year to date;
- per unit compliance: api.md's formula applied to the year to the quarter's end
  (``procurement.selectors.compliance_row``, the function ``compliance_rows`` uses): agri of
  the declarations of quarters 1..Q, assistance of the records dated 1 January..quarter end;
  ``last_year_total`` stays api.md's (the whole previous year). For Q4 the rows equal
  ``compliance_rows`` exactly. A unit is compliant when ``meets_share``;
- where the money went: by the supplier's registered region (province → city → county),
  by channel, by the product's category (records naming no product: "unspecified");
- outlets: open at some time in the quarter (``outlets.selectors.open_in_period``: exited
  outlets count in the quarters they were open), with their sales reports of its months;
- certifications, by scheme: *issued* = ``valid_from`` in the quarter (the business date of
  the decision; ``issued_at`` is the row's creation time, which for certificates brought in
  from the old registry is the import, not the issue); *expired* = ``valid_until`` (the last
  day of validity) in the quarter, unless the certificate was revoked; *revoked* = a
  ``revoke`` exit action on the certificate dated in the quarter (Asia/Shanghai). They are
  city-wide: certification is the city office's and has no district.

A district report restricts budget units (and so records and declarations) and outlets to the
district; targets are the district's.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from outlets.models import Outlet, OutletSalesReport
from outlets.selectors import open_in_period
from portal.errors import ApplicationError
from portal.models import DistrictPairing, Region
from portal.money import ZERO, MoneyField, quantize
from portal.periods import Quarter
from portal.selectors import city_districts
from procurement.models import AnnualTarget, BudgetUnit, Channel, Declaration
from procurement.selectors import (
    ComplianceRow,
    assistance_records,
    compliance_row,
    required_share,
    with_compliance_totals,
)
from products.models import Certificate, CertificationScheme, ExitAction, ProductCategory

from .figures import (
    UNSPECIFIED,
    CertificationRow,
    MoneyRow,
    OutletRow,
    RegionRow,
    ReportFigures,
    ScopeTotals,
    ratio,
)


def _money(value) -> Decimal:
    return quantize(value if value is not None else ZERO)


def compliance_to_quarter(
    *, year: int, quarter: int, district_code: str | None = None
) -> list[ComplianceRow]:
    """api.md's formula for every unit (of the district), over the year to the quarter's end:
    one query, then ``compliance_row`` (the function behind ``compliance_rows``) per unit."""
    units = with_compliance_totals(BudgetUnit.objects.all(), year=year, through=quarter)
    if district_code:
        units = units.filter(region_id=district_code)
    units = units.order_by("region_id", "name", "pk")
    policy = required_share(year)
    return [compliance_row(unit, policy) for unit in units]


def _district(district_code: str | None) -> Region | None:
    if district_code is None:
        return None
    district = city_districts().filter(code=district_code).first()
    if district is None:
        raise ApplicationError(
            _("%(code)s is not a district of the city.") % {"code": district_code}
        )
    return district


def _money_sums(first: datetime.date) -> dict:
    """Sum and count of the records of the quarter (from ``first``) and of all the rows."""
    in_quarter = Q(purchased_on__gte=first)
    return {
        "quarter": Coalesce(Sum("amount", filter=in_quarter), ZERO, output_field=MoneyField()),
        "ytd": Coalesce(Sum("amount"), ZERO, output_field=MoneyField()),
        "records": Count("pk", filter=in_quarter),
        "records_ytd": Count("pk"),
    }


def _agri_sums(quarter: int) -> dict:
    return {
        "agri_quarter": Coalesce(
            Sum("agri_total", filter=Q(quarter=quarter)), ZERO, output_field=MoneyField()
        ),
        "agri_ytd": Coalesce(Sum("agri_total"), ZERO, output_field=MoneyField()),
    }


def _totals(
    *,
    code: str,
    name: str,
    money: dict,
    agri: dict,
    policy: Decimal,
    units: list[ComplianceRow],
    target: Decimal | None,
) -> ScopeTotals:
    assistance_ytd = _money(money.get("ytd"))
    agri_quarter, agri_ytd = _money(agri.get("agri_quarter")), _money(agri.get("agri_ytd"))
    assistance_quarter = _money(money.get("quarter"))
    return ScopeTotals(
        code=code,
        name=name,
        assistance_quarter=assistance_quarter,
        assistance_ytd=assistance_ytd,
        records_quarter=money.get("records", 0),
        records_ytd=money.get("records_ytd", 0),
        agri_quarter=agri_quarter,
        agri_ytd=agri_ytd,
        share_quarter=ratio(assistance_quarter, agri_quarter),
        share_ytd=ratio(assistance_ytd, agri_ytd),
        required_share=policy,
        units_total=len(units),
        units_compliant=sum(1 for row in units if row.meets_share),
        target=target,
        progress=ratio(assistance_ytd, target),
    )


def _region_tree(
    grouped: list[dict], pairings: dict[str, tuple[str, ...]], targets: dict[str, Decimal]
) -> tuple[list[RegionRow], list[RegionRow]]:
    """The grouped sums by supplier region, rolled up to city and province: the tree in
    depth-first code order, and the supplier regions themselves (largest this quarter first)."""
    nodes: dict[str, dict] = {}
    leaves: list[dict] = []
    for entry in grouped:
        chain = [
            (entry[f"{prefix}_code"], entry[f"{prefix}_name"], entry[f"{prefix}_level"])
            for prefix in ("gp", "p", "r")
            if entry[f"{prefix}_code"]
        ]
        parent = None
        for code, name, level in chain:
            node = nodes.setdefault(
                code,
                {
                    "code": code,
                    "name": name,
                    "level": level,
                    "parent": parent,
                    "full_name": (nodes[parent]["full_name"] if parent else "") + name,
                    "quarter": ZERO,
                    "ytd": ZERO,
                    "records": 0,
                },
            )
            node["quarter"] += _money(entry["quarter"])
            node["ytd"] += _money(entry["ytd"])
            node["records"] += entry["records"]
            parent = code
        # The region's own sums (a city-level region can be a supplier's and a county's parent).
        leaves.append(
            {
                **nodes[parent],
                "quarter": _money(entry["quarter"]),
                "ytd": _money(entry["ytd"]),
                "records": entry["records"],
            }
        )

    def row(node: dict, depth: int) -> RegionRow:
        target = targets.get(node["code"])
        return RegionRow(
            code=node["code"],
            name=node["name"],
            level=node["level"],
            depth=depth,
            full_name=node["full_name"],
            quarter=node["quarter"],
            ytd=node["ytd"],
            records=node["records"],
            paired_with=pairings.get(node["code"], ()),
            target=target,
            progress=ratio(node["ytd"], target),
        )

    children: dict[str | None, list[str]] = {}
    for code in sorted(nodes):
        children.setdefault(nodes[code]["parent"], []).append(code)
    tree: list[RegionRow] = []

    def walk(parent: str | None, depth: int) -> None:
        for code in children.get(parent, []):
            tree.append(row(nodes[code], depth))
            walk(code, depth + 1)

    walk(None, 0)
    depth_of = {r.code: r.depth for r in tree}
    flat = [row(node, depth_of[node["code"]]) for node in leaves]
    flat.sort(key=lambda r: (-r.quarter, -r.ytd, r.code))
    return tree, flat


@dataclass(frozen=True)
class Targets:
    """The year's targets: the city's, each district's, each paired region's."""

    city: Decimal | None
    districts: dict[str, Decimal]
    regions: dict[str, Decimal]


def _targets(year: int) -> Targets:
    city, districts, regions = None, {}, {}
    for entry in AnnualTarget.objects.filter(year=year).values(
        "district_id", "region_id", "amount"
    ):
        if entry["district_id"]:
            districts[entry["district_id"]] = entry["amount"]
        elif entry["region_id"]:
            regions[entry["region_id"]] = entry["amount"]
        else:
            city = entry["amount"]
    return Targets(city, districts, regions)


def _by_district(
    *,
    records: QuerySet,
    declarations: QuerySet,
    units: list[ComplianceRow],
    district: Region | None,
    first: datetime.date,
    quarter: int,
    policy: Decimal,
    targets: Targets,
) -> tuple[list[ScopeTotals], dict[str, str]]:
    """Every district of the city (or the one), plus any other region a unit sits in, so the
    rows add up to the whole; and the districts' names by code."""
    key = "budget_unit__region_id"
    money_by = {
        e[key]: e
        for e in records.order_by().values(key).annotate(**_money_sums(first)).order_by(key)
    }
    agri_by = {
        e[key]: e
        for e in declarations.order_by().values(key).annotate(**_agri_sums(quarter)).order_by(key)
    }
    units_by: dict[str, list[ComplianceRow]] = {}
    for row in units:
        units_by.setdefault(row.district, []).append(row)
    names = {r.code: r.name for r in ([district] if district else city_districts())}
    others = (set(money_by) | set(agri_by) | set(units_by)) - set(names) - {None}
    if others:
        names.update(Region.objects.filter(code__in=others).values_list("code", "name"))
    rows = [
        _totals(
            code=code,
            name=names[code],
            money=money_by.get(code, {}),
            agri=agri_by.get(code, {}),
            policy=policy,
            units=units_by.get(code, []),
            target=targets.districts.get(code),
        )
        for code in sorted(names)
    ]
    return rows, dict(sorted(names.items()))


def _by_region(
    *, records: QuerySet, district: Region | None, first: datetime.date, targets: Targets
) -> tuple[list[RegionRow], list[RegionRow]]:
    """Where the money went: the supplier's region, rolled up to city and province."""
    grouped = list(
        records.order_by()
        .values(
            r_code=F("supplier__region_id"),
            r_name=F("supplier__region__name"),
            r_level=F("supplier__region__level"),
            p_code=F("supplier__region__parent_id"),
            p_name=F("supplier__region__parent__name"),
            p_level=F("supplier__region__parent__level"),
            gp_code=F("supplier__region__parent__parent_id"),
            gp_name=F("supplier__region__parent__parent__name"),
            gp_level=F("supplier__region__parent__parent__level"),
        )
        .annotate(**_money_sums(first))
        .order_by("r_code")
    )
    # Which districts help each region (in a district report: whether this district does).
    paired = DistrictPairing.objects.order_by("region_id", "district_id")
    if district is not None:
        paired = paired.filter(district_id=district.code)
    pairings: dict[str, list[str]] = {}
    for region_id, name in paired.values_list("region_id", "district__name"):
        pairings.setdefault(region_id, []).append(name)
    # A paired region's target is the city's: a district report does not measure against it.
    return _region_tree(
        grouped,
        {code: tuple(names) for code, names in pairings.items()},
        {} if district else targets.regions,
    )


def _by_channel_and_category(
    records: QuerySet, first: datetime.date
) -> tuple[list[MoneyRow], list[MoneyRow]]:
    """Every channel and every category (zeros included), in their codes' order; records
    naming no product under "unspecified", last."""
    by_channel = {
        e["channel"]: e for e in records.order_by().values("channel").annotate(**_money_sums(first))
    }
    channels = [
        _money_row(code, str(label), by_channel.get(code, {})) for code, label in Channel.choices
    ]
    by_category = {
        e["product__category"] or UNSPECIFIED: e
        for e in records.order_by().values("product__category").annotate(**_money_sums(first))
    }
    categories = [
        _money_row(code, str(label), by_category.get(code, {}))
        for code, label in [*ProductCategory.choices, (UNSPECIFIED, _("No product named"))]
    ]
    return channels, categories


def _outlets(*, year: int, quarter: int, district: Region | None) -> list[OutletRow]:
    """Outlets open at some time in the quarter (``open_in_period``), by district and kind,
    with how many exited in it and their sales reports of its months."""
    period = Quarter(year, quarter)
    first, last = period.first_day, period.last_day
    outlets = Outlet.objects.filter(open_in_period(first, last))
    sales = OutletSalesReport.objects.filter(
        year=year, month__in=range(3 * quarter - 2, 3 * quarter + 1)
    )
    if district is not None:
        outlets = outlets.filter(district_id=district.code)
        sales = sales.filter(outlet__district_id=district.code)
    counted = {
        (e["district_id"], e["kind"]): e
        for e in outlets.order_by()
        .values("district_id", "district__name", "kind")
        .annotate(open=Count("pk"), exited=Count("pk", filter=Q(exited_on__range=(first, last))))
    }
    sold = {
        (e["outlet__district_id"], e["outlet__kind"]): e
        for e in sales.order_by()
        .values("outlet__district_id", "outlet__district__name", "outlet__kind")
        .annotate(amount=Sum("amount"))
    }
    kind_order = {code: index for index, code in enumerate(Outlet.Kind.values)}
    rows = []
    for key in sorted(set(counted) | set(sold), key=lambda k: (k[0], kind_order[k[1]])):
        count, sale = counted.get(key, {}), sold.get(key, {})
        rows.append(
            OutletRow(
                district_code=key[0],
                district_name=count.get("district__name") or sale.get("outlet__district__name"),
                kind=key[1],
                kind_label=str(Outlet.Kind(key[1]).label),
                open=count.get("open", 0),
                exited=count.get("exited", 0),
                sales=_money(sale.get("amount")),
            )
        )
    return rows


def _certifications(first: datetime.date, last: datetime.date) -> list[CertificationRow]:
    """Certificates issued, expired and revoked in the quarter, by scheme (city-wide; see the
    module's docstring for what each word means)."""
    in_quarter = (first, last)
    certified = {
        e["scheme_id"]: e
        for e in Certificate.objects.filter(
            Q(valid_from__range=in_quarter) | Q(valid_until__range=in_quarter)
        )
        .order_by()
        .values("scheme_id")
        .annotate(
            issued=Count("pk", filter=Q(valid_from__range=in_quarter)),
            expired=Count(
                "pk",
                filter=Q(valid_until__range=in_quarter) & ~Q(status=Certificate.Status.REVOKED),
            ),
        )
    }
    # ``at__date`` is the date in the portal's time zone (Asia/Shanghai).
    revoked = dict(
        ExitAction.objects.filter(
            action=ExitAction.Action.REVOKE,
            certificate__isnull=False,
            at__date__range=in_quarter,
        )
        .order_by()
        .values("certificate__scheme_id")
        .annotate(n=Count("certificate", distinct=True))
        .values_list("certificate__scheme_id", "n")
    )
    return [
        CertificationRow(
            scheme=code,
            name=name,
            issued=certified.get(code, {}).get("issued", 0),
            expired=certified.get(code, {}).get("expired", 0),
            revoked=revoked.get(code, 0),
        )
        for code, name in CertificationScheme.objects.order_by("code").values_list("code", "name")
    ]


def collect_figures(*, year: int, quarter: int, district_code: str | None = None) -> ReportFigures:
    """Every figure of the report of ``year``/``quarter`` for the city (or one district). A
    fixed number of queries (about 18), whatever the number of units, records, regions or
    outlets."""
    period = Quarter(year, quarter)
    first, last = period.first_day, period.last_day
    year_first = datetime.date(year, 1, 1)
    district = _district(district_code)
    policy = required_share(year)
    targets = _targets(year)

    records = assistance_records(year_first, last)
    declarations = Declaration.objects.filter(year=year, quarter__lte=quarter)
    if district is not None:
        records = records.filter(budget_unit__region_id=district.code)
        declarations = declarations.filter(budget_unit__region_id=district.code)
    units = compliance_to_quarter(year=year, quarter=quarter, district_code=district_code)

    city_name = settings.PORTAL_CITY_NAME
    summary = _totals(
        code=district.code if district else settings.PORTAL_CITY_CODE,
        name=district.name if district else city_name,
        money=records.aggregate(**_money_sums(first)),
        agri=declarations.aggregate(**_agri_sums(quarter)),
        policy=policy,
        units=units,
        target=targets.districts.get(district.code) if district else targets.city,
    )
    districts, names = _by_district(
        records=records,
        declarations=declarations,
        units=units,
        district=district,
        first=first,
        quarter=quarter,
        policy=policy,
        targets=targets,
    )
    regions, counties = _by_region(records=records, district=district, first=first, targets=targets)
    channels, categories = _by_channel_and_category(records, first)
    return ReportFigures(
        year=year,
        quarter=quarter,
        first_day=first,
        last_day=last,
        year_first_day=year_first,
        city_name=city_name,
        district_code=district.code if district else None,
        scope_name=district.name if district else city_name,
        summary=summary,
        districts=districts,
        units=units,
        regions=regions,
        counties=counties,
        channels=channels,
        categories=categories,
        outlets=_outlets(year=year, quarter=quarter, district=district),
        certifications=_certifications(first, last),
        district_names=names,
    )


def _money_row(code: str, name: str, sums: dict) -> MoneyRow:
    return MoneyRow(
        code=code,
        name=name,
        quarter=_money(sums.get("quarter")),
        ytd=_money(sums.get("ytd")),
        records=sums.get("records", 0),
    )
