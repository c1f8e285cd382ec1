"""The accessibility toolbar (issue 11, GB/T 37668 无障碍) in Chromium: larger text and high
contrast change the page at once and are remembered across pages and visits; with both on, the
home page, the catalogue and the purchase form pass axe at desktop and phone sizes without
scrolling sideways; the buttons work from the keyboard and say their state (``aria-pressed``);
under the portal's own CSP the toolbar's script runs, and without JavaScript its form does the
same."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from portal.models import Membership
from tests import factories as f
from tests.browser.journey import sign_in
from tests.browser.printing import print_a4
from tests.browser.test_accessibility import SIZES, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "[data-a11y-action=text]"
CONTRAST = "[data-a11y-action=contrast]"
RESET = "[data-a11y-action=reset]"
COOKIE = "portal_a11y"

FONT_SIZE = "() => parseFloat(getComputedStyle(document.body).fontSize)"
COLOURS = """() => { const s = getComputedStyle(document.body);
  return [s.backgroundColor, s.color]; }"""
HTML_CLASSES = "() => [...document.documentElement.classList].sort()"


def body_font_size(page) -> float:
    return page.evaluate(FONT_SIZE)


def pressed(page, selector: str) -> str | None:
    return page.get_attribute(selector, "aria-pressed")


def cookie_value(context) -> str | None:
    found = [c["value"] for c in context.cookies() if c["name"] == COOKIE]
    return found[0] if found else None


@pytest.fixture
def recognised(supplier_org, clerk):
    """A recognised product, so the purchase form has a supplier to offer; the clerk has had
    the guided tour (its modal would cover the home page)."""
    f.CertificateFactory(
        product=f.ProductFactory(supplier=supplier_org, name="田阳香芒"),
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2099, 12, 31),
    )
    Membership.objects.filter(user=clerk).update(tour_done_at=timezone.now())
    return supplier_org


def test_larger_text_grows_the_text_and_is_remembered_across_pages_and_reloads(live_server, page):
    base = live_server.url
    page.goto(f"{base}/")
    normal = body_font_size(page)
    assert pressed(page, TEXT) == "false"

    page.click(TEXT)
    larger = body_font_size(page)
    assert larger == pytest.approx(normal * 1.125, rel=0.01)
    assert pressed(page, TEXT) == "true"
    assert page.inner_text("#a11y-text-size") == "112.5%"
    assert page.url == f"{base}/"  # the script did it in place, no form post
    page.click(TEXT)
    largest = body_font_size(page)
    assert largest == pytest.approx(normal * 1.25, rel=0.01)
    assert cookie_value(page.context) == "text:2"

    page.goto(f"{base}/products/catalogue/")
    assert body_font_size(page) == pytest.approx(largest)
    assert page.evaluate(HTML_CLASSES) == ["a11y-text-2"]
    assert pressed(page, TEXT) == "true"
    page.reload()
    assert body_font_size(page) == pytest.approx(largest)
    # A heading in rem grows with it.
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)") > (
        1.5 * normal * 1.2
    )

    page.click(TEXT)  # past the largest step: back to normal
    assert body_font_size(page) == pytest.approx(normal)
    assert pressed(page, TEXT) == "false"
    page.reload()
    assert body_font_size(page) == pytest.approx(normal)


def test_high_contrast_turns_the_page_black_and_white_and_reset_undoes_everything(
    live_server, page
):
    base = live_server.url
    page.goto(f"{base}/products/catalogue/")
    before = page.evaluate(COLOURS)
    assert before != ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]

    page.click(CONTRAST)
    assert page.evaluate(COLOURS) == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
    assert pressed(page, CONTRAST) == "true"
    link = page.locator(".header-links a").first
    assert link.evaluate("a => getComputedStyle(a).color") == "rgb(255, 255, 0)"
    assert "underline" in link.evaluate("a => getComputedStyle(a).textDecorationLine")

    page.goto(f"{base}/outlets/")
    assert page.evaluate(COLOURS) == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
    page.click(TEXT)
    assert page.evaluate(HTML_CLASSES) == ["a11y-contrast", "a11y-text-1"]

    page.click(RESET)
    assert page.evaluate(HTML_CLASSES) == []
    assert page.evaluate(COLOURS) == before
    assert (pressed(page, TEXT), pressed(page, CONTRAST)) == ("false", "false")
    assert cookie_value(page.context) is None
    page.reload()
    assert page.evaluate(HTML_CLASSES) == []


ENHANCED_CONTRAST = """async () => (await axe.run(document,
    {runOnly: ["color-contrast-enhanced"], resultTypes: ["violations"]})).violations
    .flatMap(v => v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + n.failureSummary))"""


@pytest.mark.parametrize("size", SIZES)
def test_with_high_contrast_and_the_largest_text_the_main_pages_pass_axe(
    live_server, browser, recognised, size
):
    base = live_server.url
    context = browser.new_context(bypass_csp=True, locale="zh-CN", viewport=SIZES[size])
    context.add_cookies([{"name": COOKIE, "value": "text:2|contrast:1", "url": base}])
    page = context.new_page()
    problems: list[str] = []

    def check(label: str) -> None:
        page.wait_for_load_state("networkidle")
        assert page.evaluate(HTML_CLASSES) == ["a11y-contrast", "a11y-text-2"], label
        problems.extend(f"{size} {label}: {v}" for v in violations(page))
        # The theme's promise: every text at 7:1 (axe's AAA rule; the script is in by now).
        problems.extend(f"{size} {label}: below 7:1: {n}" for n in page.evaluate(ENHANCED_CONTRAST))
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if size == "phone" and wide > 1:
            problems.append(f"{size} {label}: the page scrolls sideways by {wide}px")

    try:
        for url in ("/", "/products/catalogue/"):
            page.goto(base + url)
            check(url)
        sign_in(page, base, "unit_clerk")
        check("/ (unit clerk)")
        page.goto(f"{base}/procurement/records/new/")
        check("/procurement/records/new/")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_the_buttons_work_from_the_keyboard_and_say_their_state(live_server, page):
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.a11yAction") == "text"
    ring = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
           return document.activeElement.matches(':focus-visible')
             && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }"""
    )
    assert ring, "the focused toolbar button shows no focus ring"
    page.keyboard.press("Enter")
    assert pressed(page, TEXT) == "true"
    assert page.evaluate(HTML_CLASSES) == ["a11y-text-1"]
    # The focus stays on the button pressed (no reload).
    assert page.evaluate("document.activeElement.dataset.a11yAction") == "text"

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.a11yAction") == "contrast"
    page.keyboard.press("Space")
    assert pressed(page, CONTRAST) == "true"
    assert page.evaluate(HTML_CLASSES) == ["a11y-contrast", "a11y-text-1"]
    page.keyboard.press("Space")
    assert pressed(page, CONTRAST) == "false"
    page.keyboard.press("Space")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.a11yAction") == "reset"
    assert page.get_attribute(RESET, "aria-pressed") is None  # an action, not a toggle
    page.keyboard.press("Enter")
    assert (pressed(page, TEXT), pressed(page, CONTRAST)) == ("false", "false")
    assert page.evaluate(HTML_CLASSES) == []


WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_the_toolbar_script_runs_under_the_portal_s_csp(live_server, page):
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(WATCH)
    response = page.goto(f"{live_server.url}/products/catalogue/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    page.evaluate("window.__samePage = true")

    page.click(CONTRAST)
    page.click(TEXT)
    # The script changed the page in place: no form post reloaded it.
    assert page.evaluate("window.__samePage") is True
    assert page.evaluate(HTML_CLASSES) == ["a11y-contrast", "a11y-text-1"]
    assert cookie_value(page.context) == "text:1|contrast:1"
    assert page.evaluate("window.__cspViolations") == []
    assert not console, "\n".join(console)


def test_without_javascript_the_toolbar_posts_its_form(live_server, browser):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    base = live_server.url
    try:
        page.goto(f"{base}/outlets/")
        with page.expect_navigation():
            page.click(CONTRAST)
        assert page.url == f"{base}/outlets/"
        assert page.evaluate(HTML_CLASSES) == ["a11y-contrast"]
        assert pressed(page, CONTRAST) == "true"
        with page.expect_navigation():
            page.click(TEXT)
        assert page.evaluate(HTML_CLASSES) == ["a11y-contrast", "a11y-text-1"]
        assert cookie_value(context) == "text:1|contrast:1"
        with page.expect_navigation():
            page.click(RESET)
        assert page.evaluate(HTML_CLASSES) == []
    finally:
        context.close()


def test_the_choices_leave_a_printed_page_as_it_was(live_server, page):
    """Larger text and high contrast are for the screen: a guide prints on the same A4 pages
    with the same text whatever the reader chose, and the toolbar is not printed."""
    url = f"{live_server.url}/help/unit_clerk/"
    page.goto(url)
    plain = print_a4(page)
    page.context.add_cookies(
        [{"name": COOKIE, "value": "text:2|contrast:1", "url": live_server.url}]
    )
    page.goto(url)
    assert page.evaluate(HTML_CLASSES) == ["a11y-contrast", "a11y-text-2"]
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "14px"  # 10.5pt
    assert page.evaluate(COLOURS)[1] != "rgb(255, 255, 255)"
    page.emulate_media(media="screen")
    chosen = print_a4(page)
    assert chosen.pages == plain.pages
    assert "Larger text" not in chosen.text
