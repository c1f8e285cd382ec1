"""Accessibility (issue 11, GB/T 37668 / WCAG 2.1 AA): axe-core, vendored in
``tests/browser/axe/``, runs on every role's journey and on the public pages, at desktop size
and at a phone's (390 × 844): no serious or critical violation.

A journey is the role's navigation (portal.navigation.MENU) and the pages beyond it: detail and
decision pages (a record, an application under review and its decision, a certificate, a
supplier, an outlet, a base evaluation, a disclosure, a quarter's submit, reopen and returned
pages, an integrity flag, a bulletin, a report, the dashboard with its chart tables opened,
notifications, the password change), and forms sent back with errors (the purchase form empty
and with a negative amount, a document upload without its file, an import of a wrong file, a
wrong password, an objection without its fields).

On each page, beside axe: headings go down one level at a time, every ``.status`` badge carries
a word or symbol (never colour alone) and, at phone size, nothing scrolls sideways. On each
error page: every invalid field says so (``aria-invalid``), is described by its error message
(and its help), and the error summary at the top is announced (``role="alert"``) and links each
error to its field.

Each page visited is also saved as a screenshot under ``.test-artifacts/screenshots/`` (not
committed), so a person can look at every role's pages at both sizes.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from portal.models import Notification, Role
from portal.navigation import MENU
from portal.periods import today
from procurement.returns import quarter_return
from procurement.rules import RecordData
from procurement.services import declaration_set, procurement_record_create, quarter_submit
from products.models import (
    CertificationApplication,
    CertificationScheme,
    Disclosure,
    MonitoringRecord,
)
from products.services import review
from tests import factories as f
from tests.browser.journey import sign_in
from tests.security.world import world  # noqa: F401 (the fixture world, one object of each kind)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "axe" / "axe.min.js").read_text(encoding="utf-8")
SHOTS = Path(settings.BASE_DIR) / ".test-artifacts" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
BLOCKING = ("serious", "critical")
YEAR = 2026

PUBLIC = [
    "/",
    "/accounts/login/",
    "/products/catalogue/",
    "/products/catalogue/{product}/",
    "/products/certificates/verify/",
    "/outlets/",
    "/outlets/{outlet}/",
    "/products/disclosures/",
    "/products/disclosures/{disclosure}/",
    "/p/{code}/",
]
# Beside every page of each role's navigation, the detail and decision pages its journey passes
# through (formatted with the keys of the ``journeys`` fixture).
DETAILS = {
    "unit_clerk": [
        "/procurement/records/{record}/",
        "/procurement/quarters/{unit}/2026/3/rounds/",
        "/notifications/",
        "/accounts/password/",
    ],
    "unit_approver": ["/procurement/quarters/2026/3/submit/"],
    "district_office": [
        "/procurement/quarters/{unit}/2026/2/reopen/",
        "/procurement/integrity/{flag}/",
    ],
    "city_office": [
        "/products/catalogue/{product}/",
        "/products/suppliers/{supplier}/",
        "/products/certificates/{certificate}/",
        "/products/applications/{decided}/",
        "/products/evaluations/{evaluation}/",
        "/products/disclosures/office/{disclosure}/",
        "/outlets/manage/{outlet}/",
        "/procurement/quarters/{unit}/2026/2/reopen/",
        "/procurement/integrity/{flag}/",
        "/statistics/bulletins/{bulletin}/",
        "/statistics/reports/{run}/",
        "/statistics/dashboard/",
    ],
    "supplier": [
        "/products/applications/{draft}/",
        "/products/applications/{draft}/submit/",
        "/products/certificates/{certificate}/",
    ],
    "reviewer": [
        "/products/applications/{under_review}/",
        "/products/applications/{under_review}/evaluate/",
        "/products/applications/{under_review}/approve/",
    ],
}
PERSONAS = ("unit_clerk", "unit_approver", "district_office", "city_office", "supplier", "reviewer")


def journey(username: str) -> list[str]:
    """The home page, every entry of the role's navigation, and its detail pages (each demo
    persona's username is its role's code)."""
    role = Role(username)
    entries = [entry for group in MENU for entry in group.entries if role in entry.roles]
    return ["/", *(reverse(entry.url_name) for entry in entries), *DETAILS.get(username, [])]


def _purchase(clerk, unit, supplier, day: datetime.date, invoice: str) -> None:
    data = RecordData(
        purchased_on=day,
        supplier=supplier,
        amount=Decimal("12000.00"),
        channel="platform_832",
        purpose="canteen",
        invoice_no=invoice,
    )
    procurement_record_create(actor=clerk, budget_unit=unit, data=data, as_of=today())


def _application(supplier_org, scheme: str, status, **extra) -> CertificationApplication:
    return CertificationApplication.objects.create(
        supplier=supplier_org,
        scheme=CertificationScheme.objects.get(code=scheme),
        product=f.ProductFactory(supplier=supplier_org),
        status=status,
        submitted_at=datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(days=3),
        standard_claimed="《“圳品”评价规范》",
        **extra,
    )


@pytest.fixture
def journeys(world, clerk, approver, district_officer, reviewer, unit_a, supplier_org):  # noqa: F811
    """Something on every page of the journeys: the security tests' world (one object of each
    kind), and unit A's 2026 Q2 submitted and Q3 returned for correction, an application under
    review and one approved, a disclosure open for objections today."""
    for quarter, day in ((2, datetime.date(YEAR, 5, 12)), (3, datetime.date(YEAR, 8, 10))):
        _purchase(clerk, unit_a, supplier_org, day, f"4403{quarter}001")
        declaration_set(
            actor=clerk,
            budget_unit=unit_a,
            year=YEAR,
            quarter=quarter,
            agri_total=Decimal("100000"),
            as_of=today(),
        )
        quarter_submit(
            actor=approver, budget_unit=unit_a, year=YEAR, quarter=quarter, as_of=today()
        )
    quarter_return(
        actor=district_officer,
        budget_unit=unit_a,
        year=YEAR,
        quarter=3,
        comment="请核对发票号码",
        record_comments={},
    )
    Status = CertificationApplication.Status
    under_review = _application(supplier_org, "szp", Status.UNDER_REVIEW, reviewer=reviewer)
    decided = _application(supplier_org, "recognition", Status.UNDER_REVIEW, reviewer=reviewer)
    review.application_decide(
        actor=reviewer,
        application=decided,
        decision="approve",
        comment="符合认定条件",
        as_of=today(),
    )
    monitoring = MonitoringRecord.objects.create(
        product=world.product,
        kind=MonitoringRecord.Kind.SAMPLE_TEST,
        performed_on=today() - datetime.timedelta(days=2),
        result=MonitoringRecord.Result.FAILED,
        proposal=MonitoringRecord.Proposal.OPEN,
        recorded_by=reviewer,
    )
    disclosure = Disclosure.objects.create(
        kind=Disclosure.Kind.MONITORING,
        monitoring_record=monitoring,
        summary="抽检样品农药残留超标",
        starts_on=today() - datetime.timedelta(days=1),
        ends_on=today() + datetime.timedelta(days=6),
        opened_by=reviewer,
    )
    Notification.objects.create(
        recipient=clerk, title="2026年第三季度已退回", body="请核对发票号码"
    )
    return {
        "product": world.product.pk,
        "code": world.product.trace_code,
        "record": world.record.pk,
        "unit": unit_a.pk,
        "flag": world.integrity_flag.pk,
        "supplier": supplier_org.pk,
        "certificate": world.certificate.pk,
        "draft": world.application.pk,
        "under_review": under_review.pk,
        "decided": decided.pk,
        "evaluation": world.evaluation.pk,
        "disclosure": disclosure.pk,
        "outlet": world.outlet.pk,
        "bulletin": world.bulletin.pk,
        "run": world.run.pk,
    }


# --- What is checked on every page --------------------------------------------------------


def violations(page) -> list[dict]:
    """The page's serious and critical violations, as axe reports them."""
    page.add_script_tag(content=AXE)
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
    )
    return [v for v in found if v["impact"] in BLOCKING]


