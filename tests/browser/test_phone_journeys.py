"""Phones (issue 11, point 2): the clerk's and the citizen's journeys in Chromium at 390 × 844,
emulating a touch phone. The clerk logs a purchase with a photo of the paper voucher taken
through the camera input and finds it in the ledger, shown as cards; a citizen searches the
catalogue and the outlet finder. On every page: no sideways scroll, every button and field tall
enough to tap (44 px), no serious or critical axe violation; each step is saved as a screenshot
under ``.test-artifacts/screenshots/phone/journeys/`` (not committed)."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from PIL import Image

from portal.periods import Quarter, today
from procurement.models import ProcurementRecord, Voucher
from tests import factories as f
from tests.browser.journey import sign_in
from tests.browser.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / ".test-artifacts" / "screenshots" / "phone" / "journeys"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Mobile Safari/537.36"
    ),
    "locale": "zh-CN",
}
TAP = 44  # px: the smallest button or field a thumb hits reliably (WCAG 2.5.5, Apple, Android)

# The visible controls of a page shorter than a thumb: buttons, button-styled links, fields.
SMALL_TARGETS = """(least) => Array.from(document.querySelectorAll(
    "a.button, button, summary, select, textarea, input:not([type=hidden]):not([type=checkbox])"
    + ":not([type=radio])"))
  .filter((el) => {
    const box = el.getBoundingClientRect();
    // Visually hidden inputs (the camera input behind its label) are 1 px: their label counts.
    return box.width > 1 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
  })
  .filter((el) => el.getBoundingClientRect().height < least - 0.5)
  .map((el) => el.outerHTML.slice(0, 90) + " " + Math.round(el.getBoundingClientRect().height))"""


def photo_jpeg() -> bytes:
    """A small real JPEG, as a phone's camera hands it over."""
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (240, 236, 220)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


@pytest.fixture
def phone(browser):
    # axe is injected as an inline script, which the portal's CSP refuses: this context alone
    # lets it in (the CSP itself is tested in test_csp.py and below).
    context = browser.new_context(bypass_csp=True, **PHONE)
    page = context.new_page()
    yield page
    context.close()


