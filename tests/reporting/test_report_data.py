"""The quarterly report's figures against a hand-built city (issue 6 acceptance): two districts,
three units, records of the quarter, of the year before it, of the previous year and of the next
quarter, a rejected one; suppliers in two paired counties; products of two categories; outlets
with sales, one exited in the quarter; certificates issued, expired and revoked in it.

``build_dataset`` and ``EXPECTED`` are shared with ``test_report_files.py``.
"""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outlets.models import Outlet, OutletSalesReport
from portal.errors import ApplicationError
from procurement.models import AnnualTarget, ProcurementRecord
from procurement.selectors import compliance_rows
from products.models import CertificationScheme, ExitAction
from reporting.reports.data import collect_figures, compliance_to_quarter
from reporting.reports.figures import UNSPECIFIED
from reporting.reports.text import headline_money, long_date
from tests import factories as f

pytestmark = pytest.mark.django_db

YEAR, QUARTER = 2026, 3
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
KASHGAR = "653101"  # 喀什市, paired with 福田区
D = Decimal


def day(month: int, dom: int, year: int = YEAR) -> datetime.date:
    return datetime.date(year, month, dom)


def build_dataset() -> dict:
    """The hand-built city. Every amount below is summed by hand in ``EXPECTED``."""
    futian, nanshan = f.region(f.FUTIAN), f.region(f.NANSHAN)
    unit_a = f.BudgetUnitFactory(name="深圳市福田区教育局", region=futian)
    unit_a2 = f.BudgetUnitFactory(name="深圳市福田区人民医院", region=futian, category="hospital")
    unit_b = f.BudgetUnitFactory(name="深圳市南山区人民医院", region=nanshan, category="hospital")
    for quarter in (1, 2, 3, 4):  # Q4 is declared ahead and must not count in Q3's figures
        f.DeclarationFactory(budget_unit=unit_a, quarter=quarter, agri_total=D("100000.00"))
    f.DeclarationFactory(budget_unit=unit_a2, quarter=3, agri_total=D("50000.00"))
    f.DeclarationFactory(budget_unit=unit_b, quarter=2, agri_total=D("40000.00"))
    f.DeclarationFactory(budget_unit=unit_b, quarter=3, agri_total=D("60000.00"))

    tianyang = f.SupplierFactory(name="百色市田阳区农业发展有限公司")  # 451003, paired with 南山区
    kashgar = f.SupplierFactory(name="喀什古城香馕食品有限公司", region=f.region(KASHGAR))
    mango = f.ProductFactory(supplier=tianyang, name="田阳芒果", category="fruit")
    naan = f.ProductFactory(
        supplier=kashgar, name="喀什香馕", category="grain_oil", region=f.region(KASHGAR)
    )

    def record(unit, supplier, product, on, amount, channel, status="recorded"):
        return f.RecordFactory(
            budget_unit=unit,
            supplier=supplier,
            product=product,
            purchased_on=on,
            amount=D(amount),
            channel=channel,
            status=status,
        )

    changeable = record(unit_a, tianyang, mango, day(7, 10), "20000.00", "platform_832")
    record(unit_a, kashgar, naan, day(8, 5), "15000.50", "direct")
    record(unit_a, kashgar, None, day(9, 30), "1000.25", "outlet")
    record(unit_a, tianyang, mango, day(8, 20), "9999.00", "platform_832", status="rejected")
    record(unit_a, tianyang, mango, day(3, 15), "12000.00", "platform_832")  # Q1: year to date
    record(unit_a, tianyang, mango, day(10, 2), "7777.00", "platform_832")  # next quarter
    record(unit_a, kashgar, naan, day(8, 1, YEAR - 1), "30000.00", "direct")  # last year
    record(unit_a2, tianyang, mango, day(7, 15), "16000.00", "online_mall")
    record(unit_b, kashgar, naan, day(9, 1), "10000.00", "buy_for_donation", status="submitted")
    record(unit_b, tianyang, None, day(5, 1), "5000.00", "other")  # Q2: year to date

    AnnualTarget.objects.create(year=YEAR, amount=D("200000.00"))
    AnnualTarget.objects.create(year=YEAR, district=futian, amount=D("100000.00"))
    AnnualTarget.objects.create(year=YEAR, region=f.region(f.TIANYANG), amount=D("100000.00"))

    def outlet(name, kind, district, opened, exited=None):
        return f.OutletFactory(
            name=name,
            kind=kind,
            district=district,
            opened_on=opened,
            exited_on=exited,
            status=Outlet.Status.EXITED if exited else Outlet.Status.ACTIVE,
        )

    counter = outlet("福田消费帮扶专柜", "counter", futian, day(1, 1, 2025))
    hall = outlet("福田对口帮扶馆", "hall", futian, day(6, 1, 2024), exited=day(8, 15))
    zone = outlet("南山帮扶专区", "zone", nanshan, day(8, 1))
    gone = outlet("南山旧专柜", "counter", nanshan, day(1, 1, 2024), exited=day(5, 1))
    outlet("福田未开专站", "station", futian, day(10, 10))  # opens after the quarter
    for shop, month, amount in [
        (counter, 6, "500.00"),  # before the quarter
        (counter, 7, "1000.00"),
        (counter, 8, "2000.00"),
        (counter, 9, "3000.00"),
        (hall, 7, "4000.00"),
        (hall, 8, "1500.00"),
        (zone, 9, "2500.00"),
        (gone, 4, "800.00"),
    ]:
        OutletSalesReport.objects.create(outlet=shop, year=YEAR, month=month, amount=D(amount))

    szp = CertificationScheme.objects.get(code="szp")

    def certificate(start, until, scheme=None, status="valid"):
        extra = {"scheme": scheme} if scheme else {}
        return f.CertificateFactory(
            product=mango, valid_from=start, valid_until=until, status=status, **extra
        )

    certificate(day(7, 20), day(7, 19, 2028))  # recognition issued in the quarter
    certificate(day(8, 1), day(7, 31, 2028), scheme=szp)  # 圳品 issued in the quarter
    certificate(day(9, 1, 2024), day(8, 31), status="expired")  # expired in the quarter
    revoked = certificate(day(1, 1, 2025), day(9, 15), status="revoked")  # revoked in Q3
    revoked_before = certificate(day(1, 1, 2025), day(12, 31, 2027), scheme=szp, status="revoked")
    certificate(day(10, 1), day(9, 30, 2028))  # issued in the next quarter
    for cert, when in [
        # 00:30 in Shenzhen is still 30 June in UTC: the quarter is the local one.
        (revoked, datetime.datetime(YEAR, 7, 1, 0, 30, tzinfo=SHANGHAI)),
        (revoked_before, datetime.datetime(YEAR, 4, 1, 10, 0, tzinfo=SHANGHAI)),
    ]:
        ExitAction.objects.create(
            certificate=cert,
            action=ExitAction.Action.REVOKE,
            from_status="valid",
            to_status="revoked",
            reason="quality",
            at=when,
        )
    return {
        "unit_a": unit_a,
        "unit_a2": unit_a2,
        "unit_b": unit_b,
        "tianyang": tianyang,
        "kashgar": kashgar,
        "changeable": changeable,
    }