HEADINGS = """() => {
  const problems = [];
  const shown = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
    .filter(h => h.getClientRects().length);
  // The navigation's group titles (h2) come before the page's h1: a heading may go up any
  // number of levels, but down only one at a time.
  let previous = 1;
  for (const h of shown) {
    const level = Number(h.tagName[1]);
    if (level > previous + 1) {
      problems.push(`h${previous} then h${level} “${h.textContent.trim().slice(0, 40)}”`);
    }
    previous = level;
  }
  const inMain = shown.filter(h => h.closest("main"));
  if (!inMain.length || inMain[0].tagName !== "H1") problems.push("main does not open with an h1");
  if (inMain.filter(h => h.tagName === "H1").length > 1) problems.push("main has several h1");
  return problems;
}"""

STATUSES = """() => [...document.querySelectorAll(".status")]
  .filter(el => el.getClientRects().length)
  .filter(el => !(el.textContent.trim() || el.getAttribute("aria-label") || el.title))
  .map(el => `a .status without words: ${el.outerHTML.slice(0, 80)}`)"""

ERRORS = """() => {
  const problems = [];
  const byId = id => document.getElementById(id);
  const summaries = [...document.querySelectorAll(".error-summary")];
  if (!summaries.length) problems.push("no error summary");
  const linked = new Set();
  for (const summary of summaries) {
    if (summary.getAttribute("role") !== "alert" && !summary.contains(document.activeElement)) {
      problems.push("the error summary is neither role=alert nor focused");
    }
    for (const link of summary.querySelectorAll("a[href^='#']")) {
      const id = decodeURIComponent(link.getAttribute("href").slice(1));
      const target = byId(id);
      if (!target || !target.matches("input, select, textarea, fieldset, [tabindex]")) {
        problems.push(`the summary's link #${id} leads to no field`);
      }
      linked.add(id);
    }
  }
  const blocks = [...document.querySelectorAll(".field-errors")];
  for (const block of blocks) {
    if (!block.id) { problems.push("a field's errors have no id"); continue; }
    const field = block.closest(".field, fieldset");
    const controls = [...field.querySelectorAll("input:not([type=hidden]), select, textarea")];
    if (!controls.length) problems.push(`#${block.id}: no field beside it`);
    if (!controls.some(c => linked.has(c.id)) && !linked.has(field.id)) {
      problems.push(`#${block.id}: not linked from the error summary`);
    }
    const help = field.querySelector(".help[id]");
    // A group of checkboxes is described as a whole, on its fieldset.
    const group = field.matches("fieldset") ? field.getAttribute("aria-describedby") || "" : "";
    for (const control of controls) {
      const own = control.getAttribute("aria-describedby") || "";
      const described = `${own} ${group}`.split(/\\s+/);
      if (control.getAttribute("aria-invalid") !== "true") {
        problems.push(`#${control.id}: invalid but not aria-invalid`);
      }
      if (!described.includes(block.id)) {
        problems.push(`#${control.id}: not described by its error #${block.id}`);
      }
      if (help && !described.includes(help.id)) {
        problems.push(`#${control.id}: not described by its help #${help.id}`);
      }
    }
  }
  for (const control of document.querySelectorAll("[aria-invalid=true]")) {
    const ids = (control.getAttribute("aria-describedby") || "").split(/\\s+/).filter(Boolean);
    if (!ids.some(id => byId(id) && byId(id).textContent.trim())) {
      problems.push(`#${control.id}: aria-invalid without an error message`);
    }
  }
  if (!blocks.length && !document.querySelector("[aria-invalid=true]")
      && !summaries.some(s => s.textContent.trim())) {
    problems.push("no error shown at all");
  }
  return problems;
}"""


