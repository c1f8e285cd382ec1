"""The quarter summary (季度汇总表): one quarter of one unit as a form to print, sign and file.
Its figures are the purchases' own (Decimal, rejected ones aside), each unit's staff read
their unit's, the offices the units in their scope, and it reads in a fixed number of
queries however many purchases the quarter has."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from procurement.models import (
    ProcurementRecord,
    QuarterReturn,
    QuarterSubmission,
    QuotaPolicy,
    QuotaRule,
)
from procurement.summary_selectors import SUMMARY_RECORDS
from tests import factories as f

pytestmark = pytest.mark.django_db

D = Decimal
SHANGHAI = ZoneInfo("Asia/Shanghai")
AS_OF = datetime.date(2026, 11, 23)  # 2026Q4 is current; 2026Q3 has just ended
Q3 = (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
OWN = reverse("procurement:quarter_summary", args=[2026, 3])
REJECTED = ProcurementRecord.Status.REJECTED


def unit_url(unit, year=2026, quarter=3):
    return reverse("procurement:unit_quarter_summary", args=[unit.pk, year, quarter])


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setattr("procurement.views.quarter_summary.today", lambda: AS_OF)


def buy(unit, amount, day, **extra):
    return f.RecordFactory(budget_unit=unit, purchased_on=day, amount=D(amount), **extra)


@pytest.fixture
def third_quarter(unit_a, unit_b, supplier_org):
    """Unit A's 2026 to the third quarter, with what must not count in the quarter: a rejected
    purchase, the second and fourth quarters', another unit's, last year's."""
    QuotaPolicy.objects.create(year=2026, ratio=D("0.300"))
    for quarter, agri in ((1, "40000"), (2, "60000"), (3, "100000.00")):
        f.DeclarationFactory(
            budget_unit=unit_a,
            year=2026,
            quarter=quarter,
            agri_total=D(agri),
            canteen_total=D("30000") if quarter == 3 else D("0"),
        )
    product = f.ProductFactory(supplier=supplier_org, name="田阳香芒")
    buy(unit_a, "12000.50", datetime.date(2026, 7, 3), supplier=supplier_org, product=product)
    buy(unit_a, "8000.25", datetime.date(2026, 8, 19), channel="outlet", purpose="union_welfare")
    buy(unit_a, "3333.33", datetime.date(2026, 9, 30), channel="online_mall", purpose="gifts")
    buy(unit_a, "999.99", datetime.date(2026, 9, 1), status=REJECTED)
    buy(unit_a, "5000", datetime.date(2026, 6, 30))  # Q2: the year to date only
    buy(unit_a, "7000", datetime.date(2026, 10, 1))  # Q4: nowhere
    buy(unit_b, "4444", datetime.date(2026, 8, 8))  # another unit
    buy(unit_a, "20000", datetime.date(2025, 9, 30))  # last year's same period
    buy(unit_a, "50000", datetime.date(2025, 10, 1))  # last year, after the same period
    return unit_a


def counted(unit, first, last):
    return (
        ProcurementRecord.objects.filter(budget_unit=unit, purchased_on__range=(first, last))
        .exclude(status=REJECTED)
        .aggregate(n=Count("pk"), total=Sum("amount"))
    )


def test_the_figures_are_those_of_the_quarters_purchases(client, clerk, third_quarter):
    client.force_login(clerk)
    response = client.get(OWN)
    assert response.status_code == 200
    summary = response.context["summary"]

    quarter = counted(third_quarter, *Q3)
    assert (summary.count, summary.total) == (quarter["n"], quarter["total"])
    assert summary.total == D("23334.08")
    for line in summary.by_channel:
        rows = (
            ProcurementRecord.objects.filter(
                budget_unit=third_quarter, purchased_on__range=Q3, channel=line.code
            )
            .exclude(status=REJECTED)
            .aggregate(n=Count("pk"), total=Sum("amount"))
        )
        assert (line.count, line.amount) == (rows["n"], rows["total"] or D("0")), line.code
    purposes = {line.code: line.amount for line in summary.by_purpose}
    assert purposes == {
        "canteen": D("12000.50"),
        "union_welfare": D("8000.25"),
        "gifts": D("3333.33"),
        "other": D("0"),
    }
    assert all(isinstance(line.amount, Decimal) for line in summary.by_channel)
    # The quarter's share against the year's 30%: 23,334.08 / 100,000.
    assert summary.quarter_status.share == D("0.2333")
    assert summary.quarter_status.shortfall == D("6665.92")
    assert summary.quarter_status.meets is False

    ytd = summary.year_to_date
    to_date = counted(third_quarter, datetime.date(2026, 1, 1), Q3[1])
    last_year = counted(third_quarter, datetime.date(2025, 1, 1), datetime.date(2025, 9, 30))
    assert ytd.assistance_total == to_date["total"] == D("28334.08")
    assert ytd.agri_total == D("200000.00")
    assert ytd.last_year_total == last_year["total"] == D("20000.00")
    assert ytd.share == D("0.1417") and ytd.meets_growth

    body = response.content.decode()
    assert third_quarter.name in body and third_quarter.credit_code in body
    for text in ("¥23,334.08", "¥100,000.00", "23.3%", "¥28,334.08", "¥200,000.00", "14.2%"):
        assert text in body, text
    assert "¥999.99" not in body and "¥7,000.00" not in body and "¥4,444.00" not in body
    # The purchases are few: each is listed with its supplier and product.
    assert [r.amount for r in summary.records] == [D("12000.50"), D("8000.25"), D("3333.33")]
    assert "田阳香芒" in body and "2026-09-30" in body