EXPECTED = {
    "quarter": D("62000.75"),  # 20000 + 15000.50 + 1000.25 + 16000 + 10000
    "ytd": D("79000.75"),  # + 12000 (Q1) + 5000 (Q2)
    "agri_quarter": D("210000.00"),
    "agri_ytd": D("450000.00"),
    "futian_quarter": D("52000.75"),
    "futian_ytd": D("64000.75"),
    "nanshan_quarter": D("10000.00"),
    "nanshan_ytd": D("15000.00"),
    # unit: (agri, assistance, share, shortfall, last year, meets share, meets growth)
    "units": {
        "深圳市福田区教育局": (
            D("300000"),
            D("48000.75"),
            D("0.1600"),
            D("41999.25"),
            D("30000"),
            False,
            True,
        ),
        "深圳市福田区人民医院": (D("50000"), D("16000"), D("0.3200"), D("0"), D("0"), True, True),
        "深圳市南山区人民医院": (
            D("100000"),
            D("15000"),
            D("0.1500"),
            D("15000"),
            D("0"),
            False,
            True,
        ),
    },
    "provinces": {
        "450000": (D("36000.00"), D("53000.00")),
        "650000": (D("26000.75"), D("26000.75")),
    },
    "channels": {
        "platform_832": (D("20000.00"), D("32000.00")),
        "direct": (D("15000.50"), D("15000.50")),
        "outlet": (D("1000.25"), D("1000.25")),
        "online_mall": (D("16000.00"), D("16000.00")),
        "buy_for_donation": (D("10000.00"), D("10000.00")),
        "other": (D("0.00"), D("5000.00")),
    },
    "categories": {
        "fruit": (D("36000.00"), D("48000.00")),
        "grain_oil": (D("25000.50"), D("25000.50")),
        UNSPECIFIED: (D("1000.25"), D("6000.25")),
    },
    # (district, kind): (open, exited, sales)
    "outlets": {
        (f.FUTIAN, "counter"): (1, 0, D("6000.00")),
        (f.FUTIAN, "hall"): (1, 1, D("5500.00")),
        (f.NANSHAN, "zone"): (1, 0, D("2500.00")),
    },
    # scheme: (issued, expired, revoked)
    "certifications": {"recognition": (1, 1, 1), "szp": (1, 0, 0), "base": (0, 0, 0)},
}


