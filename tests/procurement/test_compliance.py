"""api.md, "The quota, exactly", on a hand-computed city."""

import datetime
from decimal import Decimal

import pytest

from procurement.models import QuotaPolicy
from procurement.selectors import compliance_rows
from tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def quota_city(unit_a, unit_b):
    """Unit A (福田): declared 100,000 in 2026, bought 25,000 + 9,000, one rejected 50,000;
    last year 30,000 (with a purchase on 2025-12-31 that belongs to 2025).
    Unit B (南山): no declaration, bought 1,000 in 2026.
    Unit C (福田): declared 10,000, only a rejected record.
    """
    QuotaPolicy.objects.create(year=2026, ratio=D("0.300"))
    f.DeclarationFactory(budget_unit=unit_a, year=2026, quarter=1, agri_total=D("60000"))
    f.DeclarationFactory(budget_unit=unit_a, year=2026, quarter=2, agri_total=D("40000"))
    f.DeclarationFactory(budget_unit=unit_a, year=2025, quarter=4, agri_total=D("999999"))
    f.RecordFactory(budget_unit=unit_a, purchased_on=datetime.date(2026, 1, 1), amount=D("25000"))
    f.RecordFactory(budget_unit=unit_a, purchased_on=datetime.date(2026, 6, 30), amount=D("9000"))
    f.RecordFactory(
        budget_unit=unit_a,
        purchased_on=datetime.date(2026, 3, 3),
        amount=D("50000"),
        status="rejected",
    )
    f.RecordFactory(budget_unit=unit_a, purchased_on=datetime.date(2025, 12, 31), amount=D("20000"))
    f.RecordFactory(budget_unit=unit_a, purchased_on=datetime.date(2025, 2, 1), amount=D("10000"))
    f.RecordFactory(budget_unit=unit_b, purchased_on=datetime.date(2026, 5, 5), amount=D("1000"))
    unit_c = f.BudgetUnitFactory(name="福田区第三幼儿园", region=f.region(f.FUTIAN))
    f.DeclarationFactory(budget_unit=unit_c, year=2026, quarter=1, agri_total=D("10000"))
    f.RecordFactory(
        budget_unit=unit_c,
        purchased_on=datetime.date(2026, 2, 2),
        amount=D("8000"),
        status="rejected",
    )
    return unit_a, unit_b, unit_c


def by_name(rows):
    return {row.name: row for row in rows}


def test_the_formula_on_a_hand_computed_case(city_officer, quota_city):
    rows = by_name(compliance_rows(user=city_officer, year=2026))
    a = rows["深圳市福田区教育局"]
    assert a.agri_total == D("100000.00")
    assert a.assistance_total == D("34000.00")
    assert a.share == D("0.3400")
    assert a.required_share == D("0.300")
    assert a.shortfall == D("0.00")
    assert a.last_year_total == D("30000.00")
    assert a.meets_share and a.meets_growth

    b = rows["深圳市南山区人民医院"]
    assert b.agri_total == D("0") and b.share is None
    assert b.shortfall == D("0.00")
    assert not b.meets_share
    assert b.meets_growth  # 1,000 against nothing last year

    c = rows["福田区第三幼儿园"]
    assert c.assistance_total == D("0")
    assert c.share == D("0.0000")
    assert c.shortfall == D("3000.00")
    assert not c.meets_share


def test_the_year_boundary_belongs_to_the_right_year(city_officer, quota_city):
    rows = by_name(compliance_rows(user=city_officer, year=2025))
    a = rows["深圳市福田区教育局"]
    assert a.assistance_total == D("30000.00")
    assert a.agri_total == D("999999.00")
    assert a.required_share == D("0.300")  # no 2025 policy: Shenzhen's 30% applies
    assert a.shortfall == D("269999.70")


def test_offices_and_units_see_only_their_rows(district_officer, clerk_b, quota_city):
    assert set(by_name(compliance_rows(user=district_officer, year=2026))) == {
        "深圳市福田区教育局",
        "福田区第三幼儿园",
    }
    assert set(by_name(compliance_rows(user=clerk_b, year=2026))) == {"深圳市南山区人民医院"}


def test_the_district_filter(city_officer, quota_city):
    rows = compliance_rows(user=city_officer, year=2026, district=f.NANSHAN)
    assert [row.name for row in rows] == ["深圳市南山区人民医院"]


def test_compliance_runs_one_query_whatever_the_number_of_units(
    city_officer, quota_city, django_assert_max_num_queries
):
    for n in range(20):
        unit = f.BudgetUnitFactory()
        f.DeclarationFactory(budget_unit=unit, year=2026)
        f.RecordFactory(budget_unit=unit, purchased_on=datetime.date(2026, 4, n + 1))
    with django_assert_max_num_queries(3):
        rows = compliance_rows(user=city_officer, year=2026)
    assert len(rows) == 23


def test_the_api_pages_through_every_unit_with_the_figures_of_compliance_rows(
    city_officer, quota_city, django_assert_max_num_queries
):
    """Each page sums its own units only (procurement.selectors.CompliancePages): every page
    costs the same few queries, and the pages together are compliance_rows, in its order."""
    from rest_framework.test import APIClient

    for n in range(110):
        unit = f.BudgetUnitFactory(name=f"单位{n:03d}", region=f.region(f.FUTIAN))
        f.DeclarationFactory(budget_unit=unit, year=2026, agri_total=D(1000 + n))
        f.RecordFactory(
            budget_unit=unit, purchased_on=datetime.date(2026, 1 + n % 12, 5), amount=D(n + 1)
        )
        if n % 3:
            f.RecordFactory(
                budget_unit=unit, purchased_on=datetime.date(2025, 1 + n % 12, 9), amount=D(n)
            )
    api = APIClient()
    api.force_authenticate(city_officer)
    walked, url, pages = [], "/api/v1/procurement/compliance/?year=2026", 0
    while url:
        with django_assert_max_num_queries(4):  # the unit count, the page, the ratio, the actor
            data = api.get(url).json()
        walked += data["results"]
        url, pages = data["next"], pages + 1
    assert pages == 3 and data["count"] == 113
    expected = compliance_rows(user=city_officer, year=2026)
    assert [row["budget_unit"] for row in walked] == [row.budget_unit for row in expected]
    assert [
        (D(row["assistance_total"]), D(row["last_year_total"]), D(row["agri_total"]))
        for row in walked
    ] == [(row.assistance_total, row.last_year_total, row.agri_total) for row in expected]
    assert api.get("/api/v1/procurement/compliance/?year=2026&page=4").status_code == 404
    # Every unit in one request: ?page_size= up to 1,000, the same rows in the same order.
    with django_assert_max_num_queries(4):
        whole = api.get("/api/v1/procurement/compliance/?year=2026&page_size=1000").json()
    assert whole["next"] is None
    assert [row["budget_unit"] for row in whole["results"]] == [
        row["budget_unit"] for row in walked
    ]
    capped = api.get("/api/v1/procurement/compliance/?year=2026&page_size=100000").json()
    assert len(capped["results"]) == 113  # capped at 1,000, which is more than there are
    assert (
        len(api.get("/api/v1/procurement/compliance/?year=2026&page_size=7").json()["results"]) == 7
    )
