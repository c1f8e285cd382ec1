"""The yearly evaluation of the demo's bases (菜篮子基地年度评价): the expert pool (agricultural
universities, academies, testing centres), two conflicts of interest declared in it, and one
evaluation per active base for the year, at every stage: most published with their ranks
(two of them tied), one in public disclosure, one in result review, one in site verification
with an expert who declared a conflict on being drawn and was replaced, one in material
review, one just applied for, one that did not pass the material review.

The experts are drawn with the portal's own draw (``products.services.expert_draw.draw``), the
scores computed with its arithmetic (``products.services.evaluation_scores``), so the demo's
numbers are the ones the pages would compute. The draw's pool is taken from the lists below,
not from the database, so that the conflict declared on being drawn does not change the draw
on a re-run. Every row is upserted by a stable key: a second run changes nothing.

Run after the oversight (the year's failed monitoring is deducted) and before the public
disclosures (``seed_disclosures`` opens the notices of the published results).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from portal.models import Membership
from products.models import (
    BaseEvaluation,
    Expert,
    ExpertAssignment,
    ExpertConflict,
    Supplier,
    SupplierBase,
)
from products.services.evaluation_scores import evaluation_result
from products.services.expert_draw import EXPERTS_PER_EVALUATION, SEED_BITS, draw

from .context import SeedContext, upsert

Status = BaseEvaluation.Status
ONE_DAY = datetime.timedelta(days=1)

# (name, organisation, professional title, speciality, in the pool)
EXPERTS = (
    ("王建国", "华南农业大学园艺学院", "教授", "fruit", True),
    ("李秀兰", "广西大学农学院", "研究员", "fruit", True),
    ("陈志明", "深圳市计量质量检测研究院", "高级工程师", "processed", True),
    ("黄丽华", "广东省农业科学院果树研究所", "研究员", "fruit", True),
    ("刘海涛", "广西壮族自治区农产品质量安全检测中心", "高级农艺师", "vegetables", True),
    ("张晓燕", "仲恺农业工程学院", "副教授", "grain_oil", True),
    ("周文斌", "深圳市农产品质量安全检验检测中心", "高级工程师", "vegetables", True),
    ("吴振宇", "华南农业大学动物科学学院", "教授", "meat", True),
    ("林美玲", "广东海洋大学食品科技学院", "教授", "aquatic", True),
    ("赵国强", "中国热带农业科学院南亚热带作物研究所", "研究员", "fruit", True),
    ("孙丽娟", "广西壮族自治区农业科学院茶叶研究所", "研究员", "tea", True),
    ("郑永康", "深圳市标准技术研究院", "高级工程师", "processed", True),
    ("何春梅", "广东省农业技术推广中心", "推广研究员", "grain_oil", True),
    ("罗建华", "广西壮族自治区畜牧研究所", "研究员", "meat", True),
    ("谢志刚", "华南农业大学食品学院", "副教授", "processed", False),  # retired from the pool
)
# Conflicts declared in the pool: (expert, supplier name, reason).
CONFLICTS = (
    ("黄丽华", "田东县芒果产业开发有限公司", "2024年起为该公司提供芒果种植技术顾问服务"),
    ("孙丽娟", "凌云县白毫茶业有限公司", "其配偶在该公司任技术总监"),
)
# The stage of each base's evaluation (the others are published); the `supplier` account's
# base is published with its rank, `supplier_2`'s is in site verification.
STAGES = {
    "大化七百弄鸡供深养殖基地": Status.SITE_VERIFICATION,
    "喀什馕文化产业园生产基地": Status.RESULT_REVIEW,
    "紫金县茶叶供深基地": Status.IN_DISCLOSURE,
    "田阳那坡镇番茄基地": Status.MATERIAL_REVIEW,
    "平果市火龙果示范基地": Status.APPLIED,
    "都安山羊供深养殖基地": Status.NOT_PASSED,
}
# Two bases with the same inputs: their published results tie ("1, 2, 2, 4").
TIED = ("田东县芒果供深基地", "乐业县猕猴桃供深基地")
# In site verification: the drawn expert at this position declares a conflict.
CONFLICT_ON_DRAW = (2, "其亲属在该合作社任职，申请回避")
SCORED_AT_SITE = (1, 3)  # the experts who have handed in their sheets so far

SELF_ASSESSMENT = (
    "本年度基地严格执行“四个统一”：统一质量标准（按深圳市“菜篮子”基地标准组织生产），"
    "统一加工要求（采后分级、预冷、冷链运输），统一包装标识（加贴供深基地及“圳品”标识），"
    "统一品牌销售（通过深圳批发市场、商超及消费帮扶专柜销售）。带动周边脱贫户稳定增收。"
)
MATERIAL_NOTES = {
    "pass": "申报材料齐全，生产记录、投入品管理台账和检测报告完整，同意进入现场核查。",
    "fail": "缺少近一年农残检测报告和投入品使用台账，基地管理制度不健全，材料审核不通过。",
}
SITE_NOTE = (
    "现场核查：基地生产环境良好，投入品仓库管理规范，生产档案可追溯；"
    "分级包装车间符合要求，冷链设施运行正常。建议进一步完善质量安全自检制度。"
)
RESULT_NOTE = "经结果审核，得分计算无误，同意公示。"
NOT_PASSED_SCORE = Decimal("52.00")


def seed_evaluations(ctx: SeedContext) -> None:
    pool = _seed_pool(ctx)
    year = _year(ctx.as_of)
    anchor = min(ctx.as_of, datetime.date(year, 12, 31))
    bases = (
        SupplierBase.objects.filter(
            status=SupplierBase.Status.ACTIVE, supplier__status=Supplier.Status.ACTIVE
        )
        .select_related("supplier")
        .order_by("pk")
    )
    for base in bases:
        _seed_evaluation(ctx, base, pool=pool, year=year, anchor=anchor)
    ctx.log(
        "  基地评价 (base evaluations): "
        + ", ".join(
            f"{model.__name__} +{ctx.created[model._meta.label]:,}"
            for model in (Expert, ExpertConflict, BaseEvaluation, ExpertAssignment)
        )
    )


def _year(as_of: datetime.date) -> int:
    """The year evaluated: this year once its evaluations are well under way (applications
    open in spring), otherwise the last one."""
    return (as_of - datetime.timedelta(days=150)).year


def _seed_pool(ctx: SeedContext) -> dict[str, Expert]:
    pool = {}
    for name, organisation, title, speciality, active in EXPERTS:
        pool[name] = upsert(
            ctx,
            Expert,
            {"name": name, "organisation": organisation},
            {"title": title, "speciality": speciality, "active": active},
        )
    suppliers = dict(Supplier.objects.values_list("name", "pk"))
    for expert, supplier, reason in CONFLICTS:
        if supplier in suppliers:
            upsert(
                ctx,
                ExpertConflict,
                {"expert_id": pool[expert].pk, "supplier_id": suppliers[supplier]},
                {"reason": reason},
            )
    return pool


def _eligible(pool: dict[str, Expert], supplier_name: str) -> list[int]:
    """The draw's pool from the lists above: in the pool, no conflict with the supplier."""
    conflicted = {expert for expert, supplier, _reason in CONFLICTS if supplier == supplier_name}
    return [
        pool[name].pk
        for name, *_rest, active in EXPERTS
        if active and name not in conflicted and name in pool
    ]


