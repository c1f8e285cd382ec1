"""The quarter's bulletin (通报): the figures it is written from (its text is in
``reporting.bulletin_text``).

Reads only; the actions (generate, edit, publish) are in ``reporting.services_bulletins``.

The figures are the year to the end of the quarter (a bulletin of the third quarter covers
January to September): each unit's declared farm-products total of quarters 1..q and its
assistance purchases dated up to the quarter's last day, against the same period of last year.
The sums are computed by the database; each unit's line then goes through api.md's formula in
``procurement.selectors.compliance_row`` (the one place it is written), so for the fourth
quarter the lines equal ``compliance_rows`` for the year.

The rules the laggards are named by:
- below the share: Shenzhen's rule, a unit spends no less than the year's required share
  (30% by default) of its farm-products procurement on assistance products;
- below last year: Guangzhou's rule (measure 16), this year's amount may not fall below last
  year's actual, compared period for period; skipped when the year's policy waives it;
- no declaration: a unit that has declared no farm-products total cannot be measured at all.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import Cast

from portal.money import ZERO, quantize
from portal.periods import Quarter
from portal.roles import actor_of
from portal.selectors import city_districts
from procurement.models import BudgetUnit, Declaration, ProcurementRecord, QuotaPolicy
from procurement.selectors import (
    annual_target_for_user,
    budget_unit_for_user,
    compliance_row,
    declaration_for_user,
    record_for_user,
    required_share,
    with_compliance_totals,
)

from .models import Bulletin

# Bump when the shape of ``Bulletin.data`` changes, so pages can tell old snapshots apart.
DATA_VERSION = 1
TOP_UNITS = 10
RATE_PLACES = Decimal("0.0001")
REJECTED = ProcurementRecord.Status.REJECTED


# Scoped reads ------------------------------------------------------------------------------


def bulletin_for_user(user) -> QuerySet[Bulletin]:
    """The city office reads every bulletin, drafts included; district offices and the staff
    of budget units read published ones (a bulletin names units: that is its purpose);
    suppliers, reviewers and the public read none."""
    actor = actor_of(user)
    qs = Bulletin.objects.select_related("created_by", "published_by")
    if actor.is_city_office:
        return qs
    if actor.is_district_office or actor.is_unit:
        return qs.filter(status=Bulletin.Status.PUBLISHED)
    return qs.none()


# The figures -------------------------------------------------------------------------------


def period_bounds(period: Quarter) -> tuple[datetime.date, datetime.date]:
    """The year to the end of the quarter."""
    return datetime.date(period.year, 1, 1), period.last_day


def units_to_date(*, user, period: Quarter) -> QuerySet[BudgetUnit]:
    """The visible units with their year-to-date totals, in one query, ordered by share
    (highest first; units with nothing declared last)."""
    declared = Declaration.objects.filter(year=period.year, quarter__lte=period.quarter)
    # Growth compares with the same months of last year (the bulletin's own period).
    return (
        with_compliance_totals(
            budget_unit_for_user(user),
            year=period.year,
            through=period.quarter,
            last_year_through=period.quarter,
        )
        .annotate(
            declared=Exists(declared.filter(budget_unit=OuterRef("pk"))),
            # A float share, for ordering only (integer division on some databases otherwise).
            share_value=Case(
                When(agri_total=0, then=None),
                default=Cast("assistance_total", FloatField()) / Cast("agri_total", FloatField()),
                output_field=FloatField(),
            ),
        )
        .order_by(
            F("share_value").desc(nulls_last=True), "-assistance_total", "region_id", "name", "pk"
        )
    )


def _rate(numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES)


def _growth(current: Decimal, previous: Decimal) -> Decimal | None:
    if not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) / Decimal(previous)).quantize(RATE_PLACES)


def _text(value) -> str | None:
    """Decimals travel as strings in the JSON (never float)."""
    return None if value is None else str(value)


def _district_sums(user, period: Quarter) -> dict[str | None, dict[str, Decimal]]:
    """Per district: declared total, assistance to date and the same period of last year,
    in two grouped queries."""
    first, last = period_bounds(period)
    before_first, before_last = period_bounds(Quarter(period.year - 1, period.quarter))
    sums: dict[str | None, dict[str, Decimal]] = {}

    def entry(code):
        return sums.setdefault(code, {"agri": ZERO, "assistance": ZERO, "last_year": ZERO})

    for code, total in (
        declaration_for_user(user)
        .filter(year=period.year, quarter__lte=period.quarter)
        .order_by()
        .values_list("budget_unit__region_id")
        .annotate(total=Sum("agri_total"))
    ):
        entry(code)["agri"] = quantize(total or ZERO)
    this_year = Q(purchased_on__range=(first, last))
    last_year = Q(purchased_on__range=(before_first, before_last))
    for code, current, previous in (
        record_for_user(user)
        .filter(this_year | last_year)
        .exclude(status=REJECTED)
        .order_by()
        .values_list("budget_unit__region_id")
        .annotate(
            current=Sum("amount", filter=this_year, default=ZERO),
            previous=Sum("amount", filter=last_year, default=ZERO),
        )
    ):
        entry(code)["assistance"] = quantize(current)
        entry(code)["last_year"] = quantize(previous)
    return sums


def _unit_line(unit: BudgetUnit, row, districts: dict[str, str]) -> dict:
    return {
        "id": unit.pk,
        "name": unit.name,
        "district": unit.region_id,
        "district_name": districts.get(unit.region_id, unit.region.name if unit.region else ""),
        "agri_total": _text(quantize(row.agri_total)),
        "assistance_total": _text(quantize(row.assistance_total)),
        "share": _text(row.share),
        "shortfall": _text(row.shortfall),
        "last_year_total": _text(quantize(row.last_year_total)),
        "growth": _text(_growth(row.assistance_total, row.last_year_total)),
        "decrease": _text(max(ZERO, quantize(row.last_year_total - row.assistance_total))),
    }


def bulletin_figures(*, user, year: int, quarter: int, as_of: datetime.date) -> dict:
    """Everything the bulletin says, as JSON-ready data (Decimals as strings): the city's
    totals, the districts ranked by share and by growth with their target completion, the
    top units and the three lists of laggards."""
    period = Quarter(year, quarter)
    first, last = period_bounds(period)
    ratio = required_share(year)
    policy = QuotaPolicy.objects.filter(year=year).first()
    growth_required = policy.growth_required if policy is not None else True
    districts = dict(city_districts().values_list("code", "name"))

    lines = [
        (unit, compliance_row(unit, ratio)) for unit in units_to_date(user=user, period=period)
    ]
    top_share = [_unit_line(u, r, districts) for u, r in lines if r.share is not None][:TOP_UNITS]
    growing = [(u, r) for u, r in lines if r.last_year_total > 0]
    growing.sort(
        key=lambda item: (
            -(item[1].assistance_total - item[1].last_year_total) / item[1].last_year_total,
            item[0].name,
        )
    )
    top_growth = [_unit_line(u, r, districts) for u, r in growing[:TOP_UNITS]]
    below_share = sorted(
        ((u, r) for u, r in lines if u.declared and not r.meets_share),
        key=lambda item: (-item[1].shortfall, item[0].region_id or "", item[0].name),
    )
    below_last_year = (
        sorted(
            ((u, r) for u, r in lines if not r.meets_growth),
            key=lambda item: (
                item[1].assistance_total - item[1].last_year_total,
                item[0].region_id or "",
                item[0].name,
            ),
        )
        if growth_required
        else []
    )
    no_declaration = sorted(
        ((u, r) for u, r in lines if not u.declared),
        key=lambda item: (item[0].region_id or "", item[0].name),
    )

    counts: dict[str | None, dict[str, int]] = {}
    for unit, row in lines:
        count = counts.setdefault(
            unit.region_id, {"units": 0, "meeting": 0, "below_share": 0, "below_last_year": 0}
        )
        count["units"] += 1
        count["meeting"] += row.meets_share
        count["below_share"] += unit.declared and not row.meets_share
        count["below_last_year"] += growth_required and not row.meets_growth
    no_declaration_by_district: dict[str | None, int] = {}
    for unit, _row in no_declaration:
        no_declaration_by_district[unit.region_id] = (
            no_declaration_by_district.get(unit.region_id, 0) + 1
        )

    targets = annual_target_for_user(user).filter(year=year, region__isnull=True)
    target_of = dict(targets.values_list("district_id", "amount"))
    sums = _district_sums(user, period)
    time_progress = Decimal(quarter) / 4

    district_rows = []
    for code, name in districts.items():
        figures = sums.get(code, {"agri": ZERO, "assistance": ZERO, "last_year": ZERO})
        count = counts.get(code, {"units": 0, "meeting": 0, "below_share": 0, "below_last_year": 0})
        target = target_of.get(code)
        district_rows.append(
            {
                "code": code,
                "name": name,
                "agri_total": figures["agri"],
                "assistance_total": figures["assistance"],
                "last_year_total": figures["last_year"],
                "share": _rate(figures["assistance"], figures["agri"]),
                "growth": _growth(figures["assistance"], figures["last_year"]),
                "target": target,
                "completion": _rate(figures["assistance"], target),
                "units_total": count["units"],
                "units_meeting_share": count["meeting"],
                "units_below_share": count["below_share"],
                "units_below_last_year": count["below_last_year"],
                "units_without_declaration": no_declaration_by_district.get(code, 0),
            }
        )
        row = district_rows[-1]
        row["meets_share"] = row["share"] is not None and row["share"] >= ratio
        row["behind_schedule"] = row["completion"] is not None and row["completion"] < time_progress

    def ranked(rows, key):
        known = sorted(
            (r for r in rows if r[key] is not None),
            key=lambda r: (-r[key], -r["assistance_total"], r["code"]),
        )
        unknown = sorted((r for r in rows if r[key] is None), key=lambda r: r["code"])
        return known + unknown

    by_share = ranked(district_rows, "share")
    by_growth = ranked(district_rows, "growth")
    for rank, row in enumerate(by_share, start=1):
        row["rank_share"] = rank if row["share"] is not None else None
    for rank, row in enumerate(by_growth, start=1):
        row["rank_growth"] = rank if row["growth"] is not None else None

    agri = sum((s["agri"] for s in sums.values()), ZERO)
    assistance = sum((s["assistance"] for s in sums.values()), ZERO)
    last_year = sum((s["last_year"] for s in sums.values()), ZERO)
    city_target = target_of.get(None)
    city = {
        "agri_total": agri,
        "assistance_total": assistance,
        "last_year_total": last_year,
        "share": _rate(assistance, agri),
        "growth": _growth(assistance, last_year),
        "target": city_target,
        "completion": _rate(assistance, city_target),
        "units_total": len(lines),
        "units_meeting_share": sum(1 for _u, r in lines if r.meets_share),
        "units_below_share": len(below_share),
        "units_below_last_year": len(below_last_year),
        "units_without_declaration": len(no_declaration),
    }
    laggards = {u.pk for u, _r in below_share} | {u.pk for u, _r in below_last_year}
    laggards |= {u.pk for u, _r in no_declaration}

    def as_json(row: dict) -> dict:
        return {
            key: _text(value) if isinstance(value, Decimal) else value for key, value in row.items()
        }

    return {
        "version": DATA_VERSION,
        "year": year,
        "quarter": quarter,
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "as_of": as_of.isoformat(),
        "required_share": _text(ratio),
        "growth_required": growth_required,
        "time_progress": _text(time_progress.quantize(RATE_PLACES)),
        "city": as_json(city),
        "districts": [as_json(r) for r in by_share],
        "districts_by_growth": [as_json(r) for r in by_growth],
        "top_units": top_share,
        "top_units_growth": top_growth,
        "below_share": [_unit_line(u, r, districts) for u, r in below_share],
        "below_last_year": [_unit_line(u, r, districts) for u, r in below_last_year],
        "no_declaration": [_unit_line(u, r, districts) for u, r in no_declaration],
        "laggard_unit_ids": sorted(laggards),
    }
