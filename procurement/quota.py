"""The quota rule engine: every rule of a year, evaluated for each budget unit.

A year's rules (``RuleBook``):

- the main rule (``code`` "main"): the ``QuotaPolicy.ratio`` of the unit's declared
  farm-products total, every channel and purpose, every unit (Shenzhen: no less than 30%; the
  default when the year has no policy). Its status is api.md's compliance fields exactly:
  ``meets`` is false when nothing is declared ("The quota, exactly": ``meets_share``);
- each ``QuotaRule`` of the policy (``code`` "rule-<id>"): its ratio of one declared base
  (farm products, canteen food, union welfare), counting the purchases made for that base's
  purpose (every purpose for farm products, ``canteen`` for canteen food, ``union_welfare`` for
  union welfare) through its channels (every channel when it names none), for the unit
  categories it names (every unit when it names none): the national "832平台采购食堂食材不低于
  10%", Guangzhou's "工会福利50%用于消费帮扶专馆专区";
- the year-on-year floor (``code`` "growth", when ``growth_required``; a year without a policy
  keeps it, as Shenzhen's standard rule does): this year's counted purchases no lower than last
  year's (Guangzhou measure 16; api.md's ``meets_growth``).

A further rule's status has its own states besides met and below: "not applicable" (the unit's
category is not one the rule names: ``applies`` false, nothing required, ``meets`` null) and "no
base declared" (the base is 0: ``share`` null, nothing required, ``meets`` null; no failure,
since a unit without a canteen owes nothing to a canteen rule). The main rule alone treats an
undeclared base as a failure, as api.md fixes it.

The numbers come from the declarations (summed per unit) and the running totals by purpose
(``PurposeMonthlyTotal``: unit × month × channel × purpose, only the rows a rule counts), read
for a whole page of units in a fixed number of queries: one for the policy and its rules, and,
only when the year has further rules, one for the declared bases and one for the counted
purchases by channel and purpose.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.money import ZERO, quantize
from portal.periods import Quarter

from .models import BudgetUnit, Channel, Declaration, PurposeMonthlyTotal, QuotaPolicy, QuotaRule

# Shenzhen's rule when a year has no policy of its own: no less than 30% of the year's
# farm-products procurement.
DEFAULT_QUOTA_RATIO = Decimal("0.300")
SHARE_PLACES = Decimal("0.0001")

MAIN, GROWTH = "main", "growth"
KIND_SHARE, KIND_GROWTH = "share", "growth"
BASE_AGRI, BASE_CANTEEN, BASE_UNION_WELFARE = (
    QuotaRule.Base.AGRI.value,
    QuotaRule.Base.CANTEEN.value,
    QuotaRule.Base.UNION_WELFARE.value,
)
# The declaration's column behind each base.
BASE_COLUMN = {
    BASE_AGRI: "agri_total",
    BASE_CANTEEN: "canteen_total",
    BASE_UNION_WELFARE: "union_welfare_total",
}
# The purpose whose purchases count against each base; None: every purpose.
BASE_PURPOSE: dict[str, str | None] = {
    BASE_AGRI: None,
    BASE_CANTEEN: "canteen",
    BASE_UNION_WELFARE: "union_welfare",
}

# Each base as a sentence names it ("at least 10% of the declared canteen-food total").
BASE_NAMES = {
    BASE_AGRI: gettext_lazy("declared farm-products total"),
    BASE_CANTEEN: gettext_lazy("declared canteen-food total"),
    BASE_UNION_WELFARE: gettext_lazy("declared union-welfare total"),
}

# A status's state, for the pages' ✓ / ! / — marks.
MET, BELOW, NO_BASE, NOT_APPLICABLE = "met", "below", "no_base", "not_applicable"


def rule_code(rule_id: int) -> str:
    return f"rule-{rule_id}"


class Described:
    """What a rule names, in words for the pages (``base``, ``channels``, ``categories``)."""

    base: str | None
    channels: tuple[str, ...]
    categories: tuple[str, ...]

    @property
    def base_label(self) -> str:
        return str(BASE_NAMES[self.base]) if self.base else ""

    @property
    def channel_names(self) -> list[str]:
        return channel_labels(self.channels)

    @property
    def category_names(self) -> list[str]:
        return category_labels(self.categories)


@dataclass(frozen=True)
class Rule(Described):
    """One rule of a year, whatever its source (the policy's main rule and floor, or a
    ``QuotaRule``)."""

    code: str
    name: str
    kind: str
    base: str | None
    ratio: Decimal | None
    channels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    note: str = ""
    rule_id: int | None = None  # the ``QuotaRule`` of a further rule

    def applies_to(self, category: str) -> bool:
        return not self.categories or category in self.categories

    def counts(self, channel: str, purpose: str) -> bool:
        """Whether purchases through ``channel`` for ``purpose`` count towards the rule."""
        if self.channels and channel not in self.channels:
            return False
        wanted = BASE_PURPOSE.get(self.base or BASE_AGRI)
        return wanted is None or purpose == wanted

    def counted_filter(self) -> Q:
        """``counts`` as a filter of ``PurposeMonthlyTotal``'s rows."""
        condition = Q()
        if self.channels:
            condition &= Q(channel__in=self.channels)
        purpose = BASE_PURPOSE.get(self.base or BASE_AGRI)
        if purpose is not None:
            condition &= Q(purpose=purpose)
        return condition


