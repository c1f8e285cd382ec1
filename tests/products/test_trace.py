"""一品一码 (issue 10, point 4): a product's public page at its short URL, the QR code that leads
to it (decoded here, as a phone would), the printable label, and the short link on the
catalogue's product page."""

import datetime
import io
import re
from urllib.parse import urlsplit

import pytest
import zxingcpp
from django.urls import resolve, reverse
from PIL import Image, ImageDraw

from portal.periods import today
from products.models import (
    TRACE_ALPHABET,
    Certificate,
    CertificationScheme,
    MonitoringRecord,
    Product,
    Supplier,
)
from products.trace import trace_code_normalise
from products.trace_selectors import RECENT_MONITORING
from products.views.trace import SHEET_LABELS
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DAY = datetime.timedelta(days=1)


def certified_mango(**fields) -> Product:
    """田阳香芒 from a base in 田阳区, with a recognition certificate valid today."""
    supplier = fields.pop("supplier", None) or f.SupplierFactory(
        name="百色市田阳区农业发展有限公司"
    )
    base = supplier.bases.create(
        name="田阳芒果示范基地", region=f.region(f.TIANYANG), address="田阳区百育镇四那村"
    )
    product = f.ProductFactory(
        supplier=supplier,
        base=base,
        name="田阳香芒",
        specification="5kg/箱",
        households_lifted=320,
        **fields,
    )
    f.CertificateFactory(
        product=product,
        number="RZ-2026-000123",
        valid_from=today() - 100 * DAY,
        valid_until=today() + 300 * DAY,
    )
    return product


def page_url(product: Product) -> str:
    return reverse("product_trace", kwargs={"code": product.trace_code})


def decode(png: bytes) -> str:
    """The text of the one QR code in a PNG image, read by ZXing as a phone's camera would."""
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    return barcode.text


def svg_to_png(svg: bytes, *, scale: int = 6) -> bytes:
    """Draw segno's SVG (one path of horizontal runs: ``M x y``, ``m dx dy``, ``h n``) as a
    PNG, so the SVG itself is decoded rather than taken on trust."""
    text = svg.decode()
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', text).group(1))
    path = re.search(r'<path class="qrline" stroke="#000" d="([^"]+)"', text).group(1)
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])([-\d.\s]+)", path):
        values = [float(value) for value in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            row = int(y)  # lines are drawn through the middle of their row (y + .5)
            draw.rectangle(
                [x * scale, row * scale, (x + values[0]) * scale - 1, (row + 1) * scale - 1],
                fill=0,
            )
            x += values[0]
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# --- The code -------------------------------------------------------------------------------


def test_every_product_gets_a_code_of_eight_characters_of_the_alphabet_that_never_changes():
    product = f.ProductFactory()
    code = product.trace_code
    assert len(code) == 8
    assert set(code) <= set(TRACE_ALPHABET)
    product.name = "改名后的芒果"
    product.save()
    product.refresh_from_db()
    assert product.trace_code == code


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ab12cd34", "AB12CD34"),
        (" AB12CD34 ", "AB12CD34"),
        ("AB1OCD34", "AB10CD34"),  # the letter O read as zero
        ("ABI2CDL4", "AB12CD14"),  # I and L read as one
        ("AB12CD3", None),
        ("AB12CD345", None),
        ("AB12CDU4", None),  # U is not in the alphabet
        ("AB12-D34", None),
        ("", None),
    ],
)
def test_a_typed_code_is_read_as_its_stored_form_or_refused(typed, stored):
    assert trace_code_normalise(typed) == stored


# --- The QR code ------------------------------------------------------------------------------


