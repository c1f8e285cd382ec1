"""Returns for correction (退回): a coordination office sends a unit's submitted quarter back
with comments, overall or on single purchases; the unit's clerk corrects, its approver submits
again (``services.quarter_submit`` closes the round). Every round is kept, and each round's
page says what the unit changed between the return and the resubmission, read from the
audit trail of the purchases and the declaration (django-simple-history).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.formatting import yuan
from portal.history import stamp
from portal.notifications import members_of, notify
from portal.periods import Quarter

from .models import (
    BudgetUnit,
    ProcurementRecord,
    QuarterReturn,
    QuarterSubmission,
    ReturnComment,
)
from .round_changes import changes_of_rounds
from .rules import quarter_label
from .selectors import record_for_user, submission_for_user
from .services import lock_budget_unit, oversees_unit, set_quarter_status

# An office's comment is a note, not a report: longer text belongs in an attachment or a call.
COMMENT_MAX_LENGTH = 2000
RECORD_COMMENT_MAX_LENGTH = 1000
# ReturnComment.record_label's column.
LABEL_MAX_LENGTH = 255

SUBMITTED = QuarterSubmission.Status.SUBMITTED
RETURNED = QuarterSubmission.Status.RETURNED


def record_label(record: ProcurementRecord) -> str:
    """A purchase as the office saw it when commenting: kept when the purchase is deleted."""
    parts = [record.purchased_on.isoformat(), record.supplier.name, yuan(record.amount)]
    if record.invoice_no:
        parts.append(record.invoice_no)
    label = " · ".join(parts)
    return label if len(label) <= LABEL_MAX_LENGTH else label[: LABEL_MAX_LENGTH - 1] + "…"


def _clean_record_comments(
    budget_unit: BudgetUnit, period: Quarter, record_comments: Mapping[int, str]
) -> list[tuple[ProcurementRecord, str]]:
    """The non-empty comments with their purchases, which must be the unit's, of the quarter."""
    wanted = {}
    for record_id, text in (record_comments or {}).items():
        text = (text or "").strip()
        if not text:
            continue
        if len(text) > RECORD_COMMENT_MAX_LENGTH:
            raise ValidationError(
                {
                    "record_comments": _(
                        "A comment on a purchase may be at most %(limit)s characters."
                    )
                    % {"limit": RECORD_COMMENT_MAX_LENGTH}
                }
            )
        wanted[int(record_id)] = text
    if not wanted:
        return []
    records = {
        record.pk: record
        for record in ProcurementRecord.objects.select_related("supplier").filter(
            pk__in=wanted,
            budget_unit=budget_unit,
            purchased_on__range=(period.first_day, period.last_day),
        )
    }
    foreign = sorted(set(wanted) - set(records))
    if foreign:
        raise ValidationError(
            {
                "record_comments": _(
                    "Purchases %(ids)s are not purchases of this unit in %(quarter)s; comment "
                    "only on the quarter's own purchases."
                )
                % {"ids": ", ".join(map(str, foreign)), "quarter": quarter_label(period)}
            }
        )
    return [(records[record_id], text) for record_id, text in sorted(wanted.items())]


