"""The certificates pages: the list (scoped, filtered, paginated, a bounded number of queries),
the certificate page, its printable PDF, and the public verification page."""

import base64
import datetime
import re
import shutil
import subprocess

import pytest
from django.urls import reverse

from portal.periods import today
from products.models import (
    Certificate,
    CertificationApplication,
    CertificationScheme,
    Disclosure,
)
from products.services import oversight as svc
from tests import factories as f
from tests.products.test_trace import decode

pytestmark = pytest.mark.django_db

LIST = reverse("products:certificates")
VERIFY = reverse("products:certificate_verify")


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture
def cert(supplier_org):
    """A recognition of 田阳香芒, valid from 2025-11-24 to 2026-11-23."""
    mango = f.ProductFactory(supplier=supplier_org, name="田阳香芒", specification="5kg/箱")
    return f.CertificateFactory(
        number="RZ-2025-000124",
        product=mango,
        valid_from=datetime.date(2025, 11, 24),
        valid_until=datetime.date(2026, 11, 23),
    )


@pytest.fixture
def other_cert(supplier_org_2):
    return f.CertificateFactory(
        number="SZP-2026-000007",
        scheme=CertificationScheme.objects.get(code="szp"),
        product=f.ProductFactory(supplier=supplier_org_2, name="喀什香馕"),
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2099, 12, 31),
    )


def signed_in(client, user):
    client.force_login(user)
    return client


def numbers(page) -> list[str]:
    return [c.number for c in page.context["page"].object_list]


# --- the list ------------------------------------------------------------------------------


def test_a_supplier_lists_its_own_certificates_only(client, supplier, cert, other_cert):
    page = signed_in(client, supplier).get(LIST)
    assert page.status_code == 200
    assert numbers(page) == ["RZ-2025-000124"]
    assert "SZP-2026-000007" not in page.content.decode()


@pytest.mark.parametrize("persona", ["city_officer", "district_officer", "reviewer"])
def test_offices_and_reviewers_list_every_certificate(request, client, persona, cert, other_cert):
    page = signed_in(client, request.getfixturevalue(persona)).get(LIST)
    assert sorted(numbers(page)) == ["RZ-2025-000124", "SZP-2026-000007"]
    assert page.context["totals"]["count"] == 2


def test_units_and_the_public_do_not_list_certificates(client, clerk):
    assert client.get(LIST).status_code == 302  # to sign in
    assert signed_in(client, clerk).get(LIST).status_code == 403


def test_filters_scheme_status_and_search(client, city_officer, cert, other_cert):
    browser = signed_in(client, city_officer)
    assert numbers(browser.get(LIST, {"scheme": "szp"})) == ["SZP-2026-000007"]
    svc.certificate_suspend(actor=city_officer, certificate=cert, reason="quality")
    assert numbers(browser.get(LIST, {"status": "suspended"})) == ["RZ-2025-000124"]
    assert numbers(browser.get(LIST, {"q": "香芒"})) == ["RZ-2025-000124"]
    assert numbers(browser.get(LIST, {"q": "喀什古城"})) == ["SZP-2026-000007"]  # supplier
    assert numbers(browser.get(LIST, {"q": "szp-2026"})) == ["SZP-2026-000007"]
    empty = browser.get(LIST, {"q": "没有这个"})
    assert numbers(empty) == []
    assert b'data-testid="empty-state"' in empty.content
    assert "No certificate matches these filters." in empty.content.decode()


def test_expiring_within_60_days(client, city_officer, supplier_org):
    as_of = today()
    for number, days, status in (
        ("RZ-2026-000001", 10, "valid"),
        ("RZ-2026-000002", 60, "valid"),
        ("RZ-2026-000003", 61, "valid"),
        ("RZ-2026-000004", 20, "suspended"),
    ):
        f.CertificateFactory(
            number=number,
            product=f.ProductFactory(supplier=supplier_org),
            valid_from=as_of - datetime.timedelta(days=300),
            valid_until=as_of + datetime.timedelta(days=days),
            status=status,
        )
    page = signed_in(client, city_officer).get(LIST, {"expiring": "on"})
    assert numbers(page) == ["RZ-2026-000001", "RZ-2026-000002"]  # soonest first
    assert "10 days left" in page.content.decode()