def test_the_png_qr_code_decodes_to_the_absolute_short_url_which_opens_the_products_page(client):
    mango = certified_mango()
    response = client.get(reverse("product_trace_qr_png", kwargs={"code": mango.trace_code}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"

    url = decode(response.content)
    assert url == f"http://testserver/p/{mango.trace_code}/"
    parts = urlsplit(url)
    match = resolve(parts.path)
    assert (match.url_name, match.kwargs) == ("product_trace", {"code": mango.trace_code})
    page = client.get(parts.path)
    assert page.status_code == 200
    assert page.context["product"] == mango
    assert "田阳香芒" in page.content.decode()


def test_the_svg_qr_code_decodes_to_the_same_url(client):
    mango = certified_mango()
    response = client.get(reverse("product_trace_qr_svg", kwargs={"code": mango.trace_code}))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert decode(svg_to_png(response.content)) == f"http://testserver/p/{mango.trace_code}/"


def test_the_qr_code_follows_the_host_and_scheme_of_the_request(client, settings):
    settings.ALLOWED_HOSTS = ["xfbf.example.cn"]
    mango = certified_mango()
    response = client.get(
        reverse("product_trace_qr_png", kwargs={"code": mango.trace_code}),
        HTTP_HOST="xfbf.example.cn",
        secure=True,
    )
    assert decode(response.content) == f"https://xfbf.example.cn/p/{mango.trace_code}/"


def test_a_canonical_site_url_wins_over_the_host_the_label_is_printed_from(client, settings):
    settings.PORTAL_SITE_URL = "https://xfbf.sz.gov.cn/"
    mango = certified_mango()
    response = client.get(reverse("product_trace_qr_png", kwargs={"code": mango.trace_code}))
    assert decode(response.content) == f"https://xfbf.sz.gov.cn/p/{mango.trace_code}/"


def test_the_qr_codes_are_public_and_cacheable(client):
    mango = certified_mango()
    for name in ("product_trace_qr_png", "product_trace_qr_svg"):
        response = client.get(reverse(name, kwargs={"code": mango.trace_code}))
        assert "public" in response["Cache-Control"]
        assert not response.cookies


# --- The public page --------------------------------------------------------------------------


def test_the_page_shows_the_product_certificates_supplier_base_origin_and_households(client):
    mango = certified_mango()
    szp = f.CertificateFactory(
        product=mango,
        scheme=CertificationScheme.objects.get(code="szp"),
        number="SZP-2024-000007",
        valid_from=today() - 800 * DAY,
        valid_until=today() - 70 * DAY,
        status=Certificate.Status.EXPIRED,
    )
    response = client.get(page_url(mango))
    assert response.status_code == 200
    html = response.content.decode()
    page = response.context["page"]

    assert page.certified
    assert 'data-standing="certified"' in html
    # The product.
    for text in ("田阳香芒", "5kg/箱", "Fruit"):
        assert text in html
    # Its certificates, the valid one and the expired one, with their periods and status.
    assert [c.number for c in page.certificates] == ["RZ-2026-000123", szp.number]
    assert [c.standing for c in page.certificates] == ["valid", "expired"]
    assert "RZ-2026-000123" in html and szp.number in html
    assert (today() - 100 * DAY).isoformat() in html
    assert (today() - 70 * DAY).isoformat() in html
    assert f"{reverse('products:certificate_verify')}?number=RZ-2026-000123" in html
    # The supplier with its credit code, the base with its address.
    assert "百色市田阳区农业发展有限公司" in html
    assert mango.supplier.credit_code in html
    assert "田阳芒果示范基地" in html and "田阳区百育镇四那村" in html
    # The region of origin with its parents, the county first.
    assert [r.code for r in page.origin] == ["451003", "451000", "450000"]
    origin = re.search(r'data-testid="trace-origin">(.*?)</ol>', html, re.S).group(1)
    assert origin.index("田阳区") < origin.index("百色市") < origin.index("广西壮族自治区")
    # The households lifted.
    assert "Helps 320 households out of poverty" in html


def test_the_page_shows_the_five_latest_monitoring_results_never_an_annulled_one(client):
    mango = certified_mango()
    latest = today() - DAY

    def monitored(days_ago, *, annulled=False, result="passed", **subject):
        return MonitoringRecord.objects.create(
            **(subject or {"product": mango}),
            kind=MonitoringRecord.Kind.SAMPLE_TEST,
            performed_on=latest - days_ago * DAY,
            result=result,
            annulled=annulled,
        )

    voided = monitored(0, annulled=True, result="failed")  # the newest, but voided (公示 upheld)
    base_inspection = monitored(1, base=mango.base)
    kept = [monitored(days) for days in (2, 3, 4, 5)]
    older = monitored(6)

    response = client.get(page_url(mango))
    shown = response.context["page"].monitoring
    assert [r.pk for r in shown] == [base_inspection.pk] + [r.pk for r in kept]
    assert len(shown) == RECENT_MONITORING
    html = response.content.decode()
    assert html.count('data-testid="trace-monitoring"') == 5
    assert voided.performed_on.isoformat() not in html
    assert older.performed_on.isoformat() not in html
    assert "Failed" not in html
    assert "Its base" in html


def test_a_product_that_has_exited_says_so_plainly(client):
    mango = certified_mango()
    Product.objects.filter(pk=mango.pk).update(status=Product.Status.EXITED)
    response = client.get(page_url(mango))
    assert response.status_code == 200
    html = response.content.decode()
    assert not response.context["page"].certified
    assert 'data-standing="not-certified"' in html
    assert 'data-testid="reason-exited"' in html
    assert "Certified assistance product" not in html
    # The record stays readable: the certificate is still listed, with its own status.
    assert "RZ-2026-000123" in html


@pytest.mark.parametrize(
    "change",
    [
        lambda p: Certificate.objects.filter(product=p).update(status="revoked"),
        lambda p: Certificate.objects.filter(product=p).update(valid_until=today() - DAY),
        lambda p: Certificate.objects.filter(product=p).update(status="pending"),
        lambda p: Certificate.objects.filter(product=p).delete(),
    ],
)
def test_a_product_without_a_certificate_valid_today_does_not_pretend(client, change):
    mango = certified_mango()
    change(mango)
    response = client.get(page_url(mango))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="reason-certificate"' in html
    assert 'data-standing="certified"' not in html


def test_a_suspended_supplier_is_said_plainly(client):
    mango = certified_mango()
    Supplier.objects.filter(pk=mango.supplier_id).update(status=Supplier.Status.SUSPENDED)
    html = client.get(page_url(mango)).content.decode()
    assert 'data-testid="reason-supplier"' in html


def test_a_base_certificate_is_shown_but_does_not_certify_the_product(client):
    supplier = f.SupplierFactory()
    base = supplier.bases.create(name="田阳基地", region=f.region(f.TIANYANG))
    product = f.ProductFactory(supplier=supplier, base=base)
    Certificate.objects.create(
        number="JD-2026-000001",
        scheme=CertificationScheme.objects.get(code="base"),
        supplier=supplier,
        base=base,
        valid_from=today() - DAY,
        valid_until=today() + 300 * DAY,
    )
    response = client.get(page_url(product))
    assert "JD-2026-000001" in response.content.decode()
    assert response.context["page"].reasons == ["no_certificate"]


def test_the_code_is_case_insensitive(client):
    mango = certified_mango()
    response = client.get(f"/p/{mango.trace_code.lower()}/")
    assert response.status_code == 301
    assert response["Location"] == page_url(mango)
    assert client.get(f"/p/{mango.trace_code.lower()}/", follow=True).context["product"] == mango


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "ABC", "ABCDEFGHJ", "ABCDEFGU", "ABCD%20FGH"])
def test_an_unknown_or_malformed_code_is_404(client, code):
    certified_mango()
    assert client.get(f"/p/{code}/").status_code == 404
    assert client.get(f"/p/{code}/qr.svg").status_code == 404
    assert client.get(f"/p/{code}/qr.png").status_code == 404
    assert client.get(f"/products/trace/{code}/label/").status_code == 404


