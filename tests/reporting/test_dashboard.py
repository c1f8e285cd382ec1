"""The coordination offices' dashboard (issue 6, point 3): every figure against a hand-built
city, the scoping of each office, the page, its Excel export and its query count."""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outlets.models import Outlet
from portal.models import Role
from procurement.models import AnnualTarget, ProcurementRecord
from procurement.selectors import compliance_rows
from procurement.totals import counted, totals_apply, totals_rebuild
from products.models import Certificate, CertificationScheme, Product
from reporting.dashboard import MonthPoint, NotAnOffice, dashboard_data, dashboard_scope
from tests import factories as f

pytestmark = pytest.mark.django_db

YEAR = 2026
AS_OF = datetime.date(2026, 11, 23)
PAGE = reverse("reporting:dashboard")
EXPORT = reverse("reporting:dashboard_export")
KASHGAR_CITY = "653101"  # 喀什市: paired with 福田区
YOUJIANG = "451002"  # 百色市右江区: no district is paired with it


def d(text: str) -> Decimal:
    return Decimal(text)


@dataclass
class Case:
    unit_a: object
    unit_b: object
    unit_c: object
    unit_d: object


def build_case(unit_a, unit_b) -> Case:
    """The hand-built city of 2026 (amounts in yuan):

    | unit (district)  | declared         | counted purchases                                 |
    |------------------|------------------|---------------------------------------------------|
    | A (福田)         | Q1 10000, Q3 5000 | Jan 1000 832 (田阳), Mar 2000 outlet (喀什市),     |
    |                  |                  | Jul 500 direct (喀什市); Aug 300 rejected; 2025: 9999 |
    | B (南山)         | Q1 10000         | Feb 4000 832 (田阳), Jul 1500 mall (右江)          |
    | C (福田)         | —                | Oct 250 donation (右江)                           |
    | D (福田)         | Q2 2000          | —                                                 |

    Targets: city 20000, 福田 5000, 南山 5000, 喀什市 3000. Outlets and certificates below.
    田阳 (451003) is paired with 南山, 喀什市 with 福田; 右江 (451002) with nobody."""
    unit_c = f.BudgetUnitFactory(name="深圳市福田区人民医院", region=f.region(f.FUTIAN))
    unit_d = f.BudgetUnitFactory(name="深圳市福田区图书馆", region=f.region(f.FUTIAN))
    tianyang = f.SupplierFactory(name="田阳芒果合作社", region=f.region(f.TIANYANG))
    kashgar = f.SupplierFactory(name="喀什香馕厂", region=f.region(KASHGAR_CITY))
    youjiang = f.SupplierFactory(name="右江茶油公司", region=f.region(YOUJIANG))
    for unit, quarter, amount in (
        (unit_a, 1, "10000"),
        (unit_a, 3, "5000"),
        (unit_b, 1, "10000"),
        (unit_d, 2, "2000"),
    ):
        f.DeclarationFactory(budget_unit=unit, year=YEAR, quarter=quarter, agri_total=d(amount))
    rejected = ProcurementRecord.Status.REJECTED
    for unit, supplier, day, amount, channel, status in (
        (unit_a, tianyang, (1, 10), "1000.00", "platform_832", "recorded"),
        (unit_a, kashgar, (3, 5), "2000.00", "outlet", "submitted"),
        (unit_a, kashgar, (7, 1), "500.00", "direct", "recorded"),
        (unit_a, tianyang, (8, 2), "300.00", "platform_832", rejected),
        (unit_b, tianyang, (2, 2), "4000.00", "platform_832", "submitted"),
        (unit_b, youjiang, (7, 20), "1500.00", "online_mall", "recorded"),
        (unit_c, youjiang, (10, 10), "250.00", "buy_for_donation", "recorded"),
    ):
        f.RecordFactory(
            budget_unit=unit,
            supplier=supplier,
            purchased_on=datetime.date(YEAR, *day),
            amount=d(amount),
            channel=channel,
            status=status,
        )
    f.RecordFactory(
        budget_unit=unit_a,
        supplier=tianyang,
        purchased_on=datetime.date(YEAR - 1, 12, 31),
        amount=d("9999.00"),
    )
    AnnualTarget.objects.create(year=YEAR, amount=d("20000"))
    AnnualTarget.objects.create(year=YEAR, district=f.region(f.FUTIAN), amount=d("5000"))
    AnnualTarget.objects.create(year=YEAR, district=f.region(f.NANSHAN), amount=d("5000"))
    AnnualTarget.objects.create(year=YEAR, region=f.region(KASHGAR_CITY), amount=d("3000"))
    AnnualTarget.objects.create(year=YEAR - 1, amount=d("99999"))
    # Outlets: active now 2 (a 福田 counter, a 南山 zone); opened in 2026 the same two, in Q3
    # only the zone; a suspended hall and an exited counter do not count as active.
    f.OutletFactory(kind=Outlet.Kind.COUNTER, opened_on=datetime.date(YEAR, 3, 1))
    f.OutletFactory(
        kind=Outlet.Kind.HALL, status=Outlet.Status.SUSPENDED, opened_on=datetime.date(2025, 5, 1)
    )
    f.OutletFactory(
        kind=Outlet.Kind.ZONE,
        district=f.region(f.NANSHAN),
        opened_on=datetime.date(YEAR, 8, 1),
    )
    f.OutletFactory(
        kind=Outlet.Kind.COUNTER,
        district=f.region(f.NANSHAN),
        status=Outlet.Status.EXITED,
        opened_on=datetime.date(2025, 1, 1),
        exited_on=datetime.date(2026, 2, 1),
    )
    # Certified products on AS_OF: p1 (recognition) and p2 (recognition and 圳品) count; a
    # suspended product, an expired and a revoked certificate do not.
    szp = CertificationScheme.objects.get(code="szp")
    period = {"valid_from": datetime.date(YEAR, 1, 1), "valid_until": datetime.date(YEAR, 12, 31)}
    f.CertificateFactory(product=f.ProductFactory(supplier=tianyang), **period)
    p2 = f.ProductFactory(supplier=kashgar)
    f.CertificateFactory(product=p2, **period)
    f.CertificateFactory(product=p2, scheme=szp, number="SZP-2026-1", **period)
    f.CertificateFactory(
        product=f.ProductFactory(supplier=tianyang, status=Product.Status.SUSPENDED), **period
    )
    f.CertificateFactory(
        product=f.ProductFactory(supplier=youjiang),
        valid_from=datetime.date(YEAR, 1, 1),
        valid_until=datetime.date(YEAR, 6, 30),
    )
    f.CertificateFactory(
        product=f.ProductFactory(supplier=youjiang), status=Certificate.Status.REVOKED, **period
    )
    # The running totals the dashboard reads, of the purchases as they are: the services keep
    # them, the factories go around the services.
    totals_rebuild()
    return Case(unit_a, unit_b, unit_c, unit_d)


