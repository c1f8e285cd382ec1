"""Help in the browser (issue 11): a clerk's guided first visit, walked through with the keyboard
at desktop and phone size and never shown again once finished; the panel without JavaScript;
each role's guide printed on exactly one A4 page; no serious accessibility violation with the
dialog open. Screenshots of each step and the printed guides are kept under
``.test-artifacts/`` (not committed) for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from portal.help import GUIDE_KEYS, guide_for, tour_steps
from portal.models import Membership, Role
from portal.periods import today
from tests.browser.journey import sign_in
from tests.browser.printing import A4_POINTS, print_a4
from tests.browser.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
DIALOG = "[data-testid=tour-dialog]"
DONE = "/help/tour/done/"
ARTIFACTS = Path(settings.BASE_DIR) / ".test-artifacts"


def in_chinese(make):
    """What the live server shows a zh-CN browser."""
    with translation.override("zh-hans"):
        return make()


def focus_is_in_dialog(page) -> bool:
    return page.evaluate("!!document.activeElement.closest('[data-tour-dialog]')")


def overlaps(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def tab_to(page, testid: str) -> None:
    """Tab round the dialog until the button ``testid`` has the focus."""
    for _ in range(6):
        if page.evaluate("document.activeElement.dataset.testid") == testid:
            return
        page.keyboard.press("Tab")
        assert focus_is_in_dialog(page), "Tab left the dialog"
    raise AssertionError(f"Tab never reached {testid}")


@pytest.fixture
def context_of(browser):
    contexts = []

    def make(size: str, **options):
        context = browser.new_context(locale="zh-CN", viewport=SIZES[size], **options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_clerk_walks_through_the_tour_with_the_keyboard_once(
    live_server, context_of, clerk, unit_a, size
):
    page = context_of(size)
    steps = in_chinese(lambda: tour_steps(Role.UNIT_CLERK))
    sign_in(page, live_server.url, "unit_clerk")

    dialog = page.locator(DIALOG)
    dialog.wait_for(state="visible")
    assert dialog.get_attribute("aria-modal") == "true"
    assert focus_is_in_dialog(page)
    assert page.locator("[data-testid=tour]").is_hidden()  # the panel became the dialog
    # Tab and Shift+Tab go round the dialog's buttons, never behind it.
    for key in ("Tab", "Tab", "Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab"):
        page.keyboard.press(key)
        assert focus_is_in_dialog(page), f"{key} left the dialog"

    tab_to(page, "tour-next")
    for n, step in enumerate(steps):
        assert page.locator("#tour-dialog-title").inner_text() == step.title
        target = page.locator(step.target)
        if size == "phone" and step.target.startswith(".side-nav"):
            target = page.locator("[data-nav-toggle]")  # the menu is folded behind its button
        # The element the step points at is outlined, in view and not under the dialog.
        assert page.locator(".tour-target").count() == 1
        assert "tour-target" in target.get_attribute("class")
        box, covered = target.bounding_box(), dialog.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= SIZES[size]["height"]
        assert not overlaps(box, covered), f"step {n + 1} hides {step.target}"
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
        page.screenshot(path=str(ARTIFACTS / "screenshots" / size / "tour" / f"step-{n + 1}.png"))
        if n == 1:
            # Back with the keyboard, then on again.
            tab_to(page, "tour-back")
            page.keyboard.press("Enter")
            assert page.locator("#tour-dialog-title").inner_text() == steps[0].title
            tab_to(page, "tour-next")
            page.keyboard.press("Enter")
        if n < len(steps) - 1:
            page.keyboard.press("Enter")

    with page.expect_response(lambda r: r.url.endswith(DONE) and r.status == 204):
        page.keyboard.press("Enter")  # Finish
    assert dialog.is_hidden()
    assert page.locator(".tour-target").count() == 0
    assert page.evaluate("document.activeElement.id") == "main"  # focus back on the page
    assert Membership.objects.get(user=clerk).tour_done_at is not None

    page.reload()
    assert page.locator(DIALOG).count() == 0
    assert page.locator("[data-testid=tour]").count() == 0


def test_a_step_whose_element_is_not_shown_has_no_anchor(live_server, browser, clerk, unit_a):
    # A navigation hidden altogether: the step still shows, centred, pointing at nothing. The
    # style sheet goes in inline, which only this context allows.
    context = browser.new_context(bypass_csp=True, locale="zh-CN", viewport=SIZES["phone"])
    try:
        page = context.new_page()
        sign_in(page, live_server.url, "unit_clerk")
        dialog = page.locator(DIALOG)
        dialog.wait_for(state="visible")
        assert "tour-unanchored" not in dialog.get_attribute("class")
        # The clerk's first step is about a menu entry: on a phone the menu is folded, so the
        # step points at the Menu button.
        assert page.locator("[data-nav-toggle].tour-target").is_visible()
        page.locator("[data-testid=tour-next]").click()
        page.add_style_tag(content=".side-nav { display: none; }")
        page.locator("[data-testid=tour-back]").click()
        assert "tour-unanchored" in dialog.get_attribute("class")
        assert page.locator(".tour-target").count() == 0
        assert dialog.is_visible()
    finally:
        context.close()


def test_esc_skips_the_replayed_tour_for_good(live_server, context_of, approver, unit_a):
    page = context_of("desktop")
    Membership.objects.filter(user=approver).update(tour_done_at=timezone.now())
    sign_in(page, live_server.url, "unit_approver")
    assert page.locator(DIALOG).count() == 0
    page.goto(f"{live_server.url}/help/")
    page.locator("[data-testid=tour-replay]").click()
    page.locator(DIALOG).wait_for(state="visible")
    with page.expect_response(lambda r: r.url.endswith(DONE) and r.status == 204):
        page.keyboard.press("Escape")
    assert page.locator(DIALOG).is_hidden()
    assert page.url == f"{live_server.url}/"  # a reload does not replay it
    page.reload()
    assert page.locator(DIALOG).count() == 0


def test_without_javascript_the_tour_is_a_panel_with_got_it(live_server, context_of, supplier):
    page = context_of("phone", java_script_enabled=False)
    sign_in(page, live_server.url, "supplier")
    panel = page.locator("[data-testid=tour]")
    assert panel.is_visible()
    assert panel.locator("li").count() == len(tour_steps(Role.SUPPLIER))
    assert page.locator(DIALOG).is_hidden()
    page.locator("[data-testid=tour-got-it]").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("[data-testid=tour]").count() == 0


@pytest.mark.parametrize("size", SIZES)
def test_the_open_dialog_passes_axe(live_server, browser, clerk, unit_a, size):
    # axe goes in as an inline script, which the CSP refuses: this context alone lets it in.
    context = browser.new_context(bypass_csp=True, locale="zh-CN", viewport=SIZES[size])
    try:
        page = context.new_page()
        sign_in(page, live_server.url, "unit_clerk")
        page.locator(DIALOG).wait_for(state="visible")
        assert violations(page) == []
        page.locator("[data-testid=tour-next]").click()
        assert violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("key", GUIDE_KEYS)
def test_each_guide_prints_on_one_a4_page(live_server, page, key):
    title = in_chinese(lambda: guide_for(key, city="深圳市", as_of=today()).title)
    page.goto(f"{live_server.url}/help/{key}/")
    assert page.locator("[data-testid=print-guide]").is_visible()
    shot = ARTIFACTS / "screenshots" / "desktop" / "help" / f"{key}.png"
    page.screenshot(path=str(shot), full_page=True)
    printout = print_a4(page, save_to=ARTIFACTS / "print" / "help" / f"{key}.pdf")
    assert printout.size == A4_POINTS
    assert len(printout.pages) == 1, f"{key}: {len(printout.pages)} pages"
    flat = re.sub(r"\s+", "", printout.pages[0])
    assert re.sub(r"\s+", "", title) in flat
