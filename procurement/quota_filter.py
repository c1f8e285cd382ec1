"""The compliance list's "below any rule" filter, computed by the database: the units that
fall below at least one rule of the year's ``procurement.quota.RuleBook``, with the engine's
meaning of each rule (tests check the two agree)."""

from __future__ import annotations

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from portal.money import ZERO, MoneyField

from .models import Declaration, PurposeMonthlyTotal
from .quota import BASE_AGRI, BASE_COLUMN, RuleBook, period


def _unit_sum(qs: QuerySet, column: str) -> Coalesce:
    return Coalesce(
        Subquery(
            qs.filter(budget_unit=OuterRef("pk"))
            .order_by()
            .values("budget_unit")
            .annotate(total=Sum(column))
            .values("total"),
            output_field=MoneyField(),
        ),
        Value(ZERO, output_field=MoneyField()),
    )


def below_any_rule(units: QuerySet, *, book: RuleBook) -> QuerySet:
    """``units`` (annotated with the compliance totals) that fall below at least one rule of
    the year: the main rule (no base declared included), the floor when the year asks for it,
    or a further rule that applies to the unit and has a base declared. Two correlated sums a
    further rule, in the same query."""
    ratio = Value(book.ratio, output_field=DecimalField(max_digits=4, decimal_places=3))
    below = Q(agri_total=0) | Q(
        assistance_total__lt=ExpressionWrapper(F("agri_total") * ratio, output_field=MoneyField())
    )
    if book.growth_required:
        below |= Q(assistance_total__lt=F("last_year_total"))
    first, last = period(book.year, 4)
    annotations = {}
    for index, rule in enumerate(book.extra):
        base, counted = f"quota_rule_{index}_base", f"quota_rule_{index}_counted"
        annotations[base] = _unit_sum(
            Declaration.objects.filter(year=book.year), BASE_COLUMN[rule.base or BASE_AGRI]
        )
        annotations[counted] = _unit_sum(
            PurposeMonthlyTotal.objects.filter(rule.counted_filter(), month__range=(first, last)),
            "amount",
        )
        share = Value(rule.ratio, output_field=DecimalField(max_digits=4, decimal_places=3))
        condition = Q(**{f"{base}__gt": 0}) & Q(
            **{f"{counted}__lt": ExpressionWrapper(F(base) * share, output_field=MoneyField())}
        )
        if rule.categories:
            condition &= Q(category__in=rule.categories)
        below |= condition
    return units.annotate(**annotations).filter(below) if annotations else units.filter(below)
