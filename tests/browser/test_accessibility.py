"""Accessibility (issue 11, GB/T 37668 / WCAG 2.1 AA): axe-core, vendored in
``tests/browser/axe/``, runs on the main pages of every role's journey and on the public
pages, at desktop size and at a phone's (390 × 844): no serious or critical violation.

Each page visited is also saved as a screenshot under ``.test-artifacts/screenshots/`` (not
committed), so a person can look at every role's pages at both sizes.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from portal.models import Role
from portal.navigation import MENU
from portal.periods import today
from tests import factories as f
from tests.browser.journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "axe" / "axe.min.js").read_text(encoding="utf-8")
SHOTS = Path(settings.BASE_DIR) / ".test-artifacts" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
BLOCKING = ("serious", "critical")

PUBLIC = [
    "/",
    "/accounts/login/",
    "/products/catalogue/",
    "/products/catalogue/{product}/",
    "/products/certificates/verify/",
    "/outlets/",
    "/products/disclosures/",
    "/p/{code}/",
]
# Beside every page of each role's navigation (portal.navigation.MENU), the detail pages its
# journey passes through.
DETAILS = {
    "unit_clerk": ["/procurement/records/{record}/"],
    "city_office": ["/products/catalogue/{product}/"],
}
PERSONAS = ("unit_clerk", "unit_approver", "district_office", "city_office", "supplier", "reviewer")


def journey(username: str) -> list[str]:
    """The home page, every entry of the role's navigation, and its detail pages (each demo
    persona's username is its role's code)."""
    role = Role(username)
    entries = [entry for group in MENU for entry in group.entries if role in entry.roles]
    return ["/", *(reverse(entry.url_name) for entry in entries), *DETAILS.get(username, [])]


@pytest.fixture
def city(
    supplier_org,
    unit_a,
    clerk,
    approver,
    district_officer,
    city_officer,
    supplier,
    reviewer,
):
    """A small city with something on every page: a certified product bought by unit A, an
    outlet of 福田区."""
    mango = f.ProductFactory(supplier=supplier_org, name="田阳香芒", households_lifted=320)
    f.CertificateFactory(product=mango, valid_until=datetime.date(2099, 12, 31))
    f.OutletFactory(district=f.region(f.FUTIAN), name="福田消费帮扶专柜")
    record = f.RecordFactory(
        budget_unit=unit_a, supplier=supplier_org, product=mango, purchased_on=today()
    )
    return {"product": mango.pk, "code": mango.trace_code, "record": record.pk}


def violations(page) -> list[dict]:
    """The page's serious and critical violations, as axe reports them."""
    page.add_script_tag(content=AXE)
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
    )
    return [v for v in found if v["impact"] in BLOCKING]


def visit(page, base: str, url: str, *, who: str, size: str, problems: list) -> None:
    response = page.goto(base + url)
    assert response is not None and response.status == 200, f"{who} {url}: {response.status}"
    page.wait_for_load_state("networkidle")
    name = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home"
    page.screenshot(path=str(SHOTS / size / who / f"{name}.png"), full_page=True)
    # No horizontal page scroll at phone size (tables scroll inside their own frame).
    if size == "phone":
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wide > 1:
            problems.append(f"{who} {size} {url}: the page scrolls sideways by {wide}px")
    problems.extend(f"{who} {size} {url}: {v}" for v in violations(page))


@pytest.mark.parametrize("size", SIZES)
def test_every_journey_passes_axe_at_desktop_and_phone_sizes(live_server, browser, city, size):
    # axe is injected as an inline script, which the portal's CSP refuses: this context alone
    # lets it in (the CSP itself is tested in test_csp.py).
    context = browser.new_context(bypass_csp=True, locale="zh-CN", viewport=SIZES[size])
    page = context.new_page()
    base, problems = live_server.url, []
    try:
        for url in PUBLIC:
            visit(page, base, url.format(**city), who="public", size=size, problems=problems)
        for who in PERSONAS:
            context.clear_cookies()
            sign_in(page, base, who)
            for url in journey(who):
                visit(page, base, url.format(**city), who=who, size=size, problems=problems)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
