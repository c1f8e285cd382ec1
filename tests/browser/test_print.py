"""Printing on A4 in Chromium (issue 11, point 5): the quarter summary is one page with the
unit, its totals and the signature lines; a certificate is one framed page with its number and
holder; a bulletin has its title on the first page and its annex tables' headers on every page
of the annex, no column cut off. No printout shows the side navigation or the language switch.

Each printout is saved under ``.test-artifacts/print/`` (not committed) for a person to read.
"""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from portal.formatting import yuan
from portal.models import Role
from procurement.models import QuarterReturn, QuarterSubmission, QuotaPolicy, QuotaRule
from procurement.summary_selectors import SUMMARY_RECORDS
from reporting.services_bulletins import bulletin_generate
from tests import factories as f
from tests.browser.journey import sign_in
from tests.browser.printing import A4_POINTS, print_a4
from tests.browser.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D = Decimal
PRINTS = Path(settings.BASE_DIR) / ".test-artifacts" / "print"
CHANNELS = ["platform_832", "outlet", "online_mall", "direct", "buy_for_donation", "other"]
PURPOSES = ["canteen", "union_welfare", "gifts", "other"]


def squeezed(text: str) -> str:
    """Text without white space: pdftotext lays CJK text out with spaces of its own."""
    return re.sub(r"\s+", "", text)


def chrome_texts(page) -> list[str]:
    """What the page's chrome says on screen (the side navigation's links, the language
    switch's languages, the header's links), less anything the document itself says too (a
    bulletin is titled 通报 like its navigation entry)."""
    document = squeezed(page.locator("main").inner_text())
    texts = page.locator(".side-nav a, #lang-select option, .header-links a").all_inner_texts()
    return [t for t in (squeezed(t) for t in texts) if t and t not in document]


def assert_no_chrome(printed: str, chrome: list[str]) -> None:
    assert len(chrome) >= 5  # the check has something to find
    found = [text for text in chrome if text in squeezed(printed)]
    assert not found, f"printed with the page's chrome: {found}"


def test_the_quarter_summary_prints_on_one_a4_page(live_server, page, clerk, unit_a, city_officer):
    """The fullest form there is: every channel and purpose bought through, as many purchases
    as are listed, two further quota rules, four rounds of correction."""
    policy = QuotaPolicy.objects.create(year=2026, ratio=D("0.300"))
    QuotaRule.objects.create(
        policy=policy, name="832平台采购食堂食材不低于10%", base="canteen", ratio=D("0.100"),
        channels=["platform_832"],
    )  # fmt: skip
    QuotaRule.objects.create(
        policy=policy, name="工会福利50%用于消费帮扶专馆专区", base="union_welfare",
        ratio=D("0.500"), channels=["outlet"],
    )  # fmt: skip
    for quarter in (1, 2, 3):
        f.DeclarationFactory(
            budget_unit=unit_a, year=2026, quarter=quarter, agri_total=D("250000"),
            canteen_total=D("120000"), union_welfare_total=D("40000"),
        )  # fmt: skip
    suppliers = [
        f.SupplierFactory(name=name)
        for name in (
            "百色市田阳区农业发展有限公司",
            "喀什古城香馕食品有限公司",
            "察隅县农牧产品专业合作社",
        )
    ]
    for n in range(SUMMARY_RECORDS):
        supplier = suppliers[n % 3]
        f.RecordFactory(
            budget_unit=unit_a,
            supplier=supplier,
            product=f.ProductFactory(supplier=supplier, name=f"田阳香芒精品礼盒{n + 1}号（5kg装）"),
            purchased_on=datetime.date(2026, 7 + n % 3, 1 + 2 * n),
            amount=D("12345.67") + n,
            channel=CHANNELS[n % 6],
            purpose=PURPOSES[n % 4],
        )
    approver = f.member(Role.UNIT_APPROVER, unit_a, "unit_approver")
    submission = QuarterSubmission.objects.create(
        budget_unit=unit_a, year=2026, quarter=3, status=QuarterSubmission.Status.RETURNED,
        submitted_by=approver, submitted_at=timezone.now(),
    )  # fmt: skip
    for number in (1, 2, 3, 4):
        QuarterReturn.objects.create(
            submission=submission, number=number, comment="请补充发票", returned_by=city_officer,
            returned_at=timezone.now(),
            resubmitted_by=approver if number < 4 else None,
            resubmitted_at=timezone.now() if number < 4 else None,
        )  # fmt: skip

    base = live_server.url
    sign_in(page, base, "unit_clerk")
    page.goto(f"{base}{reverse('procurement:quarters')}?year=2026")
    page.locator("[data-testid=summary-3]").click()
    page.wait_for_url(f"**{reverse('procurement:quarter_summary', args=[2026, 3])}")
    assert page.locator("[data-testid=summary-records] tbody tr").count() == SUMMARY_RECORDS
    total = page.locator("[data-testid=summary-total]").inner_text()
    ytd = page.locator("[data-testid=ytd-total]").inner_text()
    signatures = page.locator(".signature-label").all_inner_texts()
    chrome = chrome_texts(page)

    printed = print_a4(page, save_to=PRINTS / "quarter-summary.pdf")

    assert printed.size == A4_POINTS
    assert len(printed.pages) == 1, [len(p) for p in printed.pages]
    text = squeezed(printed.text)
    assert unit_a.name in text and unit_a.credit_code in text
    expected = sum((D("12345.67") + n for n in range(SUMMARY_RECORDS)), D("0"))
    assert total == yuan(expected) and total in text and ytd in text
    assert len(signatures) == 3 and all(squeezed(label) in text for label in signatures)
    assert f"田阳香芒精品礼盒{SUMMARY_RECORDS}号" in text  # the last purchase listed
    assert_no_chrome(printed.text, chrome)