def test_a_product_of_a_supplier_awaiting_activation_is_not_public(client):
    product = f.ProductFactory(supplier=f.SupplierFactory(status=Supplier.Status.PENDING))
    assert client.get(page_url(product)).status_code == 404
    assert client.get(f"/p/{product.trace_code}/qr.png").status_code == 404


def test_the_pages_stay_out_of_shared_caches(client, city_officer):
    # Each carries the visitor's CSRF token (the language switch): a shared cache must not
    # hand one visitor's page to another.
    mango = certified_mango()
    for url in (page_url(mango), reverse("products:trace_label", args=[mango.trace_code])):
        anonymous = client.get(url)
        assert anonymous.status_code == 200
        assert "private" in anonymous["Cache-Control"]
        assert "public" not in anonymous["Cache-Control"]
    client.force_login(city_officer)
    assert "private" in client.get(page_url(mango))["Cache-Control"]


def test_the_page_shows_no_private_data(client):
    mango = certified_mango()
    Supplier.objects.filter(pk=mango.supplier_id).update(
        contact_name="黄经理", contact_phone="13800138000", legal_representative="李法人"
    )
    MonitoringRecord.objects.create(
        product=mango,
        kind=MonitoringRecord.Kind.INSPECTION,
        performed_on=today() - DAY,
        result="passed",
        agency="百色市食品检验所",
        findings="仓库温控记录完整，内部意见",
    )
    html = client.get(page_url(mango)).content.decode()
    for private in ("黄经理", "13800138000", "李法人", "内部意见"):
        assert private not in html


