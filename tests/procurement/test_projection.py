"""The year-end projection and the early warning (issue 9, point 2), against hand-built cases:
the season of last year against a linear run-rate, the fallbacks (the city's season, no
last year at all, nothing declared), the warning from the third quarter on, scoping, and
bounded query counts on the page and the API."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from procurement.models import ProcurementRecord, QuotaPolicy
from procurement.projection import (
    SEASON_CITY,
    SEASON_LINEAR,
    SEASON_OWN,
    early_warnings,
    projection_for_unit,
    projection_rows,
    projections,
    sorted_rows,
)
from procurement.selectors import compliance_scope
from tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal
AUGUST = datetime.date(2026, 8, 15)  # 2026Q3: eight months (partly) elapsed, warnings on
PAGE = reverse("procurement:projection")
EXPORT = reverse("procurement:projection_export")
API = reverse("projection")


def buy(unit, amount, day):
    return f.RecordFactory(budget_unit=unit, purchased_on=day, amount=D(amount))


def declare(unit, year, quarter, amount):
    return f.DeclarationFactory(budget_unit=unit, year=year, quarter=quarter, agri_total=D(amount))


def one(user, unit, *, year=2026, as_of=AUGUST):
    return next(
        row for row in projection_rows(user=user, year=year, as_of=as_of) if row.name == unit.name
    )


@pytest.fixture
def seasonal_a(unit_a):
    """Unit A bought 10,000 in 2025, four fifths of it in November: by the end of August only
    20% of its year was bought. In 2026 it has bought 3,000 (in May). It declared 100,000 over
    2025 (Q1 10,000, Q2 10,000, Q3 20,000, Q4 60,000) and 30,000 over 2026's Q1–Q3."""
    buy(unit_a, "2000", datetime.date(2025, 3, 10))
    buy(unit_a, "8000", datetime.date(2025, 11, 10))
    buy(unit_a, "3000", datetime.date(2026, 5, 5))
    for quarter, amount in ((1, "10000"), (2, "10000"), (3, "20000"), (4, "60000")):
        declare(unit_a, 2025, quarter, amount)
    for quarter, amount in ((1, "12000"), (2, "8000"), (3, "10000")):
        declare(unit_a, 2026, quarter, amount)
    return unit_a


# The formula ---------------------------------------------------------------------------------


def test_a_seasonal_unit_is_projected_by_its_own_last_year_not_linearly(city_officer, seasonal_a):
    row = one(city_officer, seasonal_a)
    assert row.months_elapsed == 8
    assert row.season_basis == SEASON_OWN
    assert row.season_fraction == D("0.2000")
    assert row.assistance_to_date == D("3000.00")
    # Linearly 3,000 / (8/12) = 4,500; last year's shape says 3,000 / 0.2 = 15,000.
    assert row.projected_assistance == D("15000.00")
    # Declared 30,000 over Q1–Q3, which held 40% of last year's declared 100,000.
    assert row.agri_basis == "own"
    assert (row.agri_declared, row.quarters_declared) == (D("30000"), 3)
    assert row.projected_agri_total == D("75000.00")
    assert row.required_share == D("0.300")
    assert row.projected_share == D("0.2000")
    assert row.projected_shortfall == D("7500.00")  # 30% × 75,000 − 15,000
    assert row.last_year_total == D("10000.00")
    assert row.projected_vs_last_year == D("5000.00")
    assert row.meets_growth and not row.meets_quota
    assert row.warning
    assert row.gap == D("7500.00")
    # 22,500 to reach, 3,000 bought, 5 months left (August to December): 3,900 a month.
    assert row.months_left == 5
    assert row.monthly_needed == D("3900.00")


def test_the_same_purchases_without_a_last_year_are_projected_linearly(city_officer, unit_a):
    buy(unit_a, "3000", datetime.date(2026, 5, 5))
    row = one(city_officer, unit_a)
    assert row.season_basis == SEASON_LINEAR
    assert row.season_fraction == D("0.6667")
    assert row.projected_assistance == D("4500.00")


