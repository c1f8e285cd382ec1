"""The offices' table of quarterly submissions (季度报送情况): for a year, each visible unit and
each quarter that has begun, whether the quarter is not yet due, due, late, submitted (on time
or late), or back with the unit (returned for correction, or reopened) awaiting resubmission.

domain.md: each unit reports quarterly to the city coordination office, which supervises
quarterly and names laggards. The deadline is ``SUBMISSION_DEADLINE_DAYS`` after the quarter's
end. Whether a submission was on time is judged by its *first* submission, read from the
submission's audit trail: a quarter the office returned and the unit resubmitted after the
deadline was still reported on time.

Everything is read in a fixed number of queries (the units, their submissions of the year with
the first submission time, the rounds of correction): at a city's size, 1,000 units × 4
quarters are 4,000 small tuples classified here, which the headline counts need in full.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.periods import QUARTERS, Quarter

from .models import QuarterReturn, QuarterSubmission
from .selectors import budget_unit_for_user

# The deadline of a quarter's submission: 15 days after the quarter ends (季后15日内报送), the
# custom of the programme's quarterly statistics (statements are closed at the month's turn
# and vouchers gathered in the first half of the next month). One constant, so a city that
# sets another deadline changes it here.
SUBMISSION_DEADLINE_DAYS = 15


def submission_deadline(period: Quarter) -> datetime.date:
    """The last day on which the quarter's submission is on time."""
    return period.last_day + datetime.timedelta(days=SUBMISSION_DEADLINE_DAYS)


class State:
    NOT_DUE = "not_due"
    DUE = "due"
    LATE = "late"
    SUBMITTED_ON_TIME = "submitted_on_time"
    SUBMITTED_LATE = "submitted_late"
    RETURNED = "returned"
    REOPENED = "reopened"

    choices = (
        (NOT_DUE, _("Not yet due")),
        (DUE, _("Due")),
        (LATE, _("Late")),
        (SUBMITTED_ON_TIME, _("Submitted on time")),
        (SUBMITTED_LATE, _("Submitted late")),
        (RETURNED, _("Returned, awaiting resubmission")),
        (REOPENED, _("Reopened, awaiting resubmission")),
    )
    values = tuple(value for value, _label in choices)
    labels = dict(choices)


def state_of(
    period: Quarter, status: str | None, first_submitted: datetime.datetime | None, as_of
) -> str:
    """The state of one unit's quarter on ``as_of`` (see the module's docstring)."""
    if status == QuarterSubmission.Status.RETURNED:
        return State.RETURNED
    if status == QuarterSubmission.Status.REOPENED:
        return State.REOPENED
    deadline = submission_deadline(period)
    if status == QuarterSubmission.Status.SUBMITTED:
        day = timezone.localtime(first_submitted).date() if first_submitted else None
        return (
            State.SUBMITTED_LATE if day is not None and day > deadline else State.SUBMITTED_ON_TIME
        )
    if not period.has_ended(as_of=as_of):
        return State.NOT_DUE
    return State.LATE if as_of > deadline else State.DUE


@dataclass
class StatusRow:
    budget_unit: int
    name: str
    district: str | None
    district_name: str
    year: int
    quarter: int
    state: str
    deadline: datetime.date
    submission: int | None = None
    submitted_at: datetime.datetime | None = None
    first_submitted_at: datetime.datetime | None = None
    submitted_by: str = ""
    rounds: int = 0
    open_round: bool = False

    @property
    def state_label(self) -> str:
        return str(State.labels[self.state])

    @property
    def may_return(self) -> bool:
        return self.state in (State.SUBMITTED_ON_TIME, State.SUBMITTED_LATE)


@dataclass
class StatusTable:
    rows: list[StatusRow]  # those of the state chosen, in unit then quarter order
    counts: dict[str, int]  # per state, over every state (the other filters applied)
    quarters: list[int]  # the quarters shown: begun by as_of (and the one chosen)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _first_submitted():
    """The submission's first submission: the earliest ``submitted_at`` its audit trail holds
    (a resubmission moves ``submitted_at`` on, never back); the column itself for a row
    written without history."""
    history = QuarterSubmission.history.model
    earliest = (
        history.objects.filter(id=OuterRef("pk"))
        .order_by()
        .values("id")
        .annotate(first=Min("submitted_at"))
        .values("first")
    )
    return Coalesce(Subquery(earliest), "submitted_at")


def submission_status(
    *,
    user,
    year: int,
    as_of: datetime.date,
    district: str | None = None,
    quarter: int | None = None,
    state: str | None = None,
    q: str = "",
) -> StatusTable:
    """The status table of ``year`` for the units the user may read (offices: their district's
    or the city's), narrowed by district, quarter, unit name and state."""
    quarters = [n for n in QUARTERS if Quarter(year, n).first_day <= as_of]
    if quarter:
        quarters = [n for n in quarters if n == quarter]
    units = budget_unit_for_user(user).select_related(None)
    if district:
        units = units.filter(region_id=district)
    if q:
        units = units.filter(name__icontains=q)
    unit_rows = list(
        units.order_by("region_id", "name", "pk").values_list(
            "pk", "name", "region_id", "region__name"
        )
    )
    counts = dict.fromkeys(State.values, 0)
    if not quarters or not unit_rows:
        return StatusTable([], counts, quarters)
    scope = units.values("pk")
    submissions = {
        (row["budget_unit_id"], row["quarter"]): row
        for row in QuarterSubmission.objects.filter(
            budget_unit__in=scope, year=year, quarter__in=quarters
        )
        .annotate(first_submitted=_first_submitted())
        .values(
            "pk",
            "budget_unit_id",
            "quarter",
            "status",
            "submitted_at",
            "first_submitted",
            "submitted_by__username",
            "submitted_by__first_name",
        )
    }
    rounds = {
        row["submission_id"]: row
        for row in QuarterReturn.objects.filter(
            submission__budget_unit__in=scope,
            submission__year=year,
            submission__quarter__in=quarters,
        )
        .order_by()
        .values("submission_id")
        .annotate(n=Count("pk"), open=Count("pk", filter=Q(resubmitted_at__isnull=True)))
    }
    periods = {n: Quarter(year, n) for n in quarters}
    rows = []
    for pk, name, region, region_name in unit_rows:
        for n in quarters:
            submission = submissions.get((pk, n))
            current = state_of(
                periods[n],
                submission["status"] if submission else None,
                submission["first_submitted"] if submission else None,
                as_of,
            )
            counts[current] += 1
            if state and current != state:
                continue
            row = StatusRow(
                budget_unit=pk,
                name=name,
                district=region,
                district_name=region_name or "",
                year=year,
                quarter=n,
                state=current,
                deadline=submission_deadline(periods[n]),
            )
            if submission:
                row.submission = submission["pk"]
                row.submitted_at = submission["submitted_at"]
                row.first_submitted_at = submission["first_submitted"]
                row.submitted_by = (
                    submission["submitted_by__first_name"]
                    or submission["submitted_by__username"]
                    or ""
                )
                counted = rounds.get(submission["pk"])
                if counted:
                    row.rounds, row.open_round = counted["n"], counted["open"] > 0
            rows.append(row)
    return StatusTable(rows, counts, quarters)