@pytest.fixture
def dataset():
    return build_dataset()


@pytest.fixture
def figures(dataset):
    return collect_figures(year=YEAR, quarter=QUARTER)


def test_city_summary_sums_the_quarter_and_the_year_to_date(figures):
    s = figures.summary
    assert (s.assistance_quarter, s.assistance_ytd) == (EXPECTED["quarter"], EXPECTED["ytd"])
    assert (s.agri_quarter, s.agri_ytd) == (EXPECTED["agri_quarter"], EXPECTED["agri_ytd"])
    assert s.share_quarter == D("0.2952")  # 62000.75 / 210000
    assert s.share_ytd == D("0.1756")  # 79000.75 / 450000
    assert s.required_share == D("0.300")
    assert (s.units_total, s.units_compliant) == (3, 1)
    assert s.records_quarter == 5  # the rejected record and the other periods' do not count
    assert (s.target, s.progress) == (D("200000.00"), D("0.3950"))


def test_districts_add_up_to_the_city(figures):
    by_code = {d.code: d for d in figures.districts}
    futian, nanshan = by_code[f.FUTIAN], by_code[f.NANSHAN]
    assert (futian.assistance_quarter, futian.assistance_ytd) == (
        EXPECTED["futian_quarter"],
        EXPECTED["futian_ytd"],
    )
    assert (nanshan.assistance_quarter, nanshan.assistance_ytd) == (
        EXPECTED["nanshan_quarter"],
        EXPECTED["nanshan_ytd"],
    )
    assert (futian.units_total, futian.units_compliant) == (2, 1)
    assert (futian.target, futian.progress) == (D("100000.00"), D("0.6400"))
    assert nanshan.target is None and nanshan.progress is None
    # Every district of the city is listed, in code order, and they add up to the city.
    assert [d.code for d in figures.districts] == sorted(by_code)
    assert sum(d.assistance_ytd for d in figures.districts) == figures.summary.assistance_ytd
    assert sum(d.agri_ytd for d in figures.districts) == figures.summary.agri_ytd


def test_unit_compliance_is_the_quota_formula_to_the_quarters_end(figures):
    rows = {row.name: row for row in figures.units}
    assert set(rows) == set(EXPECTED["units"])
    for name, (agri, assistance, share, shortfall, last_year, meets, growth) in EXPECTED[
        "units"
    ].items():
        row = rows[name]
        assert (row.agri_total, row.assistance_total, row.share) == (agri, assistance, share)
        assert (row.shortfall, row.last_year_total) == (shortfall, last_year)
        assert (row.meets_share, row.meets_growth) == (meets, growth)
    assert [row.name for row in figures.laggards] == ["深圳市福田区教育局", "深圳市南山区人民医院"]


def test_the_fourth_quarters_compliance_equals_compliance_rows(dataset, city_officer):
    """At the year's end the report's rows are api.md's, as the compliance endpoint gives them."""
    assert compliance_to_quarter(year=YEAR, quarter=4) == compliance_rows(
        user=city_officer, year=YEAR
    )


def test_money_by_supplier_region_rolls_up_to_province(figures):
    tree = {row.code: row for row in figures.regions}
    for code, (quarter, ytd) in EXPECTED["provinces"].items():
        assert (tree[code].quarter, tree[code].ytd, tree[code].depth) == (quarter, ytd, 0)
    assert [(r.code, r.depth) for r in figures.regions] == [
        ("450000", 0),
        ("451000", 1),
        (f.TIANYANG, 2),
        ("650000", 0),
        ("653100", 1),
        (KASHGAR, 2),
    ]
    top = [r for r in figures.regions if r.depth == 0]
    assert sum(r.quarter for r in top) == EXPECTED["quarter"]
    # By county: the largest this quarter first, with the pairing and the county's target.
    tianyang, kashgar = figures.counties
    assert (tianyang.code, tianyang.quarter, tianyang.ytd) == (
        f.TIANYANG,
        D("36000.00"),
        D("53000.00"),
    )
    assert tianyang.full_name == "广西壮族自治区百色市田阳区"
    assert tianyang.paired_with == ("南山区",)
    assert (tianyang.target, tianyang.progress) == (D("100000.00"), D("0.5300"))
    assert (kashgar.code, kashgar.paired_with, kashgar.target) == (KASHGAR, ("福田区",), None)