@pytest.fixture
def case(unit_a, unit_b) -> Case:
    return build_case(unit_a, unit_b)


@pytest.fixture(autouse=True)
def english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def frozen_today(monkeypatch):
    """The pages read today's date; the hand-built case is as of 2026-11-23."""
    monkeypatch.setattr("reporting.views.dashboard.today", lambda: AS_OF)
    return AS_OF


def figures_for(user, *, quarter=None, district=None):
    scope = dashboard_scope(user=user, year=YEAR, quarter=quarter, district=district, as_of=AS_OF)
    return dashboard_data(user=user, scope=scope)


def areas(rows) -> dict:
    return {row.code: (row.amount, row.year_to_date, row.target) for row in rows}


# --- the figures against the hand-built city ------------------------------------------------


def test_the_city_offices_year_equals_the_hand_computed_figures(case, city_officer):
    data = figures_for(city_officer)
    head = data.headline
    assert head.amount == d("9250.00")
    assert head.year_to_date == d("9250.00")
    assert head.target == d("20000")
    assert head.target_rate == d("0.4625")
    assert (head.units_total, head.units_compliant) == (4, 1)
    assert (head.outlets_active, head.outlets_opened) == (2, 2)

    assert [(p.month, p.amount, p.cumulative) for p in data.months] == [
        (1, d("1000.00"), d("1000.00")),
        (2, d("4000.00"), d("5000.00")),
        (3, d("2000.00"), d("7000.00")),
        (4, d("0.00"), d("7000.00")),
        (5, d("0.00"), d("7000.00")),
        (6, d("0.00"), d("7000.00")),
        (7, d("2000.00"), d("9000.00")),
        (8, d("0.00"), d("9000.00")),
        (9, d("0.00"), d("9000.00")),
        (10, d("250.00"), d("9250.00")),
        (11, d("0.00"), d("9250.00")),  # the year under way stops at today's month
    ]
    districts = areas(data.by_district)
    assert districts[f.FUTIAN] == (d("3750.00"), d("3750.00"), d("5000"))
    assert districts[f.NANSHAN] == (d("5500.00"), d("5500.00"), d("5000"))
    # Every district of the city is listed, the ones that bought nothing too.
    assert len(districts) == 9 and districts["440303"] == (d("0"), d("0"), None)

    regions = areas(data.by_region)
    assert regions == {
        f.TIANYANG: (d("5000.00"), d("5000.00"), None),  # paired with 南山: itself
        KASHGAR_CITY: (d("2500.00"), d("2500.00"), d("3000")),  # paired, with a target
        "451000": (d("1750.00"), d("1750.00"), None),  # 右江 is not paired: rolled up to 百色市
    }
    assert [row.code for row in data.by_region] == [f.TIANYANG, KASHGAR_CITY, "451000"]

    assert {(x.district, x.region): x.amount for x in data.flows} == {
        (f.FUTIAN, "451000"): d("1250.00"),
        (f.FUTIAN, "653100"): d("2500.00"),
        (f.NANSHAN, "451000"): d("5500.00"),
    }
    assert data.by_channel == {
        "platform_832": d("5000.00"),
        "outlet": d("2000.00"),
        "online_mall": d("1500.00"),
        "direct": d("500.00"),
        "buy_for_donation": d("250.00"),
        "other": d("0"),
    }
    assert {(x.month, x.channel): x.amount for x in data.channel_months}[7, "direct"] == d("500")

    # Shares: A 3500/15000 = 23.3%, B 5500/10000 = 55%, C no declaration, D 0/2000 = 0%.
    assert {band.key: band.count for band in data.bands} == {
        "0-10": 1,
        "10-20": 0,
        "20-30": 1,
        "30-40": 0,
        "40+": 1,
        "none": 1,
    }
    assert data.units_below == 2 and data.shortfall_total == d("1600.00")
    assert [(row.budget_unit, row.shortfall, row.share) for row in data.below_quota] == [
        (case.unit_a.pk, d("1000.00"), d("0.2333")),
        (case.unit_d.pk, d("600.00"), d("0.0000")),
    ]

    assert {row.kind: (row.active, row.opened) for row in data.outlets_by_kind} == {
        "counter": (1, 1),
        "hall": (0, 0),
        "zone": (1, 1),
        "train": (0, 0),
        "station": (0, 0),
        "centre": (0, 0),
    }
    assert data.certified_total == 2
    assert {row.scheme: row.count for row in data.certified_by_scheme} == {
        "recognition": 2,
        "szp": 1,
    }


