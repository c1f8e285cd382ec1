"""Builders shared by the admin tests, on top of the project's factories."""

import datetime
from decimal import Decimal

from django.urls import reverse

from procurement.models import BudgetUnit, Channel, ProcurementRecord, Purpose
from products.models import (
    ApplicationDocument,
    CertificationApplication,
    Evaluation,
    Product,
    Supplier,
)
from tests import factories as f
from tests.factories import FUTIAN, NANSHAN, TIANYANG, credit_code

__all__ = ["FUTIAN", "NANSHAN", "PDF_BYTES", "TIANYANG", "credit_code"]

PROJECT_APPS = {"portal", "products", "procurement", "outlets", "reporting"}
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def make_unit(name: str = "深圳市福田区教育局", district: str = FUTIAN) -> BudgetUnit:
    return f.BudgetUnitFactory(name=name, region=f.region(district))


def make_supplier(name: str = "百色市田阳区农业发展有限公司") -> Supplier:
    return f.SupplierFactory(name=name)


def make_product(supplier: Supplier, name: str = "田阳香芒") -> Product:
    return f.ProductFactory(supplier=supplier, name=name, price=Decimal("58.00"))


def make_record(unit: BudgetUnit, supplier: Supplier, product: Product | None, n: int):
    return ProcurementRecord.objects.create(
        budget_unit=unit,
        supplier=supplier,
        product=product,
        purchased_on=datetime.date(2024, 5, 1) + datetime.timedelta(days=n),
        amount=Decimal("1200.00"),
        channel=Channel.PLATFORM_832,
        purpose=Purpose.CANTEEN,
        invoice_no=f"2444000{n:05d}",
    )


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def make_application(django_user_model):
    supplier = make_supplier()
    reviewer = django_user_model.objects.create_user("reviewer")
    application = CertificationApplication.objects.create(
        supplier=supplier,
        scheme_id="szp",
        product=make_product(supplier),
        status=CertificationApplication.Status.UNDER_REVIEW,
        reviewer=reviewer,
    )
    ApplicationDocument.objects.create(
        application=application,
        kind=ApplicationDocument.Kind.TEST_REPORT,
        file="applications/2024/05/report.pdf",
        original_name="检测报告.pdf",
        content_type="application/pdf",
        size=2048,
        sha256="a" * 64,
        uploaded_by=reviewer,
    )
    Evaluation.objects.create(
        application=application,
        evaluated_on=datetime.date(2024, 5, 20),
        score=Decimal("91.50"),
        evaluator=reviewer,
    )
    return application
