"""Monitoring outcomes (监测结果公示) of the demo: the recorded tests and inspections, one new
sample test in its period now and one annulled inspection."""

from __future__ import annotations

from portal.workdays import add_working_days
from products.models import Certificate, MonitoringRecord, Product, SupplierBase

from ..context import SeedContext
from .notices import (
    ONE_DAY,
    PERIOD,
    Kind,
    Status,
    _disclose,
    _ensure,
    _object,
    _working_days_before,
)


def _monitoring(ctx: SeedContext, office, reviewer) -> None:
    """The recorded tests and inspections were disclosed; one new sample test of a base is in
    its period now, and one inspection was annulled after an upheld objection."""
    for record in MonitoringRecord.objects.filter(annulled=False).order_by("pk"):
        starts = _working_days_before(record.performed_on + 3 * ONE_DAY, 0)
        if add_working_days(starts, PERIOD) >= ctx.as_of:
            continue  # recent: its disclosure is the office's to open
        _disclose(
            ctx,
            {"kind": Kind.MONITORING, "monitoring_record": record},
            starts_on=max(starts, record.performed_on),
            status=Status.EFFECTIVE,
            opened_by=reviewer,
            summary=record.findings,
        )
    base = (
        SupplierBase.objects.filter(
            certificates__scheme_id="base", certificates__status=Certificate.Status.VALID
        )
        .order_by("pk")
        .first()
    )
    if base is not None:
        record = _ensure(
            ctx,
            MonitoringRecord,
            {"base": base, "kind": MonitoringRecord.Kind.SAMPLE_TEST},
            {
                "performed_on": _working_days_before(ctx.as_of, 3),
                "agency": "深圳市计量质量检测研究院",
                "result": MonitoringRecord.Result.PASSED,
                "findings": "抽取基地在田产品样品3批次，农药残留、重金属等32项指标全部合格。",
                "recorded_by": reviewer,
            },
        )
        _disclose(
            ctx,
            {"kind": Kind.MONITORING, "monitoring_record": record},
            starts_on=_working_days_before(ctx.as_of, 2),
            status=Status.OPEN,
            opened_by=reviewer,
            summary=record.findings,
        )
    product = (
        Product.objects.filter(
            certificates__scheme_id="szp",
            certificates__status=Certificate.Status.VALID,
            status=Product.Status.LISTED,
        )
        .exclude(monitoring_records__result=MonitoringRecord.Result.FAILED)
        .order_by("pk")
        .first()
    )
    annulled = MonitoringRecord.objects.filter(annulled=True, kind="inspection").first()
    if annulled is None and product is not None:
        annulled = _ensure(
            ctx,
            MonitoringRecord,
            {"product": product, "kind": MonitoringRecord.Kind.INSPECTION},
            {
                "performed_on": _working_days_before(ctx.as_of, 30),
                "agency": "市协作办现场巡查组",
                "result": MonitoringRecord.Result.FAILED,
                "findings": "巡查发现专柜在售产品未加贴“圳品”统一标识，建议暂停该产品帮扶资格。",
                "proposal": MonitoringRecord.Proposal.DISMISSED,
                "proposal_note": "巡查对象为非该企业供货的同名产品，巡查结果作废。",
                "annulled": True,
                "recorded_by": reviewer,
            },
        )
    if annulled is not None:
        disclosure = _disclose(
            ctx,
            {"kind": Kind.MONITORING, "monitoring_record": annulled},
            starts_on=_working_days_before(annulled.performed_on + 2 * ONE_DAY, 0),
            status=Status.WITHDRAWN,
            opened_by=reviewer,
            summary=annulled.findings,
        )
        _object(
            ctx,
            disclosure,
            who=3,
            text="巡查所见产品并非我公司供货，系其他商户同名产品，附供货清单和专柜进货单据。",
            decided_by=office,
            note="经核对专柜进货单据，巡查对象非该企业产品，异议成立，巡查结果作废。",
        )