@dataclass(frozen=True)
class RuleBook:
    """The rules of a year: the main rule, the policy's further rules in their order, and the
    year-on-year floor when the year asks for it."""

    year: int
    ratio: Decimal
    growth_required: bool
    is_default: bool
    extra: tuple[Rule, ...] = ()
    note: str = ""

    @property
    def main(self) -> Rule:
        return Rule(
            code=MAIN,
            name=_("Farm-products share (main rule)"),
            kind=KIND_SHARE,
            base=BASE_AGRI,
            ratio=self.ratio,
        )

    @property
    def growth(self) -> Rule | None:
        if not self.growth_required:
            return None
        return Rule(
            code=GROWTH, name=_("No lower than last year"), kind=KIND_GROWTH, base=None, ratio=None
        )

    @property
    def rules(self) -> list[Rule]:
        growth = self.growth
        return [self.main, *self.extra, *([growth] if growth else [])]

    def counted_filter(self) -> Q:
        """The rows of ``PurposeMonthlyTotal`` some further rule counts: only those are read
        (a canteen rule through 832 reads one purpose of one channel, not every row)."""
        conditions = [rule.counted_filter() for rule in self.extra]
        if not conditions or any(not condition for condition in conditions):
            return Q()  # a rule counts every row (or none is asked for: not read at all)
        combined = conditions[0]
        for condition in conditions[1:]:
            combined |= condition
        return combined

    @property
    def needs_bases(self) -> bool:
        """Whether a further rule is a share of the canteen or union-welfare base (the farm
        products' total comes with the compliance figures already)."""
        return any(rule.base != BASE_AGRI for rule in self.extra)


def _rule_of(record: QuotaRule | Mapping) -> Rule:
    get = record.get if isinstance(record, Mapping) else lambda name: getattr(record, name)
    return Rule(
        code=rule_code(get("id")),
        name=get("name"),
        kind=KIND_SHARE,
        base=get("base"),
        ratio=get("ratio"),
        channels=tuple(get("channels") or ()),
        categories=tuple(get("categories") or ()),
        note=get("note") or "",
        rule_id=get("id"),
    )


RULE_FIELDS = ("id", "name", "base", "ratio", "channels", "categories", "note")


def rule_book(year: int) -> RuleBook:
    """The year's rules, in one query (the policy joined to its rules); Shenzhen's 30% and the
    year-on-year floor when the year has no policy."""
    rows = list(
        QuotaPolicy.objects.filter(year=year)
        .values("ratio", "growth_required", "note", *(f"rules__{name}" for name in RULE_FIELDS))
        .order_by("rules__position", "rules__id")
    )
    if not rows:
        return RuleBook(year=year, ratio=DEFAULT_QUOTA_RATIO, growth_required=True, is_default=True)
    extra = tuple(
        _rule_of({name: row[f"rules__{name}"] for name in RULE_FIELDS})
        for row in rows
        if row["rules__id"] is not None
    )
    return RuleBook(
        year=year,
        ratio=rows[0]["ratio"],
        growth_required=rows[0]["growth_required"],
        is_default=False,
        extra=extra,
        note=rows[0]["note"],
    )


