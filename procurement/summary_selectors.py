"""A budget unit's quarter summary (季度汇总表): one quarter of one unit, as the unit prints,
signs, seals and files it — the declared bases, the quarter's assistance purchases by channel
and by purpose, the share against the quota, the year to the quarter's end, the submission and
its rounds of correction, and, when it fits the page, the quarter's purchases.

Read in a fixed number of queries whatever the unit's size (domain.md: ~250 purchases a
quarter, 10^6 a year city-wide): the purchases' figures come from the running totals by purpose
(``PurposeMonthlyTotal``, exact after every commit: ``procurement.totals``), the year to date
from the compliance figures (``with_compliance_totals``) and the quota rule engine
(``procurement.quota``), which are the figures the quarters page and the compliance list show.
The purchases themselves are read only when they are few enough to list.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from portal.money import ZERO, quantize
from portal.periods import Quarter

from .models import (
    BudgetUnit,
    Channel,
    Declaration,
    ProcurementRecord,
    Purpose,
    PurposeMonthlyTotal,
    QuarterReturn,
    QuarterSubmission,
)
from .quota import RuleBook, RuleStatus, UnitFigures, main_status, rule_book, statuses_by_unit
from .selectors import (
    ComplianceRow,
    compliance_row,
    compliance_scope,
    declaration_for_user,
    record_for_user,
    scope_by_unit,
    submission_for_user,
    with_compliance_totals,
)
from .submission_status import submission_deadline

# The purchases listed on the form: one A4 page holds the figures, the signature lines and this
# many rows of 8.5-point type, with room to spare for other fonts (tests/browser/test_print.py
# prints the fullest form). A longer quarter prints its totals alone and points to the ledger
# (a partial list on a signed form would read as the whole quarter).
SUMMARY_RECORDS = 10
# The rounds of correction the form names, newest first; older ones are counted.
SUMMARY_ROUNDS = 3

REJECTED = ProcurementRecord.Status.REJECTED


@dataclass(frozen=True)
class Line:
    """One channel's or one purpose's purchases in the quarter (rejected ones aside)."""

    code: str
    label: str
    count: int
    amount: Decimal


@dataclass
class QuarterSummary:
    budget_unit: BudgetUnit
    period: Quarter
    deadline: datetime.date
    declaration: Declaration | None
    count: int  # the quarter's counted purchases (rejected aside)
    total: Decimal
    by_channel: list[Line]
    by_purpose: list[Line]
    quarter_status: RuleStatus  # the quarter's own share against the year's main rule
    year_to_date: ComplianceRow  # 1 January to the quarter's end, last year to the same day
    submission: QuarterSubmission | None
    rounds: list[QuarterReturn]  # newest first, at most SUMMARY_ROUNDS
    rounds_total: int
    records: list[ProcurementRecord] = field(default_factory=list)

    @property
    def records_listed(self) -> bool:
        """Whether the purchases are listed (all of them): none to list, or few enough."""
        return self.count <= SUMMARY_RECORDS

    @property
    def required_share(self) -> Decimal:
        return self.year_to_date.required_share

    @property
    def further_rules(self) -> list[RuleStatus]:
        """The year-to-date statuses of every rule but the main one (shown by its figures)."""
        return [status for status in self.year_to_date.rules if status.code != "main"]

    @property
    def submitted(self) -> bool:
        return (
            self.submission is not None
            and self.submission.status == QuarterSubmission.Status.SUBMITTED
        )


def _lines(choices, amounts: dict[str, list]) -> list[Line]:
    """Every choice in its order, zero when nothing was bought (the form's rows are fixed)."""
    return [
        Line(code, str(label), amounts.get(code, [0, ZERO])[0], amounts.get(code, [0, ZERO])[1])
        for code, label in choices
    ]


def _year_to_date(user, unit: BudgetUnit, book: RuleBook, through: int) -> ComplianceRow:
    """The compliance row of 1 January to the end of quarter ``through``, compared with last
    year to the same day (Guangzhou measure 16 read on the same period), with every rule."""
    units = list(
        with_compliance_totals(
            compliance_scope(user=user).filter(pk=unit.pk).select_related(None),
            year=book.year,
            through=through,
            last_year_through=through,
        )
    )
    statuses = statuses_by_unit(units, book=book, through=through)
    return compliance_row(units[0], book.ratio, rules=statuses[unit.pk])


def quarter_summary(*, user, budget_unit: BudgetUnit, period: Quarter) -> QuarterSummary:
    """The summary of ``period`` for ``budget_unit``, which the caller has checked the user may
    read (``budget_unit_for_user``). At most eight queries (nine with further quota rules on
    the canteen or union-welfare bases), whatever the number of purchases."""
    year, quarter = period.year, period.quarter
    declaration = (
        declaration_for_user(user)
        .filter(budget_unit=budget_unit, year=year, quarter=quarter)
        .select_related(None)
        .first()
    )

    by_channel: dict[str, list] = {}
    by_purpose: dict[str, list] = {}
    count, total = 0, ZERO
    for channel, purpose, amount, records in (
        scope_by_unit(PurposeMonthlyTotal.objects.order_by(), user, unit_field="budget_unit")
        .filter(budget_unit=budget_unit, month__range=(period.first_day, period.last_day))
        .values_list("channel", "purpose")
        .annotate(amount=Sum("amount"), n=Sum("records"))
    ):
        amount = quantize(amount or ZERO)
        for bucket, key in ((by_channel, channel), (by_purpose, purpose)):
            line = bucket.setdefault(key, [0, ZERO])
            line[0] += records
            line[1] += amount
        count += records
        total += amount

    book = rule_book(year)
    quarter_status = main_status(
        book.main,
        UnitFigures(
            category=budget_unit.category,
            agri_total=declaration.agri_total if declaration else ZERO,
            assistance_total=total,
            last_year_total=ZERO,
        ),
    )

    submission = (
        submission_for_user(user)
        .filter(budget_unit=budget_unit, year=year, quarter=quarter)
        .select_related(None)
        .select_related("submitted_by", "reopened_by")
        .first()
    )
    rounds: list[QuarterReturn] = []
    if submission is not None:
        rounds = list(
            QuarterReturn.objects.filter(submission=submission)
            .select_related("returned_by", "resubmitted_by")
            .order_by("-number")
        )
    summary = QuarterSummary(
        budget_unit=budget_unit,
        period=period,
        deadline=submission_deadline(period),
        declaration=declaration,
        count=count,
        total=total,
        by_channel=_lines(Channel.choices, by_channel),
        by_purpose=_lines(Purpose.choices, by_purpose),
        quarter_status=quarter_status,
        year_to_date=_year_to_date(user, budget_unit, book, quarter),
        submission=submission,
        rounds=rounds[:SUMMARY_ROUNDS],
        rounds_total=len(rounds),
    )
    if count and summary.records_listed:
        summary.records = list(
            record_for_user(user)
            .filter(
                budget_unit=budget_unit,
                purchased_on__range=(period.first_day, period.last_day),
            )
            .exclude(status=REJECTED)
            .select_related(None)
            .select_related("supplier", "product")
            .order_by("purchased_on", "pk")[: SUMMARY_RECORDS + 1]
        )
    return summary
