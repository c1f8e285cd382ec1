"""The Django admin for the city office's data stewards: every page opens, change pages of the
key models render their inlines, and the procurement changelist stays at a fixed number of
queries however many records it lists."""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outlets.models import Inspection, Outlet, OutletStatusChange
from portal.models import Membership, Organisation, Region, Role
from procurement.models import ProcurementRecord, Voucher
from products.models import (
    BaseEvaluation,
    Disclosure,
    ExpertAssignment,
    Objection,
    Product,
)
from reporting.models import ReportRun
from tests.admin.builders import (
    FUTIAN,
    NANSHAN,
    PROJECT_APPS,
    admin_url,
    make_application,
    make_product,
    make_record,
    make_supplier,
    make_unit,
)

PROJECT_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in PROJECT_APPS),
    key=lambda model: model._meta.label,
)


def test_every_project_model_is_registered():
    # Audit-trail tables (django-simple-history) are read through their record's admin.
    unregistered = [
        model._meta.label
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        if model not in admin.site._registry and not model.__name__.startswith("Historical")
    ]
    assert unregistered == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda model: model._meta.label_lower)
def test_changelist_and_add_page_open(admin_client, model):
    from procurement import models as p
    from products.models import ApplicationEvent, ExitAction

    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    # An application's steps, the office's exit actions, the running totals, the returns for
    # correction, the integrity flags and the 832 orders are written by the services only,
    # never by hand.
    by_services = (
        ApplicationEvent,
        ExitAction,
        p.MonthlyTotal,
        p.PurposeMonthlyTotal,
        p.OriginMonthlyTotal,
        p.QuarterReturn,
        p.ReturnComment,
        p.IntegrityFlag,
        p.OrderImport,
        p.PlatformOrder,
        BaseEvaluation,
        ExpertAssignment,
        Disclosure,
        Objection,
    )
    expected = 403 if model in by_services else 200
    assert admin_client.get(admin_url(model, "add")).status_code == expected


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
        pytest.param(make_application, "检测报告.pdf", id="certification-application"),
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