def shoot(page, *, who: str, size: str, name: str) -> None:
    name = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "home"
    page.screenshot(path=str(SHOTS / size / who / f"{name}.png"), full_page=True)


def inspect(page, label: str, *, who: str, size: str, problems: list) -> None:
    """Every check of the page shown now: its chart tables (``<details>``) opened first."""
    page.wait_for_load_state("networkidle")
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    shoot(page, who=who, size=size, name=label)
    where = f"{who} {size} {label}"
    # No horizontal page scroll at phone size (tables scroll inside their own frame).
    if size == "phone":
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wide > 1:
            problems.append(f"{where}: the page scrolls sideways by {wide}px")
    problems.extend(f"{where}: headings: {p}" for p in page.evaluate(HEADINGS))
    problems.extend(f"{where}: {p}" for p in page.evaluate(STATUSES))
    problems.extend(f"{where}: {v}" for v in violations(page))


def visit(page, base: str, url: str, *, who: str, size: str, problems: list) -> None:
    response = page.goto(base + url)
    assert response is not None and response.status == 200, f"{who} {url}: {response.status}"
    inspect(page, url, who=who, size=size, problems=problems)


# --- Forms sent back with errors ----------------------------------------------------------


def wrong_password(page, base, data):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "unit_clerk")
    page.fill("#id_password", "not-the-password")
    page.locator("main button[type=submit]").click()


