"""The outlet journey in Chromium: `district_office` registers a 专区 in its district, reports
a month's sales for it, then suspends it with a reason; the public finder, which listed it,
stops showing it."""

import datetime
from decimal import Decimal

import pytest

from outlets.models import Outlet, OutletSalesReport, OutletStatusChange
from portal.periods import today
from tests.browser.journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "华润万家福田口岸店消费帮扶专区"


def test_district_office_registers_reports_and_suspends_a_zone(
    live_server, page, district_officer, browser
):
    base = live_server.url
    last_month_end = today().replace(day=1) - datetime.timedelta(days=1)
    month = last_month_end.replace(day=1)

    sign_in(page, base, "district_office")
    page.goto(f"{base}/outlets/manage/")
    page.locator("[data-testid=outlet-create]").click()
    page.select_option("#id_kind", "zone")
    page.fill("#id_name", NAME)
    page.fill("#id_address", "深圳市福田区福强路3002号华润万家一楼")
    page.select_option("#id_venue", "supermarket")
    page.fill("#id_opened_on", (month - datetime.timedelta(days=30)).isoformat())
    page.fill("#id_floor_area", "120")
    page.fill("#id_latitude", "22.5230")
    page.fill("#id_longitude", "114.0580")
    page.locator("[data-testid=save-outlet]").click()
    page.wait_for_selector("[data-testid=outlet-facts]")
    outlet = Outlet.objects.get(name=NAME)
    assert (outlet.kind, outlet.district_id, outlet.status) == ("zone", "440304", "active")

    # The public finder lists it, in a fresh browser with nobody signed in.
    visitor = browser.new_context(locale="zh-CN").new_page()
    visitor.goto(f"{base}/outlets/?q=福田口岸")
    assert visitor.locator("[data-testid=outlet-row]").count() == 1

    # The month just ended: 12,345.60 yuan of assistance products sold.
    page.goto(f"{base}/outlets/sales/?year={month.year}&month={month.month}")
    row = page.locator(f"#outlet-{outlet.pk}")
    row.locator("input[name=amount]").fill("12,345.6")
    row.locator(f"[data-testid=save-sales-{outlet.pk}]").click()
    page.wait_for_load_state()
    report = OutletSalesReport.objects.get(outlet=outlet)
    assert (report.year, report.month, report.amount) == (
        month.year,
        month.month,
        Decimal("12345.60"),
    )

    # Suspended for prices out of line, with the office's note.
    page.goto(f"{base}/outlets/manage/{outlet.pk}/")
    page.locator("[data-testid=outlet-status-suspended]").click()
    page.select_option("#id_reason", "price")
    page.fill("#id_note", "帮扶产品售价明显高于市场同类产品，责令整改。")
    page.locator("[data-testid=confirm]").click()
    page.wait_for_selector("[data-testid=status-history] >> text=责令整改")
    outlet.refresh_from_db()
    assert outlet.status == "suspended"
    change = OutletStatusChange.objects.get(outlet=outlet)
    assert (change.from_status, change.to_status, change.reason) == ("active", "suspended", "price")
    assert change.changed_by == district_officer

    visitor.goto(f"{base}/outlets/?q=福田口岸")
    assert visitor.locator("[data-testid=outlet-row]").count() == 0
    assert visitor.goto(f"{base}/outlets/{outlet.pk}/").status == 404
    visitor.context.close()
