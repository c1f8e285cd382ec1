"""The Django admin for the city office's data stewards: every page opens, change pages of the
key models render their inlines, the procurement changelist stays at a fixed number of queries
however many records it lists, and memberships are checked against the organisation's kind."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from stdnum.cn import uscc

from outlets.models import Inspection, Outlet, OutletStatusChange
from portal.models import Membership, Organisation, Region, Role
from procurement.models import BudgetUnit, Channel, ProcurementRecord, Purpose, Voucher
from products.models import (
    ApplicationDocument,
    CertificationApplication,
    Evaluation,
    Product,
    ProductCategory,
    Supplier,
)
from reporting.models import ReportRun

FUTIAN = "440304"  # 福田区, from the reference regions
NANSHAN = "440305"  # 南山区
TIANYANG = "451003"  # 百色市田阳区
PROJECT_APPS = {"portal", "products", "procurement", "outlets", "reporting"}
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

_serial = itertools.count(1)


def credit_code() -> str:
    """A fresh valid unified social credit code (GB 32100)."""
    first17 = f"91440300MA5{next(_serial):06d}"
    return first17 + uscc.calc_check_digit(first17)


def make_unit(name: str = "深圳市福田区教育局", district: str = FUTIAN) -> BudgetUnit:
    return BudgetUnit.objects.create(
        kind=Organisation.Kind.BUDGET_UNIT,
        name=name,
        credit_code=credit_code(),
        region_id=district,
        category=BudgetUnit.Category.SCHOOL,
    )


def make_supplier(name: str = "百色市田阳区农业发展有限公司") -> Supplier:
    return Supplier.objects.create(
        kind=Organisation.Kind.SUPPLIER,
        name=name,
        credit_code=credit_code(),
        region_id=TIANYANG,
        status=Supplier.Status.ACTIVE,
    )


def make_product(supplier: Supplier, name: str = "田阳香芒") -> Product:
    return Product.objects.create(
        supplier=supplier,
        name=name,
        category=ProductCategory.FRUIT,
        region_id=TIANYANG,
        price=Decimal("58.00"),
    )


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


PROJECT_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in PROJECT_APPS),
    key=lambda model: model._meta.label,
)


def test_every_project_model_is_registered():
    unregistered = [
        model._meta.label
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        if model not in admin.site._registry
    ]
    assert unregistered == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda model: model._meta.label_lower)
def test_changelist_and_add_page_open(admin_client, model):
    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "add")).status_code == 200


@pytest.mark.django_db
def test_site_is_titled_for_the_portal(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["site_header"] == admin.site.site_header


# --- Change pages of the key models, with their inlines --------------------------------------


def _region(django_user_model):
    return Region.objects.get(code=FUTIAN)


def _city_office(django_user_model):
    office = Organisation.objects.create(
        kind=Organisation.Kind.CITY_OFFICE, name="深圳市消费帮扶协作办", region_id="440300"
    )
    user = django_user_model.objects.create_user("city_office")
    Membership.objects.create(user=user, organisation=office, role=Role.CITY_OFFICE)
    return office


def _supplier(django_user_model):
    supplier = make_supplier()
    user = django_user_model.objects.create_user("supplier")
    Membership.objects.create(user=user, organisation=supplier, role=Role.SUPPLIER)
    return supplier


def _budget_unit(django_user_model):
    unit = make_unit()
    user = django_user_model.objects.create_user("clerk")
    Membership.objects.create(user=user, organisation=unit, role=Role.UNIT_CLERK)
    return unit


def _product(django_user_model):
    return make_product(make_supplier())


def _application(django_user_model):
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


def _record(django_user_model):
    supplier = make_supplier()
    record = make_record(make_unit(), supplier, make_product(supplier), 1)
    Voucher.objects.create(
        record=record,
        file="vouchers/2024/05/invoice.pdf",
        original_name="发票.pdf",
        content_type="application/pdf",
        size=4096,
        sha256="b" * 64,
    )
    return record


def _outlet(django_user_model):
    outlet = Outlet.objects.create(
        kind=Outlet.Kind.COUNTER,
        name="福田区市民中心消费帮扶专柜",
        district_id=FUTIAN,
        address="福田区福中三路市民中心",
        status=Outlet.Status.SUSPENDED,
    )
    outlet.products.add(make_product(make_supplier()))
    OutletStatusChange.objects.create(
        outlet=outlet,
        from_status=Outlet.Status.ACTIVE,
        to_status=Outlet.Status.SUSPENDED,
        reason="price",
        changed_at=datetime.datetime(2024, 6, 1, 9, 0, tzinfo=datetime.UTC),
    )
    Inspection.objects.create(
        outlet=outlet,
        inspected_on=datetime.date(2024, 5, 28),
        inspector_name="李检查",
        result=Inspection.Result.RECTIFY,
    )
    return outlet


def _report_run(django_user_model):
    return ReportRun.objects.create(year=2024, quarter=2, district_id=FUTIAN)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("build", "shows"),
    [
        pytest.param(_region, "福田区", id="region"),
        pytest.param(_city_office, "city_office", id="organisation"),
        pytest.param(_supplier, "百色市田阳区农业发展有限公司", id="supplier"),
        pytest.param(_budget_unit, "clerk", id="budget-unit"),
        pytest.param(_product, "田阳香芒", id="product"),
        pytest.param(_application, "检测报告.pdf", id="certification-application"),
        pytest.param(_record, "发票.pdf", id="procurement-record"),
        pytest.param(_outlet, "李检查", id="outlet"),
        pytest.param(_report_run, "2024", id="report-run"),
    ],
)
def test_change_page_opens(admin_client, django_user_model, build, shows):
    obj = build(django_user_model)
    response = admin_client.get(admin_url(type(obj), "change", obj.pk))
    assert response.status_code == 200
    assert shows in response.content.decode()


@pytest.mark.django_db
def test_record_vouchers_are_shown_read_only(admin_client, django_user_model):
    record = _record(django_user_model)
    response = admin_client.get(admin_url(ProcurementRecord, "change", record.pk))
    formset = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is Voucher)
    assert not formset.has_add_permission
    assert not formset.has_change_permission
    assert not formset.has_delete_permission


@pytest.mark.django_db
def test_outlet_status_is_not_edited_in_place(admin_client, django_user_model):
    outlet = _outlet(django_user_model)
    response = admin_client.get(admin_url(Outlet, "change", outlet.pk))
    assert "status" not in response.context["adminform"].form.fields


# --- Bounded queries on the big tables -------------------------------------------------------


def _add_records(count: int, start: int) -> None:
    """Each record with its own unit, supplier and product, so an N+1 cannot hide in a cache."""
    for n in range(start, start + count):
        supplier = make_supplier(f"供应商{n}")
        make_record(make_unit(f"预算单位{n}"), supplier, make_product(supplier, f"产品{n}"), n)


@pytest.mark.django_db
def test_record_changelist_queries_do_not_grow_with_records(
    admin_client, django_assert_max_num_queries
):
    url = admin_url(ProcurementRecord, "changelist")
    _add_records(3, start=0)
    admin_client.get(url)  # warm the per-process caches (content types, sessions)
    with CaptureQueriesContext(connection) as with_three:
        response = admin_client.get(url)
    assert response.context["cl"].result_count == 3

    _add_records(27, start=3)
    with django_assert_max_num_queries(len(with_three.captured_queries)):
        response = admin_client.get(url)
    assert response.context["cl"].result_count == 30
    assert len(with_three.captured_queries) <= 15


@pytest.mark.django_db
def test_record_changelist_filters_and_search(admin_client):
    supplier = make_supplier()
    futian = make_record(make_unit("福田单位", FUTIAN), supplier, None, 1)
    make_record(make_unit("南山单位", NANSHAN), supplier, None, 2)
    url = admin_url(ProcurementRecord, "changelist")

    response = admin_client.get(url, {"budget_unit__region__code__exact": FUTIAN})
    assert [r.pk for r in response.context["cl"].result_list] == [futian.pk]

    response = admin_client.get(url, {"q": futian.invoice_no})
    assert [r.pk for r in response.context["cl"].result_list] == [futian.pk]

    response = admin_client.get(url, {"voucher": "no", "purchased_on__year": "2024"})
    assert response.context["cl"].result_count == 2
    assert response.context["cl"].show_full_result_count is False


@pytest.mark.django_db
def test_products_filter_by_province(admin_client):
    make_product(make_supplier())
    url = admin_url(Product, "changelist")
    guangxi = admin_client.get(url, {"region__code__startswith": "45"})
    tibet = admin_client.get(url, {"region__code__startswith": "54"})
    assert guangxi.context["cl"].result_count == 1
    assert tibet.context["cl"].result_count == 0


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
    application = _application(django_user_model)
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
