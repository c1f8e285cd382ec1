"""Certificates (帮扶产品认定, 圳品, 基地认定), each behind an approved application, plus a few
applications still in the workflow.

Recognitions come in batches (认定批次). The late-2024 batch is valid over the whole demo period
(validity_months of the scheme, 24 for recognition); when ``as_of`` outruns a certificate, a
renewal follows from the next day, so a supplier's recognition never lapses by accident.
Certificate numbers read ``RZ-2024-000123``: scheme, first year of validity, and the subject's
position in the catalogue, so a number never moves from one product to another between runs.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser

from portal.periods import add_months
from products.models import (
    Certificate,
    CertificationApplication,
    CertificationScheme,
    Evaluation,
    Product,
    Supplier,
    SupplierBase,
)
from products.services.applications import CERTIFICATE_PREFIX

from .catalogue import SUPPLIER_ACCOUNT_KEY
from .context import SeedContext
from .paperwork import seed_paperwork
from .supply import SeededSupplier

ONE_DAY = datetime.timedelta(days=1)
BATCHES = {
    "r": (datetime.date(2024, 11, 29), datetime.date(2024, 12, 13), datetime.date(2024, 12, 27)),
    "r25": (datetime.date(2025, 3, 28), datetime.date(2025, 6, 27), datetime.date(2025, 9, 26)),
    "szp": (datetime.date(2024, 5, 14), datetime.date(2024, 9, 20)),
    "base": (datetime.date(2024, 4, 18), datetime.date(2024, 8, 16)),
}
STANDARD = {
    "recognition": "《消费帮扶产品认定工作方案》",
    "szp": "《“圳品”评价规范》",
    "base": "《深圳市“菜篮子”基地认定与监测管理办法》",
}
APPROVAL_COMMENT = {
    "recognition": "材料齐全，带贫机制清晰，同意认定为消费帮扶产品。",
    "szp": "现场评价符合“圳品”评价规范，同意颁发“圳品”证书。",
    "base": "基地执行“四个统一”标准，同意认定为供深农产品示范基地。",
}

# Applications still in the workflow: (supplier key, product, base, scheme, status, days
# before as_of it was submitted, decision comment). None for `supplier`'s szp: it must be able
# to apply.
WORKFLOW = (
    ("napo_spice", "那坡八角", None, "recognition", "submitted", 12, ""),
    ("lufeng_seafood", "甲子鱿鱼干", None, "recognition", "draft", None, ""),
    ("dahua_chicken", "七百弄土鸡蛋", None, "szp", "under_review", 35, ""),
    ("tianyang_coop", "田阳辣椒", None, "szp", "under_review", 21, ""),
    (
        "lingyun_tea",
        "凌云红茶",
        None,
        "szp",
        "rejected",
        95,
        "现场评价得分未达到要求，包装标识不统一。",
    ),
    ("kashgar_shenka", "喀什西梅", None, "szp", "withdrawn", 60, ""),
    ("pingguo_pitaya", None, "平果市火龙果示范基地", "base", "submitted", 20, ""),
    ("duan_goat", None, "都安山羊供深养殖基地", "base", "draft", None, ""),
)


@dataclass(frozen=True)
class CertificateSpec:
    number: str
    scheme: str
    supplier: Supplier
    product: Product | None
    base: SupplierBase | None
    valid_from: datetime.date
    valid_until: datetime.date
    status: str
    households: int


def chain(first: datetime.date, months: int, as_of: datetime.date) -> list[tuple]:
    """Validity periods from ``first``, renewed back to back until one covers ``as_of``."""
    periods = []
    start = first
    while start <= as_of:
        until = add_months(start, months) - ONE_DAY
        periods.append((start, until))
        if until >= as_of:
            break
        start = until + ONE_DAY
    return periods


def _statuses(periods: list[tuple], as_of: datetime.date, withdrawn: str | None) -> list[str]:
    statuses = [
        Certificate.Status.EXPIRED if until < as_of else Certificate.Status.VALID
        for _, until in periods
    ]
    if withdrawn and statuses:
        statuses[-1] = withdrawn  # dynamic exit (动态退出) ends the current certificate
    return statuses


def _withdrawal(status: str) -> str | None:
    return {
        Product.Status.SUSPENDED: Certificate.Status.SUSPENDED,
        Product.Status.EXITED: Certificate.Status.REVOKED,
    }.get(status)


def certificate_specs(ctx: SeedContext, suppliers: dict[str, SeededSupplier]) -> Iterator:
    """Every certificate the demo holds, in catalogue order."""
    months = dict(CertificationScheme.objects.values_list("code", "validity_months"))
    for key, seeded in suppliers.items():
        if seeded.supplier.status == Supplier.Status.PENDING:
            continue  # not yet activated: nothing certified
        rng = ctx.rng("certificates", key)
        for item in seeded.products:
            marks = item.spec.cert
            schemes = []
            if marks in ("r", "rs"):
                schemes.append(("recognition", rng.choice(BATCHES["r"])))
            elif marks == "r25":
                schemes.append(("recognition", rng.choice(BATCHES["r25"])))
            if marks == "rs":
                if key == SUPPLIER_ACCOUNT_KEY:
                    raise AssertionError("the `supplier` account must hold no 圳品 certificate")
                schemes.append(("szp", rng.choice(BATCHES["szp"])))
            withdrawn = _withdrawal(item.product.status)
            for scheme, first in schemes:
                periods = chain(first, months[scheme], ctx.as_of)
                for (start, until), status in zip(
                    periods, _statuses(periods, ctx.as_of, withdrawn), strict=True
                ):
                    yield CertificateSpec(
                        f"{CERTIFICATE_PREFIX[scheme]}-{start.year}-{item.serial:06d}",
                        scheme,
                        seeded.supplier,
                        item.product,
                        None,
                        start,
                        until,
                        status,
                        item.spec.households,
                    )
        for base, base_spec, serial in seeded.bases:
            if not base_spec.certified:
                continue
            periods = chain(rng.choice(BATCHES["base"]), months["base"], ctx.as_of)
            households = sum(
                p.spec.households for p in seeded.products if p.product.base_id == base.pk
            )
            for (start, until), status in zip(
                periods, _statuses(periods, ctx.as_of, None), strict=True
            ):
                yield CertificateSpec(
                    f"JD-{start.year}-{serial:06d}",
                    "base",
                    seeded.supplier,
                    None,
                    base,
                    start,
                    until,
                    status,
                    households,
                )


def _application(
    ctx: SeedContext, spec: CertificateSpec, *, reviewer: AbstractBaseUser, author_id: int | None
) -> CertificationApplication:
    rng = ctx.rng("application", spec.number)
    submitted = spec.valid_from - datetime.timedelta(days=rng.randint(20, 50))
    decided = spec.valid_from - datetime.timedelta(days=rng.randint(1, 6))
    application = CertificationApplication.objects.create(
        supplier=spec.supplier,
        scheme_id=spec.scheme,
        product=spec.product,
        base=spec.base,
        status=CertificationApplication.Status.APPROVED,
        standard_claimed=STANDARD[spec.scheme],
        poverty_link=f"订单收购、务工带动，联结脱贫户{spec.households}户。",
        households=spec.households,
        created_by_id=author_id,
        submitted_at=ctx.at(submitted, rng.randint(9, 11), rng.randint(0, 59)),
        reviewer=reviewer,
        decided_at=ctx.at(decided, rng.randint(15, 17), rng.randint(0, 59)),
        decision_comment=APPROVAL_COMMENT[spec.scheme],
    )
    seed_paperwork(
        ctx,
        application,
        created=application.submitted_at - datetime.timedelta(days=rng.randint(2, 9)),
        reviewed=application.submitted_at + datetime.timedelta(days=rng.randint(2, 6)),
        reviewer_id=reviewer.pk,
    )
    if spec.scheme != "recognition":  # 圳品 and bases are evaluated on site first
        Evaluation.objects.create(
            application=application,
            evaluated_on=submitted + datetime.timedelta(days=(decided - submitted).days // 2),
            score=Decimal(rng.randint(850, 975)).scaleb(-1),
            findings="现场评价：质量标准、加工要求、包装标志、品牌销售“四个统一”执行到位。",
            evaluator=reviewer,
        )
        ctx.count_created(Evaluation)
    ctx.count_created(CertificationApplication)
    return application


def seed_certificates(
    ctx: SeedContext,
    suppliers: dict[str, SeededSupplier],
    *,
    reviewer: AbstractBaseUser,
    authors: dict[int, int],
) -> None:
    """Certificates by number; ``authors`` maps a supplier id to its demo account's user id."""
    existing = {c.number: c for c in Certificate.objects.all()}
    for spec in certificate_specs(ctx, suppliers):
        values = {
            "scheme_id": spec.scheme,
            "supplier_id": spec.supplier.pk,
            "product_id": spec.product.pk if spec.product else None,
            "base_id": spec.base.pk if spec.base else None,
            "valid_from": spec.valid_from,
            "valid_until": spec.valid_until,
            "status": spec.status,
        }
        certificate = existing.get(spec.number)
        if certificate is None:
            author = authors.get(spec.supplier.pk)
            application = _application(ctx, spec, reviewer=reviewer, author_id=author)
            Certificate.objects.create(number=spec.number, application=application, **values)
            ctx.count_created(Certificate)
            continue
        changed = [name for name, value in values.items() if getattr(certificate, name) != value]
        if changed:
            for name in changed:
                setattr(certificate, name, values[name])
            certificate.save(update_fields=changed)
            ctx.updated[Certificate._meta.label] += 1
    _seed_workflow(ctx, suppliers, reviewer=reviewer, authors=authors)
    ctx.log(f"  证书 (certificates): {Certificate.objects.count()}")