def test_the_total_and_the_compliant_units_equal_the_compliance_rows(case, city_officer):
    rows = compliance_rows(user=city_officer, year=YEAR)
    data = figures_for(city_officer)
    assert data.headline.amount == sum(row.assistance_total for row in rows)
    assert data.headline.units_compliant == sum(row.meets_share for row in rows)
    assert data.headline.units_total == len(rows)
    assert data.headline.amount == sum(row.amount for row in data.by_district)
    assert data.headline.amount == sum(row.amount for row in data.by_region)
    assert data.headline.amount == sum(flow.amount for flow in data.flows)
    assert data.headline.amount == sum(data.by_channel.values())


def test_a_quarter_counts_its_own_records_and_declarations(case, city_officer):
    data = figures_for(city_officer, quarter=3)
    head = data.headline
    assert head.amount == d("2000.00")  # Jul: A 500 direct, B 1500 mall; Aug's is rejected
    assert head.year_to_date == d("9000.00")  # to the quarter's end, against the year's target
    assert head.target_rate == d("0.45")
    # Q3 declarations: only A (5000), which bought 500 in Q3: 10%, below the quota.
    assert (head.units_total, head.units_compliant) == (4, 0)
    assert {band.key: band.count for band in data.bands}["10-20"] == 1
    assert {band.key: band.count for band in data.bands}["none"] == 3
    assert [(row.budget_unit, row.shortfall) for row in data.below_quota] == [
        (case.unit_a.pk, d("1000.00"))
    ]
    assert areas(data.by_district)[f.NANSHAN] == (d("1500.00"), d("5500.00"), d("5000"))
    assert data.by_channel["direct"] == d("500.00") and data.by_channel["platform_832"] == 0
    assert [p.month for p in data.months] == list(range(1, 10))
    assert head.outlets_opened == 1  # the zone, opened in August
    assert head.outlets_active == 2  # active now, whatever the period