def test_the_form_has_the_signature_lines_and_a_print_button(client, approver, third_quarter):
    client.force_login(approver)
    body = client.get(OWN).content.decode()
    for text in ("Prepared by (clerk)", "Checked by (approver)", "Seal of the unit"):
        assert text in body
    assert 'data-print data-testid="print"' in body
    assert "Drawn from the Consumption Assistance Portal on 2026年11月23日" in body


def test_submission_and_its_rounds_of_correction_are_on_the_form(
    client, clerk, approver, city_officer, third_quarter
):
    submission = QuarterSubmission.objects.create(
        budget_unit=third_quarter,
        year=2026,
        quarter=3,
        submitted_by=approver,
        submitted_at=datetime.datetime(2026, 10, 12, 9, 30, tzinfo=SHANGHAI),
    )
    QuarterReturn.objects.create(
        submission=submission,
        number=1,
        comment="发票缺失",
        returned_by=city_officer,
        returned_at=datetime.datetime(2026, 10, 8, 15, 0, tzinfo=SHANGHAI),
        resubmitted_by=approver,
        resubmitted_at=datetime.datetime(2026, 10, 12, 9, 30, tzinfo=SHANGHAI),
    )
    client.force_login(clerk)
    body = client.get(OWN).content.decode()
    assert "on 2026-10-12 09:30 by unit_approver" in body
    assert "Round 1: returned for correction on 2026-10-08 by city_office" in body
    assert "submitted again on 2026-10-12" in body
    assert "due by 2026-10-15" in body


def test_a_quarter_not_submitted_says_so(client, clerk, third_quarter):
    client.force_login(clerk)
    response = client.get(OWN)
    assert response.context["summary"].submission is None
    assert "Not submitted" in response.content.decode()


def test_a_long_quarter_prints_its_totals_and_points_to_the_ledger(client, clerk, unit_a):
    for day in range(1, SUMMARY_RECORDS + 2):
        buy(unit_a, "100", datetime.date(2026, 8, day))
    client.force_login(clerk)
    response = client.get(OWN)
    summary = response.context["summary"]
    assert summary.count == SUMMARY_RECORDS + 1
    assert summary.total == D("100.00") * (SUMMARY_RECORDS + 1)
    assert summary.records == [] and not summary.records_listed
    body = response.content.decode()
    assert 'data-testid="summary-records"' not in body
    assert f"The quarter has {SUMMARY_RECORDS + 1} purchases" in body
    assert f"{reverse('procurement:ledger')}?year=2026&amp;quarter=3" in body


def test_a_further_quota_rule_is_read_to_the_quarters_end(client, clerk, third_quarter):
    policy = QuotaPolicy.objects.get(year=2026)
    rule = QuotaRule.objects.create(
        policy=policy, name="832平台食堂食材10%", base="canteen", ratio=D("0.100"),
        channels=["platform_832"],
    )  # fmt: skip
    client.force_login(clerk)
    response = client.get(OWN)
    statuses = {s.code: s for s in response.context["summary"].further_rules}
    canteen = statuses[f"rule-{rule.pk}"]
    # Canteen food through 832 from 1 January to 30 September: July's and June's purchases, not
    # October's (7,000) nor the rejected one; the canteen base declared to date, 30,000.
    assert (canteen.counted_total, canteen.base_total) == (D("17000.50"), D("30000.00"))
    assert canteen.meets is True
    assert "832平台食堂食材10%" in response.content.decode()


# Who may read it --------------------------------------------------------------------------


def test_each_unit_reads_its_own_quarter(client, clerk_b, unit_b, third_quarter):
    client.force_login(clerk_b)
    response = client.get(OWN)
    assert response.status_code == 200
    assert response.context["unit"] == unit_b
    assert response.context["summary"].total == D("4444.00")
    assert third_quarter.name not in response.content.decode()