def test_the_page_runs_the_same_few_queries_however_many_certificates_and_records(
    client, django_assert_max_num_queries
):
    mango = certified_mango()
    # The product (with its supplier, base and region up to the province), its certificates,
    # its monitoring results, its photos.
    with django_assert_max_num_queries(4) as few:
        assert client.get(page_url(mango)).status_code == 200
    for year in range(2010, 2020):
        f.CertificateFactory(
            product=mango,
            valid_from=datetime.date(year, 1, 1),
            valid_until=datetime.date(year, 12, 31),
            status=Certificate.Status.EXPIRED,
        )
    for days in range(20):
        MonitoringRecord.objects.create(
            product=mango,
            kind=MonitoringRecord.Kind.SAMPLE_TEST,
            performed_on=today() - days * DAY,
            result="passed",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(page_url(mango)).status_code == 200


# --- The label --------------------------------------------------------------------------------


def test_the_label_shows_the_name_the_short_url_written_out_and_the_qr_code(client):
    mango = certified_mango()
    url = reverse("products:trace_label", kwargs={"code": mango.trace_code})
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="trace-label"') == 1
    assert "田阳香芒" in html and "5kg/箱" in html
    assert f"http://testserver/p/{mango.trace_code}/" in html
    assert reverse("product_trace_qr_svg", kwargs={"code": mango.trace_code}) in html
    assert "data-print" in html  # the print button (static/js/print.js), no inline handler

    sheet = client.get(url, {"sheet": "1"}).content.decode()
    assert sheet.count('data-testid="trace-label"') == SHEET_LABELS


def test_a_label_asked_in_lower_case_moves_to_its_code_keeping_the_sheet(client):
    mango = certified_mango()
    response = client.get(f"/products/trace/{mango.trace_code.lower()}/label/", {"sheet": "1"})
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("products:trace_label", kwargs={"code": mango.trace_code}) + "?sheet=1"
    )


def test_the_label_warns_the_printer_of_a_product_not_listed(client):
    mango = certified_mango()
    Product.objects.filter(pk=mango.pk).update(status=Product.Status.SUSPENDED)
    html = client.get(reverse("products:trace_label", kwargs={"code": mango.trace_code}))
    assert 'data-testid="label-warning"' in html.content.decode()


# --- Reached from the catalogue ---------------------------------------------------------------


def test_the_catalogue_product_page_shows_the_short_link_the_qr_code_and_the_label(client):
    mango = certified_mango()
    html = client.get(reverse("products:catalogue_product", args=[mango.pk])).content.decode()
    assert f'href="http://testserver/p/{mango.trace_code}/"' in html
    assert reverse("product_trace_qr_svg", kwargs={"code": mango.trace_code}) in html
    assert reverse("products:trace_label", kwargs={"code": mango.trace_code}) in html


def test_the_catalogue_api_gives_each_product_its_short_url(client):
    mango = certified_mango()
    [row] = client.get("/api/v1/catalogue/").json()["results"]
    assert row["trace_code"] == mango.trace_code
    assert row["trace_url"] == f"http://testserver/p/{mango.trace_code}/"
    detail = client.get(f"/api/v1/catalogue/{mango.pk}/").json()
    assert detail["trace_url"] == row["trace_url"]
