"""``manage.py seed_demo``: the demo city api.md promises ("Demo data and accounts").

Small sizes keep each run to a second or two; one test runs the default size to check the
quota shares look like a real city's.
"""

import datetime
import hashlib
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import Exists, OuterRef, Sum
from stdnum.cn import uscc

from outlets.models import Outlet, OutletStatusChange
from portal.models import Membership, Organisation, Region, Role
from portal.periods import Quarter, ended_quarters, last_ended_quarter
from portal.reference_data import read_rows
from procurement.models import BudgetUnit, Declaration, ProcurementRecord, QuarterSubmission
from products.models import Certificate, Product, Supplier
from reporting.demo.catalogue import SUPPLIERS
from reporting.demo.integrity import INVOICE_PREFIX as INTEGRITY_PREFIX

pytestmark = pytest.mark.django_db

AS_OF = "2026-08-15"  # quarters 2025Q1–2026Q2 have ended; 2026Q3 is current
SMALL = ("--units", "12", "--records", "600", "--as-of", AS_OF)

API_ACCOUNTS = {
    "city_office": (Role.CITY_OFFICE, Organisation.Kind.CITY_OFFICE),
    "district_office": (Role.DISTRICT_OFFICE, Organisation.Kind.DISTRICT_OFFICE),
    "unit_clerk": (Role.UNIT_CLERK, Organisation.Kind.BUDGET_UNIT),
    "unit_approver": (Role.UNIT_APPROVER, Organisation.Kind.BUDGET_UNIT),
    "unit_clerk_2": (Role.UNIT_CLERK, Organisation.Kind.BUDGET_UNIT),
    "supplier": (Role.SUPPLIER, Organisation.Kind.SUPPLIER),
    "supplier_2": (Role.SUPPLIER, Organisation.Kind.SUPPLIER),
    "reviewer": (Role.REVIEWER, Organisation.Kind.CITY_OFFICE),
}


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *(args or SMALL), stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(monkeypatch) -> str:
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    return seed()


def organisation_of(username: str) -> Organisation:
    return (
        Membership.objects.select_related("organisation").get(user__username=username).organisation
    )


