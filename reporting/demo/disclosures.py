"""Public disclosures (公示) of the demo: certification results, exits, monitoring outcomes and
base evaluations, some in their period now, most already in effect, and one of each of the
first three kinds withdrawn after an upheld objection; one open certification result has an
objection awaiting the city office.

Run after the certificates, the oversight and the base evaluations (``seed_evaluations``, if
wired): it describes what those steps left, and adds the few rows a disclosure needs that they
do not make (certificates still in disclosure, one annulled monitoring record). Each row is
looked up by a stable key and created only when missing, so a second run changes nothing, and
a row the nightly job or the office has moved on since is left as it is.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from portal.models import ExitReason, Membership
from portal.periods import add_months
from portal.workdays import add_working_days, is_working_day
from products.models import (
    BaseEvaluation,
    Certificate,
    CertificationApplication,
    CertificationScheme,
    Disclosure,
    ExitAction,
    MonitoringRecord,
    Objection,
    Product,
    SupplierBase,
)
from products.services.review import next_certificate_number

from .context import SeedContext

Kind = Disclosure.Kind
Status = Disclosure.Status
PERIOD = 5  # working days, as the city's notices run
ONE_DAY = datetime.timedelta(days=1)
APPROVAL_COMMENT = "现场评价符合“圳品”评价规范，同意颁发“圳品”证书，进入公示。"
EFFECTIVE_CERTIFICATIONS = 6

CERTIFICATION_SUMMARY = {
    "recognition": "经材料审核，该产品符合认定条件，带贫机制清晰，拟认定为消费帮扶产品。",
    "szp": "经现场评价，该产品符合“圳品”评价规范，质量标准、包装标识统一，拟颁发“圳品”证书。",
    "base": "经现场核查，该基地执行“四个统一”标准，拟认定为供深农产品示范基地。",
}
OBJECTORS = (
    ("张伟", "13802561478"),
    ("陈静", "chenjing@example.com"),
    ("刘洋", "0755-83216754"),
    ("黄丽", "13925870436"),
)


def seed_disclosures(ctx: SeedContext) -> None:
    users = _users()
    if users is None:
        ctx.log("  公示 (disclosures): skipped, the demo accounts are missing")
        return
    office, reviewer = users
    _certifications_in_effect(ctx, reviewer)
    _certifications_open(ctx, office, reviewer)
    _exits(ctx, office)
    _monitoring(ctx, office, reviewer)
    _evaluations(ctx, office)
    ctx.log(
        "  公示 (disclosures): "
        + ", ".join(
            f"{model.__name__} +{ctx.created[model._meta.label]:,}"
            for model in (Disclosure, Objection)
        )
    )


# --- helpers ---------------------------------------------------------------------------------


def _users():
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=("city_office", "reviewer"))
    }
    if len(users) < 2:
        return None
    return users["city_office"], users["reviewer"]


def _working_days_before(day: datetime.date, count: int) -> datetime.date:
    """The ``count``-th working day before ``day`` (0: ``day`` itself, or the working day
    before it if it is none)."""
    while not is_working_day(day):
        day -= ONE_DAY
    while count:
        day -= ONE_DAY
        if is_working_day(day):
            count -= 1
    return day


def _ensure(ctx: SeedContext, model: type[models.Model], lookup: dict, values: dict, **later):
    """The row ``lookup`` names, created with ``values`` when missing; ``later`` are
    ``auto_now_add`` timestamps set right after the insert. An existing row is left alone."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is not None:
        return obj
    obj = model(**lookup, **values)
    obj.save()
    if later:
        model._default_manager.filter(pk=obj.pk).update(**later)
    ctx.count_created(model)
    return obj


def _disclose(
    ctx: SeedContext,
    lookup: dict,
    *,
    starts_on: datetime.date,
    status: str,
    opened_by,
    summary: str,
    **values: Any,
) -> Disclosure:
    ends_on = add_working_days(starts_on, PERIOD)
    closed = None
    if status != Status.OPEN:
        closed = ctx.at(ends_on + ONE_DAY, 1, 10) if status == Status.EFFECTIVE else None
    return _ensure(
        ctx,
        Disclosure,
        lookup,
        {
            "status": status,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "working_days": PERIOD,
            "summary": summary,
            "opened_by": opened_by,
            "closed_at": closed,
            **values,
        },
        opened_at=ctx.at(starts_on, 9, 30),
    )


def _object(
    ctx: SeedContext,
    disclosure: Disclosure,
    *,
    who: int,
    text: str,
    decided_by=None,
    note: str = "",
) -> Objection:
    """An objection sent on the period's second day; decided (upheld) when ``decided_by``."""
    name, contact = OBJECTORS[who % len(OBJECTORS)]
    sent = add_working_days(disclosure.starts_on, 1)
    decided_on = add_working_days(sent, 1)
    objection = _ensure(
        ctx,
        Objection,
        {"disclosure": disclosure, "name": name},
        {
            "contact": contact,
            "text": text,
            "status": Objection.Status.UPHELD if decided_by else Objection.Status.PENDING,
            "decision_note": note,
            "decided_by": decided_by,
            "decided_at": ctx.at(decided_on, 16, 20) if decided_by else None,
        },
        submitted_at=ctx.at(sent, 14, 5),
    )
    if decided_by and disclosure.closed_at is None:
        Disclosure.objects.filter(pk=disclosure.pk).update(closed_at=ctx.at(decided_on, 16, 20))
    return objection


def _supplier_account_org() -> int | None:
    """The `supplier` account's supplier: api.md wants it free to apply for 圳品."""
    return (
        Membership.objects.filter(user__username="supplier")
        .values_list("organisation_id", flat=True)
        .first()
    )


def _fresh_product() -> Product | None:
    """The first listed product holding a valid recognition, outside the `supplier` account,
    with no 圳品 application, no failed test and nothing disclosed yet."""
    return (
        Product.objects.filter(
            status=Product.Status.LISTED,
            certificates__scheme_id="recognition",
            certificates__status=Certificate.Status.VALID,
        )
        .exclude(supplier_id=_supplier_account_org())
        .exclude(applications__scheme_id="szp")
        .exclude(monitoring_records__result=MonitoringRecord.Result.FAILED)
        .exclude(disclosures__isnull=False)
        .exclude(certificates__disclosures__isnull=False)
        .order_by("pk")
        .first()
    )


def _existing(kind: str, summary: str) -> Disclosure | None:
    """A disclosure of this module, known by its summary (each plan has its own)."""
    return Disclosure.objects.filter(kind=kind, summary=summary).first()


# --- certification results ---------------------------------------------------------------------


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


# --- exits ---------------------------------------------------------------------------------

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


# --- monitoring outcomes ----------------------------------------------------------------------


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


# --- base evaluations -------------------------------------------------------------------------


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
