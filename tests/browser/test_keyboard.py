"""Keyboard use (issue 11, WCAG 2.1 AA 2.1.1, 2.4.1, 2.4.7): the skip link is the first stop
and takes the focus to the page's content; a clerk logs a purchase with the keyboard alone
(Tab, arrows, typing, Enter: no click), and every element the focus lands on on the way shows
a visible focus indicator."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from procurement.models import ProcurementRecord
from tests import factories as f
from tests.browser.journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Before any focus: how each focusable element (and each label) looks unfocused, so a stop's
# indicator is compared with the same element's own unfocused look.
RECORD_UNFOCUSED = """() => {
  const look = el => { const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join("|"); };
  window.__unfocused = new Map();
  for (const el of document.querySelectorAll(
      "a[href], button, input, select, textarea, summary, label, [tabindex]")) {
    window.__unfocused.set(el, look(el));
  }
}"""

# The element with the focus now, and whether it (or, for an input hidden behind its styled
# label, that label) shows an indicator it does not show unfocused: an outline of 2px or more
# or a box shadow.
FOCUS_STOP = """() => {
  const el = document.activeElement;
  const look = el => { const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join("|"); };
  const box = el.getBoundingClientRect();
  const shown = box.width > 2 && box.height > 2;
  const target = shown ? el : (el.labels && el.labels[0]) || el;
  const style = getComputedStyle(target);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
    || style.boxShadow !== "none";
  const before = window.__unfocused && window.__unfocused.get(target);
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    cls: el.className,
    text: (el.textContent || el.value || "").trim().slice(0, 30),
    visible: ring && look(target) !== before && target.getClientRects().length > 0,
    focusVisible: el.matches(":focus-visible"),
  };
}"""


def stop(page) -> dict:
    return page.evaluate(FOCUS_STOP)


def tab_to(page, selector: str, seen: list[dict], limit: int = 80) -> None:
    """Press Tab until ``selector`` has the focus, recording every stop on the way."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        here = stop(page)
        seen.append(here)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never got the focus: {[s['id'] or s['tag'] for s in seen]}")


@pytest.fixture
def recognised(supplier_org, clerk):
    f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org, name="田阳香芒"),
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2099, 12, 31),
    )
    return supplier_org


def test_the_skip_link_is_the_first_stop_and_moves_the_focus_to_the_content(
    live_server, page, recognised
):
    sign_in(page, live_server.url, "unit_clerk")
    page.goto(f"{live_server.url}/procurement/records/")
    page.keyboard.press("Tab")
    first = stop(page)
    assert "skip-link" in first["cls"], first
    assert first["visible"], "the skip link shows no focus indicator"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0, "the focused skip link stays off screen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.url.endswith("#main")
    # The next Tab continues inside the content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_a_clerk_logs_a_purchase_with_the_keyboard_alone_and_always_sees_the_focus(
    live_server, page, recognised
):
    sign_in(page, live_server.url, "unit_clerk")
    page.goto(f"{live_server.url}/procurement/records/new/")
    page.evaluate(RECORD_UNFOCUSED)
    seen: list[dict] = []
    tab_to(page, ".skip-link", seen, limit=1)
    page.keyboard.press("Enter")  # to the content
    tab_to(page, "#supplier-filter", seen)
    page.keyboard.type("田阳")
    tab_to(page, "#id_supplier", seen)
    page.keyboard.press("ArrowDown")  # the first (only) supplier the filter left
    page.wait_for_load_state("networkidle")  # the product list follows the supplier (htmx)
    assert page.input_value("#id_supplier") == str(recognised.pk)
    tab_to(page, "#id_amount", seen)
    page.keyboard.type("1,234.50")
    tab_to(page, "#id_invoice_no", seen)
    page.keyboard.type("44039001")
    tab_to(page, "form.record-form button[type=submit]", seen)
    page.keyboard.press("Enter")
    # The ledger (the skip link's #main rides along the redirect, as browsers keep fragments).
    page.wait_for_url(re.compile(r".*/procurement/records/(#main)?$"))

    record = ProcurementRecord.objects.get()
    assert (record.supplier, record.amount, record.invoice_no) == (
        recognised,
        Decimal("1234.50"),
        "44039001",
    )
    unseen = [s for s in seen if not s["visible"]]
    assert not unseen, f"focus stops without a visible indicator: {unseen}"
    # The walk passed the form's fields, selects and buttons, not just links.
    assert {"input", "select", "button"} <= {s["tag"] for s in seen}
