"""The admin's forms: memberships are checked against the organisation's kind, uploads are
checked by content and record their metadata, and what a steward adds names its creator."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import Membership, Organisation, Role
from procurement.models import Channel, ProcurementRecord, Purpose, Voucher
from products.models import (
    ApplicationDocument,
    CertificationApplication,
    Supplier,
)
from tests.admin.builders import (
    PDF_BYTES,
    admin_url,
    credit_code,
    make_application,
    make_product,
    make_record,
    make_supplier,
    make_unit,
)

# --- Memberships: the role must fit the organisation's kind ----------------------------------


@pytest.mark.django_db
def test_membership_with_a_role_foreign_to_the_organisation_is_refused(
    admin_client, django_user_model
):
    unit = make_unit()
    user = django_user_model.objects.create_user("would_be_supplier")

    response = admin_client.post(
        admin_url(Membership, "add"),
        {"user": user.pk, "organisation": unit.pk, "role": Role.SUPPLIER},
    )

    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_membership_with_a_fitting_role_is_saved(admin_client, django_user_model):
    unit = make_unit()
    user = django_user_model.objects.create_user("clerk")

    response = admin_client.post(
        admin_url(Membership, "add"),
        {"user": user.pk, "organisation": unit.pk, "role": Role.UNIT_CLERK},
    )

    assert response.status_code == 302
    assert Membership.objects.get(user=user).organisation_id == unit.pk


def _inline_management(prefix: str, total: int = 1, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


@pytest.mark.django_db
def test_new_office_cannot_take_a_member_of_another_kind(admin_client, django_user_model):
    """The inline checks the role against the organisation being created, which
    ``Membership.clean`` cannot see before the organisation is saved."""
    user = django_user_model.objects.create_user("misplaced_clerk")
    data = {
        "kind": Organisation.Kind.CITY_OFFICE,
        "name": "深圳市消费帮扶协作办",
        "region": "440300",
        **_inline_management("memberships"),
        "memberships-0-user": user.pk,
        "memberships-0-role": Role.UNIT_CLERK,
    }

    response = admin_client.post(admin_url(Organisation, "add"), data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "role" in formset.forms[0].errors
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_supplier_added_with_its_member(admin_client, django_user_model):
    user = django_user_model.objects.create_user("new_supplier")
    data = {
        "name": "察隅县农产品有限公司",
        "credit_code": credit_code(),
        "region": "540425",
        "status": Supplier.Status.PENDING,
        **_inline_management("bases", total=0),
        **_inline_management("memberships"),
        "memberships-0-user": user.pk,
        "memberships-0-role": Role.SUPPLIER,
    }

    response = admin_client.post(admin_url(Supplier, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    supplier = Supplier.objects.get()
    assert supplier.kind == Organisation.Kind.SUPPLIER
    assert Membership.objects.get(user=user).organisation_id == supplier.pk


@pytest.mark.django_db
def test_organisation_admin_adds_only_offices(admin_client):
    response = admin_client.get(admin_url(Organisation, "add"))
    kinds = {value for value, _label in response.context["adminform"].form.fields["kind"].choices}
    assert kinds == {"", Organisation.Kind.CITY_OFFICE, Organisation.Kind.DISTRICT_OFFICE}


# --- Uploads: metadata comes from the file itself --------------------------------------------


@pytest.mark.django_db
def test_voucher_upload_records_its_metadata(admin_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    supplier = make_supplier()
    record = make_record(make_unit(), supplier, None, 1)

    response = admin_client.post(
        admin_url(Voucher, "add"),
        {"record": record.pk, "file": SimpleUploadedFile("发票.pdf", PDF_BYTES, "image/png")},
    )

    assert response.status_code == 302
    voucher = Voucher.objects.get()
    assert voucher.original_name == "发票.pdf"
    assert voucher.content_type == "application/pdf"  # by content, not by the claimed type
    assert voucher.size == len(PDF_BYTES)
    assert len(voucher.sha256) == 64
    assert voucher.uploaded_by.username == "admin"


@pytest.mark.django_db
def test_voucher_upload_that_is_not_pdf_or_image_is_refused(admin_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    record = make_record(make_unit(), make_supplier(), None, 1)

    response = admin_client.post(
        admin_url(Voucher, "add"),
        {
            "record": record.pk,
            "file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00", "application/pdf"),
        },
    )

    assert response.status_code == 200
    assert "file" in response.context["adminform"].form.errors
    assert not Voucher.objects.exists()


@pytest.mark.django_db
def test_document_added_on_an_application_records_file_and_uploader(
    admin_client, django_user_model, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    application = make_application(django_user_model)
    document = application.documents.get()
    evaluation = application.evaluations.get()
    data = {
        "supplier": application.supplier_id,
        "scheme": "szp",
        "product": application.product_id,
        "status": application.status,
        "households": 0,
        "reviewer": application.reviewer_id,
        **_inline_management("documents", total=2, initial=1),
        "documents-0-id": document.pk,
        "documents-0-application": application.pk,
        "documents-0-kind": document.kind,
        "documents-1-application": application.pk,
        "documents-1-kind": ApplicationDocument.Kind.LICENCE,
        "documents-1-file": SimpleUploadedFile("营业执照.pdf", PDF_BYTES),
        **_inline_management("evaluations", total=1, initial=1),
        "evaluations-0-id": evaluation.pk,
        "evaluations-0-application": application.pk,
        "evaluations-0-evaluated_on": "2024-05-20",
        "evaluations-0-score": "91.50",
        "evaluations-0-evaluator": evaluation.evaluator_id,
    }

    response = admin_client.post(
        admin_url(CertificationApplication, "change", application.pk), data
    )

    assert response.status_code == 302, response.context["errors"]
    added = application.documents.get(kind=ApplicationDocument.Kind.LICENCE)
    assert (added.original_name, added.size) == ("营业执照.pdf", len(PDF_BYTES))
    assert added.uploaded_by.username == "admin"
    assert application.documents.get(pk=document.pk).uploaded_by == document.uploaded_by


@pytest.mark.django_db
def test_record_added_in_the_admin_names_its_creator(admin_client):
    supplier = make_supplier()
    data = {
        "budget_unit": make_unit().pk,
        "purchased_on": "2024-05-06",
        "supplier": supplier.pk,
        "product": make_product(supplier).pk,
        "amount": "880.00",
        "channel": Channel.DIRECT,
        "purpose": Purpose.UNION_WELFARE,
        "invoice_no": "24440000000123",
        "status": ProcurementRecord.Status.RECORDED,
        **_inline_management("vouchers", total=0),
    }

    response = admin_client.post(admin_url(ProcurementRecord, "add"), data)

    assert response.status_code == 302, response.context["errors"]
    assert ProcurementRecord.objects.get().created_by.username == "admin"


@pytest.mark.django_db
def test_autocomplete_finds_regions_by_code_prefix(admin_client):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "products",
            "model_name": "product",
            "field_name": "region",
            "term": "4510",
        },
    )
    names = {item["text"] for item in response.json()["results"]}
    assert {"百色市", "田阳区"} <= names
    assert "福田区" not in names
