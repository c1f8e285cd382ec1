"""Oversight of the demo's products and bases: the dynamic exits (动态退出) behind the
suspended and exited products, the monitoring of certified bases and 圳品 products (抽检 and
巡查), and one failed sample test whose suspension proposal awaits the city office."""

from __future__ import annotations

import datetime

from portal.models import ExitReason
from products.models import Certificate, ExitAction, MonitoringRecord, Product

from .context import SeedContext, upsert

EXIT_NOTES = {
    Product.Status.SUSPENDED: (
        ExitReason.PRICE,
        "帮扶产品售价明显高于市场同类产品，经约谈仍未调整，暂停帮扶产品资格。",
    ),
    Product.Status.EXITED: (
        ExitReason.NO_EFFECT,
        "连续两个认定周期带贫成效不明显，退出帮扶产品名录。",
    ),
}
AGENCIES = ("深圳市计量质量检测研究院", "广西壮族自治区农产品质量安全检测中心")
FAILED_FINDINGS = "抽检样品农药残留（毒死蜱）超出GB 2763限量，建议暂停该产品帮扶资格并责令整改。"


def seed_oversight(ctx: SeedContext, *, office_id: int, reviewer_id: int) -> None:
    _seed_exits(ctx, office_id=office_id)
    _seed_monitoring(ctx, reviewer_id=reviewer_id)
    ctx.log(
        "  动态监管 (oversight): "
        + ", ".join(
            f"{model.__name__} +{ctx.created[model._meta.label]:,}"
            for model in (ExitAction, MonitoringRecord)
        )
    )


def _seed_exits(ctx: SeedContext, *, office_id: int) -> None:
    withdrawn = Product.objects.filter(status__in=list(EXIT_NOTES)).order_by("pk")
    for product in withdrawn.only("pk", "status"):
        reason, note = EXIT_NOTES[product.status]
        day = ctx.as_of - datetime.timedelta(days=ctx.rng("exit", product.pk).randint(20, 200))
        upsert(
            ctx,
            ExitAction,
            {"product_id": product.pk},
            {
                "action": "suspend" if product.status == Product.Status.SUSPENDED else "exit",
                "from_status": Product.Status.LISTED,
                "to_status": product.status,
                "reason": reason,
                "note": note,
                "actor_id": office_id,
                "at": ctx.at(day, 10, 30),
            },
        )


def _seed_monitoring(ctx: SeedContext, *, reviewer_id: int) -> None:
    valid = Certificate.objects.filter(status=Certificate.Status.VALID)
    bases = sorted(set(valid.filter(scheme_id="base").values_list("base_id", flat=True)))
    szp = sorted(set(valid.filter(scheme_id="szp").values_list("product_id", flat=True)))
    for base_id in bases:
        rng = ctx.rng("inspection", base_id)
        day = ctx.as_of - datetime.timedelta(days=rng.randint(15, 120))
        upsert(
            ctx,
            MonitoringRecord,
            {"base_id": base_id, "kind": MonitoringRecord.Kind.INSPECTION},
            {
                "performed_on": day,
                "agency": "市协作办现场巡查组",
                "result": MonitoringRecord.Result.PASSED,
                "findings": "基地执行统一质量标准、加工要求、包装标识和品牌销售，台账完整。",
                "recorded_by_id": reviewer_id,
            },
        )
    for position, product_id in enumerate(szp):
        rng = ctx.rng("sample", product_id)
        day = ctx.as_of - datetime.timedelta(days=rng.randint(10, 90))
        failed = position == len(szp) - 1
        upsert(
            ctx,
            MonitoringRecord,
            {"product_id": product_id, "kind": MonitoringRecord.Kind.SAMPLE_TEST},
            {
                "performed_on": day,
                "agency": AGENCIES[position % len(AGENCIES)],
                "result": MonitoringRecord.Result.FAILED
                if failed
                else MonitoringRecord.Result.PASSED,
                "findings": FAILED_FINDINGS if failed else "抽检项目全部合格。",
                "proposal": MonitoringRecord.Proposal.OPEN if failed else "",
                "recorded_by_id": reviewer_id,
            },
        )