@transaction.atomic
def quarter_return(
    *,
    actor,
    budget_unit: BudgetUnit,
    year: int,
    quarter: int,
    comment: str,
    record_comments: Mapping[int, str] | None = None,
) -> QuarterReturn:
    """A coordination office returns a submitted quarter to the unit for correction (退回),
    with an overall comment and optional comments on its purchases. The quarter's records and
    declaration open again as on a reopening (architecture.md: a correction is an explicit,
    recorded action); the unit's approver then submits it again, which closes the round.
    Each return is a new round, numbered from 1, and every round is kept."""
    if not oversees_unit(actor, budget_unit):
        raise PermissionDenied(
            _("Only the city office or the unit's district office may return a quarter.")
        )
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what the unit must correct.")})
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "comment": _("The comment may be at most %(limit)s characters.")
                % {"limit": COMMENT_MAX_LENGTH}
            }
        )
    try:
        period = Quarter(year, quarter)
    except ValueError as error:
        raise ValidationError({"quarter": _("The quarter must be 1 to 4.")}) from error
    lock_budget_unit(budget_unit.pk)
    submission = (
        QuarterSubmission.objects.select_for_update()
        .filter(budget_unit=budget_unit, year=year, quarter=quarter)
        .first()
    )
    if submission is None or submission.status != SUBMITTED:
        raise ValidationError(
            {
                "quarter": _("%(quarter)s is not submitted, so there is nothing to return.")
                % {"quarter": quarter_label(period)}
            }
        )
    commented = _clean_record_comments(budget_unit, period, record_comments or {})
    now = timezone.now()
    number = submission.returns.count() + 1
    round_ = QuarterReturn(
        submission=submission, number=number, comment=comment, returned_by=actor, returned_at=now
    )
    round_.full_clean(exclude=["submission", "returned_by"], validate_constraints=False)
    round_.save()
    ReturnComment.objects.bulk_create(
        ReturnComment(
            quarter_return=round_, record=record, record_label=record_label(record), comment=text
        )
        for record, text in commented
    )
    submission.status = RETURNED
    stamp(
        submission,
        actor=actor,
        reason=_("Returned for correction (round %(number)s): %(comment)s")
        % {"number": number, "comment": comment},
    )
    submission.save()
    set_quarter_status(
        budget_unit,
        period,
        ProcurementRecord.Status.SUBMITTED,
        ProcurementRecord.Status.RECORDED,
        actor=actor,
        reason=_("Quarter returned for correction"),
        now=now,
    )
    notify(
        recipients=members_of(budget_unit.pk),
        title=_("%(quarter)s was returned for correction") % {"quarter": quarter_label(period)},
        body=comment,
        link=reverse("procurement:quarter_rounds", args=[budget_unit.pk, year, quarter]),
    )
    return round_


# --- reads --------------------------------------------------------------------------------


def _rounds(submissions) -> QuerySet[QuarterReturn]:
    """The rounds of ``submissions`` oldest first, with who acted and the comments (2 queries)."""
    return (
        QuarterReturn.objects.filter(submission__in=submissions)
        .select_related("returned_by", "resubmitted_by")
        .prefetch_related(Prefetch("comments", queryset=ReturnComment.objects.order_by("pk")))
        .order_by("submission_id", "number")
    )


def returns_by_quarter(*, user, budget_unit, year: int) -> dict[int, list]:
    """quarter -> the quarter's rounds of correction, oldest first (quarters page)."""
    submissions = submission_for_user(user).filter(budget_unit=budget_unit, year=year)
    result: dict[int, list] = defaultdict(list)
    for round_ in _rounds(submissions.values("pk")).select_related("submission"):
        result[round_.submission.quarter].append(round_)
    return dict(result)


def quarter_records(*, user, budget_unit: BudgetUnit, period: Quarter) -> QuerySet:
    """The quarter's purchases the user may read, in the ledger's order (the return form)."""
    return (
        record_for_user(user)
        .filter(budget_unit=budget_unit, purchased_on__range=(period.first_day, period.last_day))
        .select_related(None)
        .select_related("supplier", "product")
        .order_by("purchased_on", "pk")
    )


@dataclass
class QuarterRounds:
    """A quarter's submission (None if never submitted) and its rounds, oldest first; each
    round carries ``changes`` (RoundChanges) and ``record_comments`` (its comments)."""

    budget_unit: BudgetUnit
    period: Quarter
    submission: QuarterSubmission | None
    rounds: list[QuarterReturn]


def quarter_rounds(
    *, user, budget_unit: BudgetUnit, year: int, quarter: int, now: datetime.datetime | None = None
) -> QuarterRounds:
    """A quarter's rounds of correction as the user may read them, each with its comments and
    what changed (the open round: so far). The unit must be one the user may read
    (``budget_unit_for_user``); the caller has checked it."""
    period = Quarter(year, quarter)
    submission = (
        submission_for_user(user)
        .filter(budget_unit=budget_unit, year=year, quarter=quarter)
        .select_related("submitted_by", "reopened_by")
        .first()
    )
    rounds = list(_rounds([submission.pk])) if submission is not None else []
    for round_ in rounds:
        round_.record_comments = list(round_.comments.all())
    changes_of_rounds(budget_unit, period, rounds, now or timezone.now())
    return QuarterRounds(budget_unit, period, submission, rounds)
