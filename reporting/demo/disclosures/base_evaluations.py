"""Base evaluations (“菜篮子”基地评价结果公示) of the demo: the notices of the results in
disclosure and of the published ones."""

from __future__ import annotations

import datetime

from products.models import BaseEvaluation

from ..context import SeedContext
from .notices import Kind, Status, _disclose, _working_days_before


def _evaluations(ctx: SeedContext, office) -> None:
    """Results in disclosure are in their period now; published ones took effect after it."""
    evaluations = BaseEvaluation.objects.filter(
        status__in=(BaseEvaluation.Status.IN_DISCLOSURE, BaseEvaluation.Status.PUBLISHED)
    ).order_by("pk")
    for evaluation in evaluations:
        if evaluation.disclosures.exists():
            continue
        published = evaluation.status == BaseEvaluation.Status.PUBLISHED
        score = f"{evaluation.final_score:.2f}" if evaluation.final_score is not None else "—"
        _disclose(
            ctx,
            {"kind": Kind.BASE_EVALUATION, "base_evaluation": evaluation},
            starts_on=(
                _working_days_before(min(ctx.as_of, datetime.date(evaluation.year, 12, 31)), 20)
                if published
                else _working_days_before(ctx.as_of, 2)
            ),
            status=Status.EFFECTIVE if published else Status.OPEN,
            opened_by=office,
            summary=f"{evaluation.year}年度“菜篮子”基地评价：综合得分{score}分（自评20%、专家评审80%，扣减监测不合格分）。",
        )