def test_another_units_clerk_gets_404(client, clerk_b, third_quarter):
    client.force_login(clerk_b)
    assert client.get(unit_url(third_quarter)).status_code == 404


@pytest.mark.parametrize("url", ["own", "unit"])
def test_a_supplier_and_a_reviewer_get_403(client, supplier, reviewer, third_quarter, url):
    for user in (supplier, reviewer):
        client.force_login(user)
        target = OWN if url == "own" else unit_url(third_quarter)
        assert client.get(target).status_code == 403


def test_the_offices_read_the_units_of_their_scope(
    client, district_officer, city_officer, unit_b, third_quarter
):
    client.force_login(district_officer)  # 福田区: unit A, not 南山区's unit B
    response = client.get(unit_url(third_quarter))
    assert response.status_code == 200
    assert response.context["summary"].total == D("23334.08")
    assert client.get(unit_url(unit_b)).status_code == 404
    assert client.get(OWN).status_code == 403  # an office has no own unit
    client.force_login(city_officer)
    assert client.get(unit_url(unit_b)).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, third_quarter):
    response = client.get(OWN)
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("args", [(2026, 5), (2026, 0), (1999, 1)])
def test_a_quarter_that_does_not_exist_is_404(client, clerk, unit_a, args):
    client.force_login(clerk)
    assert client.get(reverse("procurement:quarter_summary", args=args)).status_code == 404


def test_the_quarters_page_links_each_begun_quarter_to_its_summary(
    client, clerk, unit_a, monkeypatch
):
    monkeypatch.setattr("procurement.views.records.today", lambda: datetime.date(2026, 5, 5))
    client.force_login(clerk)
    body = client.get(reverse("procurement:quarters") + "?year=2026").content.decode()
    for quarter in (1, 2):
        assert reverse("procurement:quarter_summary", args=[2026, quarter]) in body
    assert reverse("procurement:quarter_summary", args=[2026, 3]) not in body  # not begun
    assert "Print summary" in body


# Bounded ------------------------------------------------------------------------------------


@pytest.mark.parametrize("purchases", [3, 3 * SUMMARY_RECORDS])
def test_the_page_reads_in_a_fixed_number_of_queries(
    client, clerk, approver, city_officer, unit_a, supplier_org, purchases,
    django_assert_max_num_queries,
):  # fmt: skip
    """Listed (a few) or counted (many), with a further rule on the canteen base and a round
    of correction: the same bound."""
    policy = QuotaPolicy.objects.create(year=2026)
    QuotaRule.objects.create(policy=policy, name="食堂", base="canteen", ratio=D("0.1"))
    f.DeclarationFactory(budget_unit=unit_a, year=2026, quarter=3, canteen_total=D("1000"))
    channels = ["platform_832", "outlet", "online_mall", "direct"]
    for n in range(purchases):
        buy(
            unit_a,
            "10",
            datetime.date(2026, 7 + n % 3, 1 + n % 28),
            supplier=supplier_org,
            product=f.ProductFactory(supplier=supplier_org),
            channel=channels[n % 4],
        )
    submission = QuarterSubmission.objects.create(
        budget_unit=unit_a, year=2026, quarter=3, submitted_by=approver, submitted_at=timezone.now()
    )
    for number in (1, 2):
        QuarterReturn.objects.create(
            submission=submission, number=number, comment="x", returned_by=city_officer,
            returned_at=timezone.now(), resubmitted_by=approver, resubmitted_at=timezone.now(),
        )  # fmt: skip
    client.force_login(clerk)
    with django_assert_max_num_queries(13):
        response = client.get(OWN)
    assert response.status_code == 200
    assert response.context["summary"].count == purchases


# Languages ----------------------------------------------------------------------------------


def test_english_rendering(client, clerk, third_quarter):
    client.force_login(clerk)
    body = client.get(OWN, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in body
    for text in (
        "Consumption assistance purchases: quarter summary of a budget unit",
        "2026, quarter 3",
        "Declared farm-products total",
        "By channel",
        "832 platform",
        "Year to date (1 January to 2026年9月30日)",
    ):
        assert text in body, text


def test_chinese_rendering(client, clerk, third_quarter, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(clerk)
    body = client.get(OWN, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans">' in body
    for text in ("2026年第3季度", "已申报农副产品采购总额", "帮扶产品采购额", "统一社会信用代码"):
        assert text in body, text
    for english in ("Declared farm-products total", "Assistance purchases", "Unified social"):
        assert english not in body, english
    assert "¥23,334.08" in body and third_quarter.name in body