def test_the_list_pages_and_runs_a_bounded_number_of_queries(
    client, city_officer, supplier_org, django_assert_max_num_queries
):
    base = f.region(f.TIANYANG)
    for n in range(55):
        f.CertificateFactory(
            product=f.ProductFactory(supplier=supplier_org, region=base),
            status="valid" if n % 5 else "expired",
        )
    browser = signed_in(client, city_officer)
    browser.get(LIST)  # warm the session and the reference data
    with django_assert_max_num_queries(8):
        first = browser.get(LIST)
    with django_assert_max_num_queries(8):
        second = browser.get(LIST, {"page": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5
    totals = first.context["totals"]
    assert (totals["count"], totals["valid"], totals["expired"]) == (55, 44, 11)
    assert "55 certificates" in first.content.decode()


# --- the certificate page ------------------------------------------------------------------


def test_the_certificate_page_reads_like_the_document(client, supplier, supplier_org, cert):
    application = CertificationApplication.objects.create(
        supplier=supplier_org,
        scheme_id="recognition",
        product=cert.product,
        status="approved",
    )
    Certificate.objects.filter(pk=cert.pk).update(application=application)
    page = signed_in(client, supplier).get(reverse("products:certificate_detail", args=[cert.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "RZ-2025-000124" in html
    assert "帮扶产品认定" in html
    assert supplier_org.name in html
    assert supplier_org.credit_code in html
    assert "田阳香芒" in html
    assert "田阳区" in html  # region of origin
    assert "2025年11月24日" in html and "2026年11月23日" in html
    assert f"#{application.pk}" in html
    assert reverse("products:certificate_pdf", args=[cert.pk]) in html
    # A supplier reads its certificate but may not act on it.
    assert reverse("products:certificate_action", args=[cert.pk, "suspend"]) not in html


def test_the_certificate_page_lists_the_exit_history(client, city_officer, reviewer, cert):
    svc.certificate_suspend(
        actor=city_officer, certificate=cert, reason="price", note="售价高于备案价"
    )
    page = signed_in(client, reviewer).get(reverse("products:certificate_detail", args=[cert.pk]))
    html = page.content.decode()
    assert "售价高于备案价" in html
    assert "Prices out of line" in html
    assert "Valid → Suspended" in html


def test_another_suppliers_certificate_is_404(client, supplier_2, cert):
    browser = signed_in(client, supplier_2)
    assert browser.get(reverse("products:certificate_detail", args=[cert.pk])).status_code == 404
    assert browser.get(reverse("products:certificate_pdf", args=[cert.pk])).status_code == 404


# --- the PDF -------------------------------------------------------------------------------


def test_the_pdf_is_a_pdf_with_the_certificate_number(client, supplier, cert, tmp_path):
    response = signed_in(client, supplier).get(reverse("products:certificate_pdf", args=[cert.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "RZ-2025-000124.pdf" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        return
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    assert "RZ-2025-000124" in text
    assert "田阳香芒" in text  # the CJK font is embedded, not tofu
    assert "2026年11月23日" in text
    assert "深圳市" in text  # settings.PORTAL_CITY_NAME
    assert VERIFY in text
    assert text.count("\f") == 1  # one page
    # The QR code printed on it leads to this certificate's verification.
    subprocess.run(["pdfimages", "-png", str(pdf), str(tmp_path / "image")], check=True)
    [image] = sorted(tmp_path.glob("image-*.png"))
    assert decode(image.read_bytes()) == f"http://testserver{VERIFY}?number=RZ-2025-000124"


# --- public verification -----------------------------------------------------------------


def test_the_public_verifies_a_valid_certificate_and_sees_only_what_it_should(
    client, other_cert, supplier_org_2
):
    page = client.get(VERIFY, {"number": " szp-2026-000007 "})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Valid today" in html
    assert "圳品" in html
    assert supplier_org_2.name in html
    assert "喀什香馕" in html
    assert supplier_org_2.credit_code not in html
    assert "2099" not in html  # no validity dates
    assert reverse("products:certificate_detail", args=[other_cert.pk]) not in html


def test_verification_of_a_suspended_or_unknown_number(client, city_officer, other_cert):
    svc.certificate_suspend(actor=city_officer, certificate=other_cert, reason="quality")
    client.logout()
    page = client.get(VERIFY, {"number": "SZP-2026-000007"})
    assert "Not valid today" in page.content.decode()
    unknown = client.get(VERIFY, {"number": "RZ-1999-000001"})
    assert b'data-testid="verify-not-found"' in unknown.content
    blank = client.get(VERIFY)
    assert blank.status_code == 200
    assert b'data-testid="verify-result"' not in blank.content


def test_revoking_by_page_is_disclosed_first(client, city_officer, supplier_org):
    cert = f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org), valid_until=datetime.date(2027, 12, 31)
    )
    client.force_login(city_officer)
    url = reverse("products:certificate_action", args=[cert.pk, "revoke"])
    assert 'data-testid="disclosure-notice"' in client.get(url).content.decode()
    done = client.post(url, {"reason": "integrity", "note": "冒用标志"})
    assert done.status_code == 302
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.VALID
    assert Disclosure.objects.get(certificate=cert).removal == "revoke"
    detail = client.get(done["Location"]).content.decode()
    assert 'data-testid="exit-disclosure"' in detail and url not in detail


@pytest.mark.parametrize(
    ("site", "expected"),
    [
        ("", "http://testserver/products/certificates/verify/?number=RZ-2025-000124"),
        (
            "https://xfbf.sz.gov.cn",
            "https://xfbf.sz.gov.cn/products/certificates/verify/?number=RZ-2025-000124",
        ),
    ],
)
def test_the_certificate_carries_a_qr_code_of_its_verification(
    client, supplier, cert, settings, site, expected
):
    settings.PORTAL_SITE_URL = site
    page = signed_in(client, supplier).get(reverse("products:certificate_detail", args=[cert.pk]))
    html = page.content.decode()
    found = re.search(r'class="certificate-qr" src="data:image/png;base64,([^"]+)"', html)
    assert found, "no QR code on the certificate"
    assert decode(base64.b64decode(found.group(1))) == expected
    assert expected in html  # the address is printed beside it too
    # The public verification at that address answers with this certificate.
    verified = client.get(expected.removeprefix(site or "http://testserver"))
    assert "RZ-2025-000124" in verified.content.decode()