class Steps:
    """Checks each page of a journey and keeps its screenshot; problems gathered, not raised at
    the first, so that one run lists them all."""

    def __init__(self, page, journey: str):
        self.page, self.journey, self.problems, self.count = page, journey, [], 0
        (SHOTS / journey).mkdir(parents=True, exist_ok=True)

    def check(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("networkidle")
        self.count += 1
        page.screenshot(
            path=str(SHOTS / self.journey / f"{self.count:02d}-{name}.png"), full_page=True
        )
        where = f"{self.journey}/{name} ({page.url})"
        wide, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if wide > inner:
            self.problems.append(f"{where}: the page scrolls sideways ({wide} > {inner} px)")
        small = page.evaluate(SMALL_TARGETS, TAP)
        self.problems.extend(f"{where}: shorter than {TAP} px: {target}" for target in small)
        self.problems.extend(f"{where}: {violation}" for violation in violations(page))


def shown_as_cards(page, table: str) -> bool:
    """Whether the table's rows are laid out as blocks (cards) with its head hidden."""
    return page.evaluate(
        """(table) => {
          const t = document.querySelector(table);
          const row = t.querySelector("tbody tr");
          const head = t.querySelector("thead");
          return getComputedStyle(row).display === "block"
            && head.getBoundingClientRect().height <= 1
            && row.getBoundingClientRect().width <= window.innerWidth;
        }""",
        table,
    )


def test_clerk_logs_a_purchase_with_a_photo_of_the_voucher_on_a_phone(
    live_server, phone, clerk, unit_a, supplier_org, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    page, base = phone, live_server.url
    quarter = Quarter.of(today())
    f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org, name="田阳香芒"),
        valid_from=datetime.date(quarter.year - 1, 1, 1),
        valid_until=datetime.date(quarter.year + 1, 12, 31),
    )
    f.SupplierFactory(name="喀什古城香馕食品有限公司")
    picture = photo_jpeg()
    steps = Steps(page, "clerk")

    page.goto(f"{base}/accounts/login/")
    steps.check("sign-in")
    sign_in(page, base, "unit_clerk")
    steps.check("home")

    page.goto(f"{base}/procurement/records/new/")
    steps.check("purchase-form")
    page.fill("#supplier-filter", supplier_org.credit_code[-6:])
    assert page.input_value("#id_supplier") == str(supplier_org.pk)
    page.wait_for_selector("#id_product option:has-text('田阳香芒')", state="attached")
    page.select_option("#id_product", label="田阳香芒")
    page.fill("#id_purchased_on", quarter.first_day.isoformat())
    page.fill("#id_amount", "2,468.50")
    page.select_option("#id_channel", "platform_832")
    page.select_option("#id_purpose", "canteen")
    page.fill("#id_invoice_no", "44030777")
    # The camera's photo arrives through the input that carries ``capture``.
    camera = page.locator("#id_vouchers_camera")
    assert camera.get_attribute("capture") == "environment"
    camera.set_input_files(
        files=[{"name": "voucher-photo.jpg", "mimeType": "image/jpeg", "buffer": picture}]
    )
    chosen = page.locator("[data-voucher-preview] .voucher-chosen")
    chosen.wait_for()
    assert "voucher-photo.jpg" in chosen.inner_text()
    page.wait_for_function(
        "document.querySelector('[data-voucher-preview] img.voucher-thumb')?.naturalWidth > 0"
    )
    # A fresh camera input, empty, waits for the next photo; the label still opens it.
    assert page.locator("#id_vouchers_camera").evaluate("input => input.files.length") == 0
    assert page.locator("label[for=id_vouchers_camera]").is_visible()
    steps.check("purchase-form-with-photo")
    page.locator("form.record-form button[type=submit]").tap()

    page.wait_for_url(f"{base}/procurement/records/")
    steps.check("ledger")
    voucher = Voucher.objects.get()
    assert (voucher.original_name, voucher.content_type) == ("voucher-photo.jpg", "image/jpeg")
    record = ProcurementRecord.objects.get()
    assert (record.amount, record.invoice_no) == (Decimal("2468.50"), "44030777")
    # The ledger is a pile of cards, the filters folded under their button.
    assert shown_as_cards(page, "table.ledger")
    card = page.locator("table.ledger tbody tr").first
    assert "44030777" in card.inner_text() and "¥2,468.50" in card.inner_text()
    filters = page.locator("[data-testid=ledger-filters]")
    assert not page.locator("#id_year").is_visible()
    filters.locator("summary").tap()
    assert page.locator("#id_year").is_visible()
    steps.check("ledger-filters-open")

    card.locator("a", has_text=record.purchased_on.isoformat()).tap()
    page.wait_for_url(f"{base}/procurement/records/{record.pk}/")
    steps.check("record")
    link = page.locator("a", has_text="voucher-photo.jpg")
    answer = page.request.get(base + link.get_attribute("href"))
    assert answer.status == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.body() == picture

    page.goto(f"{base}/procurement/quarters/?year={quarter.year}")
    steps.check("quarters")
    assert shown_as_cards(page, "table.quarters")
    page.goto(f"{base}/notifications/")
    steps.check("notifications")

    assert steps.problems == [], "\n".join(steps.problems)