def objection_without_fields(page, base, data):
    page.goto(f"{base}/products/disclosures/{data['disclosure']}/")
    page.locator("[data-testid=objection-form] button[type=submit]").click()


def empty_purchase(page, base, data):
    page.goto(f"{base}/procurement/records/new/")
    page.fill("#id_purchased_on", "")
    page.locator("form.record-form button[type=submit]").click()


def negative_purchase(page, base, data):
    page.goto(f"{base}/procurement/records/new/")
    page.select_option("#id_supplier", str(data["supplier"]))
    page.fill("#id_amount", "-5")
    page.locator("form.record-form button[type=submit]").click()


def wrong_import_file(page, base, data):
    page.goto(f"{base}/procurement/imports/")
    page.set_input_files(
        "#id_file",
        {"name": "purchases.xlsx", "mimeType": "application/vnd.ms-excel", "buffer": b"a,b\n1,2"},
    )
    page.locator("form[data-import-form] button[type=submit]").click()
    page.locator("#import-result .error-summary").wait_for()


def document_without_file(page, base, data):
    page.goto(f"{base}/products/applications/{data['draft']}/")
    page.locator("[data-testid=upload-document]").click()


ERROR_PAGES: dict[str, list[Callable]] = {
    "public": [wrong_password, objection_without_fields],
    "unit_clerk": [empty_purchase, negative_purchase, wrong_import_file],
    "supplier": [document_without_file],
}


# The fields each of those pages must mark invalid (beside the general checks of ERRORS).
INVALID = {
    "wrong_password": ["#id_username", "#id_password"],
    "objection_without_fields": ["#id_name", "#id_contact", "#id_text"],
    "empty_purchase": ["#id_supplier", "#id_purchased_on", "#id_amount"],
    "negative_purchase": ["#id_amount"],
    "wrong_import_file": ["#id_file"],
    "document_without_file": ["#id_file"],
}


def with_errors(page, base, action, data, *, who: str, size: str, problems: list) -> None:
    action(page, base, data)
    page.wait_for_load_state("networkidle")
    label = action.__name__
    problems.extend(f"{who} {size} {label}: {p}" for p in page.evaluate(ERRORS))
    for field in INVALID[label]:
        if page.get_attribute(field, "aria-invalid") != "true":
            problems.append(f"{who} {size} {label}: {field} is not marked aria-invalid")
    inspect(page, label, who=who, size=size, problems=problems)


@pytest.mark.parametrize("size", SIZES)
def test_every_journey_passes_axe_at_desktop_and_phone_sizes(live_server, browser, journeys, size):
    # axe is injected as an inline script, which the portal's CSP refuses: this context alone
    # lets it in (the CSP itself is tested in test_csp.py).
    context = browser.new_context(bypass_csp=True, locale="zh-CN", viewport=SIZES[size])
    page = context.new_page()
    base, problems = live_server.url, []
    try:
        for url in PUBLIC:
            visit(page, base, url.format(**journeys), who="public", size=size, problems=problems)
        for action in ERROR_PAGES["public"]:
            with_errors(page, base, action, journeys, who="public", size=size, problems=problems)
        for who in PERSONAS:
            context.clear_cookies()
            sign_in(page, base, who)
            for url in journey(who):
                visit(page, base, url.format(**journeys), who=who, size=size, problems=problems)
            for action in ERROR_PAGES.get(who, []):
                with_errors(page, base, action, journeys, who=who, size=size, problems=problems)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
