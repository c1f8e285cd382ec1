"""The traceability journey in Chromium (issue 10, 一品一码): a member of the public, not signed
in, scans the QR code on a crate of 田阳香芒 (the code's image decoded as a phone's camera
would), lands on the product's public page at its short URL and reads its certificate number
and its region of origin; the short URL typed by hand in lower case leads to the same page."""

import datetime

import pytest
import zxingcpp
from PIL import Image

from portal.periods import today
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = datetime.timedelta(days=1)


def test_a_visitor_scans_the_label_and_sees_the_certificate_and_the_origin(
    live_server, page, tmp_path
):
    base = live_server.url
    supplier = f.SupplierFactory(name="百色市田阳区农业发展有限公司")
    orchard = supplier.bases.create(name="田阳芒果示范基地", region=f.region(f.TIANYANG))
    mango = f.ProductFactory(
        supplier=supplier, base=orchard, name="田阳香芒", households_lifted=320
    )
    f.CertificateFactory(
        product=mango,
        number="RZ-2026-000123",
        valid_from=today() - 30 * DAY,
        valid_until=today() + 700 * DAY,
    )
    code = mango.trace_code

    # The label the supplier printed: its QR code, read as a phone's camera reads it.
    page.goto(f"{base}/products/trace/{code}/label/")
    assert page.locator("[data-testid=trace-label]").count() == 1
    assert page.locator("[data-testid=label-url]").inner_text() == f"{base}/p/{code}/"
    png = page.request.get(f"{base}/p/{code}/qr.png")
    assert png.ok
    image = tmp_path / "label.png"
    image.write_bytes(png.body())
    [scanned] = zxingcpp.read_barcodes(Image.open(image))
    assert scanned.text == f"{base}/p/{code}/"

    # The phone opens the short URL: nobody is signed in.
    page.goto(scanned.text)
    assert page.locator("header [data-testid=who]").count() == 0
    assert page.locator("h1").inner_text() == "田阳香芒"
    assert page.locator("[data-testid=trace-standing]").get_attribute("data-standing") == (
        "certified"
    )
    certificate = page.locator("[data-testid=trace-certificate]")
    assert certificate.count() == 1
    assert "RZ-2026-000123" in certificate.inner_text()
    origin = page.locator("[data-testid=trace-origin]").inner_text()
    assert "田阳区" in origin and "百色市" in origin and "广西壮族自治区" in origin
    assert page.locator("[data-testid=trace-region]").inner_text() == "广西壮族自治区百色市田阳区"
    assert "320" in page.locator("[data-testid=trace-households]").inner_text()
    assert page.locator("[data-testid=trace-qr]").evaluate("img => img.naturalWidth") > 0

    # Typed by hand from the label, in lower case: the same page, at its one address.
    page.goto(f"{base}/p/{code.lower()}/")
    assert page.url == f"{base}/p/{code}/"
    assert "RZ-2026-000123" in page.locator("[data-testid=trace-certificate]").inner_text()

    # The certificate's number leads to its public verification: valid today.
    page.locator("[data-testid=trace-certificate] a").click()
    page.wait_for_selector("[data-testid=verify-result]")
    assert "RZ-2026-000123" in page.locator("[data-testid=verify-result]").inner_text()
