"""The main pages, opened in Chromium under the portal's Content-Security-Policy, raise no
violation: scripts and style sheets come from the portal only, and the charts, the map and the
language switch still work."""

from decimal import Decimal

import pytest
from django.test import override_settings

from portal.periods import today
from tests import factories as f
from tests.browser.journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(
    e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || "") + ":" + e.lineNumber
  );
});
"""


def visit(page, url, problems):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    found = page.evaluate("window.__cspViolations")
    problems.extend(f"{url}: {v}" for v in found)


@override_settings(PORTAL_MAP_TILE_URL="")
def test_main_pages_raise_no_csp_violation(
    live_server,
    page,
    city_officer,
    clerk,
    unit_a,
    supplier_org,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    product = f.ProductFactory(supplier=supplier_org, name="田阳香芒")
    f.CertificateFactory(product=product)
    f.RecordFactory(
        budget_unit=unit_a,
        supplier=supplier_org,
        purchased_on=today().replace(day=1),
        amount=Decimal("1200.00"),
    )
    for n in range(2):
        f.OutletFactory(
            name=f"福田口岸专柜{n}",
            latitude=Decimal("22.5230") + Decimal(n) / 100,
            longitude=Decimal("114.0580"),
        )

    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.add_init_script(WATCH)
    problems: list[str] = []

    visit(page, f"{base}/products/catalogue/", problems)
    visit(page, f"{base}/outlets/?view=map", problems)
    assert page.locator(".leaflet-container").count() == 1  # the map did draw
    sign_in(page, base, "city_office")
    visit(page, f"{base}/", problems)
    visit(page, f"{base}/statistics/dashboard/", problems)
    page.wait_for_selector("[data-testid=chart-progress] canvas", state="attached")
    problems.extend(page.evaluate("window.__cspViolations"))
    page.locator("header form button[type=submit]").click()
    page.wait_for_load_state()

    sign_in(page, base, "unit_clerk")
    visit(page, f"{base}/procurement/records/new/", problems)
    # The language switch works without its old inline handler.
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    problems.extend(page.evaluate("window.__cspViolations"))

    assert not problems, "\n".join(problems)
    assert not console, "\n".join(console)
