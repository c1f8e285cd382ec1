"""The procurement API of api.md: same rules and scoping as the pages."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from portal.periods import Quarter, today
from procurement.models import ProcurementRecord, QuarterSubmission
from tests import factories as f

pytestmark = pytest.mark.django_db

RECORDS = "/api/v1/procurement/records/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def recognised_now(supplier_org):
    """Recognition over last year and this one, whatever today is."""
    year = today().year
    f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org),
        valid_from=datetime.date(year - 1, 1, 1),
        valid_until=datetime.date(year, 12, 31),
    )
    return supplier_org


def body(supplier, **overrides):
    values = {
        "purchased_on": Quarter.of(today()).first_day.isoformat(),
        "supplier": supplier.pk,
        "amount": "1234.50",
        "channel": "platform_832",
        "purpose": "canteen",
        "invoice_no": "44039001",
        "quantity": "12",
        "unit": "箱",
    }
    values.update(overrides)
    return values


def test_clerk_logs_and_reads_its_record_with_money_as_a_string(clerk, unit_a, recognised_now):
    response = api_for(clerk).post(RECORDS, body(recognised_now), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["amount"] == "1234.50"
    assert data["budget_unit"] == unit_a.pk
    assert data["status"] == "recorded"
    listing = api_for(clerk).get(RECORDS).json()
    assert listing["count"] == 1
    assert listing["results"][0]["id"] == data["id"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"purchased_on": "2999-01-01"}, "purchased_on"),
        ({"channel": "carrier_pigeon"}, "channel"),
    ],
)
def test_refusals_are_400_with_the_field_named(clerk, unit_a, recognised_now, overrides, field):
    response = api_for(clerk).post(RECORDS, body(recognised_now, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ProcurementRecord.objects.exists()


def test_unrecognised_supplier_is_refused_with_its_name(clerk, unit_a, supplier_org):
    response = api_for(clerk).post(RECORDS, body(supplier_org), format="json")
    assert response.status_code == 400
    assert supplier_org.name in response.json()["supplier"][0]


def test_duplicate_invoice_is_refused(clerk, unit_a, recognised_now):
    api = api_for(clerk)
    assert api.post(RECORDS, body(recognised_now), format="json").status_code == 201
    response = api.post(RECORDS, body(recognised_now), format="json")
    assert response.status_code == 400
    assert "invoice_no" in response.json()


def test_clerk_b_can_neither_read_nor_change_unit_a_s_records(
    clerk, clerk_b, unit_a, recognised_now
):
    record_id = api_for(clerk).post(RECORDS, body(recognised_now), format="json").json()["id"]
    other = api_for(clerk_b)
    assert other.get(f"{RECORDS}{record_id}/").status_code == 404
    assert (
        other.patch(f"{RECORDS}{record_id}/", {"amount": "1.00"}, format="json").status_code == 404
    )
    assert other.delete(f"{RECORDS}{record_id}/").status_code == 404
    assert other.get(RECORDS).json()["count"] == 0
    response = other.post(RECORDS, body(recognised_now, budget_unit=unit_a.pk), format="json")
    assert response.status_code == 403
    assert ProcurementRecord.objects.count() == 1


def test_clerk_b_cannot_read_or_write_unit_a_s_declarations_or_submissions(
    clerk, clerk_b, approver, unit_a
):
    f.DeclarationFactory(budget_unit=unit_a, year=today().year, quarter=1)
    other = api_for(clerk_b)
    assert other.get("/api/v1/declarations/").json()["count"] == 0
    response = other.post(
        "/api/v1/declarations/",
        {"budget_unit": unit_a.pk, "year": today().year, "quarter": 1, "agri_total": "1.00"},
        format="json",
    )
    assert response.status_code == 403
    response = other.post(
        "/api/v1/procurement/quarters/submit/",
        {"budget_unit": unit_a.pk, "year": today().year - 1, "quarter": 4},
        format="json",
    )
    assert response.status_code == 403


def test_patch_and_delete_while_open_then_locked_after_submission(
    clerk, approver, unit_a, recognised_now
):
    last = Quarter.of(today()).previous()
    api = api_for(clerk)
    record = api.post(
        RECORDS, body(recognised_now, purchased_on=last.first_day.isoformat()), format="json"
    ).json()
    response = api.patch(f"{RECORDS}{record['id']}/", {"amount": "99.00"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["amount"] == "99.00"
    declared = api.post(
        "/api/v1/declarations/",
        {
            "budget_unit": unit_a.pk,
            "year": last.year,
            "quarter": last.quarter,
            "agri_total": "50.00",
        },
        format="json",
    )
    assert declared.status_code == 201
    assert "exceed" in declared.json()["warning"]
    submitted = api_for(approver).post(
        "/api/v1/procurement/quarters/submit/",
        {"budget_unit": unit_a.pk, "year": last.year, "quarter": last.quarter},
        format="json",
    )
    assert submitted.status_code == 201, submitted.json()
    assert submitted.json()["status"] == "submitted"
    locked = api.patch(f"{RECORDS}{record['id']}/", {"amount": "1.00"}, format="json")
    assert locked.status_code == 400
    assert "submitted" in locked.json()["non_field_errors"][0]
    assert api.delete(f"{RECORDS}{record['id']}/").status_code == 400
    assert ProcurementRecord.objects.get().amount == Decimal("99.00")


def test_the_district_office_reopens_through_the_api(district_officer, approver, unit_a, clerk):
    last = Quarter.of(today()).previous()
    f.DeclarationFactory(budget_unit=unit_a, year=last.year, quarter=last.quarter)
    api_for(approver).post(
        "/api/v1/procurement/quarters/submit/",
        {"budget_unit": unit_a.pk, "year": last.year, "quarter": last.quarter},
        format="json",
    )
    payload = {
        "budget_unit": unit_a.pk,
        "year": last.year,
        "quarter": last.quarter,
        "reason": "凭证缺失",
    }
    assert (
        api_for(clerk)
        .post("/api/v1/procurement/quarters/reopen/", payload, format="json")
        .status_code
        == 403
    )
    response = api_for(district_officer).post(
        "/api/v1/procurement/quarters/reopen/", payload, format="json"
    )
    assert response.status_code == 200
    assert QuarterSubmission.objects.get().status == "reopened"


def test_compliance_needs_a_year_and_gives_api_md_fields(city_officer, unit_a):
    api = api_for(city_officer)
    assert api.get("/api/v1/procurement/compliance/").status_code == 400
    f.DeclarationFactory(budget_unit=unit_a, year=2026, quarter=1, agri_total=Decimal("1000"))
    f.RecordFactory(
        budget_unit=unit_a, purchased_on=datetime.date(2026, 2, 1), amount=Decimal("250")
    )
    data = api.get("/api/v1/procurement/compliance/", {"year": 2026}).json()
    row = data["results"][0]
    assert set(row) >= {
        "budget_unit",
        "name",
        "agri_total",
        "assistance_total",
        "share",
        "required_share",
        "shortfall",
        "last_year_total",
        "meets_share",
        "meets_growth",
    }
    assert row["agri_total"] == "1000.00"
    assert row["assistance_total"] == "250.00"
    assert row["share"] == "0.2500"
    assert row["shortfall"] == "50.00"
    assert row["meets_share"] is False


def test_budget_units_are_scoped(clerk, district_officer, city_officer, unit_a, unit_b):
    assert [u["id"] for u in api_for(clerk).get("/api/v1/budget-units/").json()["results"]] == [
        unit_a.pk
    ]
    district = api_for(district_officer).get("/api/v1/budget-units/").json()
    assert {u["district"] for u in district["results"]} == {f.FUTIAN}
    assert api_for(city_officer).get("/api/v1/budget-units/").json()["count"] == 2


@pytest.mark.parametrize("size", [3, 40])
def test_lists_run_a_bounded_number_of_queries(city_officer, size, django_assert_max_num_queries):
    for n in range(size):
        unit = f.BudgetUnitFactory()
        f.RecordFactory(budget_unit=unit, purchased_on=datetime.date(2026, 1, 1 + n % 28))
        f.DeclarationFactory(budget_unit=unit, year=2026)
    api = api_for(city_officer)
    for url, params in (
        (RECORDS, {"year": 2026, "quarter": 1}),
        ("/api/v1/procurement/compliance/", {"year": 2026}),
        ("/api/v1/declarations/", {}),
        ("/api/v1/budget-units/", {}),
    ):
        with django_assert_max_num_queries(6):
            assert api.get(url, params).status_code == 200


def test_record_filters(clerk, unit_a, recognised_now):
    f.RecordFactory(budget_unit=unit_a, purchased_on=datetime.date(2025, 5, 5), channel="outlet")
    f.RecordFactory(budget_unit=unit_a, purchased_on=datetime.date(2025, 11, 5))
    api = api_for(clerk)
    assert api.get(RECORDS, {"year": 2025, "quarter": 2}).json()["count"] == 1
    assert api.get(RECORDS, {"year": 2025}).json()["count"] == 2
    assert api.get(RECORDS, {"channel": "outlet"}).json()["count"] == 1
    assert api.get(RECORDS, {"quarter": 4}).json()["count"] == 1
