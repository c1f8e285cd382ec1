"""Exits (退出公示) of the demo: the exited products' notices, two in their period now and one
withdrawn after an upheld objection."""

from __future__ import annotations

from portal.models import ExitReason
from products.models import Certificate, Disclosure, ExitAction

from ..context import SeedContext
from .notices import (
    ONE_DAY,
    PERIOD,
    Kind,
    Status,
    _disclose,
    _existing,
    _fresh_product,
    _object,
    _working_days_before,
)

# (subject, working days back, status, reason, summary, upheld objection)
EXIT_PLANS = (
    (
        "product",
        3,
        Status.OPEN,
        ExitReason.PRICE,
        "帮扶产品售价明显高于市场同类产品，经约谈仍未调整，拟退出帮扶产品名录。",
        None,
    ),
    (
        "certificate",
        1,
        Status.OPEN,
        ExitReason.INTEGRITY,
        "供应商在销售中冒用“消费帮扶”标识扩大产品范围，拟撤销该产品认定证书。",
        None,
    ),
    (
        "product",
        25,
        Status.WITHDRAWN,
        ExitReason.NO_EFFECT,
        "年度带贫成效核查未见脱贫户联结记录，拟退出帮扶产品名录。",
        (
            "我社与村集体签订了订单收购协议，2025年收购脱贫户产品86万元，附收购台账和银行流水，请核实。",
            "经核查收购台账与银行流水，带贫成效属实，异议成立，不予退出。",
        ),
    ),
)


def _exits(ctx: SeedContext, office) -> None:
    # The demo's exited products went through a disclosure ending the day before their exit.
    steps = ExitAction.objects.filter(action=ExitAction.Action.EXIT, product__isnull=False)
    for step in steps.order_by("pk"):
        ends = _working_days_before(step.at.astimezone(ctx.tz).date() - ONE_DAY, 0)
        _disclose(
            ctx,
            {"kind": Kind.EXIT, "product_id": step.product_id},
            starts_on=_working_days_before(ends, PERIOD),
            status=Status.EFFECTIVE,
            opened_by=office,
            summary=step.note,
            removal=Disclosure.Removal.EXIT,
            reason=step.reason,
        )
    for who, (subject, back, status, reason, summary, objection) in enumerate(EXIT_PLANS, 2):
        disclosure = _existing(Kind.EXIT, summary)
        if disclosure is None:
            product = _fresh_product()
            if product is None:
                continue
            subject_field: dict = {"product": product}
            removal = Disclosure.Removal.EXIT
            if subject == "certificate":
                certificate = product.certificates.filter(
                    scheme_id="recognition", status=Certificate.Status.VALID
                ).first()
                if certificate is None:
                    continue
                subject_field, removal = {"certificate": certificate}, Disclosure.Removal.REVOKE
            disclosure = _disclose(
                ctx,
                {"kind": Kind.EXIT, **subject_field},
                starts_on=_working_days_before(ctx.as_of, back),
                status=status,
                opened_by=office,
                summary=summary,
                removal=removal,
                reason=reason,
            )
        if objection is not None:
            text, note = objection
            _object(ctx, disclosure, who=who, text=text, decided_by=office, note=note)
