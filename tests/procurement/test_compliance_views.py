"""The compliance pages: each visible unit's year against the quota, its Excel export, and
an office reopening a submitted quarter."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Role
from procurement.models import QuarterSubmission, QuotaPolicy
from tests import factories as f

from .conftest import AS_OF

pytestmark = pytest.mark.django_db
D = Decimal
PAGE = reverse("procurement:compliance")
EXPORT = reverse("procurement:compliance_export")


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    """The pages read "today" through procurement.views.compliance.today: 2026-11-23."""
    monkeypatch.setattr("procurement.views.compliance.today", lambda: AS_OF)


def buy(unit, amount, day=datetime.date(2026, 5, 5)):
    return f.RecordFactory(budget_unit=unit, purchased_on=day, amount=D(amount))


@pytest.fixture
def unit_c():
    return f.BudgetUnitFactory(name="福田区第三幼儿园", region=f.region(f.FUTIAN))


@pytest.fixture
def quota_year(unit_a, unit_b, unit_c):
    """2026, 30%:
    A (福田) declared 100,000, bought 20,000 (20%, short 10,000), 5,000 last year;
    B (南山) declared 50,000, bought 20,000 (40%), 30,000 last year (below last year);
    C (福田) declared 10,000, bought 5,000 (50%), nothing last year."""
    QuotaPolicy.objects.create(year=2026, ratio=D("0.300"))
    f.DeclarationFactory(budget_unit=unit_a, year=2026, quarter=1, agri_total=D("100000"))
    f.DeclarationFactory(budget_unit=unit_b, year=2026, quarter=1, agri_total=D("50000"))
    f.DeclarationFactory(budget_unit=unit_c, year=2026, quarter=1, agri_total=D("10000"))
    buy(unit_a, "20000")
    buy(unit_a, "5000", datetime.date(2025, 5, 5))
    buy(unit_b, "20000")
    buy(unit_b, "30000", datetime.date(2025, 5, 5))
    buy(unit_c, "5000")
    return unit_a, unit_b, unit_c


def page_units(response) -> list[str]:
    return [item["row"].name for item in response.context["rows"]]


def submit(unit, quarter=3, by=None):
    return QuarterSubmission.objects.create(
        budget_unit=unit, year=2026, quarter=quarter, submitted_by=by, submitted_at=timezone.now()
    )


# Who sees what ------------------------------------------------------------------------------


def test_city_office_sees_every_unit_with_the_quota_figures(client, city_officer, quota_year):
    client.force_login(city_officer)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert page_units(response) == [
        "深圳市福田区教育局",
        "福田区第三幼儿园",
        "深圳市南山区人民医院",
    ]
    body = response.content.decode()
    assert "¥100,000.00" in body and "20.0%" in body and "30.0%" in body
    assert "¥10,000.00" in body  # A's shortfall
    totals = response.context["totals"]
    assert totals["count"] == 3 and totals["meeting"] == 2 and totals["below_last_year"] == 1
    assert totals["assistance"] == D("45000") and totals["agri"] == D("160000")
    assert "4.50 万元" in body and "16.00 万元" in body


def test_district_office_sees_only_its_district(client, district_officer, quota_year):
    client.force_login(district_officer)
    response = client.get(PAGE, {"district": "440305"})  # not a filter it may use
    assert page_units(response) == ["深圳市福田区教育局", "福田区第三幼儿园"]
    assert "深圳市南山区人民医院" not in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("clerk", "深圳市福田区教育局"),
        ("approver", "深圳市福田区教育局"),
        ("clerk_b", "深圳市南山区人民医院"),
    ],
)
def test_a_unit_sees_only_its_own_row(client, request, quota_year, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(PAGE)
    assert response.status_code == 200
    assert page_units(response) == [expected]
    assert "Reopen" not in response.content.decode()


def test_city_office_narrows_to_a_district(client, city_officer, quota_year):
    client.force_login(city_officer)
    response = client.get(PAGE, {"district": "440305"})
    assert page_units(response) == ["深圳市南山区人民医院"]


@pytest.mark.parametrize("persona", ["supplier", "reviewer"])
def test_other_roles_are_refused(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_anonymous_goes_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


# Filters, sort, highlights -------------------------------------------------------------------


def test_below_quota_filter(client, city_officer, quota_year):
    client.force_login(city_officer)
    response = client.get(PAGE, {"status": "below_quota"})
    assert page_units(response) == ["深圳市福田区教育局"]
    assert response.context["totals"]["count"] == 1


def test_below_last_year_and_met_filters(client, city_officer, quota_year):
    client.force_login(city_officer)
    assert page_units(client.get(PAGE, {"status": "below_last_year"})) == ["深圳市南山区人民医院"]
    assert page_units(client.get(PAGE, {"status": "met"})) == [
        "福田区第三幼儿园",
        "深圳市南山区人民医院",
    ]


def test_a_unit_without_declaration_is_below_quota(client, city_officer, quota_year):
    f.BudgetUnitFactory(name="南山区未申报单位", region=f.region(f.NANSHAN))
    client.force_login(city_officer)
    assert "南山区未申报单位" in page_units(client.get(PAGE, {"status": "below_quota"}))
    assert "南山区未申报单位" not in page_units(client.get(PAGE, {"status": "met"}))


def test_search_by_name(client, city_officer, quota_year):
    client.force_login(city_officer)
    assert page_units(client.get(PAGE, {"q": "幼儿园"})) == ["福田区第三幼儿园"]


def test_sort_by_shortfall_and_share(client, city_officer, quota_year):
    client.force_login(city_officer)
    by_shortfall = page_units(client.get(PAGE, {"sort": "-shortfall"}))
    assert by_shortfall[0] == "深圳市福田区教育局"
    assert page_units(client.get(PAGE, {"sort": "shortfall"}))[-1] == "深圳市福田区教育局"
    assert page_units(client.get(PAGE, {"sort": "-share"})) == [
        "福田区第三幼儿园",
        "深圳市南山区人民医院",
        "深圳市福田区教育局",
    ]
    assert page_units(client.get(PAGE, {"sort": "assistance_total"}))[0] == "福田区第三幼儿园"
    # an unknown sort falls back to the default order
    assert page_units(client.get(PAGE, {"sort": "password"}))[0] == "深圳市福田区教育局"


def test_sort_links_keep_the_other_filters(client, city_officer, quota_year):
    client.force_login(city_officer)
    body = client.get(PAGE, {"status": "met", "sort": "share"}).content.decode()
    assert 'href="?status=met&amp;sort=-share"' in body
    assert 'href="?status=met&amp;sort=shortfall"' in body
    assert 'aria-sort="ascending"' in body


def test_rows_below_quota_or_last_year_are_highlighted_with_words(client, city_officer, quota_year):
    unit_a, unit_b, unit_c = quota_year
    client.force_login(city_officer)
    body = client.get(PAGE).content.decode()

    def row(unit):
        start = body.index(f'data-testid="unit-{unit.pk}"')
        return body[body.rindex("<tr", 0, start) : body.index("</tr>", start)]

    assert "below-quota" in row(unit_a) and "Below the quota" in row(unit_a)
    assert "below-last-year" in row(unit_b) and "Below last year" in row(unit_b)
    assert "below-" not in row(unit_c) and "Quota met" in row(unit_c)


def test_empty_state_says_what_to_do(client, city_officer, quota_year):
    client.force_login(city_officer)
    response = client.get(PAGE, {"q": "不存在的单位"})
    body = response.content.decode()
    assert 'data-testid="empty-state"' in body and "No unit matches these filters." in body
    assert 'data-testid="compliance-export"' not in body


def test_another_year(client, city_officer, quota_year):
    client.force_login(city_officer)
    response = client.get(PAGE, {"year": "2025"})
    rows = {item["row"].name: item["row"] for item in response.context["rows"]}
    assert rows["深圳市南山区人民医院"].assistance_total == D("30000")
    assert rows["深圳市南山区人民医院"].agri_total == 0


def _many_units(count):
    for n in range(count):
        unit = f.BudgetUnitFactory(region=f.region(f.FUTIAN if n % 2 else f.NANSHAN))
        f.DeclarationFactory(budget_unit=unit, year=2026, quarter=1)
        buy(unit, "1000")
        buy(unit, "2000", datetime.date(2025, 3, 3))
        submit(unit)


def test_the_page_costs_the_same_bounded_number_of_queries_for_3_or_40_units(
    client, city_officer, django_assert_max_num_queries
):
    """Totals, filter, sort, the page of units and their submitted quarters: a fixed number
    of queries, however many units the city has."""
    client.force_login(city_officer)
    query = {"sort": "-share", "status": "below_quota"}
    _many_units(3)
    with django_assert_max_num_queries(12) as few:
        response = client.get(PAGE, query)
    assert len(response.context["rows"]) == 3
    _many_units(37)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(PAGE, query)
    assert len(response.context["rows"]) == 40
    assert response.content.decode().count(">Reopen</a>") == 40


def test_pagination_50_a_page(client, city_officer):
    _many_units(52)
    client.force_login(city_officer)
    first = client.get(PAGE)
    assert len(first.context["rows"]) == 50 and first.context["totals"]["count"] == 52
    assert len(client.get(PAGE, {"page": 2}).context["rows"]) == 2


# Excel export -------------------------------------------------------------------------------


def read_export(response):
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return book.active


def test_export_has_exactly_the_pages_rows_in_its_order(client, city_officer, quota_year):
    client.force_login(city_officer)
    query = {"status": "met", "sort": "-share"}
    shown = client.get(PAGE, query).context["rows"]
    sheet = read_export(client.get(EXPORT, query))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "2026年度预算单位消费帮扶采购比例完成情况"
    assert rows[1][:6] == (
        "预算单位",
        "所属区",
        "单位类别",
        "农副产品采购总额(元)",
        "帮扶产品采购额(元)",
        "帮扶采购占比",
    )
    assert sheet.freeze_panes == "A3"
    data = rows[2:]
    assert [r[0] for r in data] == [item["row"].name for item in shown]
    for line, item in zip(data, shown, strict=True):
        row = item["row"]
        assert D(str(line[3])) == row.agri_total
        assert D(str(line[4])) == row.assistance_total
        assert D(str(line[7])) == row.shortfall
        assert D(str(line[8])) == row.last_year_total
    assert sheet["D3"].number_format == "#,##0.00"
    assert sheet["F3"].number_format == "0.0%"
    assert sheet["F3"].value == pytest.approx(0.5)


def test_export_of_a_district_names_it_in_the_title(client, city_officer, quota_year):
    client.force_login(city_officer)
    sheet = read_export(client.get(EXPORT, {"district": "440304", "year": "2026"}))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "福田区2026年度预算单位消费帮扶采购比例完成情况"
    assert [r[0] for r in rows[2:]] == ["深圳市福田区教育局", "福田区第三幼儿园"]


def test_export_of_a_unit_is_only_its_row(client, clerk_b, quota_year):
    client.force_login(clerk_b)
    rows = list(read_export(client.get(EXPORT)).iter_rows(values_only=True))
    assert [r[0] for r in rows[2:]] == ["深圳市南山区人民医院"]


def test_page_links_to_the_export_with_its_filters(client, city_officer, quota_year):
    client.force_login(city_officer)
    body = client.get(PAGE, {"status": "met"}).content.decode()
    assert f'href="{EXPORT}?status=met"' in body


# Reopening a quarter -------------------------------------------------------------------------


def reopen_url(unit, quarter=3, year=2026):
    return reverse("procurement:quarter_reopen", args=[unit.pk, year, quarter])


def test_district_office_reopens_a_submitted_quarter_with_a_reason(
    client, district_officer, approver, unit_a
):
    submission = submit(unit_a, by=approver)
    client.force_login(district_officer)
    page = client.get(PAGE)
    assert reopen_url(unit_a) in page.content.decode()

    confirm = client.get(reopen_url(unit_a))
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert "深圳市福田区教育局" in body and "2026-07-01" in body and "unit_approver" in body
    assert 'name="reason"' in body

    response = client.post(reopen_url(unit_a), {"reason": "发票金额与凭证不符"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{PAGE}?year=2026"
    assert "is reopened" in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == QuarterSubmission.Status.REOPENED
    assert submission.reopen_reason == "发票金额与凭证不符"
    assert submission.reopened_by == district_officer


def test_an_empty_reason_is_refused_and_changes_nothing(client, district_officer, unit_a):
    submission = submit(unit_a)
    client.force_login(district_officer)
    response = client.post(reopen_url(unit_a), {"reason": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert 'data-testid="error-summary"' in response.content.decode()
    submission.refresh_from_db()
    assert submission.status == QuarterSubmission.Status.SUBMITTED
    assert submission.reopen_reason == ""


def test_a_quarter_not_submitted_cannot_be_reopened(client, city_officer, unit_a):
    client.force_login(city_officer)
    response = client.post(reopen_url(unit_a, quarter=2), {"reason": "复核"})
    assert response.status_code == 200
    assert "nothing to reopen" in response.content.decode()
    assert not QuarterSubmission.objects.exists()


def test_city_office_reopens_any_districts_quarter(client, city_officer, unit_b):
    submission = submit(unit_b, quarter=1)
    client.force_login(city_officer)
    response = client.post(reopen_url(unit_b, quarter=1), {"reason": "数据更正"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == QuarterSubmission.Status.REOPENED


def test_another_districts_office_gets_404(client, unit_a):
    nanshan = f.DistrictOfficeFactory(name="南山区协作办", region=f.region(f.NANSHAN))
    officer = f.member(Role.DISTRICT_OFFICE, nanshan)
    submission = submit(unit_a)
    client.force_login(officer)
    assert client.get(reopen_url(unit_a)).status_code == 404
    assert client.post(reopen_url(unit_a), {"reason": "x"}).status_code == 404
    submission.refresh_from_db()
    assert submission.status == QuarterSubmission.Status.SUBMITTED


def test_a_clerk_gets_403(client, clerk, unit_a):
    submit(unit_a)
    client.force_login(clerk)
    assert client.get(reopen_url(unit_a)).status_code == 403
    assert client.post(reopen_url(unit_a), {"reason": "x"}).status_code == 403


def test_an_impossible_quarter_is_404(client, city_officer, unit_a):
    client.force_login(city_officer)
    assert client.get(reopen_url(unit_a, quarter=5)).status_code == 404


def test_nonsense_parameters_fall_back_to_the_defaults(client, city_officer, quota_year):
    client.force_login(city_officer)
    response = client.get(
        PAGE, {"year": "abc", "status": "x", "district": "999999", "sort": "id", "page": "z"}
    )
    assert response.status_code == 200
    assert response.context["year"] == 2026
    assert len(response.context["rows"]) == 3