@override_settings(PORTAL_MAP_TILE_URL="")
def test_a_citizen_finds_a_product_and_an_outlet_on_a_phone(live_server, phone):
    page, base = phone, live_server.url
    mango = f.ProductFactory(name="田阳香芒", households_lifted=320, status="listed")
    f.CertificateFactory(product=mango, valid_until=datetime.date(2099, 12, 31))
    bread = f.ProductFactory(name="喀什古城香馕", region=f.region("653101"), status="listed")
    f.CertificateFactory(product=bread, valid_until=datetime.date(2099, 12, 31))
    counter = f.OutletFactory(
        name="福田口岸消费帮扶专柜",
        district=f.region(f.FUTIAN),
        address="深圳市福田区福强路3002号口岸联检大楼一层",
        opened_on=datetime.date(2025, 3, 1),
        latitude=Decimal("22.5230"),
        longitude=Decimal("114.0580"),
    )
    counter.products.add(mango)
    f.OutletFactory(name="南山科技园消费帮扶专馆", kind="hall", district=f.region(f.NANSHAN))
    steps = Steps(page, "citizen")

    page.goto(f"{base}/")
    steps.check("home")
    page.locator("header a[href='/products/catalogue/']").tap()
    page.wait_for_url(re.compile(r"/products/catalogue/$"))
    page.fill("#id_q", "香芒")
    page.locator("form[role=search] button[type=submit]").tap()
    page.wait_for_url(re.compile(r"q="))
    steps.check("catalogue-search")
    rows = page.locator("[data-testid=catalogue-row]")
    assert rows.count() == 1 and "田阳香芒" in rows.first.inner_text()
    assert shown_as_cards(page, "table.catalogue")

    rows.first.locator("a", has_text="田阳香芒").tap()
    page.wait_for_url(re.compile(rf"/products/catalogue/{mango.pk}/"))
    steps.check("product")

    page.locator("header a[href='/outlets/']").tap()
    page.wait_for_url(re.compile(r"/outlets/$"))
    steps.check("finder")
    assert page.locator("[data-testid=outlet-row]").count() == 2
    assert shown_as_cards(page, "table.finder")
    page.fill("#id_q", "口岸")
    page.select_option("#id_district", f.FUTIAN)
    page.select_option("#id_kind", "counter")
    page.locator("form[role=search] button[type=submit]").tap()
    page.wait_for_url(re.compile(r"district="))
    steps.check("finder-filtered")
    rows = page.locator("[data-testid=outlet-row]")
    assert rows.count() == 1 and "福田口岸消费帮扶专柜" in rows.first.inner_text()

    rows.first.locator("a", has_text="福田口岸消费帮扶专柜").tap()
    page.wait_for_url(re.compile(rf"/outlets/{counter.pk}/"))
    steps.check("outlet")
    assert "田阳香芒" in page.locator("main").inner_text()

    assert steps.problems == [], "\n".join(steps.problems)


def test_the_photo_preview_works_under_the_portals_csp(
    live_server, browser, clerk, supplier_org, settings, tmp_path
):
    """voucher.js shows the photo as a data: URL, which the CSP's img-src allows (a blob: URL
    would be refused), and warns at once about a HEIC picture the server would refuse."""
    settings.MEDIA_ROOT = tmp_path
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    try:
        sign_in(page, live_server.url, "unit_clerk")
        page.goto(f"{live_server.url}/procurement/records/new/")
        page.set_input_files(
            "#id_vouchers",
            files=[
                {"name": "发票.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()},
                {"name": "IMG_0002.HEIC", "mimeType": "image/heic", "buffer": b"\0" * 64},
            ],
        )
        page.wait_for_function(
            "document.querySelector('[data-voucher-preview] img.voucher-thumb')?.naturalWidth > 0"
        )
        entries = page.locator("[data-voucher-preview] .voucher-chosen")
        assert entries.count() == 2
        refused = entries.filter(has_text="IMG_0002.HEIC")
        assert "has-problem" in refused.get_attribute("class")
        assert "HEIC" in refused.locator(".field-error").inner_text()
        assert "has-problem" not in entries.filter(has_text="发票.jpg").get_attribute("class")
        assert page.evaluate("window.__csp") == []
    finally:
        context.close()


def test_the_side_navigation_folds_behind_a_menu_button_on_a_phone(live_server, phone, clerk):
    page, base = phone, live_server.url
    sign_in(page, base, "unit_clerk")
    page.goto(f"{base}/procurement/records/")
    toggle = page.locator("[data-nav-toggle]")
    links = page.locator("#side-nav-links")
    # Folded: the page's own title is on the first screen, the current page named on the button.
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not links.is_visible()
    assert "采购台账" in toggle.inner_text()
    assert page.locator("main h1").bounding_box()["y"] < PHONE["viewport"]["height"]
    toggle.tap()
    assert toggle.get_attribute("aria-expanded") == "true" and links.is_visible()
    page.keyboard.press("Escape")
    assert not links.is_visible() and page.evaluate(
        "document.activeElement.hasAttribute('data-nav-toggle')"
    )
    toggle.tap()
    links.get_by_role("link", name="登记采购").tap()
    page.wait_for_url(f"{base}/procurement/records/new/")


def test_the_side_navigation_is_always_open_at_desktop_width(live_server, page, clerk):
    sign_in(page, live_server.url, "unit_clerk")
    page.goto(f"{live_server.url}/procurement/records/")
    assert not page.locator("[data-nav-toggle]").is_visible()
    assert page.locator("#side-nav-links").get_by_role("link", name="登记采购").is_visible()