@dataclass(frozen=True)
class UnitFigures:
    """What a unit's rules are measured on, for one year (to the end of a quarter)."""

    category: str
    agri_total: Decimal
    assistance_total: Decimal
    last_year_total: Decimal
    canteen_total: Decimal = ZERO
    union_welfare_total: Decimal = ZERO
    # This year's counted purchases (rejected aside) by (channel, purpose).
    counted: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)

    def base_total(self, base: str) -> Decimal:
        return getattr(self, BASE_COLUMN[base])

    def counted_for(self, rule: Rule) -> Decimal:
        return sum(
            (
                amount
                for (channel, purpose), amount in self.counted.items()
                if rule.counts(channel, purpose)
            ),
            ZERO,
        )


@dataclass(frozen=True)
class RuleStatus(Described):
    """One rule for one unit. Money in yuan; ``share`` to four places; ``required_amount`` and
    ``shortfall`` are None when the rule does not apply to the unit; ``meets`` is None when
    the rule does not apply or (further rules only) no base is declared."""

    code: str
    name: str
    kind: str
    base: str | None
    ratio: Decimal | None
    channels: tuple[str, ...]
    categories: tuple[str, ...]
    applies: bool
    base_total: Decimal
    counted_total: Decimal
    share: Decimal | None
    required_amount: Decimal | None
    shortfall: Decimal | None
    meets: bool | None

    @property
    def state(self) -> str:
        if not self.applies:
            return NOT_APPLICABLE
        if self.kind == KIND_SHARE and not self.base_total:
            return NO_BASE
        return MET if self.meets else BELOW

    @property
    def is_below(self) -> bool:
        """A failure the unit must act on: the main rule without a declared base included."""
        return self.meets is False


def further_statuses(statuses: Iterable[RuleStatus]) -> list[RuleStatus]:
    """The statuses of the policy's further rules, without the main rule and the floor."""
    return [status for status in statuses if status.code not in (MAIN, GROWTH)]


def _share(counted: Decimal, base: Decimal) -> Decimal | None:
    return (counted / base).quantize(SHARE_PLACES) if base else None


def _status(rule: Rule, **figures) -> RuleStatus:
    return RuleStatus(
        code=rule.code,
        name=rule.name,
        kind=rule.kind,
        base=rule.base,
        ratio=rule.ratio,
        channels=rule.channels,
        categories=rule.categories,
        **figures,
    )


def main_status(rule: Rule, figures: UnitFigures) -> RuleStatus:
    """api.md: share = assistance/agri (null when agri is 0); shortfall = max(0, required ×
    agri − assistance); meets_share = share ≥ required (false when nothing is declared)."""
    agri, assistance = figures.agri_total, figures.assistance_total
    share = _share(assistance, agri)
    return _status(
        rule,
        applies=True,
        base_total=agri,
        counted_total=assistance,
        share=share,
        required_amount=quantize(rule.ratio * agri),
        shortfall=max(ZERO, quantize(rule.ratio * agri - assistance)),
        meets=share is not None and assistance >= rule.ratio * agri,
    )


def growth_status(rule: Rule, figures: UnitFigures) -> RuleStatus:
    """Guangzhou measure 16: this year's amount no lower than last year's actual. Its "base" is
    last year's counted total, which is also the amount required."""
    this_year, last_year = figures.assistance_total, figures.last_year_total
    return _status(
        rule,
        applies=True,
        base_total=last_year,
        counted_total=this_year,
        share=_share(this_year, last_year),
        required_amount=last_year,
        shortfall=max(ZERO, last_year - this_year),
        meets=this_year >= last_year,
    )


def share_status(rule: Rule, figures: UnitFigures) -> RuleStatus:
    """A further rule: ``ratio`` × the declared base, counted over its channels and purpose."""
    base = figures.base_total(rule.base or BASE_AGRI)
    counted = figures.counted_for(rule)
    share = _share(counted, base)
    if not rule.applies_to(figures.category):
        return _status(
            rule,
            applies=False,
            base_total=base,
            counted_total=counted,
            share=share,
            required_amount=None,
            shortfall=None,
            meets=None,
        )
    if not base:
        return _status(
            rule,
            applies=True,
            base_total=base,
            counted_total=counted,
            share=None,
            required_amount=ZERO,
            shortfall=ZERO,
            meets=None,
        )
    return _status(
        rule,
        applies=True,
        base_total=base,
        counted_total=counted,
        share=share,
        required_amount=quantize(rule.ratio * base),
        shortfall=max(ZERO, quantize(rule.ratio * base - counted)),
        meets=counted >= rule.ratio * base,
    )


