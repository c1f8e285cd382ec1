"""The offices' journey in Chromium: `city_office` opens the dashboard and its charts render;
it starts the report of the quarter just ended, waits on the run's page until it has
succeeded, and downloads the workbook."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.periods import last_ended_quarter, today
from reporting.models import ReportRun
from tests import factories as f
from tests.browser.journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_city_office_reads_the_dashboard_and_downloads_the_quarter_report(
    live_server, page, city_officer, unit_a, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    quarter = last_ended_quarter(as_of=today())
    supplier = f.SupplierFactory(name="百色市田阳区农业发展有限公司")
    f.DeclarationFactory(
        budget_unit=unit_a, year=quarter.year, quarter=quarter.quarter, agri_total=Decimal("200000")
    )
    for day, amount in ((quarter.first_day, "36000.00"), (quarter.last_day, "24000.00")):
        f.RecordFactory(
            budget_unit=unit_a, supplier=supplier, purchased_on=day, amount=Decimal(amount)
        )

    sign_in(page, base, "city_office")
    page.goto(f"{base}/statistics/dashboard/?year={quarter.year}")
    for chart in ("progress", "districts", "channels", "compliance"):
        page.wait_for_selector(f"[data-testid=chart-{chart}] canvas", state="attached")
    assert "6.00" in page.locator("[data-testid=card-amount]").inner_text()  # 6.00 万元

    page.goto(f"{base}/statistics/reports/")
    page.select_option("#id_year", str(quarter.year))
    page.select_option("#id_quarter", str(quarter.quarter))
    page.locator("[data-testid=run-report]").click()
    page.wait_for_selector("[data-testid=run-status][data-status=succeeded]", timeout=60_000)
    run = ReportRun.objects.get()
    assert (run.year, run.quarter, run.district_id, run.status) == (
        quarter.year,
        quarter.quarter,
        None,
        "succeeded",
    )

    with page.expect_download() as download:
        page.locator("[data-testid=download-xlsx]").click()
    content = tmp_path / "report.xlsx"
    download.value.save_as(content)
    book = load_workbook(io.BytesIO(content.read_bytes()), read_only=True)
    cells = [
        str(v)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if v is not None
    ]
    assert any("60000" in cell for cell in cells)