def _seed_workflow(
    ctx: SeedContext,
    suppliers: dict[str, SeededSupplier],
    *,
    reviewer: AbstractBaseUser,
    authors: dict[int, int],
) -> None:
    """The applications still moving: created once, then left to the people using the demo."""
    for key, product_name, base_name, scheme, status, days, comment in WORKFLOW:
        seeded = suppliers[key]
        product = next((p.product for p in seeded.products if p.spec.name == product_name), None)
        base = next((b for b, spec, _ in seeded.bases if spec.name == base_name), None)
        pending = CertificationApplication.objects.filter(
            supplier=seeded.supplier, scheme_id=scheme, product=product, base=base
        ).filter(certificate__isnull=True)
        if pending.exists():
            continue
        rng = ctx.rng("workflow", key, scheme, product_name or base_name)
        submitted = ctx.as_of - datetime.timedelta(days=days) if days else None
        decided = status in ("rejected",)
        reviewed = status in ("under_review", "rejected")
        application = CertificationApplication.objects.create(
            supplier=seeded.supplier,
            scheme_id=scheme,
            product=product,
            base=base,
            status=status,
            standard_claimed=STANDARD[scheme],
            poverty_link="订单收购、务工带动，联结脱贫户。",
            households=product.households_lifted if product else 0,
            created_by_id=authors.get(seeded.supplier.pk),
            submitted_at=ctx.at(submitted, 10, rng.randint(0, 59)) if submitted else None,
            reviewer=reviewer if reviewed else None,
            decided_at=ctx.at(ctx.as_of - datetime.timedelta(days=days // 2), 16)
            if decided
            else None,
            decision_comment=comment,
        )
        ctx.count_created(CertificationApplication)
        created = (
            application.submitted_at - datetime.timedelta(days=rng.randint(2, 9))
            if submitted
            else ctx.at(ctx.as_of - datetime.timedelta(days=rng.randint(1, 5)), 9)
        )
        seed_paperwork(
            ctx,
            application,
            created=created,
            reviewed=application.submitted_at + datetime.timedelta(days=max(1, days // 4))
            if reviewed and submitted
            else None,
            reviewer_id=reviewer.pk,
        )
        if reviewed and submitted:
            Evaluation.objects.create(
                application=application,
                evaluated_on=submitted + datetime.timedelta(days=max(1, days // 3)),
                score=Decimal(rng.randint(680, 820)).scaleb(-1),
                findings="现场评价：包装标志未统一，需补充第三方检测报告。",
                evaluator=reviewer,
            )
            ctx.count_created(Evaluation)
