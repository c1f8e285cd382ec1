"""The fixture world of the security tests: one object of each kind, belonging to unit A,
supplier A and 福田区 (the district office's district), and the persona fixture
(tests/conftest.py) behind each role of api.md. ``tests/security/conftest.py`` offers ``world``
to every test of the package."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile

from outlets.models import Inspection, InspectionPhoto, OutletPhoto, OutletSalesReport
from portal.models import Notification
from procurement.models import IntegrityFlag, QuotaPolicy, QuotaRule, Voucher
from products.models import (
    ApplicationDocument,
    BaseEvaluation,
    CertificationApplication,
    CertificationScheme,
    Disclosure,
    Expert,
    ExpertAssignment,
    MonitoringRecord,
    Objection,
    ProductPhoto,
    SupplierBase,
)
from reporting.models import Bulletin, ReportRun
from tests import factories as f

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

PERSONA = {
    "city_office": "city_officer",
    "district_office": "district_officer",
    "unit_clerk": "clerk",
    "unit_approver": "approver",
    "unit_clerk_2": "clerk_b",
    "supplier": "supplier",
    "supplier_2": "supplier_2",
    "reviewer": "reviewer",
}


# --- the fixture world: one object of each kind, belonging to unit A / supplier A / 福田区 ---


@pytest.fixture
def world(
    city_officer,
    district_officer,
    clerk,
    approver,
    clerk_b,
    supplier,
    supplier_2,
    reviewer,
    unit_a,
    supplier_org,
):
    futian = f.region(f.FUTIAN)
    base = SupplierBase.objects.create(
        supplier=supplier_org, name="田阳香芒基地", region=f.region(f.TIANYANG)
    )
    product = f.ProductFactory(supplier=supplier_org, base=base, name="田阳香芒")
    photo = ProductPhoto.objects.create(
        product=product,
        file=ContentFile(PNG, name="mango.png"),
        original_name="mango.png",
        content_type="image/png",
        size=len(PNG),
        sha256="a" * 64,
    )
    certificate = f.CertificateFactory(product=product, valid_until=datetime.date(2099, 12, 31))
    application = CertificationApplication.objects.create(
        supplier=supplier_org,
        scheme=CertificationScheme.objects.get(code="szp"),
        product=product,
    )
    document = ApplicationDocument.objects.create(
        application=application,
        kind=ApplicationDocument.Kind.LICENCE,
        file=ContentFile(PDF, name="licence.pdf"),
        original_name="营业执照.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="b" * 64,
        uploaded_by=supplier,
    )
    monitoring = MonitoringRecord.objects.create(
        product=product,
        kind=MonitoringRecord.Kind.SAMPLE_TEST,
        performed_on=datetime.date(2026, 3, 1),
        result=MonitoringRecord.Result.FAILED,
        proposal=MonitoringRecord.Proposal.OPEN,
        recorded_by=reviewer,
    )
    expert = Expert.objects.create(name="王建国", organisation="华南农业大学园艺学院")
    evaluation = BaseEvaluation.objects.create(
        base=base,
        year=2026,
        category=base.category,
        status=BaseEvaluation.Status.SITE_VERIFICATION,
        self_score=Decimal("90"),
        material_score=Decimal("80"),
        draw_seed=1,
    )
    assignment = ExpertAssignment.objects.create(evaluation=evaluation, expert=expert, position=1)
    disclosure = Disclosure.objects.create(
        kind=Disclosure.Kind.MONITORING,
        monitoring_record=monitoring,
        summary="抽检样品农药残留超标",
        starts_on=datetime.date(2026, 3, 2),
        ends_on=datetime.date(2026, 3, 9),
        opened_by=reviewer,
    )
    objection = Objection.objects.create(
        disclosure=disclosure, name="李明", contact="13800138000", text="抽样过程不规范"
    )
    record = f.RecordFactory(budget_unit=unit_a, supplier=supplier_org, product=product)
    voucher = Voucher.objects.create(
        record=record,
        file=ContentFile(PDF, name="invoice.pdf"),
        original_name="发票.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="c" * 64,
        uploaded_by=clerk,
    )
    integrity_flag = IntegrityFlag.objects.create(
        record=record, budget_unit=unit_a, kind=IntegrityFlag.Kind.PRICE_MISMATCH
    )
    quota_rule = QuotaRule.objects.create(
        policy=QuotaPolicy.objects.create(year=2026),
        name="832平台采购食堂食材不低于10%",
        base=QuotaRule.Base.CANTEEN,
        ratio=Decimal("0.100"),
        channels=["platform_832"],
        categories=["agency", "institution", "school", "hospital"],
    )
    outlet = f.OutletFactory(district=futian, name="福田消费帮扶专柜")
    outlet_photo = OutletPhoto.objects.create(
        outlet=outlet,
        file=ContentFile(PNG, name="counter.png"),
        original_name="counter.png",
        content_type="image/png",
        size=len(PNG),
        sha256="d" * 64,
    )
    inspection = Inspection.objects.create(
        outlet=outlet, inspected_on=datetime.date(2026, 3, 2), inspector_name="李明"
    )
    inspection_photo = InspectionPhoto.objects.create(
        inspection=inspection,
        file=ContentFile(PNG, name="inspection.png"),
        original_name="inspection.png",
        content_type="image/png",
        size=len(PNG),
        sha256="e" * 64,
    )
    sales = OutletSalesReport.objects.create(outlet=outlet, year=2026, month=1, amount=100)
    run = ReportRun.objects.create(
        year=2026,
        quarter=1,
        district=futian,
        status=ReportRun.Status.SUCCEEDED,
        xlsx=ContentFile(b"PK\x03\x04" + b"\x00" * 32, name="report.xlsx"),
        pdf=ContentFile(PDF, name="report.pdf"),
    )
    bulletin = Bulletin.objects.create(
        year=2026, quarter=1, title="2026年第一季度通报", body="正文", created_by=city_officer
    )
    notification = Notification.objects.create(recipient=clerk, title="申请已受理")
    return SimpleNamespace(
        unit=unit_a,
        supplier=supplier_org,
        base=base,
        product=product,
        photo=photo,
        certificate=certificate,
        application=application,
        document=document,
        monitoring=monitoring,
        disclosure=disclosure,
        objection=objection,
        expert=expert,
        evaluation=evaluation,
        assignment=assignment,
        record=record,
        voucher=voucher,
        outlet=outlet,
        outlet_photo=outlet_photo,
        inspection_photo=inspection_photo,
        sales=sales,
        run=run,
        bulletin=bulletin,
        notification=notification,
        integrity_flag=integrity_flag,
        quota_rule=quota_rule,
    )