def _score(rng, low: int, high: int) -> Decimal:
    """A score in half points, as the experts' sheets give them."""
    return Decimal(rng.randint(low * 2, high * 2)) / 2


def _applicant(base: SupplierBase) -> int | None:
    """The supplier's demo account, when it has one (the two of api.md)."""
    return (
        Membership.objects.filter(organisation_id=base.supplier_id)
        .order_by("pk")
        .values_list("user_id", flat=True)
        .first()
    )


def _seed_evaluation(ctx, base: SupplierBase, *, pool, year: int, anchor: datetime.date) -> None:
    stage = STAGES.get(base.name, Status.PUBLISHED)
    key = "tied" if base.name in TIED else base.name
    rng = ctx.rng("evaluation", year, key)
    applied_on = anchor - datetime.timedelta(days=rng.randint(120, 140))
    material_on = anchor - datetime.timedelta(days=rng.randint(85, 100))
    site_on = anchor - datetime.timedelta(days=rng.randint(40, 60))
    values = {
        "category": base.category,
        "status": stage,
        "self_score": _score(rng, 80, 96),
        "self_assessment": SELF_ASSESSMENT,
        "applied_by_id": _applicant(base),
    }
    past_material = stage not in (Status.APPLIED, Status.MATERIAL_REVIEW)
    if stage == Status.NOT_PASSED:
        values.update(
            material_score=NOT_PASSED_SCORE,
            material_note=MATERIAL_NOTES["fail"],
            decided_at=ctx.at(material_on, 16),
        )
    elif past_material:
        values.update(material_score=_score(rng, 72, 92), material_note=MATERIAL_NOTES["pass"])
    if past_material and stage != Status.NOT_PASSED:
        values["draw_seed"] = rng.getrandbits(SEED_BITS)
    evaluation = upsert(ctx, BaseEvaluation, {"base_id": base.pk, "year": year}, values)
    _backdate(evaluation, ctx.at(applied_on, 9, 30))
    if "draw_seed" not in values:
        return
    assignments = _seed_draw(ctx, evaluation, pool=pool, rng=rng, site_on=site_on, stage=stage)
    if stage == Status.SITE_VERIFICATION:
        return
    result = {
        "site_verified_on": site_on,
        "site_note": SITE_NOTE,
        **evaluation_result(
            assignments,
            self_score=evaluation.self_score,
            base_id=base.pk,
            year=year,
            as_of=ctx.as_of,
        ),
    }
    if stage in (Status.IN_DISCLOSURE, Status.PUBLISHED):
        # Decided before the notice opens (``seed_disclosures`` opens it a few days back).
        in_disclosure = stage == Status.IN_DISCLOSURE
        decided = ctx.as_of - ONE_DAY * 7 if in_disclosure else site_on + ONE_DAY * 7
        result.update(result_note=RESULT_NOTE, decided_at=ctx.at(decided, 11))
    upsert(ctx, BaseEvaluation, {"pk": evaluation.pk}, result)