def test_a_unit_that_did_not_buy_last_year_takes_the_city_s_season(
    city_officer, seasonal_a, unit_b
):
    buy(unit_b, "1000", datetime.date(2026, 2, 1))
    row = one(city_officer, unit_b)
    assert row.season_basis == SEASON_CITY
    assert row.season_fraction == D("0.2000")  # unit A's 2,000 of 10,000 by August
    assert row.projected_assistance == D("5000.00")
    assert row.last_year_total == D("0")
    assert row.meets_growth


def test_a_unit_whose_last_year_fell_after_these_months_takes_the_city_s_season(
    city_officer, seasonal_a, unit_b
):
    """Unit B bought last year only in December: its own season would divide by nothing."""
    buy(unit_b, "500", datetime.date(2025, 12, 1))
    buy(unit_b, "1000", datetime.date(2026, 2, 1))
    row = one(city_officer, unit_b)
    assert row.season_basis == SEASON_CITY
    # the city: unit A's 2,000 of 10,000 and unit B's 500 in December, 2,000 of 10,500
    assert row.season_fraction == D("0.1905")
    assert row.projected_assistance == D("5250.00")  # 1,000 × 10,500 / 2,000


def test_no_data_at_all_is_a_linear_run_rate(city_officer, unit_a):
    as_of = datetime.date(2026, 9, 30)
    buy(unit_a, "9000", datetime.date(2026, 9, 1))
    row = one(city_officer, unit_a, as_of=as_of)
    assert (row.season_basis, row.season_fraction) == (SEASON_LINEAR, D("0.7500"))
    assert row.projected_assistance == D("12000.00")


def test_nothing_bought_projects_nothing(city_officer, unit_a):
    declare(unit_a, 2026, 1, "40000")
    row = one(city_officer, unit_a)
    assert row.assistance_to_date == row.projected_assistance == D("0")
    assert row.projected_agri_total == D("160000.00")  # one quarter, linearly × 4
    assert row.agri_basis == "linear"
    assert row.projected_share == D("0")
    assert row.projected_shortfall == D("48000.00")
    assert row.warning and row.gap == D("48000.00")
    assert row.monthly_needed == D("9600.00")  # 48,000 over five months


def test_rejected_purchases_do_not_count(city_officer, unit_a):
    buy(unit_a, "8000", datetime.date(2026, 3, 1))
    f.RecordFactory(
        budget_unit=unit_a,
        purchased_on=datetime.date(2026, 3, 2),
        amount=D("5000"),
        status=ProcurementRecord.Status.REJECTED,
    )
    assert one(city_officer, unit_a).assistance_to_date == D("8000.00")


def test_a_unit_without_a_declaration_has_no_projected_share_and_is_warned(city_officer, unit_a):
    buy(unit_a, "6000", datetime.date(2026, 4, 1))
    row = one(city_officer, unit_a)
    assert row.agri_basis == "none"
    assert (row.agri_declared, row.quarters_declared) == (D("0"), 0)
    assert row.projected_agri_total is None
    assert row.projected_share is None and row.projected_shortfall is None
    assert not row.meets_quota
    assert row.warning
    assert row.gap == D("0")  # nothing to measure the quota against, nothing below last year


def test_last_year_declared_in_part_only_projects_the_total_linearly(city_officer, unit_a):
    """A partial last year (three quarters declared) would show a false shape."""
    for quarter in (1, 2, 3):
        declare(unit_a, 2025, quarter, "10000")
    declare(unit_a, 2026, 1, "5000")
    declare(unit_a, 2026, 2, "5000")
    row = one(city_officer, unit_a)
    assert (row.agri_basis, row.projected_agri_total) == ("linear", D("20000.00"))


def test_a_declaration_of_a_quarter_not_begun_is_not_counted_yet(city_officer, unit_a):
    declare(unit_a, 2026, 1, "10000")
    declare(unit_a, 2026, 4, "90000")
    row = one(city_officer, unit_a, as_of=datetime.date(2026, 3, 31))
    assert (row.agri_declared, row.projected_agri_total) == (D("10000"), D("40000.00"))


