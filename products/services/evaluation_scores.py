"""The arithmetic of the yearly base evaluation (菜篮子基地年度评价), in one place: the
weights, the pass mark of the material review, the monitoring deduction, the one rounding of
every score, and the reading of a typed score.

Issue 10: final = 20% × self-assessment + 80% × the experts' mean score (experts who declared a
conflict give no score and do not count) − the monitoring deduction, never below 0; two
decimals, halves rounded up. The functions are pure but for ``monitoring_failures`` (one
query), so the stages (``base_evaluation``), the pages and the demo compute the same figures.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from portal.periods import year_bounds

from ..models import ExpertAssignment, MonitoringRecord

SCORE_PLACES = Decimal("0.01")
SCORE_MIN, SCORE_MAX = Decimal(0), Decimal(100)
# Issue 10: "the base's self-assessment (20%) and the experts' score (80%)".
SELF_WEIGHT = Decimal("0.20")
EXPERT_WEIGHT = Decimal("0.80")
# Issue 10: "material review (a score; below 60 stops here)".
MATERIAL_PASS_MARK = Decimal("60")
# The monitoring deduction (监测扣分). The articles give no figures; these are the portal's
# policy, set here and shown on every evaluation's page: a failed sample test (抽检不合格) is a
# failure of the product itself and weighs more than a failed inspection (巡查不合格) of how
# the base works; the cap keeps one bad season from outweighing the experts' whole judgement
# (at most a fifth of the scale). Failures annulled after an upheld objection do not count.
POINTS_PER_FAILED_SAMPLE_TEST = Decimal("5")
POINTS_PER_FAILED_INSPECTION = Decimal("3")
MONITORING_DEDUCTION_CAP = Decimal("20")


def score_round(value: Decimal) -> Decimal:
    """Two decimals, halves up (86.405 → 86.41): the one rounding of every score."""
    return Decimal(value).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def clean_score(value, *, field: str = "score") -> Decimal:
    """A score between 0 and 100 with at most two decimals, or a ValidationError on ``field``."""
    try:
        score = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        score = None
    if score is None or not score.is_finite():
        raise ValidationError({field: _("Give a score between 0 and 100.")})
    if not SCORE_MIN <= score <= SCORE_MAX:
        raise ValidationError({field: _("The score is between 0 and 100.")})
    if score != score.quantize(SCORE_PLACES):
        raise ValidationError({field: _("Give the score with at most two decimals.")})
    return score.quantize(SCORE_PLACES)


def counting_scores(assignments: Iterable[ExpertAssignment]) -> list[Decimal]:
    """The scores that count: those of the drawn experts who did not declare a conflict."""
    return [a.score for a in assignments if not a.conflict_declared and a.score is not None]


def experts_mean(scores: Iterable[Decimal]) -> Decimal:
    """The experts' mean score, rounded to two decimals: the figure published, so that anyone
    can check the final score from the published figures."""
    values = [Decimal(score) for score in scores]
    if not values:
        raise ValueError("no expert score to average")
    return score_round(sum(values, Decimal(0)) / len(values))


def monitoring_deduction(*, failed_sample_tests: int, failed_inspections: int) -> Decimal:
    """The points the year's failed monitoring takes off, capped (see the constants)."""
    raw = (
        POINTS_PER_FAILED_SAMPLE_TEST * failed_sample_tests
        + POINTS_PER_FAILED_INSPECTION * failed_inspections
    )
    return score_round(min(raw, MONITORING_DEDUCTION_CAP))


def final_score(*, self_score: Decimal, expert_score: Decimal, deduction: Decimal) -> Decimal:
    """20% × self-assessment + 80% × the experts' mean − the deduction, never below 0."""
    raw = SELF_WEIGHT * Decimal(self_score) + EXPERT_WEIGHT * Decimal(expert_score)
    return score_round(max(raw - Decimal(deduction), Decimal(0)))


def monitoring_failures(*, base_id: int, year: int, as_of: datetime.date) -> dict[str, int]:
    """The year's failed, not annulled, sample tests and inspections of the base and of its
    products, up to ``as_of``: one query."""
    first, last = year_bounds(year)
    return MonitoringRecord.objects.filter(
        Q(base_id=base_id) | Q(product__base_id=base_id),
        result=MonitoringRecord.Result.FAILED,
        annulled=False,
        performed_on__gte=first,
        performed_on__lte=min(last, as_of),
    ).aggregate(
        failed_sample_tests=Count("pk", filter=Q(kind=MonitoringRecord.Kind.SAMPLE_TEST)),
        failed_inspections=Count("pk", filter=Q(kind=MonitoringRecord.Kind.INSPECTION)),
    )


def evaluation_result(
    assignments: Iterable[ExpertAssignment],
    *,
    self_score: Decimal,
    base_id: int,
    year: int,
    as_of: datetime.date,
) -> dict[str, Decimal]:
    """The experts' mean, the monitoring deduction and the final score of an evaluation, from
    its drawn experts and the year's monitoring as it stands on ``as_of``: the three figures
    the evaluation stores and publishes."""
    expert_score = experts_mean(counting_scores(assignments))
    deduction = monitoring_deduction(**monitoring_failures(base_id=base_id, year=year, as_of=as_of))
    return {
        "expert_score": expert_score,
        "monitoring_deduction": deduction,
        "final_score": final_score(
            self_score=self_score, expert_score=expert_score, deduction=deduction
        ),
    }