def test_a_certificate_prints_on_one_framed_page(live_server, page, city_officer, supplier_org):
    certificate = f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org, name="田阳香芒"),
        number="RZ-2026-000123",
    )
    base = live_server.url
    sign_in(page, base, "city_office")
    page.goto(f"{base}{reverse('products:certificate_detail', args=[certificate.pk])}")
    on_screen_only = [
        squeezed(t)
        for t in page.locator("#history-heading, #renewal-heading, .page-head h1").all_inner_texts()
    ]
    chrome = chrome_texts(page)

    printed = print_a4(page, save_to=PRINTS / "certificate.pdf")

    assert printed.size == A4_POINTS
    assert len(printed.pages) == 1
    text = squeezed(printed.text)
    assert "RZ-2026-000123" in text and supplier_org.name in text and "田阳香芒" in text
    assert f"{reverse('products:certificate_verify')}?number=RZ-2026-000123" in text
    assert len(on_screen_only) == 3 and not [t for t in on_screen_only if t in text]
    assert_no_chrome(printed.text, chrome)


LAGGARDS = 90
LAGGARD = "深圳市未达标示例单位第"  # no header's words in it (预算单位, 差额)


def test_a_bulletin_prints_its_title_first_and_its_annex_headers_on_every_page(
    live_server, page, city_officer
):
    """Ten units meet the share; ninety fall below it, listed in Table 5 over several pages."""
    QuotaPolicy.objects.create(year=2026, ratio=D("0.300"))
    futian, nanshan = f.region(f.FUTIAN), f.region(f.NANSHAN)
    for n in range(10):
        unit = f.BudgetUnitFactory(name=f"达标示范单位{n + 1:02d}", region=futian)
        f.DeclarationFactory(budget_unit=unit, year=2026, quarter=3, agri_total=D("100000"))
        f.RecordFactory(budget_unit=unit, purchased_on=datetime.date(2026, 8, 1), amount=D("50000"))
    for n in range(LAGGARDS):
        unit = f.BudgetUnitFactory(
            name=f"{LAGGARD}{n + 1:02d}号", region=futian if n % 2 else nanshan
        )
        f.DeclarationFactory(budget_unit=unit, year=2026, quarter=3, agri_total=D("12345678.90"))
        f.RecordFactory(
            budget_unit=unit, purchased_on=datetime.date(2026, 8, 1), amount=D("1000") + n
        )
    bulletin = bulletin_generate(
        actor=city_officer, year=2026, quarter=3, as_of=datetime.date(2026, 11, 23)
    ).bulletin

    base = live_server.url
    sign_in(page, base, "city_office")
    page.goto(f"{base}{reverse('reporting:bulletin_detail', args=[bulletin.pk])}")
    header = "".join(
        squeezed(t) for t in page.locator("[data-testid=below-share] thead th").all_inner_texts()
    )
    annex = squeezed(page.locator("#annex-title").inner_text())
    chrome = chrome_texts(page)

    # On paper's width (A4 less the margins, ~673 px) every annex table fits its page.
    page.set_viewport_size({"width": 673, "height": 1000})
    page.emulate_media(media="print")
    overflowing = page.evaluate(
        """() => {
            const edge = document.querySelector("main").getBoundingClientRect().right + 1;
            return [...document.querySelectorAll(".bulletin-table")]
                .filter(table => table.getBoundingClientRect().right > edge)
                .map(table => table.dataset.testid);
        }"""
    )
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert overflowing == []

    printed = print_a4(page, save_to=PRINTS / "bulletin.pdf")

    assert printed.size == A4_POINTS
    assert squeezed(bulletin.title) in squeezed(printed.pages[0])
    pages = [squeezed(text) for text in printed.pages]
    # The text names the laggards too; the annex begins on a page of its own.
    start = next(number for number, text in enumerate(pages) if annex in text)
    assert start >= 1 and annex not in "".join(pages[:start])
    table = [text for text in pages[start:] if LAGGARD in text]
    assert len(table) >= 2  # Table 5 runs over pages
    for number, text in enumerate(table, 1):
        assert header in text, f"page {number} of Table 5 has no header row"
    listed = "".join(table)
    assert all(f"{LAGGARD}{n + 1:02d}号" in listed for n in range(LAGGARDS))
    assert_no_chrome(printed.text, chrome)


def test_the_quarter_summary_passes_axe(live_server, browser, clerk, unit_a):
    """The new page on screen, as the accessibility suite checks the navigation's pages."""
    f.DeclarationFactory(budget_unit=unit_a, year=2026, quarter=3, agri_total=D("100000"))
    f.RecordFactory(budget_unit=unit_a, purchased_on=datetime.date(2026, 8, 8))
    # axe is injected as an inline script, which the CSP refuses: this context alone lets it in.
    context = browser.new_context(
        bypass_csp=True, locale="zh-CN", viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "unit_clerk")
        page.goto(f"{live_server.url}{reverse('procurement:quarter_summary', args=[2026, 3])}")
        assert page.locator("[data-testid=summary-records] tbody tr").count() == 1
        page.screenshot(path=PRINTS / "quarter-summary-screen.png", full_page=True)
        assert violations(page) == []
    finally:
        context.close()