def test_in_december_the_projection_is_the_year_so_far(city_officer, seasonal_a):
    row = one(city_officer, seasonal_a, as_of=datetime.date(2026, 12, 10))
    assert row.season_fraction == D("1.0000")
    assert row.projected_assistance == row.assistance_to_date == D("3000.00")
    assert row.months_left == 1


def test_the_year_s_policy_sets_the_share_and_the_floor(city_officer, seasonal_a):
    QuotaPolicy.objects.create(year=2026, ratio=D("0.200"), growth_required=False)
    buy(seasonal_a, "20000", datetime.date(2026, 1, 2))  # projected 23,000/0.2 = 115,000
    row = one(city_officer, seasonal_a)
    assert row.required_share == D("0.200")
    assert row.meets_quota and not row.growth_required
    assert not row.warning


# The early warning ---------------------------------------------------------------------------


def test_warning_only_from_the_third_quarter_on(city_officer, seasonal_a):
    june = one(city_officer, seasonal_a, as_of=datetime.date(2026, 6, 30))
    assert not june.meets_quota and not june.warning
    july = one(city_officer, seasonal_a, as_of=datetime.date(2026, 7, 1))
    assert july.warning


def test_a_past_year_is_its_actual_result_without_warnings(city_officer, seasonal_a):
    row = one(city_officer, seasonal_a, year=2025)
    assert row.months_elapsed == 12 and row.season_fraction == D("1.0000")
    assert row.projected_assistance == D("10000.00")
    assert row.projected_agri_total == D("100000.00")
    assert not row.meets_quota and not row.warning
    assert row.months_left == 0 and row.monthly_needed is None


def test_a_year_not_begun_has_no_projection(city_officer, seasonal_a):
    assert projection_rows(user=city_officer, year=2027, as_of=AUGUST) == []


def test_below_last_year_is_warned_when_the_policy_keeps_the_floor(city_officer, unit_a):
    """Quota met (projected 6,000 of a projected 12,000) but last year was 20,000."""
    buy(unit_a, "20000", datetime.date(2025, 3, 1))  # all of last year by March: f = 1
    buy(unit_a, "6000", datetime.date(2026, 3, 1))
    for quarter in (1, 2, 3):
        declare(unit_a, 2026, quarter, "3000")
    row = one(city_officer, unit_a)
    assert row.season_fraction == D("1.0000") and row.projected_assistance == D("6000.00")
    assert row.meets_quota and not row.meets_growth
    assert row.growth_gap == row.gap == D("14000.00") and row.warning
    assert row.monthly_needed == D("2800.00")  # (20,000 − 6,000) over five months


def test_units_meeting_the_quota_are_not_on_the_warning_list(
    city_officer, seasonal_a, unit_b, unit_c
):
    buy(unit_b, "9000", datetime.date(2026, 3, 1))  # city season 0.2: projected 45,000
    declare(unit_b, 2026, 1, "30000")  # projected 120,000: 37.5%
    buy(unit_c, "100", datetime.date(2026, 3, 1))  # projected 500
    declare(unit_c, 2026, 1, "30000")  # 120,000: far below
    rows = projection_rows(user=city_officer, year=2026, as_of=AUGUST)
    warned = early_warnings(rows)
    assert [row.name for row in warned] == [unit_c.name, seasonal_a.name]  # largest gap first
    assert [row.gap for row in warned] == [D("35500.00"), D("7500.00")]
    assert unit_b.name not in {row.name for row in warned}


@pytest.fixture
def unit_c():
    return f.BudgetUnitFactory(name="福田区第三幼儿园", region=f.region(f.FUTIAN))


def test_sorting_by_gap_puts_missing_figures_last(city_officer, seasonal_a, unit_b):
    rows = projection_rows(user=city_officer, year=2026, as_of=AUGUST)
    assert [row.name for row in sorted_rows(rows, "-gap")] == [seasonal_a.name, unit_b.name]
    by_share = sorted_rows(rows, "projected_share")
    assert by_share[-1].name == unit_b.name and by_share[-1].projected_share is None