def test_the_city_office_narrows_to_one_district(case, city_officer):
    data = figures_for(city_officer, district=f.NANSHAN)
    assert data.scope.district == f.NANSHAN and data.scope.district_name == "南山区"
    assert data.headline.amount == d("5500.00")
    assert data.headline.target == d("5000")
    assert [row.code for row in data.by_district] == [f.NANSHAN]
    # The region targets are the city's: not measured against one district's purchases.
    assert all(row.target is None for row in data.by_region)
    assert (data.headline.outlets_active, data.headline.units_total) == (1, 1)


def test_a_district_office_sees_its_district_only_whatever_the_filter(case, district_officer):
    for asked in (None, f.NANSHAN, "999999"):
        data = figures_for(district_officer, district=asked)
        assert data.scope.district == f.FUTIAN
        assert data.headline.amount == d("3750.00")
        assert data.headline.target == d("5000")
        assert data.headline.target_rate == d("0.75")
        assert (data.headline.units_total, data.headline.units_compliant) == (3, 0)
        assert [row.code for row in data.by_district] == [f.FUTIAN]
        assert {flow.district for flow in data.flows} == {f.FUTIAN}
        assert sum(data.by_channel.values()) == d("3750.00")
        assert {row.budget_unit for row in data.below_quota} == {case.unit_a.pk, case.unit_d.pk}
        assert data.headline.outlets_active == 1
        assert all(row.target is None for row in data.by_region)


def test_totals_left_at_zero_make_no_month_district_region_or_flow_appear(case, city_officer):
    """A purchase logged and then deleted leaves its running totals behind at zero: the
    figures read the totals, and such rows must not show (a December, a region, a flow)."""
    before = figures_for(city_officer)
    haifeng = f.SupplierFactory(name="海丰县农业合作社", region=f.region("441521"))
    record = f.RecordFactory(
        budget_unit=case.unit_b,
        supplier=haifeng,
        purchased_on=datetime.date(YEAR, 12, 5),
        amount=d("700.00"),
        channel="other",
    )
    totals_rebuild()  # whatever the factory did: the totals of the purchases as they are
    logged = figures_for(city_officer)
    assert logged.months[-1] == MonthPoint(12, d("700.00"), d("9950.00"))
    assert "441521" in areas(logged.by_region)
    totals_apply(removed=counted([record]))
    record.delete()
    after = figures_for(city_officer)
    assert after.months == before.months  # to November again, as of 23 November
    assert after.by_district == before.by_district
    assert after.by_region == before.by_region
    assert after.flows == before.flows
    assert after.channel_months == before.channel_months
    assert after.by_channel == before.by_channel


def test_units_outside_the_citys_districts_and_suppliers_without_a_region(case, city_officer):
    """A unit registered outside the city's districts has a row of its own, named as its
    region is; a unit without a region one named "—", last; a supplier without a region
    counts in the flows (to "—") but in no region."""
    outside = f.BudgetUnitFactory(name="驻深办事处", region=f.region(KASHGAR_CITY))
    nowhere = f.BudgetUnitFactory(name="未登记区域单位", region=None, credit_code=f.credit_code())
    unknown = f.SupplierFactory(name="无地区供应商", region=None, credit_code=f.credit_code())
    tianyang = f.SupplierFactory(region=f.region(f.TIANYANG))
    for unit, supplier, amount in (
        (outside, tianyang, "100.00"),
        (nowhere, tianyang, "200.00"),
        (case.unit_a, unknown, "40.00"),
    ):
        f.RecordFactory(
            budget_unit=unit,
            supplier=supplier,
            purchased_on=datetime.date(YEAR, 5, 5),
            amount=d(amount),
        )
    totals_rebuild()
    data = figures_for(city_officer)
    assert data.headline.amount == d("9590.00")
    rows = [(row.code, row.name, row.year_to_date) for row in data.by_district]
    assert rows[-2:] == [(KASHGAR_CITY, "喀什市", d("100.00")), (None, "—", d("200.00"))]
    assert areas(data.by_district)[f.FUTIAN][1] == d("3790.00")
    assert areas(data.by_region)[f.TIANYANG][1] == d("5300.00")
    assert sum(row.year_to_date for row in data.by_region) == d("9550.00")  # 40 unplaced
    flows = {(x.district, x.district_name, x.region, x.region_name): x.amount for x in data.flows}
    assert flows[KASHGAR_CITY, "喀什市", "451000", "百色市"] == d("100.00")
    assert flows["", "—", "451000", "百色市"] == d("200.00")
    assert flows[f.FUTIAN, "福田区", "", "—"] == d("40.00")


