"""Cross-tenant reads and writes by id (issue 7): an organisation reaching for another
organisation's object by its number is told the object does not exist (404), or, where the
contract lets it read the object but not write it, that it may not (403); and every refused
write leaves the row exactly as it was."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from outlets.models import Outlet, OutletStatusChange
from procurement.models import ProcurementRecord, Voucher
from products.models import (
    ApplicationDocument,
    ApplicationEvent,
    CertificationApplication,
    CertificationScheme,
    Product,
    SupplierBase,
)
from reporting.models import ReportRun
from tests import factories as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def snapshot(obj) -> dict:
    """Every stored column of ``obj``, read afresh from the database."""
    fresh = type(obj).objects.get(pk=obj.pk)
    return {field.attname: getattr(fresh, field.attname) for field in fresh._meta.concrete_fields}


def signed_in(client, user):
    client.force_login(user)
    return client


# --- unit B's clerk on unit A's procurement record ------------------------------------------


@pytest.fixture
def record_of_a(unit_a, supplier_org, clerk):
    record = f.RecordFactory(budget_unit=unit_a, supplier=supplier_org)
    Voucher.objects.create(
        record=record,
        file=ContentFile(PDF, name="invoice.pdf"),
        original_name="发票.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="c" * 64,
        uploaded_by=clerk,
    )
    return record


def test_unit_b_cannot_read_unit_a_record(client, clerk_b, record_of_a):
    client = signed_in(client, clerk_b)
    voucher = record_of_a.vouchers.get()
    for url in (
        reverse("procurement:record_detail", args=[record_of_a.pk]),
        reverse("procurement:record_edit", args=[record_of_a.pk]),
        reverse("procurement:record_delete", args=[record_of_a.pk]),
        reverse("procurement:voucher_download", args=[voucher.pk]),
        reverse("procurement-record-detail", args=[record_of_a.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_unit_b_cannot_change_or_delete_unit_a_record(client, clerk_b, record_of_a):
    client = signed_in(client, clerk_b)
    before = snapshot(record_of_a)
    pk = record_of_a.pk
    edit = {
        "purchased_on": "2026-03-16",
        "supplier": record_of_a.supplier_id,
        "amount": "1.00",
        "channel": "direct",
        "purpose": "gifts",
        "invoice_no": "99999999",
    }
    api = reverse("procurement-record-detail", args=[pk])
    attempts = [
        client.post(reverse("procurement:record_edit", args=[pk]), edit),
        client.post(reverse("procurement:record_delete", args=[pk])),
        client.patch(api, {"amount": "1.00"}, content_type="application/json"),
        client.delete(api),
    ]
    assert [response.status_code for response in attempts] == [404] * 4
    assert snapshot(record_of_a) == before
    assert ProcurementRecord.objects.filter(pk=pk).exists()
    assert Voucher.objects.filter(record_id=pk).count() == 1


# --- supplier B on supplier A's application, product and base ---------------------------------


@pytest.fixture
def applications_of_a(supplier_org, supplier):
    product = f.ProductFactory(supplier=supplier_org, name="田阳香芒")
    szp = CertificationScheme.objects.get(code="szp")
    draft = CertificationApplication.objects.create(
        supplier=supplier_org, scheme=szp, product=product
    )
    submitted = CertificationApplication.objects.create(
        supplier=supplier_org,
        scheme=CertificationScheme.objects.get(code="recognition"),
        product=product,
        status=CertificationApplication.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    document = ApplicationDocument.objects.create(
        application=draft,
        kind=ApplicationDocument.Kind.LICENCE,
        file=ContentFile(PDF, name="licence.pdf"),
        original_name="营业执照.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="b" * 64,
        uploaded_by=supplier,
    )
    return draft, submitted, document


def test_supplier_b_cannot_read_supplier_a_application(client, supplier_2, applications_of_a):
    draft, _submitted, document = applications_of_a
    client = signed_in(client, supplier_2)
    for url in (
        reverse("products:application_detail", args=[draft.pk]),
        reverse("products:application_edit", args=[draft.pk]),
        reverse("products:application_document", args=[draft.pk, document.pk]),
        reverse("certification-application-detail", args=[draft.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_supplier_b_cannot_submit_withdraw_or_edit_supplier_a_application(
    client, supplier_2, applications_of_a
):
    draft, submitted, _document = applications_of_a
    client = signed_in(client, supplier_2)
    before = {"draft": snapshot(draft), "submitted": snapshot(submitted)}
    events = ApplicationEvent.objects.count()
    documents = ApplicationDocument.objects.count()
    attempts = {
        "page submit": client.post(reverse("products:application_submit", args=[draft.pk])),
        "page withdraw": client.post(
            reverse("products:application_withdraw", args=[submitted.pk]), {"comment": "撤回"}
        ),
        "page edit": client.post(reverse("products:application_edit", args=[draft.pk]), {}),
        "page document": client.post(
            reverse("products:application_document_upload", args=[draft.pk]),
            {"kind": "other", "file": ContentFile(PDF, name="x.pdf")},
        ),
        "api submit": client.post(reverse("certification-application-submit", args=[draft.pk])),
        "api withdraw": client.post(
            reverse("certification-application-withdraw", args=[submitted.pk])
        ),
        "api patch": client.patch(
            reverse("certification-application-detail", args=[draft.pk]),
            {"scheme": "recognition"},
            content_type="application/json",
        ),
        "api document": client.post(
            reverse("certification-application-documents", args=[draft.pk]),
            {"kind": "other", "file": ContentFile(PDF, name="x.pdf")},
        ),
    }
    assert {what: r.status_code for what, r in attempts.items()} == dict.fromkeys(attempts, 404)
    assert {"draft": snapshot(draft), "submitted": snapshot(submitted)} == before
    assert ApplicationEvent.objects.count() == events
    assert ApplicationDocument.objects.count() == documents


def test_supplier_b_cannot_edit_supplier_a_product_or_base(client, supplier_2, supplier_org):
    base = SupplierBase.objects.create(
        supplier=supplier_org, name="田阳香芒基地", region=f.region(f.TIANYANG)
    )
    product = f.ProductFactory(supplier=supplier_org, base=base, name="田阳香芒")
    client = signed_in(client, supplier_2)
    before = {"product": snapshot(product), "base": snapshot(base)}
    # The pages are the supplier's own workspace: another supplier's object is not there.
    for url in (
        reverse("products:my_product_edit", args=[product.pk]),
        reverse("products:my_base_edit", args=[base.pk]),
        reverse("products:my_photo_add", args=[product.pk]),
    ):
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"name": "冒名顶替"}).status_code == 404, url
    # The API lets every signed-in user read active products and bases (api.md), so a write
    # to one that is visible but not one's own is an action the caller may not take.
    for url in (
        reverse("product-detail", args=[product.pk]),
        reverse("base-detail", args=[base.pk]),
    ):
        assert client.get(url).status_code == 200, url
        response = client.patch(url, {"name": "冒名顶替"}, content_type="application/json")
        assert response.status_code == 403, url
    assert {"product": snapshot(product), "base": snapshot(base)} == before
    assert Product.objects.filter(name="冒名顶替").count() == 0


# --- a district office on another district's outlet and report run ---------------------------


@pytest.fixture
def nanshan_outlet():
    return f.OutletFactory(district=f.region(f.NANSHAN), name="南山消费帮扶专柜")


def test_district_office_cannot_manage_another_districts_outlet(
    client, district_officer, nanshan_outlet
):
    client = signed_in(client, district_officer)
    pk = nanshan_outlet.pk
    for url in (
        reverse("outlets:outlet_detail", args=[pk]),
        reverse("outlets:outlet_edit", args=[pk]),
        reverse("outlets:outlet_status", args=[pk, "suspended"]),
        reverse("outlets:inspection_create", args=[pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_district_office_cannot_change_another_districts_outlet(
    client, district_officer, nanshan_outlet
):
    client = signed_in(client, district_officer)
    pk = nanshan_outlet.pk
    before = snapshot(nanshan_outlet)
    status = {"status": "suspended", "reason": "quality", "note": "越权"}
    attempts = {
        "page edit": client.post(
            reverse("outlets:outlet_edit", args=[pk]),
            {"kind": "counter", "name": "改名", "district": f.NANSHAN, "address": "深圳市南山区"},
        ),
        "page status": client.post(
            reverse("outlets:outlet_status", args=[pk, "suspended"]), status
        ),
        "api patch": client.patch(
            reverse("outlet-detail", args=[pk]), {"name": "改名"}, content_type="application/json"
        ),
        "api status": client.post(
            reverse("outlet-set-status", args=[pk]), status, content_type="application/json"
        ),
    }
    codes = {what: r.status_code for what, r in attempts.items()}
    # The outlet itself is public (the finder), so the API refuses the action (403); the
    # management pages do not show another district's outlet at all (404).
    assert codes == {"page edit": 404, "page status": 404, "api patch": 403, "api status": 403}
    assert snapshot(nanshan_outlet) == before
    assert not OutletStatusChange.objects.filter(outlet_id=pk).exists()
    assert Outlet.objects.get(pk=pk).status == Outlet.Status.ACTIVE


def test_district_office_cannot_see_another_districts_report(client, district_officer):
    run = ReportRun.objects.create(
        year=2026,
        quarter=1,
        district=f.region(f.NANSHAN),
        status=ReportRun.Status.SUCCEEDED,
        xlsx=ContentFile(b"PK\x03\x04" + b"\x00" * 32, name="report.xlsx"),
        pdf=ContentFile(PDF, name="report.pdf"),
    )
    client = signed_in(client, district_officer)
    for url in (
        reverse("reporting:report_run", args=[run.pk]),
        reverse("reporting:report_run_status", args=[run.pk]),
        reverse("reporting:report_xlsx", args=[run.pk]),
        reverse("reporting:report_pdf", args=[run.pk]),
        reverse("report-detail", args=[run.pk]),
    ):
        assert client.get(url).status_code == 404, url
    listed = client.get(reverse("report-list")).json()
    assert run.pk not in [row["id"] for row in listed["results"]]


def test_compliance_api_shows_only_the_callers_units(client, clerk_b, supplier, unit_a, unit_b):
    url = reverse("compliance") + "?year=2026"
    rows = signed_in(client, clerk_b).get(url).json()["results"]
    assert [row["budget_unit"] for row in rows] == [unit_b.pk]
    assert signed_in(client, supplier).get(url).json()["count"] == 0
