"""The budget unit's journey in Chromium: the clerk logs a purchase, imports a small xlsx and
sees the quota status change; the approver submits the quarter."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from portal.periods import Quarter, today
from procurement.imports import HEADERS
from procurement.models import ProcurementRecord, QuarterSubmission
from tests import factories as f
from tests.browser.journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def share_shown(page, base, year) -> str:
    page.goto(f"{base}/procurement/quarters/?year={year}")
    return page.locator(".figure").first.inner_text().strip()


def test_clerk_logs_and_imports_then_the_approver_submits(
    live_server, page, clerk, approver, unit_a, supplier_org, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    quarter = Quarter.of(today()).previous()  # ended, still open
    f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org, name="田阳香芒"),
        valid_from=datetime.date(quarter.year - 1, 1, 1),
        valid_until=datetime.date(quarter.year + 1, 12, 31),
    )
    f.DeclarationFactory(
        budget_unit=unit_a, year=quarter.year, quarter=quarter.quarter, agri_total=Decimal("100000")
    )
    day = quarter.first_day.isoformat()

    sign_in(page, base, "unit_clerk")
    assert share_shown(page, base, quarter.year) == "0.0%"

    f.SupplierFactory(name="喀什古城香馕食品有限公司")
    page.goto(f"{base}/procurement/records/new/")
    # The clerk finds the supplier by typing part of its credit code.
    page.fill("#supplier-filter", supplier_org.credit_code[-6:])
    assert page.input_value("#id_supplier") == str(supplier_org.pk)
    page.wait_for_selector("#id_product option:has-text('田阳香芒')", state="attached")
    page.fill("#id_purchased_on", day)
    page.fill("#id_amount", "12,000")
    page.select_option("#id_channel", "platform_832")
    page.select_option("#id_purpose", "canteen")
    page.fill("#id_invoice_no", "44030001")
    page.set_input_files(
        "#id_vouchers",
        files=[
            {
                "name": "发票.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
            }
        ],
    )
    page.locator("form.record-form button[type=submit]").click()
    page.wait_for_url(f"{base}/procurement/records/")
    assert "44030001" in page.locator("main").inner_text()
    assert share_shown(page, base, quarter.year) == "12.0%"

    book = Workbook()
    book.active.append(list(HEADERS))
    book.active.append(
        [
            day,
            supplier_org.credit_code,
            supplier_org.name,
            "田阳香芒",
            18000,
            10,
            "箱",
            "832平台",
            "食堂",
            "44030002",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    page.goto(f"{base}/procurement/imports/")
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "采购.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": buffer.getvalue(),
            }
        ],
    )
    page.locator("form[data-import-form] button[type=submit]").click()
    page.wait_for_url(f"{base}/procurement/records/")
    assert "44030002" in page.locator("main").inner_text()
    assert share_shown(page, base, quarter.year) == "30.0%"
    assert ProcurementRecord.objects.filter(budget_unit=unit_a).count() == 2

    page.locator("header form button[type=submit]").click()  # sign out
    sign_in(page, base, "unit_approver")
    page.goto(f"{base}/procurement/quarters/?year={quarter.year}")
    page.locator(
        f"a[href='/procurement/quarters/{quarter.year}/{quarter.quarter}/submit/']"
    ).click()
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    submission = QuarterSubmission.objects.get(budget_unit=unit_a)
    assert (submission.year, submission.quarter, submission.status) == (
        quarter.year,
        quarter.quarter,
        "submitted",
    )
    assert set(ProcurementRecord.objects.values_list("status", flat=True)) == {"submitted"}


def test_a_refused_import_lists_its_problems_in_the_page(live_server, page, clerk, unit_a):
    """The page posts through htmx; the 400 answer with the problems is swapped in."""
    sign_in(page, live_server.url, "unit_clerk")
    page.goto(f"{live_server.url}/procurement/imports/")
    csv = ",".join(HEADERS) + "\n2026-13-45,not-a-code,某公司,,-5,,,832平台,食堂,1\n"
    page.set_input_files(
        "#id_file",
        files=[{"name": "采购.csv", "mimeType": "text/csv", "buffer": csv.encode("utf-8")}],
    )
    page.locator("form[data-import-form] button[type=submit]").click()
    problems = page.locator("[data-testid=import-problems]")
    problems.wait_for()
    assert problems.locator("tbody tr").count() >= 2
    assert page.url == f"{live_server.url}/procurement/imports/"
    assert ProcurementRecord.objects.count() == 0