@pytest.mark.parametrize("persona", ["city_officer", "district_officer"])
def test_the_figures_read_the_running_totals_never_the_purchases(case, persona, request):
    """A year of a city is a million purchases: the dashboard reads their monthly totals. The
    one exception is the households reached (issue 10, 一品一码), which asks of each certified
    product whether one purchase of it exists in scope: an existence probe, never a sum."""
    with CaptureQueriesContext(connection) as captured:
        figures_for(request.getfixturevalue(persona), quarter=3)
    queries = [query["sql"] for query in captured.captured_queries]
    tables = " ".join(queries)
    assert "procurement_monthlytotal" in tables and "procurement_originmonthlytotal" in tables
    [probe] = [sql for sql in queries if "procurement_procurementrecord" in sql]
    assert probe.startswith('SELECT "products_product"."region_id"')
    assert probe.count("procurement_procurementrecord") == 1
    assert 'EXISTS(SELECT 1 AS "a" FROM "procurement_procurementrecord"' in probe


def test_nobody_else_reads_the_figures(case, clerk, supplier, reviewer):
    for user in (clerk, supplier, reviewer):
        with pytest.raises(NotAnOffice):
            dashboard_scope(user=user, year=YEAR, as_of=AS_OF)


# --- the page ------------------------------------------------------------------------------


