"""A return for correction in Chromium: the district office returns a submitted quarter with a
comment on one purchase; the unit's clerk corrects that purchase; the approver submits the
quarter again; the office reads the round's history, with what was changed."""

import datetime
from decimal import Decimal

import pytest

from portal.periods import Quarter, today
from procurement.models import ProcurementRecord, QuarterReturn, QuarterSubmission
from procurement.services import quarter_submit
from tests import factories as f
from tests.browser.journey import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_returns_clerk_corrects_approver_resubmits_office_reads_the_rounds(
    live_server, page, district_officer, clerk, approver, unit_a, supplier_org
):
    base = live_server.url
    quarter = Quarter.of(today()).previous()  # ended
    f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org, name="田阳香芒"),
        valid_from=datetime.date(quarter.year - 1, 1, 1),
        valid_until=datetime.date(quarter.year + 1, 12, 31),
    )
    wrong = f.RecordFactory(
        budget_unit=unit_a,
        supplier=supplier_org,
        purchased_on=quarter.first_day,
        amount=Decimal("12000.00"),
        invoice_no="44030001",
    )
    f.RecordFactory(
        budget_unit=unit_a,
        supplier=supplier_org,
        purchased_on=quarter.first_day,
        amount=Decimal("8000.00"),
        invoice_no="44030002",
    )
    f.DeclarationFactory(
        budget_unit=unit_a, year=quarter.year, quarter=quarter.quarter, agri_total=Decimal("90000")
    )
    quarter_submit(
        actor=approver,
        budget_unit=unit_a,
        year=quarter.year,
        quarter=quarter.quarter,
        as_of=today(),
    )
    rounds_path = f"/procurement/quarters/{unit_a.pk}/{quarter.year}/{quarter.quarter}/rounds/"

    # The district office returns the quarter from its status table.
    sign_in(page, base, "district_office")
    page.goto(f"{base}/procurement/quarters/status/?year={quarter.year}")
    page.locator(f"[data-testid=return-{unit_a.pk}-{quarter.quarter}]").click()
    page.fill("#id_comment", "请核对第一笔采购的金额")
    page.fill(f"#id_record_{wrong.pk}", "金额与发票不符，发票金额为1,200元")
    page.locator("main form.return-form button[type=submit]").click()
    page.wait_for_url(f"{base}{rounds_path}")
    assert "请核对第一笔采购的金额" in page.locator("[data-testid=round-1]").inner_text()
    submission = QuarterSubmission.objects.get(budget_unit=unit_a)
    assert submission.status == QuarterSubmission.Status.RETURNED
    sign_out(page)

    # The clerk sees the comment on the quarters page and corrects the purchase it names.
    sign_in(page, base, "unit_clerk")
    page.goto(f"{base}/procurement/quarters/?year={quarter.year}")
    notice = page.locator(f"[data-testid=quarter-{quarter.quarter}] [data-testid=open-return]")
    assert "请核对第一笔采购的金额" in notice.inner_text()
    notice.locator(f"[data-testid=correct-{wrong.pk}]").click()
    page.wait_for_url(f"{base}/procurement/records/{wrong.pk}/edit/")
    page.fill("#id_amount", "1,200")
    page.locator("form.record-form button[type=submit]").click()
    page.wait_for_url(f"{base}/procurement/records/{wrong.pk}/")
    wrong.refresh_from_db()
    assert wrong.amount == Decimal("1200.00")
    sign_out(page)

    # The approver submits the quarter again; the page says it is a resubmission.
    sign_in(page, base, "unit_approver")
    page.goto(f"{base}/procurement/quarters/?year={quarter.year}")
    page.locator(
        f"a[href='/procurement/quarters/{quarter.year}/{quarter.quarter}/submit/']"
    ).click()
    page.locator("[data-testid=resubmission]").wait_for()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/procurement/quarters/?year={quarter.year}")
    submission.refresh_from_db()
    assert submission.status == QuarterSubmission.Status.SUBMITTED
    assert set(ProcurementRecord.objects.values_list("status", flat=True)) == {"submitted"}
    assert not QuarterReturn.objects.get().is_open
    sign_out(page)

    # The office reads the round: its comment, the correction (old → new) and the resubmission.
    sign_in(page, base, "district_office")
    page.goto(f"{base}{rounds_path}")
    round_1 = page.locator("[data-testid=round-1]")
    text = round_1.inner_text()
    assert "金额与发票不符" in text
    corrected = round_1.locator("[data-testid=change-corrected]")
    assert "¥12,000.00" in corrected.inner_text() and "¥1,200.00" in corrected.inner_text()
    assert "unit_clerk" in corrected.inner_text() or clerk.get_full_name() in corrected.inner_text()
    assert "unit_approver" in text
