"""Certification results (认证结果公示) of the demo: the latest certificates were disclosed
before they took effect; two 圳品 results are in their period now (one with an objection
awaiting the office), and one was withdrawn after an upheld objection."""

from __future__ import annotations

import datetime

from portal.periods import add_months
from products.models import Certificate, CertificationApplication, CertificationScheme, Product
from products.services.review import next_certificate_number

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

APPROVAL_COMMENT = "现场评价符合“圳品”评价规范，同意颁发“圳品”证书，进入公示。"
EFFECTIVE_CERTIFICATIONS = 6

CERTIFICATION_SUMMARY = {
    "recognition": "经材料审核，该产品符合认定条件，带贫机制清晰，拟认定为消费帮扶产品。",
    "szp": "经现场评价，该产品符合“圳品”评价规范，质量标准、包装标识统一，拟颁发“圳品”证书。",
    "base": "经现场核查，该基地执行“四个统一”标准，拟认定为供深农产品示范基地。",
}


def _certifications_in_effect(ctx: SeedContext, reviewer) -> None:
    """The latest certificates were disclosed before they took effect."""
    recent = (
        Certificate.objects.filter(status=Certificate.Status.VALID, application__isnull=False)
        .exclude(valid_from__gt=ctx.as_of)
        .order_by("-valid_from", "number")[:EFFECTIVE_CERTIFICATIONS]
    )
    for certificate in recent:
        ends = _working_days_before(certificate.valid_from - ONE_DAY, 0)
        _disclose(
            ctx,
            {"kind": Kind.CERTIFICATION, "certificate": certificate},
            starts_on=_working_days_before(ends, PERIOD),
            status=Status.EFFECTIVE,
            opened_by=reviewer,
            summary=CERTIFICATION_SUMMARY[certificate.scheme_id],
            application_id=certificate.application_id,
        )


def _pending_certificate(ctx: SeedContext, product: Product, *, reviewer, status: str, day):
    """A 圳品 application approved on ``day`` and its certificate (``pending`` while disclosed,
    ``revoked`` once an objection was upheld)."""
    application = CertificationApplication.objects.create(
        product=product,
        scheme_id="szp",
        supplier_id=product.supplier_id,
        status=CertificationApplication.Status.APPROVED,
        standard_claimed="《“圳品”评价规范》",
        poverty_link=f"订单收购、务工带动，联结脱贫户{product.households_lifted}户。",
        households=product.households_lifted,
        reviewer=reviewer,
        submitted_at=ctx.at(day - datetime.timedelta(days=30), 10),
        decided_at=ctx.at(day, 15, 40),
        decision_comment=APPROVAL_COMMENT,
    )
    scheme = CertificationScheme.objects.get(code="szp")
    certificate = Certificate.objects.create(
        number=next_certificate_number(scheme, day.year),
        scheme=scheme,
        supplier_id=product.supplier_id,
        product=product,
        application=application,
        status=status,
        valid_from=day,
        valid_until=add_months(day, scheme.validity_months) - ONE_DAY,
    )
    ctx.count_created(CertificationApplication)
    ctx.count_created(Certificate)
    return application, certificate


# (working days back, certificate status, disclosure status, summary, objection)
CERTIFICATION_PLANS = (
    (
        1,
        Certificate.Status.PENDING,
        Status.OPEN,
        "经现场评价，该产品符合“圳品”评价规范，包装标识统一，拟颁发“圳品”证书，现予公示。",
        None,
    ),
    (
        2,
        Certificate.Status.PENDING,
        Status.OPEN,
        "经现场评价，该产品质量标准、加工要求执行到位，拟颁发“圳品”证书，现予公示。",
        ("反映该企业合作社实际种植面积与申报材料不符，带贫户数存在虚报，请予核查。", ""),
    ),
    (
        20,
        Certificate.Status.REVOKED,
        Status.WITHDRAWN,
        "经现场评价，该产品符合“圳品”评价规范，拟颁发“圳品”证书，现予公示。",
        (
            "该产品申报送检的样品与市场销售产品包装标识不一致，送检样品疑为特供，请核查。",
            "经调取抽样记录并现场复核，送检样品与销售产品不一致，异议成立，撤销公示结果。",
        ),
    ),
)


def _certifications_open(ctx: SeedContext, office, reviewer) -> None:
    """Two 圳品 results in their period now (one with an objection awaiting the office), and one
    withdrawn after an upheld objection."""
    for who, (back, cert_status, status, summary, objection) in enumerate(CERTIFICATION_PLANS):
        disclosure = _existing(Kind.CERTIFICATION, summary)
        if disclosure is None:
            product = _fresh_product()
            if product is None:
                continue
            day = _working_days_before(ctx.as_of, back)
            application, certificate = _pending_certificate(
                ctx, product, reviewer=reviewer, status=cert_status, day=day
            )
            disclosure = _disclose(
                ctx,
                {"kind": Kind.CERTIFICATION, "certificate": certificate},
                starts_on=day,
                status=status,
                opened_by=reviewer,
                summary=summary,
                application=application,
            )
        if objection is not None:
            text, note = objection
            _object(
                ctx,
                disclosure,
                who=who,
                text=text,
                decided_by=office if note else None,
                note=note,
            )