def test_the_page_shows_cards_charts_tables_and_takeaways(client, case, city_officer, frozen_today):
    client.force_login(city_officer)
    response = client.get(PAGE, {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    for card in ("amount", "target", "compliant", "outlets"):
        assert f'data-testid="card-{card}"' in html
    for name in (
        "progress",
        "districts",
        "regions",
        "flows",
        "channels",
        "compliance",
        "below-quota",
        "outlets",
        "certified",
    ):
        assert f'data-testid="chart-{name}"' in html
        assert f'id="chart-data-{name}"' in html  # the chart's data, by json_script
    assert html.count("<details") == 9
    assert "vendor/echarts/echarts.min.js" in html and "js/dashboard.js" in html
    assert "langZH.js" not in html  # English here; Chinese loads ECharts' Chinese locale
    assert "0.00 亿元" in html  # ¥9,250.00 in the headline: 亿元
    assert "46.3%" in html  # 9,250 of the 20,000 target
    assert "南山区 has the highest completion rate, at 110.0%; 福田区 the lowest, at 75.0%" in html
    assert "1 of 4 units meet the 30.0% share" in html
    assert "2 units are below the quota, 0.16 万元 short in all" in html
    figures = {figure.name: figure for figure in response.context["figures"]}
    assert figures["districts"].chart["targets"][:2] == [None, 0.5]  # 罗湖 none, 福田 0.5 万元
    compliance_link = figures["below-quota"].link[0]
    assert compliance_link.startswith(reverse("procurement:compliance"))
    assert "status=below_quota" in compliance_link


def test_the_page_loads_the_chinese_locale_in_chinese(client, case, city_officer, frozen_today):
    client.force_login(city_officer)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(PAGE, {"year": YEAR}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "vendor/echarts/langZH.js" in html and 'data-locale="ZH"' in html


def test_the_district_filter_is_offered_to_the_city_office_only(
    client, case, city_officer, district_officer, frozen_today
):
    client.force_login(city_officer)
    assert "district" in client.get(PAGE).context["filters"].fields
    client.force_login(district_officer)
    response = client.get(PAGE, {"year": YEAR, "district": f.NANSHAN})
    assert "district" not in response.context["filters"].fields
    data = response.context["data"]
    assert data.scope.district == f.FUTIAN and data.headline.amount == d("3750.00")
    assert "南山区" not in {row.name for row in data.by_district}


def test_a_quarter_and_a_bad_filter(client, case, city_officer, frozen_today):
    client.force_login(city_officer)
    data = client.get(PAGE, {"year": YEAR, "quarter": 3}).context["data"]
    assert data.headline.amount == d("2000.00")
    # A year or quarter out of the choices falls back to the default, not to an error.
    response = client.get(PAGE, {"year": "1900", "quarter": "9", "district": "x"})
    assert response.status_code == 200
    scope = response.context["scope"]
    assert (scope.year, scope.quarter, scope.district) == (AS_OF.year, None, None)


@pytest.mark.parametrize("persona", ["clerk", "supplier", "reviewer"])
def test_others_are_refused_the_page_and_the_export(client, case, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_the_public_is_sent_to_sign_in(client):
    for url in (PAGE, EXPORT):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


# --- the export ----------------------------------------------------------------------------


def read_book(response) -> openpyxl.Workbook:
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def sheet_rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_the_export_holds_every_figures_table_in_yuan(client, case, city_officer, frozen_today):
    client.force_login(city_officer)
    book = read_book(client.get(EXPORT, {"year": YEAR}))
    assert len(book.sheetnames) == 10  # the summary and nine figures
    summary = {row[0]: row[1] for row in sheet_rows(book.worksheets[0])[2:]}
    assert summary["Assistance purchases in the period (yuan)"] == 9250
    assert summary["Annual target (yuan)"] == 20000
    assert summary["Units meeting the share"] == 1
    districts = book.worksheets[2]
    assert sheet_rows(districts)[1][0].startswith("南山区 has the highest completion rate")
    header = sheet_rows(districts)[2]
    assert header == (
        "District",
        "Year to date (yuan)",
        "Annual target (yuan)",
        "Completion rate",
    )
    rows = {row[0]: row[1:] for row in sheet_rows(districts)[3:]}
    assert rows["福田区"] == (3750, 5000, 0.75)
    assert rows["南山区"] == (5500, 5000, 1.1)
    below = sheet_rows(book.worksheets[7])
    assert [row[0] for row in below[3:]] == [case.unit_a.name, case.unit_d.name]
    assert below[3][-1] == 1000


def test_the_export_follows_the_filters_and_the_scope(client, case, district_officer, frozen_today):
    client.force_login(district_officer)
    book = read_book(client.get(EXPORT, {"year": YEAR, "quarter": 3, "district": f.NANSHAN}))
    summary = {row[0]: row[1] for row in sheet_rows(book.worksheets[0])[2:]}
    assert summary["Assistance purchases in the period (yuan)"] == 500  # 福田's Q3: A's July
    assert "福田区" in sheet_rows(book.worksheets[0])[0][0]


# --- the cost: a fixed number of queries whatever the size -------------------------------


def grow(count: int) -> None:
    """``count`` more units over both districts, each with declarations, purchases from
    several suppliers in several months and channels, and an outlet."""
    suppliers = [
        f.SupplierFactory(region=f.region(code))
        for code in (f.TIANYANG, KASHGAR_CITY, YOUJIANG, "451022")
    ]
    channels = ["platform_832", "outlet", "online_mall", "direct", "buy_for_donation", "other"]
    for n in range(count):
        unit = f.BudgetUnitFactory(region=f.region((f.FUTIAN, f.NANSHAN)[n % 2]))
        for quarter in (1, 2, 3):
            f.DeclarationFactory(budget_unit=unit, year=YEAR, quarter=quarter)
        for k in range(3):
            f.RecordFactory(
                budget_unit=unit,
                supplier=suppliers[(n + k) % len(suppliers)],
                purchased_on=datetime.date(YEAR, 1 + (n + 4 * k) % 11, 1 + k),
                amount=d("1000") * (k + 1) + n,
                channel=channels[(n + k) % len(channels)],
            )
        f.OutletFactory(
            district=unit.region,
            kind=Outlet.Kind.values[n % 6],
            opened_on=datetime.date(YEAR, 1 + n % 11, 1),
        )
        f.CertificateFactory(
            product=f.ProductFactory(supplier=suppliers[n % len(suppliers)]),
            valid_from=datetime.date(YEAR, 1, 1),
        )
    totals_rebuild()


@pytest.mark.parametrize("persona", ["city_officer", "district_officer"])
def test_the_page_and_the_export_cost_the_same_queries_at_any_size(
    client, case, persona, request, frozen_today, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(persona))
    grow(3)
    with django_assert_max_num_queries(16) as page_small:
        client.get(PAGE, {"year": YEAR})
    with django_assert_max_num_queries(16) as export_small:
        read_book(client.get(EXPORT, {"year": YEAR}))
    grow(30)
    with django_assert_max_num_queries(len(page_small.captured_queries)):
        response = client.get(PAGE, {"year": YEAR})
    assert response.context["data"].headline.units_total > 30 // 2
    with django_assert_max_num_queries(len(export_small.captured_queries)):
        read_book(client.get(EXPORT, {"year": YEAR}))


def test_the_roles_of_the_page_are_the_offices():
    from reporting.views.dashboard import dashboard

    assert dashboard.allowed_roles == frozenset({Role.CITY_OFFICE, Role.DISTRICT_OFFICE})