def test_money_by_channel_and_by_category(figures):
    channels = {row.code: (row.quarter, row.ytd) for row in figures.channels}
    assert channels == EXPECTED["channels"]
    assert [row.code for row in figures.channels][:2] == ["platform_832", "outlet"]
    categories = {row.code: (row.quarter, row.ytd) for row in figures.categories if row.ytd}
    assert categories == EXPECTED["categories"]
    assert figures.categories[-1].code == UNSPECIFIED
    assert sum(row.quarter for row in figures.categories) == EXPECTED["quarter"]


def test_outlets_open_in_the_quarter_with_their_sales(figures):
    rows = {(o.district_code, o.kind): (o.open, o.exited, o.sales) for o in figures.outlets}
    assert rows == EXPECTED["outlets"]
    by_kind = {
        code: (open_, exited) for code, _label, open_, exited, _sales in figures.outlets_by_kind
    }
    assert by_kind["counter"] == (1, 0)  # the counter that exited in May is not counted
    assert by_kind["station"] == (0, 0)  # nor the station opening in October


def test_certifications_issued_expired_and_revoked_in_the_quarter(figures):
    rows = {c.scheme: (c.issued, c.expired, c.revoked) for c in figures.certifications}
    assert rows == EXPECTED["certifications"]


def test_a_district_report_holds_only_its_district(dataset):
    figures = collect_figures(year=YEAR, quarter=QUARTER, district_code=f.FUTIAN)
    assert [d.code for d in figures.districts] == [f.FUTIAN]
    assert {row.district for row in figures.units} == {f.FUTIAN}
    assert figures.summary.assistance_ytd == EXPECTED["futian_ytd"]
    assert (figures.summary.target, figures.summary.units_total) == (D("100000.00"), 2)
    assert {o.district_code for o in figures.outlets} == {f.FUTIAN}
    assert sum(row.quarter for row in figures.channels) == EXPECTED["futian_quarter"]
    # The pairing column says whether this district helps the county; the city's county
    # targets are not the district's to meet.
    counties = {row.code: row for row in figures.counties}
    assert counties[f.TIANYANG].paired_with == ()
    assert counties[KASHGAR].paired_with == ("福田区",)
    assert counties[f.TIANYANG].target is None
    assert figures.district_names == {f.FUTIAN: "福田区"}


def test_an_unknown_district_is_refused(dataset):
    with pytest.raises(ApplicationError):
        collect_figures(year=YEAR, quarter=QUARTER, district_code="653101")


def test_the_figures_take_a_fixed_number_of_queries(dataset, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as small:
        collect_figures(year=YEAR, quarter=QUARTER)
    # Grow the city: more units in more districts, suppliers in more regions (one registered
    # at city level), more records, outlets and certificates.
    luohu = f.region("440303")
    for n in range(22):
        unit = f.BudgetUnitFactory(region=luohu if n % 2 else f.region(f.NANSHAN))
        f.DeclarationFactory(budget_unit=unit, quarter=3)
        supplier = f.SupplierFactory(region=f.region(["451000", "451022", "653101"][n % 3]))
        f.RecordFactory(budget_unit=unit, supplier=supplier, purchased_on=day(8, 1 + n))
        f.OutletFactory(district=luohu, kind="zone", opened_on=day(1, 1))
    with django_assert_max_num_queries(len(small.captured_queries)):
        grown = collect_figures(year=YEAR, quarter=QUARTER)
    assert len(small.captured_queries) <= 20
    assert grown.summary.units_total == 25
    assert sum(r.quarter for r in grown.regions if r.depth == 0) == grown.summary.assistance_quarter
    assert sum(r.quarter for r in grown.counties) == grown.summary.assistance_quarter


def test_records_after_the_quarter_do_not_move_it(dataset, figures):
    ProcurementRecord.objects.create(
        budget_unit=dataset["unit_b"],
        supplier=dataset["kashgar"],
        purchased_on=day(10, 1),
        amount=D("999.00"),
        channel="direct",
        purpose="canteen",
    )
    assert collect_figures(year=YEAR, quarter=QUARTER) == figures


def test_wording_of_dates_and_headline_amounts():
    assert long_date(datetime.date(2026, 11, 23)) == "2026年11月23日"
    assert headline_money(D("11500000000")) == "115.00 亿元"
    assert headline_money(D("1234567.89")) == "123.46 万元"