def snapshot() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row of every table (sessions aside)."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in ("sessions", "admin"):
            continue
        rows = list(model._default_manager.order_by("pk").values_list())
        state[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    records = ProcurementRecord.objects.order_by("pk").values_list("pk", "amount", "status")
    state["records"] = (0, hashlib.sha256(repr(list(records)).encode()).hexdigest())
    hashes = get_user_model().objects.order_by("username").values_list("username", "password")
    state["passwords"] = (0, hashlib.sha256(repr(list(hashes)).encode()).hexdigest())
    return state


def test_the_api_accounts_exist_with_their_roles_and_sign_in(seeded):
    for username, (role, kind) in API_ACCOUNTS.items():
        membership = Membership.objects.select_related("organisation", "user").get(
            user__username=username
        )
        assert membership.role == role
        assert membership.organisation.kind == kind
        assert authenticate(username=username, password="portal-demo") == membership.user
        assert not membership.user.is_staff and not membership.user.is_superuser
        assert membership.user.first_name and membership.user.email.endswith("@example.gov.cn")
    admin = authenticate(username="admin", password="portal-demo")
    assert admin is not None and admin.is_superuser and admin.is_staff

    city = organisation_of("city_office")
    assert city.region_id == "440300" and organisation_of("reviewer") == city
    unit_a, unit_b = organisation_of("unit_clerk"), organisation_of("unit_clerk_2")
    assert organisation_of("unit_approver") == unit_a
    assert organisation_of("district_office").region_id == unit_a.region_id
    assert unit_b.region_id != unit_a.region_id
    assert organisation_of("supplier") != organisation_of("supplier_2")
    districts = Region.objects.filter(parent_id="440300").count()
    assert districts == 9
    offices = Organisation.objects.filter(kind=Organisation.Kind.DISTRICT_OFFICE)
    assert offices.count() == districts
    assert set(offices.values_list("region__parent_id", flat=True)) == {"440300"}


def test_demo_password_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-secret")
    seed()
    assert authenticate(username="unit_clerk", password="another-demo-secret") is not None
    assert authenticate(username="unit_clerk", password="portal-demo") is None


def test_a_second_run_changes_nothing(seeded):
    before = snapshot()
    output = seed()
    assert snapshot() == before
    assert "新建 (created): 0 rows; 更新 (updated): 0 rows" in output


def test_a_larger_run_keeps_the_first_units_and_tops_up_the_new_ones(seeded):
    first = set(BudgetUnit.objects.values_list("credit_code", "name"))
    records = ProcurementRecord.objects.count()
    seed("--units", "14", "--records", "600", "--as-of", AS_OF)
    assert first < set(BudgetUnit.objects.values_list("credit_code", "name"))
    assert ProcurementRecord.objects.count() > records
    assert not BudgetUnit.objects.exclude(
        Exists(ProcurementRecord.objects.filter(budget_unit=OuterRef("pk")))
    ).exists()


def test_every_credit_code_is_valid(seeded):
    codes = list(Organisation.objects.values_list("kind", "credit_code"))
    assert all(uscc.is_valid(code) for _, code in codes if code)
    assert all(code for kind, code in codes if kind in ("budget_unit", "supplier"))
    assert len({code for _, code in codes}) == len(codes)
    assert BudgetUnit.objects.count() == 12
    assert len(set(BudgetUnit.objects.values_list("category", flat=True))) >= 4


def test_every_record_was_bought_from_a_recognised_supplier_that_day(seeded):
    recognised = Certificate.objects.filter(
        supplier_id=OuterRef("supplier_id"),
        scheme_id="recognition",
        status__in=[Certificate.Status.VALID, Certificate.Status.EXPIRED],
        valid_from__lte=OuterRef("purchased_on"),
        valid_until__gte=OuterRef("purchased_on"),
    )
    # The purchases asked for, and the few suspicious ones planted for the integrity review
    # queue (reporting/demo/integrity.py): recognised all the same.
    planted = ProcurementRecord.objects.filter(invoice_no__startswith=INTEGRITY_PREFIX)
    assert ProcurementRecord.objects.exclude(pk__in=planted).count() == 600
    assert 0 < planted.count() <= 10
    assert not ProcurementRecord.objects.exclude(Exists(recognised)).exists()
    with_product = (
        ProcurementRecord.objects.exclude(product=None)
        .exclude(pk__in=planted)
        .select_related("product")
    )
    assert all(r.product.supplier_id == r.supplier_id for r in with_product)
    assert all(r.unit == r.product.price_unit and r.quantity > 0 for r in with_product)
    assert all(r.amount == r.product.price * r.quantity for r in with_product)


def test_unit_a_keeps_its_latest_ended_quarter_open_and_everyone_else_submitted(seeded):
    as_of = datetime.date.fromisoformat(AS_OF)
    open_quarter = last_ended_quarter(as_of=as_of)
    ended = ended_quarters(since=Quarter(2025, 1), as_of=as_of)
    unit_a = organisation_of("unit_clerk")
    assert open_quarter == Quarter(2026, 2)

    assert not QuarterSubmission.objects.filter(
        budget_unit_id=unit_a.pk, year=2026, quarter=2
    ).exists()
    a_open = ProcurementRecord.objects.filter(
        budget_unit_id=unit_a.pk,
        purchased_on__range=(open_quarter.first_day, open_quarter.last_day),
    )
    assert a_open.exists()
    assert set(a_open.values_list("status", flat=True)) == {"recorded"}

    submitted = set(QuarterSubmission.objects.values_list("budget_unit_id", "year", "quarter"))
    for unit_id in BudgetUnit.objects.values_list("pk", flat=True):
        for quarter in ended:
            expected = not (unit_id == unit_a.pk and quarter == open_quarter)
            assert ((unit_id, quarter.year, quarter.quarter) in submitted) == expected
    locked = ProcurementRecord.objects.filter(purchased_on__lte=ended[-1].last_day).exclude(
        budget_unit_id=unit_a.pk, purchased_on__gte=open_quarter.first_day
    )
    assert set(locked.values_list("status", flat=True)) == {"submitted", "rejected"}
    current = ProcurementRecord.objects.filter(purchased_on__gt=ended[-1].last_day)
    assert set(current.values_list("status", flat=True)) == {"recorded"}
    assert Declaration.objects.filter(budget_unit_id=unit_a.pk, year=2026, quarter=2).exists()


def test_supplier_holds_recognitions_and_no_szp_so_it_can_apply(seeded):
    supplier, supplier_2 = organisation_of("supplier"), organisation_of("supplier_2")
    held = Certificate.objects.filter(supplier_id=supplier.pk, status="valid")
    assert held.filter(scheme_id="recognition", product__status=Product.Status.LISTED).exists()
    assert not Certificate.objects.filter(supplier_id=supplier.pk, scheme_id="szp").exists()
    assert Certificate.objects.filter(supplier_id=supplier_2.pk, scheme_id="szp").exists()
    certificates = Certificate.objects.select_related("application")
    assert all(c.application.status == "approved" for c in certificates)
    assert Supplier.objects.filter(status=Supplier.Status.PENDING).exists()


def test_outlets_of_every_kind_with_the_one_plus_ten_centres(seeded):
    kinds = set(Outlet.objects.values_list("kind", flat=True))
    assert kinds == set(Outlet.Kind.values)
    assert Outlet.objects.filter(kind="centre").count() == 11
    assert Outlet.objects.filter(name__contains="海吉星", kind="centre").exists()
    for outlet in Outlet.objects.exclude(status="active"):
        last = OutletStatusChange.objects.filter(outlet=outlet).order_by("-changed_at").first()
        assert last is not None and last.to_status == outlet.status and last.note


def test_catalogue_uses_real_region_codes():
    codes = {row["code"] for row in read_rows("regions.csv")}
    for supplier in SUPPLIERS:
        assert supplier.county in codes
        assert all((p.origin or supplier.county) in codes for p in supplier.products)


def test_default_size_looks_like_a_city_meeting_its_quota(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    seed("--as-of", "2026-11-23")
    assert BudgetUnit.objects.count() == 60
    assert 3000 <= ProcurementRecord.objects.count() <= 6000
    bought = dict(
        ProcurementRecord.objects.filter(purchased_on__year=2025)
        .exclude(status="rejected")
        .values_list("budget_unit")
        .annotate(total=Sum("amount"))
    )
    declared = dict(
        Declaration.objects.filter(year=2025)
        .values_list("budget_unit")
        .annotate(total=Sum("agri_total"))
    )
    shares = [bought.get(unit, 0) / total for unit, total in declared.items()]
    below = sum(1 for share in shares if share < 0.3)
    assert 0 < below < len(shares) / 2
    assert all(0.15 < share < 0.5 for share in shares)


def test_every_demo_record_with_an_audit_trail_has_its_first_version(seeded):
    from simple_history.models import registered_models

    for model in set(registered_models.values()):
        versions = model.history.values("id")
        assert model._default_manager.exists(), model
        assert not model._default_manager.exclude(pk__in=versions).exists(), model