# Scoping -------------------------------------------------------------------------------------


def test_each_reader_sees_only_the_units_in_scope(
    city_officer, district_officer, clerk, clerk_b, supplier, reviewer, unit_a, unit_b
):
    def names(user, **kwargs):
        return {row.name for row in projection_rows(user=user, year=2026, as_of=AUGUST, **kwargs)}

    assert names(city_officer) == {unit_a.name, unit_b.name}
    assert names(city_officer, district=f.NANSHAN) == {unit_b.name}
    assert names(district_officer) == {unit_a.name}
    assert names(district_officer, district=f.NANSHAN) == set()
    assert names(clerk) == {unit_a.name}
    assert names(clerk_b) == {unit_b.name}
    assert names(supplier) == names(reviewer) == set()


def test_the_unit_s_own_projection_for_its_quarters_page(clerk, clerk_b, seasonal_a):
    row = projection_for_unit(user=clerk, budget_unit=seasonal_a, year=2026, as_of=AUGUST)
    assert row.projected_assistance == D("15000.00") and row.warning
    assert (
        projection_for_unit(user=clerk_b, budget_unit=seasonal_a, year=2026, as_of=AUGUST) is None
    )
    assert projection_for_unit(user=clerk, budget_unit=seasonal_a, year=2025, as_of=AUGUST) is None


# The pages -----------------------------------------------------------------------------------


@pytest.fixture
def in_august(monkeypatch):
    monkeypatch.setattr("procurement.views.projection.today", lambda: AUGUST)
    monkeypatch.setattr("procurement.views.records.today", lambda: AUGUST)
    monkeypatch.setattr("procurement.api.projection.today", lambda: AUGUST)


def test_the_quarters_page_shows_the_unit_its_projection_and_warning(
    client, clerk, seasonal_a, in_august
):
    client.force_login(clerk)
    response = client.get(reverse("procurement:quarters"))
    assert response.status_code == 200
    assert response.context["projection"].projected_assistance == D("15000.00")
    body = response.content.decode()
    assert 'data-testid="projection-card"' in body
    assert 'data-testid="projection-warning"' in body
    assert "¥3,900.00" in body  # the monthly amount needed
    assert "+¥5,000.00" in body  # ahead of last year


def test_the_page_lists_the_district_s_units_with_the_formula(
    client, district_officer, seasonal_a, unit_b, in_august
):
    buy(unit_b, "1000", datetime.date(2026, 2, 1))
    client.force_login(district_officer)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert [row.name for row in response.context["rows"]] == [seasonal_a.name]
    body = response.content.decode()
    assert 'data-testid="projection-formula"' in body
    assert 'data-testid="warning"' in body
    assert response.context["totals"]["warned"] == 1


def test_the_city_filters_by_district_and_warnings(
    client, city_officer, seasonal_a, unit_b, in_august
):
    buy(unit_b, "90000", datetime.date(2026, 2, 1))
    declare(unit_b, 2026, 1, "10000")
    client.force_login(city_officer)
    response = client.get(PAGE, {"district": f.NANSHAN})
    assert [row.name for row in response.context["rows"]] == [unit_b.name]
    response = client.get(PAGE, {"show": "warnings"})
    assert [row.name for row in response.context["rows"]] == [seasonal_a.name]


def test_before_the_third_quarter_the_page_says_warnings_come_later(
    client, city_officer, seasonal_a, monkeypatch
):
    monkeypatch.setattr("procurement.views.projection.today", lambda: datetime.date(2026, 5, 1))
    client.force_login(city_officer)
    response = client.get(PAGE, {"show": "warnings"})
    assert 'data-testid="before-warnings"' in response.content.decode()
    assert response.context["rows"] == []


def test_suppliers_and_reviewers_may_not_open_the_page(client, supplier, reviewer):
    for user in (supplier, reviewer):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        assert client.get(EXPORT).status_code == 403