def _backdate(evaluation: BaseEvaluation, applied_at: datetime.datetime) -> None:
    """``applied_at`` is set on creation (auto_now_add): move it to the demo's day once."""
    if evaluation.applied_at != applied_at:
        BaseEvaluation.objects.filter(pk=evaluation.pk).update(applied_at=applied_at)


def _seed_draw(ctx, evaluation, *, pool, rng, site_on, stage) -> list[ExpertAssignment]:
    eligible = _eligible(pool, evaluation.base.supplier.name)
    chosen = draw(eligible, seed=evaluation.draw_seed)
    sheets = [(position, expert_id, False) for position, expert_id in enumerate(chosen, 1)]
    conflict_at, reason = CONFLICT_ON_DRAW
    if stage == Status.SITE_VERIFICATION:
        (replacement,) = draw(eligible, seed=evaluation.draw_seed, count=1, taken=chosen)
        sheets[conflict_at - 1] = (conflict_at, chosen[conflict_at - 1], True)
        sheets.append((EXPERTS_PER_EVALUATION + 1, replacement, False))
        upsert(
            ctx,
            ExpertConflict,
            {"expert_id": chosen[conflict_at - 1], "supplier_id": evaluation.base.supplier_id},
            {"reason": reason},
        )
    scored_at = ctx.at(site_on, 17)
    assignments = []
    for position, expert_id, conflicted in sheets:
        score = _score(rng, 72, 95)
        scored = not conflicted and (
            stage != Status.SITE_VERIFICATION or position in SCORED_AT_SITE
        )
        assignments.append(
            upsert(
                ctx,
                ExpertAssignment,
                {"evaluation_id": evaluation.pk, "position": position},
                {
                    "expert_id": expert_id,
                    "conflict_declared": conflicted,
                    "conflict_reason": reason if conflicted else "",
                    "score": score if scored else None,
                    "scored_at": scored_at if scored else None,
                },
            )
        )
    return assignments