def evaluate(book: RuleBook, figures: UnitFigures) -> tuple[RuleStatus, ...]:
    """Every rule of ``book`` for one unit, in the book's order."""
    statuses = []
    for rule in book.rules:
        if rule.code == MAIN:
            statuses.append(main_status(rule, figures))
        elif rule.code == GROWTH:
            statuses.append(growth_status(rule, figures))
        else:
            statuses.append(share_status(rule, figures))
    return tuple(statuses)


def period(year: int, through: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), Quarter(year, through).last_day


def unit_figures(units: Sequence, *, book: RuleBook, through: int = 4) -> dict[int, UnitFigures]:
    """The figures of each of ``units`` (budget units annotated by
    ``procurement.selectors.with_compliance_totals`` over the same period): no query when the
    year has no further rule; else one for the declared bases (when a rule needs the canteen or
    union-welfare base) and one for the counted purchases by channel and purpose."""
    ids = [unit.pk for unit in units]
    bases: dict[int, dict] = {}
    counted: dict[int, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    if book.extra and ids:
        first, last = period(book.year, through)
        if book.needs_bases:
            for row in (
                Declaration.objects.filter(
                    budget_unit_id__in=ids, year=book.year, quarter__lte=through
                )
                .order_by()
                .values("budget_unit")
                .annotate(canteen=Sum("canteen_total"), union_welfare=Sum("union_welfare_total"))
            ):
                bases[row["budget_unit"]] = row
        for unit_id, channel, purpose, amount in (
            PurposeMonthlyTotal.objects.filter(
                book.counted_filter(), budget_unit_id__in=ids, month__range=(first, last)
            )
            .order_by()
            .values_list("budget_unit", "channel", "purpose")
            .annotate(total=Sum("amount"))
        ):
            counted[unit_id][channel, purpose] = quantize(amount or ZERO)
    result = {}
    for unit in units:
        declared = bases.get(unit.pk, {})
        result[unit.pk] = UnitFigures(
            category=unit.category,
            agri_total=unit.agri_total,
            assistance_total=unit.assistance_total,
            last_year_total=unit.last_year_total,
            canteen_total=quantize(declared.get("canteen") or ZERO),
            union_welfare_total=quantize(declared.get("union_welfare") or ZERO),
            counted=counted.get(unit.pk, {}),
        )
    return result


def statuses_by_unit(
    units: Sequence, *, book: RuleBook, through: int = 4
) -> dict[int, tuple[RuleStatus, ...]]:
    """Every rule for each of ``units`` (annotated as ``unit_figures`` wants them)."""
    return {
        pk: evaluate(book, figures)
        for pk, figures in unit_figures(units, book=book, through=through).items()
    }


# The unit's own page ---------------------------------------------------------------------------


def rule_statuses_for_unit(*, user, budget_unit, year: int, row=None) -> list[RuleStatus]:
    """Every rule of the year for the unit's own page (the quarters page), as the user may see
    the unit (nothing when the unit is not the user's to read). ``row``: the unit's compliance
    row of the year when the caller has it already (``compliance_rows`` fills its ``rules``),
    which spares reading the figures again."""
    if row is not None and row.budget_unit == budget_unit.pk and row.rules:
        return list(row.rules)
    # selectors builds the compliance rows on this engine, so it is read here, late.
    from .selectors import compliance_scope, with_compliance_totals

    units = list(
        with_compliance_totals(
            compliance_scope(user=user).filter(pk=budget_unit.pk).select_related(None), year=year
        )
    )
    if not units:
        return []
    book = rule_book(year)
    return list(statuses_by_unit(units, book=book)[budget_unit.pk])


def channel_labels(codes: Iterable[str]) -> list[str]:
    labels = dict(Channel.choices)
    return [str(labels.get(code, code)) for code in codes]


def category_labels(codes: Iterable[str]) -> list[str]:
    labels = dict(BudgetUnit.Category.choices)
    return [str(labels.get(code, code)) for code in codes]