def test_the_export_holds_what_the_filters_show(
    client, city_officer, seasonal_a, unit_b, in_august
):
    client.force_login(city_officer)
    response = client.get(EXPORT, {"show": "warnings", "sort": "-gap"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    # unit B is warned too (nothing declared), with no gap to measure
    assert [row[0] for row in rows] == [seasonal_a.name, unit_b.name]
    assert rows[0][4] == 15000 and rows[0][14] == 7500


def _many_units(n: int) -> None:
    """``n`` units of 福田区, each with a last year, purchases and a declaration."""
    for index in range(n):
        unit = f.BudgetUnitFactory(region=f.region(f.FUTIAN))
        buy(unit, "1000", datetime.date(2025, 2, 1))
        buy(unit, str(100 + index), datetime.date(2026, 2, 1))
        declare(unit, 2026, 1, "10000")


def test_the_page_costs_a_bounded_number_of_queries_for_3_or_40_units(
    client, city_officer, in_august, django_assert_max_num_queries
):
    client.force_login(city_officer)
    _many_units(3)
    with django_assert_max_num_queries(12) as few:
        response = client.get(PAGE, {"sort": "-gap"})
    assert len(response.context["rows"]) == 3
    _many_units(37)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(PAGE, {"sort": "-gap"})
    assert len(response.context["rows"]) == 40


def test_the_projection_of_many_units_is_six_queries(city_officer, django_assert_num_queries):
    _many_units(25)
    scope = compliance_scope(user=city_officer)  # reads the officer's membership
    with django_assert_num_queries(6):
        rows = projections(scope, year=2026, as_of=AUGUST)
    assert len(rows) == 25


# The API -------------------------------------------------------------------------------------


def test_the_api_lists_the_projection_paginated(
    client, city_officer, seasonal_a, unit_b, in_august
):
    client.force_login(city_officer)
    body = client.get(API, {"year": 2026}).json()
    assert body["count"] == 2 and {"next", "previous", "results"} <= set(body)
    row = next(r for r in body["results"] if r["budget_unit"] == seasonal_a.pk)
    assert row["projected_assistance"] == "15000.00"
    assert row["projected_agri_total"] == "75000.00"
    assert row["projected_share"] == "0.2000"
    assert row["season_basis"] == "own"
    assert row["warning"] is True and row["gap"] == "7500.00"
    assert row["monthly_needed"] == "3900.00"
    assert row["as_of"] == "2026-08-15"


def test_the_api_filters_warnings_and_district_and_sorts(
    client, city_officer, seasonal_a, unit_b, in_august
):
    buy(unit_b, "90000", datetime.date(2026, 2, 1))
    declare(unit_b, 2026, 1, "10000")
    client.force_login(city_officer)
    assert [r["name"] for r in client.get(API, {"warning": "true"}).json()["results"]] == [
        seasonal_a.name
    ]
    assert [r["name"] for r in client.get(API, {"warning": "false"}).json()["results"]] == [
        unit_b.name
    ]
    assert [r["name"] for r in client.get(API, {"district": f.NANSHAN}).json()["results"]] == [
        unit_b.name
    ]
    assert [
        r["name"] for r in client.get(API, {"sort": "-projected_assistance"}).json()["results"]
    ] == [unit_b.name, seasonal_a.name]
    assert client.get(API, {"sort": "nonsense"}).status_code == 400


def test_the_api_is_scoped(client, clerk_b, supplier, reviewer, seasonal_a, unit_b, in_august):
    client.force_login(clerk_b)
    assert [r["name"] for r in client.get(API).json()["results"]] == [unit_b.name]
    for user in (supplier, reviewer):
        client.force_login(user)
        response = client.get(API)
        assert response.status_code == 200 and response.json()["count"] == 0
    client.logout()
    assert client.get(API).status_code in (401, 403)


def test_the_api_costs_a_bounded_number_of_queries(
    client, city_officer, in_august, django_assert_max_num_queries
):
    client.force_login(city_officer)
    _many_units(3)
    with django_assert_max_num_queries(10) as few:
        assert client.get(API, {"page_size": 1000}).json()["count"] == 3
    _many_units(37)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(API, {"page_size": 1000}).json()["count"] == 40
