"""The quota rule engine (procurement.quota, issue 9 point 1) on hand-built numbers: every rule
kind, its edges, and every place the compliance figures show them (rows, API, page, export,
the unit's quarters page), each in a bounded number of queries."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from procurement.models import BudgetUnit, QuotaPolicy, QuotaRule
from procurement.quota import (
    BELOW,
    MET,
    NO_BASE,
    NOT_APPLICABLE,
    rule_book,
    rule_statuses_for_unit,
)
from procurement.quota_filter import below_any_rule
from procurement.selectors import compliance_rows, compliance_units
from tests import factories as f

from .conftest import AS_OF

pytestmark = pytest.mark.django_db
D = Decimal
PAGE = reverse("procurement:compliance")
EXPORT = reverse("procurement:compliance_export")
API = "/api/v1/procurement/compliance/"
CANTEEN_832 = "832平台采购食堂食材不低于10%"
UNION_OUTLETS = "工会福利50%用于消费帮扶专馆专区"


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setattr("procurement.views.compliance.today", lambda: AS_OF)
    monkeypatch.setattr("procurement.views.records.today", lambda: AS_OF)


def buy(unit, amount, *, channel="platform_832", purpose="canteen", day=None, **extra):
    return f.RecordFactory(
        budget_unit=unit,
        amount=D(amount),
        channel=channel,
        purpose=purpose,
        purchased_on=day or datetime.date(2026, 5, 5),
        **extra,
    )


def declare(unit, agri, canteen="0", union_welfare="0", *, quarter=1, year=2026):
    return f.DeclarationFactory(
        budget_unit=unit,
        year=year,
        quarter=quarter,
        agri_total=D(agri),
        canteen_total=D(canteen),
        union_welfare_total=D(union_welfare),
    )


def add_rule(policy, name, base, ratio, channels=(), categories=(), position=0):
    return QuotaRule.objects.create(
        policy=policy,
        name=name,
        base=base,
        ratio=D(ratio),
        channels=list(channels),
        categories=list(categories),
        position=position,
    )


@pytest.fixture
def policy():
    return QuotaPolicy.objects.create(year=2026, ratio=D("0.300"), growth_required=True)


@pytest.fixture
def national_and_guangzhou(policy):
    """The national canteen rule (10% of canteen food through the 832 platform, agencies,
    institutions, schools and hospitals) and Guangzhou's union-welfare rule (50% in the special
    outlets, every unit)."""
    canteen = add_rule(
        policy,
        CANTEEN_832,
        "canteen",
        "0.100",
        channels=["platform_832"],
        categories=["agency", "institution", "school", "hospital"],
    )
    union = add_rule(policy, UNION_OUTLETS, "union_welfare", "0.500", ["outlet"], position=1)
    return canteen, union


@pytest.fixture
def school(unit_a):
    """Unit A, a school (福田): declared 200,000 farm products, 100,000 canteen food, 10,000
    union welfare over two quarters. Bought in 2026: canteen food through the 832 platform
    6,000 (+ a rejected 9,000), canteen food through an outlet 7,000, union welfare through an
    outlet 4,000 and through the 832 platform 5,000; in 2025, 832 canteen food 50,000."""
    assert unit_a.category == BudgetUnit.Category.SCHOOL
    declare(unit_a, "120000", "60000", "10000", quarter=1)
    declare(unit_a, "80000", "40000", "0", quarter=2)
    declare(unit_a, "999999", "999999", "999999", year=2025)
    buy(unit_a, "6000")
    buy(unit_a, "9000", status="rejected")
    buy(unit_a, "7000", channel="outlet")
    buy(unit_a, "4000", channel="outlet", purpose="union_welfare")
    buy(unit_a, "5000", purpose="union_welfare")
    buy(unit_a, "50000", day=datetime.date(2025, 12, 31))
    return unit_a


def statuses(user, year=2026, **kwargs):
    return {
        row.name: {s.code: s for s in row.rules}
        for row in compliance_rows(user=user, year=year, **kwargs)
    }


# --- the engine -------------------------------------------------------------------------------


def test_a_year_without_a_policy_has_the_standard_rule_and_the_floor(city_officer, unit_a):
    declare(unit_a, "10000")
    buy(unit_a, "2000")
    book = rule_book(2026)
    assert book.is_default and book.ratio == D("0.300") and book.growth_required
    rules = statuses(city_officer)[unit_a.name]
    assert list(rules) == ["main", "growth"]
    main = rules["main"]
    assert (main.kind, main.base, main.ratio) == ("share", "agri", D("0.300"))
    assert main.share == D("0.2000") and main.required_amount == D("3000.00")
    assert main.shortfall == D("1000.00") and main.meets is False and main.state == BELOW


def test_the_main_rule_is_the_rows_api_md_fields(city_officer, school, national_and_guangzhou):
    (row,) = compliance_rows(user=city_officer, year=2026)
    main = row.rules[0]
    assert main.code == "main"
    assert main.base_total == row.agri_total == D("200000.00")
    assert main.counted_total == row.assistance_total == D("22000.00")
    assert main.share == row.share == D("0.1100")
    assert main.shortfall == row.shortfall == D("38000.00")
    assert main.required_amount == D("60000.00")
    assert main.meets is row.meets_share is False


def test_the_canteen_rule_counts_canteen_food_through_its_channels_only(
    city_officer, school, national_and_guangzhou
):
    canteen, _union = national_and_guangzhou
    rule = statuses(city_officer)[school.name][f"rule-{canteen.pk}"]
    assert rule.kind == "share" and rule.base == "canteen" and rule.applies
    assert rule.channels == ("platform_832",)
    assert rule.base_total == D("100000.00")  # both quarters; last year's aside
    # 6,000 only: not the rejected 9,000, the outlet's 7,000, union welfare's 5,000 or 2025's
    assert rule.counted_total == D("6000.00")
    assert rule.share == D("0.0600")
    assert rule.required_amount == D("10000.00")
    assert rule.shortfall == D("4000.00")
    assert rule.meets is False and rule.state == BELOW


def test_the_union_welfare_rule_counts_union_welfare_in_the_outlets(
    city_officer, school, national_and_guangzhou
):
    _canteen, union = national_and_guangzhou
    rule = statuses(city_officer)[school.name][f"rule-{union.pk}"]
    assert rule.base_total == D("10000.00") and rule.counted_total == D("4000.00")
    assert rule.share == D("0.4000") and rule.shortfall == D("1000.00")
    assert rule.meets is False
    buy(school, "1000", channel="outlet", purpose="union_welfare")
    rule = statuses(city_officer)[school.name][f"rule-{union.pk}"]
    assert rule.counted_total == D("5000.00") and rule.shortfall == D("0.00")
    assert rule.meets is True and rule.state == MET  # exactly 50% meets


def test_a_farm_products_rule_counts_every_purpose_of_its_channels(city_officer, school, policy):
    rule = add_rule(policy, "832平台占比不低于5%", "agri", "0.050", ["platform_832"])
    status = statuses(city_officer)[school.name][f"rule-{rule.pk}"]
    assert status.base_total == D("200000.00")
    assert status.counted_total == D("11000.00")  # 6,000 canteen + 5,000 union welfare
    assert status.meets is True and status.shortfall == D("0.00")
    every_channel = add_rule(policy, "全部渠道不低于12%", "agri", "0.120")
    status = statuses(city_officer)[school.name][f"rule-{every_channel.pk}"]
    assert status.channels == () and status.counted_total == D("22000.00")
    assert status.shortfall == D("2000.00") and status.meets is False


def test_a_rule_does_not_apply_to_a_category_it_does_not_name(city_officer, national_and_guangzhou):
    canteen, union = national_and_guangzhou
    firm = f.BudgetUnitFactory(name="深圳市属国企", category=BudgetUnit.Category.STATE_ENTERPRISE)
    declare(firm, "100000", "50000", "20000")
    buy(firm, "100")
    rules = statuses(city_officer)[firm.name]
    status = rules[f"rule-{canteen.pk}"]
    assert status.applies is False and status.state == NOT_APPLICABLE
    assert status.meets is None and status.required_amount is None and status.shortfall is None
    assert status.base_total == D("50000.00") and status.counted_total == D("100.00")
    assert rules[f"rule-{union.pk}"].applies is True  # names no category: every unit


def test_no_base_declared_is_its_own_state_not_a_failure(city_officer, national_and_guangzhou):
    canteen, union = national_and_guangzhou
    hospital = f.BudgetUnitFactory(name="南山区医院", category=BudgetUnit.Category.HOSPITAL)
    declare(hospital, "100000", "0", "0")
    buy(hospital, "5000")
    buy(hospital, "3000", channel="outlet", purpose="union_welfare")
    rules = statuses(city_officer)[hospital.name]
    for rule in (canteen, union):
        status = rules[f"rule-{rule.pk}"]
        assert status.applies and status.state == NO_BASE
        assert status.share is None and status.meets is None
        assert status.required_amount == D("0.00") and status.shortfall == D("0.00")
    assert rules[f"rule-{canteen.pk}"].counted_total == D("5000.00")


def test_the_main_rule_without_a_declared_base_is_not_met(city_officer, unit_b, policy):
    buy(unit_b, "1000")
    main = statuses(city_officer)[unit_b.name]["main"]
    assert main.base_total == D("0") and main.share is None
    assert main.meets is False and main.state == NO_BASE and main.is_below
    assert main.shortfall == D("0.00")


def test_the_year_on_year_floor(city_officer, unit_a, unit_b, policy):
    declare(unit_a, "100000")
    buy(unit_a, "20000")
    buy(unit_a, "25000", day=datetime.date(2025, 3, 1))
    buy(unit_b, "500")
    rules = statuses(city_officer)
    growth = rules[unit_a.name]["growth"]
    assert (growth.kind, growth.base, growth.ratio) == ("growth", None, None)
    assert growth.base_total == D("25000.00") and growth.counted_total == D("20000.00")
    assert growth.required_amount == D("25000.00") and growth.shortfall == D("5000.00")
    assert growth.share == D("0.8000") and growth.meets is False
    nothing_last_year = rules[unit_b.name]["growth"]
    assert nothing_last_year.share is None and nothing_last_year.meets is True
    policy.growth_required = False
    policy.save()
    assert "growth" not in statuses(city_officer)[unit_a.name]


def test_rules_keep_the_policys_order(city_officer, unit_a, policy):
    second = add_rule(policy, "乙", "agri", "0.100", position=2)
    first = add_rule(policy, "甲", "agri", "0.100", position=1)
    declare(unit_a, "1000")
    codes = list(statuses(city_officer)[unit_a.name])
    assert codes == ["main", f"rule-{first.pk}", f"rule-{second.pk}", "growth"]


def test_other_years_rules_do_not_count(city_officer, school, national_and_guangzhou):
    QuotaPolicy.objects.create(year=2025, ratio=D("0.250"))
    assert list(statuses(city_officer, year=2025)[school.name]) == ["main", "growth"]


def test_below_any_rule_selects_what_the_statuses_say(
    city_officer, school, unit_b, national_and_guangzhou
):
    """The filter computed by the database agrees with the engine: A is below the canteen
    rule; B (a school meeting every rule but the floor, growth off) is not below any rule."""
    policy = QuotaPolicy.objects.get(year=2026)
    policy.growth_required = False
    policy.save()
    declare(unit_b, "10000", "10000", "1000")
    buy(unit_b, "3000", purpose="canteen")
    buy(unit_b, "600", channel="outlet", purpose="union_welfare")
    book = rule_book(2026)
    below = below_any_rule(compliance_units(user=city_officer, year=2026), book=book)
    assert [unit.name for unit in below] == [school.name]
    by_rows = [
        row.name
        for row in compliance_rows(user=city_officer, year=2026)
        if any(status.is_below for status in row.rules)
    ]
    assert by_rows == [school.name]


def test_the_unit_sees_only_its_own_rules(clerk, clerk_b, school, national_and_guangzhou):
    mine = rule_statuses_for_unit(user=clerk, budget_unit=school, year=2026)
    assert mine[0].code == "main" and len(mine) == 4
    assert rule_statuses_for_unit(user=clerk_b, budget_unit=school, year=2026) == []


def test_compliance_rows_take_a_fixed_number_of_queries(
    city_officer, national_and_guangzhou, django_assert_max_num_queries
):
    def units(n):
        for i in range(n):
            unit = f.BudgetUnitFactory()
            declare(unit, "10000", "5000", "1000")
            buy(unit, "100", day=datetime.date(2026, 1 + i % 12, 3))
            buy(unit, "50", channel="outlet", purpose="union_welfare")

    units(3)
    # the actor, the units with their totals, the rules, the bases, the counted purchases
    with django_assert_max_num_queries(5):
        assert len(compliance_rows(user=city_officer, year=2026)) == 3
    units(30)
    with django_assert_max_num_queries(5):
        rows = compliance_rows(user=city_officer, year=2026)
    assert len(rows) == 33 and all(len(row.rules) == 4 for row in rows)


# --- the API ----------------------------------------------------------------------------------


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_lists_every_rule_of_each_row(city_officer, school, national_and_guangzhou):
    canteen, union = national_and_guangzhou
    (row,) = api_for(city_officer).get(API, {"year": 2026}).json()["results"]
    # api.md's fields keep their meaning: the main rule
    assert row["share"] == "0.1100" and row["meets_share"] is False
    rules = {rule["code"]: rule for rule in row["rules"]}
    assert list(rules) == ["main", f"rule-{canteen.pk}", f"rule-{union.pk}", "growth"]
    assert rules["main"] == {
        "code": "main",
        "name": "Farm-products share (main rule)",
        "kind": "share",
        "base": "agri",
        "ratio": "0.300",
        "channels": [],
        "categories": [],
        "applies": True,
        "base_total": "200000.00",
        "counted_total": "22000.00",
        "share": "0.1100",
        "required_amount": "60000.00",
        "shortfall": "38000.00",
        "meets": False,
    }
    assert rules[f"rule-{canteen.pk}"] == {
        "code": f"rule-{canteen.pk}",
        "name": CANTEEN_832,
        "kind": "share",
        "base": "canteen",
        "ratio": "0.100",
        "channels": ["platform_832"],
        "categories": ["agency", "institution", "school", "hospital"],
        "applies": True,
        "base_total": "100000.00",
        "counted_total": "6000.00",
        "share": "0.0600",
        "required_amount": "10000.00",
        "shortfall": "4000.00",
        "meets": False,
    }
    growth = rules["growth"]
    assert (growth["kind"], growth["base"], growth["ratio"]) == ("growth", None, None)
    assert growth["base_total"] == "50000.00" and growth["counted_total"] == "22000.00"
    assert growth["shortfall"] == "28000.00" and growth["meets"] is False


def test_the_api_gives_nulls_for_rules_that_do_not_apply_or_have_no_base(
    city_officer, national_and_guangzhou
):
    canteen, union = national_and_guangzhou
    firm = f.BudgetUnitFactory(category=BudgetUnit.Category.STATE_ENTERPRISE)
    declare(firm, "1000")
    (row,) = api_for(city_officer).get(API, {"year": 2026}).json()["results"]
    rules = {rule["code"]: rule for rule in row["rules"]}
    not_applicable = rules[f"rule-{canteen.pk}"]
    assert not_applicable["applies"] is False
    assert not_applicable["meets"] is None and not_applicable["required_amount"] is None
    assert not_applicable["shortfall"] is None
    no_base = rules[f"rule-{union.pk}"]
    assert no_base["applies"] is True and no_base["share"] is None and no_base["meets"] is None
    assert no_base["required_amount"] == "0.00"


def test_a_unit_reads_its_own_rules_only(clerk, clerk_b, school, unit_b, national_and_guangzhou):
    declare(unit_b, "1000")
    mine = api_for(clerk).get(API, {"year": 2026}).json()["results"]
    assert [row["budget_unit"] for row in mine] == [school.pk]
    assert len(mine[0]["rules"]) == 4
    theirs = api_for(clerk_b).get(API, {"year": 2026}).json()["results"]
    assert [row["budget_unit"] for row in theirs] == [unit_b.pk]


@pytest.mark.parametrize("size", [3, 40])
def test_the_api_costs_a_fixed_number_of_queries_with_rules(
    city_officer, national_and_guangzhou, size, django_assert_max_num_queries
):
    for n in range(size):
        unit = f.BudgetUnitFactory()
        declare(unit, "10000", "5000", "1000")
        buy(unit, "100", day=datetime.date(2026, 1 + n % 12, 3))
    api = api_for(city_officer)
    # the actor, the count, the page, the rules, the bases, the counted purchases
    with django_assert_max_num_queries(6):
        data = api.get(API, {"year": 2026}).json()
    assert data["count"] == size and all(len(row["rules"]) == 4 for row in data["results"])


# --- the compliance page and its export --------------------------------------------------------


def test_the_page_shows_each_units_further_rules(
    client, city_officer, school, national_and_guangzhou
):
    canteen, union = national_and_guangzhou
    firm = f.BudgetUnitFactory(name="福田区国企", category=BudgetUnit.Category.STATE_ENTERPRISE)
    declare(firm, "1000")
    client.force_login(city_officer)
    response = client.get(PAGE, {"year": 2026})
    body = response.content.decode()
    assert CANTEEN_832 in body and UNION_OUTLETS in body
    assert 'data-testid="further-rules"' in body
    school_cell = body.split(f'data-testid="rules-{school.pk}"')[1].split("</td>")[0]
    assert f'data-testid="rule-rule-{canteen.pk}" data-state="below"' in school_cell
    assert "6.0%" in school_cell and "10.0%" in school_cell
    firm_cell = body.split(f'data-testid="rules-{firm.pk}"')[1].split("</td>")[0]
    assert f'data-testid="rule-rule-{canteen.pk}" data-state="not_applicable"' in firm_cell
    assert f'data-testid="rule-rule-{union.pk}" data-state="no_base"' in firm_cell


def test_the_page_has_no_rules_column_without_further_rules(client, city_officer, school):
    client.force_login(city_officer)
    body = client.get(PAGE, {"year": 2026}).content.decode()
    assert f'data-testid="rules-{school.pk}"' not in body


def test_the_page_filters_units_below_any_rule(
    client, city_officer, school, unit_b, national_and_guangzhou
):
    policy = QuotaPolicy.objects.get(year=2026)
    policy.growth_required = False
    policy.save()
    declare(unit_b, "10000", "10000", "1000")
    buy(unit_b, "3000")
    buy(unit_b, "600", channel="outlet", purpose="union_welfare")
    client.force_login(city_officer)
    response = client.get(PAGE, {"year": 2026, "status": "below_any_rule"})
    assert [item["row"].name for item in response.context["rows"]] == [school.name]
    export = client.get(EXPORT, {"year": 2026, "status": "below_any_rule"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == [school.name]


def test_the_export_has_columns_for_each_further_rule(
    client, city_officer, school, national_and_guangzhou
):
    firm = f.BudgetUnitFactory(name="福田区国企", category=BudgetUnit.Category.STATE_ENTERPRISE)
    declare(firm, "1000")
    client.force_login(city_officer)
    response = client.get(EXPORT, {"year": 2026})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = rows[1]
    assert len(headers) == 11 + 2 * 5
    assert headers[11] == f"{CANTEEN_832}（要求10.0%）申报基数(元)"
    assert headers[15] == f"{CANTEEN_832}（要求10.0%）达标情况"
    assert headers[20] == f"{UNION_OUTLETS}（要求50.0%）达标情况"
    lines = {row[0]: row for row in rows[2:]}
    school_line = lines[school.name]
    assert school_line[11:16] == (100000, 6000, 0.06, 4000, "未达标")
    assert school_line[16:21] == (10000, 4000, 0.4, 1000, "未达标")
    firm_line = lines["福田区国企"]
    assert firm_line[15] == "不适用" and firm_line[13] is None and firm_line[14] is None
    assert firm_line[20] == "未申报基数"


def test_the_page_costs_the_same_queries_for_3_or_40_units_with_rules(
    client, city_officer, national_and_guangzhou, django_assert_max_num_queries
):
    def units(n):
        for i in range(n):
            unit = f.BudgetUnitFactory(region=f.region(f.FUTIAN if i % 2 else f.NANSHAN))
            declare(unit, "10000", "5000", "1000")
            buy(unit, "100", day=datetime.date(2026, 1 + i % 12, 3))

    client.force_login(city_officer)
    units(3)
    with django_assert_max_num_queries(14) as few:
        client.get(PAGE, {"year": 2026, "status": "below_any_rule"})
    units(37)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(PAGE, {"year": 2026, "status": "below_any_rule"})
    assert len(response.context["rows"]) == 40


# --- the unit's quarters page ------------------------------------------------------------------


def test_the_quarters_page_shows_every_rule_for_the_unit(
    client, clerk, school, national_and_guangzhou
):
    canteen, union = national_and_guangzhou
    client.force_login(clerk)
    body = client.get(reverse("procurement:quarters"), {"year": 2026}).content.decode()
    assert 'data-testid="rules-status"' in body
    assert 'data-testid="unit-rule-main" data-state="below"' in body
    assert f'data-testid="unit-rule-rule-{canteen.pk}" data-state="below"' in body
    assert f'data-testid="unit-rule-rule-{union.pk}" data-state="below"' in body
    assert 'data-testid="unit-rule-growth" data-state="below"' in body
    assert CANTEEN_832 in body and "¥4,000.00" in body


def test_the_hook_reuses_the_row_the_page_has(
    clerk, school, national_and_guangzhou, django_assert_num_queries
):
    (row,) = compliance_rows(user=clerk, year=2026)
    with django_assert_num_queries(0):
        given = rule_statuses_for_unit(user=clerk, budget_unit=school, year=2026, row=row)
    assert given == rule_statuses_for_unit(user=clerk, budget_unit=school, year=2026)
