"""Scoped reads of budget units and everything they record.

A clerk or approver reads only their unit, a district office the units of its district,
the city office every unit; suppliers and reviewers read no unit's procurement.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from portal.history import HistoryEntry, history_of
from portal.money import ZERO, MoneyField, quantize
from portal.periods import Quarter
from portal.roles import actor_of

from .models import (
    AnnualTarget,
    BudgetUnit,
    Declaration,
    MonthlyTotal,
    OriginMonthlyTotal,
    ProcurementRecord,
    QuarterSubmission,
    QuotaPolicy,
    Voucher,
)
from .quota import DEFAULT_QUOTA_RATIO, SHARE_PLACES, RuleStatus, rule_book, statuses_by_unit


def scope_by_unit(qs: QuerySet, user, *, unit_field: str) -> QuerySet:
    """``qs`` narrowed to the rows whose budget unit (through ``unit_field``) the user may
    read: the city office all, a district office its district's, a unit's staff their own,
    anyone else none."""
    actor = actor_of(user)
    if actor.is_city_office:
        return qs
    if actor.is_district_office:
        return qs.filter(**{f"{unit_field}__region_id": actor.district_code})
    if actor.is_unit:
        return qs.filter(**{f"{unit_field}_id": actor.organisation_id})
    return qs.none()


def budget_unit_for_user(user) -> QuerySet[BudgetUnit]:
    actor = actor_of(user)
    qs = BudgetUnit.objects.select_related("region")
    if actor.is_city_office:
        return qs
    if actor.is_district_office:
        return qs.filter(region_id=actor.district_code)
    if actor.is_unit:
        return qs.filter(pk=actor.organisation_id)
    return qs.none()


def record_for_user(user) -> QuerySet[ProcurementRecord]:
    qs = ProcurementRecord.objects.select_related("budget_unit", "supplier", "product")
    return scope_by_unit(qs, user, unit_field="budget_unit")


def monthly_total_for_user(user) -> QuerySet[MonthlyTotal]:
    """The units' running totals (``procurement.totals``) the user may read, scoped as their
    purchases are."""
    return scope_by_unit(MonthlyTotal.objects.order_by(), user, unit_field="budget_unit")


def origin_total_for_user(user) -> QuerySet[OriginMonthlyTotal]:
    """The districts' totals by region of origin the user may read: the city office all, a
    district office its own district's; a unit none (they sum other units' purchases)."""
    actor = actor_of(user)
    qs = OriginMonthlyTotal.objects.order_by()
    if actor.is_city_office:
        return qs
    if actor.is_district_office:
        return qs.filter(district=actor.district_code or "")
    return qs.none()


def declaration_for_user(user) -> QuerySet[Declaration]:
    return scope_by_unit(
        Declaration.objects.select_related("budget_unit"), user, unit_field="budget_unit"
    )


def submission_for_user(user) -> QuerySet[QuarterSubmission]:
    return scope_by_unit(
        QuarterSubmission.objects.select_related("budget_unit"), user, unit_field="budget_unit"
    )


def voucher_for_user(user) -> QuerySet[Voucher]:
    return scope_by_unit(Voucher.objects.all(), user, unit_field="record__budget_unit")


def quota_policy_for_user(user) -> QuerySet[QuotaPolicy]:
    """The policy is public to every member: units must know the rule they are held to."""
    return QuotaPolicy.objects.all() if actor_of(user).is_member else QuotaPolicy.objects.none()


def annual_target_for_user(user) -> QuerySet[AnnualTarget]:
    actor = actor_of(user)
    qs = AnnualTarget.objects.select_related("district")
    if actor.is_city_office:
        return qs
    if actor.is_district_office:
        return qs.filter(district_id=actor.district_code)
    return qs.none()


def required_share(year: int) -> Decimal:
    ratio = QuotaPolicy.objects.filter(year=year).values_list("ratio", flat=True).first()
    return ratio if ratio is not None else DEFAULT_QUOTA_RATIO


@dataclass(frozen=True)
class ComplianceRow:
    """One unit's line of api.md's quota formula for a year (the main rule and the floor), with
    the status of every rule of the year in ``rules`` (``procurement.quota``) when the caller
    asked for them."""

    budget_unit: int
    name: str
    district: str | None
    category: str
    agri_total: Decimal
    assistance_total: Decimal
    share: Decimal | None
    required_share: Decimal
    shortfall: Decimal
    last_year_total: Decimal
    meets_share: bool
    meets_growth: bool
    # Left out of comparisons: two rows are equal when api.md's figures are (the reports build
    # rows without the further rules and are checked against compliance_rows).
    rules: tuple[RuleStatus, ...] = field(default=(), compare=False)


def assistance_records(first: datetime.date, last: datetime.date) -> QuerySet:
    """api.md: the records dated in [first, last] that are not rejected."""
    return ProcurementRecord.objects.filter(purchased_on__range=(first, last)).exclude(
        status=ProcurementRecord.Status.REJECTED
    )


def assistance_months(first: datetime.date, last: datetime.date) -> QuerySet[MonthlyTotal]:
    """The running totals of the months from ``first``'s to ``last``'s: the sum of their
    ``amount`` is that of ``assistance_records(first, last)`` when both are whole months (a
    year to a quarter's end is), read from ~72 rows a unit and year instead of its purchases."""
    return MonthlyTotal.objects.filter(month__range=(first.replace(day=1), last))


def sum_by_unit(qs: QuerySet, column: str) -> Subquery:
    """A correlated sum of ``column`` over ``qs`` for each budget unit of the outer query."""
    return Subquery(
        qs.filter(budget_unit=OuterRef("pk"))
        .order_by()
        .values("budget_unit")
        .annotate(total=Sum(column))
        .values("total"),
        output_field=MoneyField(),
    )


def with_compliance_totals(
    units: QuerySet[BudgetUnit], *, year: int, through: int = 4, last_year_through: int = 4
) -> QuerySet[BudgetUnit]:
    """``units`` annotated, in the same query, with api.md's totals over the year to the end of
    quarter ``through``: ``agri_total`` (the declarations of quarters 1..through),
    ``assistance_total`` (the records from 1 January to that quarter's end, rejected aside)
    and ``last_year_total`` (last year's, to the end of quarter ``last_year_through``). The
    defaults are the whole year, as the compliance API reads it. The purchases' sums come
    from their running totals (``procurement.totals``), months being whole here."""
    zero = Value(ZERO, output_field=MoneyField())
    first = datetime.date(year, 1, 1)
    last_year_first = datetime.date(year - 1, 1, 1)
    return units.annotate(
        agri_total=Coalesce(
            sum_by_unit(Declaration.objects.filter(year=year, quarter__lte=through), "agri_total"),
            zero,
        ),
        assistance_total=Coalesce(
            sum_by_unit(assistance_months(first, Quarter(year, through).last_day), "amount"),
            zero,
        ),
        last_year_total=Coalesce(
            sum_by_unit(
                assistance_months(last_year_first, Quarter(year - 1, last_year_through).last_day),
                "amount",
            ),
            zero,
        ),
    )


COMPLIANCE_ORDER = ("region_id", "name", "pk")


def compliance_scope(*, user, district: str | None = None) -> QuerySet[BudgetUnit]:
    """The visible units (of ``district``) in the order of the compliance lists, without their
    totals: what a page of the list is cut from."""
    units = budget_unit_for_user(user)
    if district:
        units = units.filter(region_id=district)
    return units.order_by(*COMPLIANCE_ORDER)


def compliance_units(*, user, year: int, district: str | None = None) -> QuerySet[BudgetUnit]:
    """The visible units annotated with the year's totals, all in one query (api.md, "The
    quota, exactly": agri_total, assistance_total and last year's assistance_total)."""
    return with_compliance_totals(compliance_scope(user=user, district=district), year=year)


class CompliancePages:
    """The visible units (of ``district``) in the compliance order, for a paginator: ``count()``
    counts them, and a slice is that page's units with the year's totals, in one query that
    sums for the page's units alone. Slicing ``compliance_units`` instead would have PostgreSQL
    compute the totals of every unit before the page too (the rows OFFSET skips): the last
    page of 1,000 units would cost twenty first pages."""

    ordered = True  # for Django's paginator: the scope has the compliance order

    def __init__(self, *, user, year: int, district: str | None = None):
        # compliance_row needs the unit's district code, not its region row
        self.scope = compliance_scope(user=user, district=district).select_related(None)
        self.year = year

    def count(self) -> int:
        return self.scope.count()

    def __getitem__(self, window: slice) -> list[BudgetUnit]:
        page = self.scope.values("pk")[window]
        return list(with_compliance_totals(self.scope.filter(pk__in=page), year=self.year))


def compliance_row(
    unit: BudgetUnit, ratio: Decimal, *, rules: tuple[RuleStatus, ...] = ()
) -> ComplianceRow:
    """api.md: share = assistance/agri (null when agri is 0); shortfall = max(0, required ×
    agri − assistance); meets_share = share ≥ required; meets_growth = assistance ≥ last year."""
    agri, assistance = unit.agri_total, unit.assistance_total
    share = (assistance / agri).quantize(SHARE_PLACES) if agri else None
    shortfall = max(ZERO, quantize(ratio * agri - assistance))
    return ComplianceRow(
        budget_unit=unit.pk,
        name=unit.name,
        district=unit.region_id,
        category=unit.category,
        agri_total=agri,
        assistance_total=assistance,
        share=share,
        required_share=ratio,
        shortfall=shortfall,
        last_year_total=unit.last_year_total,
        meets_share=share is not None and assistance >= ratio * agri,
        meets_growth=assistance >= unit.last_year_total,
        rules=rules,
    )


def compliance_rows_with_rules(units, *, year: int, through: int = 4) -> list[ComplianceRow]:
    """The rows of ``units`` (annotated by ``with_compliance_totals`` for ``year`` to quarter
    ``through``), each with every rule of the year: the policy and its rules in one query, and
    two more for the whole list when the year has further rules (``procurement.quota``)."""
    units = list(units)
    book = rule_book(year)
    statuses = statuses_by_unit(units, book=book, through=through)
    return [compliance_row(unit, book.ratio, rules=statuses[unit.pk]) for unit in units]


def compliance_rows(*, user, year: int, district: str | None = None) -> list[ComplianceRow]:
    return compliance_rows_with_rules(
        compliance_units(user=user, year=year, district=district), year=year
    )


def record_history(record: ProcurementRecord) -> list[HistoryEntry]:
    """The purchase's audit trail, newest first (django-simple-history)."""
    return history_of(record)


def own_budget_unit(user) -> BudgetUnit | None:
    """The budget unit a clerk or approver works for; None for anyone else."""
    actor = actor_of(user)
    if not actor.is_unit:
        return None
    return budget_unit_for_user(user).filter(pk=actor.organisation_id).first()
