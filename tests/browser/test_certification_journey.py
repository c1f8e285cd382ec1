"""The certification journey in Chromium: `supplier` drafts a 圳品 application for one of its
products, attaches a test report and submits it; `reviewer` takes it under review, records
the on-site evaluation against the checklist and approves it; the product then stands in the
public catalogue with its new certificate, for a visitor who is not signed in."""

import datetime

import pytest

from portal.periods import today
from products.models import Certificate, CertificationApplication, Disclosure
from products.reference_data import CHECKLISTS
from products.tasks import disclosures_daily
from tests import factories as f
from tests.browser.journey import sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_supplier_applies_reviewer_approves_and_the_catalogue_shows_it(
    live_server, page, supplier, supplier_org, reviewer, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    mango = f.ProductFactory(
        supplier=supplier_org, name="田阳香芒", season="6–9月", households_lifted=320
    )

    # Before: the product holds no certificate, so the public catalogue does not list it.
    page.goto(f"{base}/products/catalogue/?q=田阳香芒")
    assert page.locator("[data-testid=catalogue-row]").count() == 0

    # The supplier drafts a 圳品 application and attaches its quality test report.
    sign_in(page, base, "supplier")
    page.goto(f"{base}/products/applications/new/")
    page.locator("[data-testid=scheme-szp]").click()
    page.select_option("#id_product", str(mango.pk))
    page.fill("#id_standard_claimed", "《“圳品”评价规范》 T/SZS 4001")
    page.fill("#id_poverty_link", "合作社收购120户脱贫户的芒果，保底价收购并分红。")
    page.fill("#id_households", "120")
    page.locator("[data-testid=save-application]").click()
    page.wait_for_selector("[data-testid=requirements]")
    application = CertificationApplication.objects.get(supplier=supplier_org)
    assert application.status == "draft"

    page.select_option("#id_kind", "test_report")
    page.set_input_files(
        "#id_file",
        files=[{"name": "检测报告.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.locator("[data-testid=upload-document]").click()
    page.wait_for_selector("[data-testid=documents] >> text=检测报告.pdf")

    page.locator("[data-testid=submit-application]").click()
    page.locator("[data-testid=confirm]").click()
    page.wait_for_selector("[data-testid=application-status]")
    application.refresh_from_db()
    assert application.status == "submitted"
    sign_out(page)

    # The reviewer finds it in the queue, takes it up, evaluates it on site and approves it.
    sign_in(page, base, "reviewer")
    page.goto(f"{base}/products/applications/")
    page.locator(f"a[href='/products/applications/{application.pk}/']").first.click()
    page.locator("[data-testid=take-review]").click()
    page.wait_for_selector("[data-testid=record-evaluation]")
    page.locator("[data-testid=record-evaluation]").click()
    page.fill("#id_evaluated_on", application.submitted_at.date().isoformat())
    page.fill("#id_findings", "生产基地、加工车间和检测记录符合“圳品”评价规范。")
    for code, _label, points in CHECKLISTS["szp"]:
        page.fill(f"#id_item_{code}", str(points - 1))
    page.locator("[data-testid=save-evaluation]").click()
    page.wait_for_selector("[data-testid=evaluation]")
    page.locator("[data-testid=approve]").click()
    page.fill("#id_comment", "现场评价符合“圳品”评价规范，同意颁发证书。")
    page.locator("[data-testid=confirm]").click()
    page.wait_for_selector("[data-testid=certificate]")

    certificate = Certificate.objects.get(application=application)
    assert certificate.scheme_id == "szp"
    assert certificate.status == "pending"  # in public disclosure (公示) first
    assert certificate.number in page.locator("[data-testid=certificate]").inner_text()
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.evaluations.get().score == sum(p - 1 for _c, _l, p in CHECKLISTS["szp"])
    sign_out(page)

    # The disclosure period passes with no objection (moved into the past here), and the
    # nightly job puts the certificate in effect from today.
    disclosure = Disclosure.objects.get(certificate=certificate)
    Disclosure.objects.filter(pk=disclosure.pk).update(
        starts_on=today() - datetime.timedelta(days=14),
        ends_on=today() - datetime.timedelta(days=7),
    )
    assert disclosures_daily.delay().get()["effective"] == 1
    certificate.refresh_from_db()
    assert (certificate.status, certificate.valid_from) == ("valid", today())

    # Anyone now finds the product in the public catalogue, with its 圳品 certificate.
    page.goto(f"{base}/products/catalogue/?q=田阳香芒&scheme=szp")
    rows = page.locator("[data-testid=catalogue-row]")
    assert rows.count() == 1
    assert certificate.number in rows.first.inner_text()
    rows.first.locator("a").first.click()
    page.wait_for_selector("[data-testid=certificate-row]")
    assert certificate.number in page.locator("[data-testid=certificate-row]").inner_text()
