"""Accessibility on every page (issue 11, GB/T 37668 / WCAG 2.1 AA): axe-core runs on every HTML
page the URL resolver knows, at desktop size and at a phone's (390 × 844).

test_accessibility.py walks each role's journey; this test walks the resolver instead, so a page
added later is audited without anyone listing it. The authorisation matrix
(tests/security/test_authorisation_matrix.py) says, for every URL name, which roles may open it
and with which sample kwargs into the fixture world: each name is opened once, by the first role
of ``PREFERENCE`` the matrix lets in (the public first, so public pages are audited as the public
sees them; then the role whose journey the page belongs to before the offices that oversee it).

Left out, each for a reason written into the failure message: the API (routes under ``api/``),
names no role may GET (POST-only actions), and answers that are not ``text/html`` (exports,
downloads, images, feeds), told apart by the content type the browser receives — never by a
list of names, so a new page is never silently skipped. A redirect is followed and the page
landed on audited once. Any other answer than 200 is a failure.

An HTML fragment (an answer without its ``<html>`` document, which htmx swaps into a page: a
select's options, a report's polled status) is audited too, but for what it is: the rules about
a whole document (its title, language, landmarks) belong to the page it is swapped into.

On each page, its ``<details>`` opened: no serious or critical axe violation and, at phone size,
no sideways page scroll. The phone walk is made in English as well as in Chinese: English labels
run longer and are what pushes a table or a row of buttons past a phone's edge.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from portal.models import Membership
from portal.navigation import MENU
from tests.browser.test_accessibility import SIZES, violations
from tests.security.test_authorisation_matrix import (
    EXPECTED,
    GO,
    OK,
    PERSONA,
    QUERY,
    ROLES,
    kwargs_for,
    url_names,
)
from tests.security.world import world  # noqa: F401 (the fixture world, one object of each kind)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Who opens a page the matrix lets several roles open: the public, then the roles whose own
# journeys the pages are (units, suppliers, reviewers), then the offices, the outsiders last.
PREFERENCE = (
    "anonymous",
    "unit_clerk",
    "unit_approver",
    "supplier",
    "reviewer",
    "district_office",
    "city_office",
    "unit_clerk_2",
    "supplier_2",
)
assert sorted(PREFERENCE) == sorted(ROLES)

# axe's rules about a whole document, which an htmx fragment is not.
DOCUMENT_RULES = frozenset(
    {
        "bypass",
        "document-title",
        "html-has-lang",
        "html-lang-valid",
        "landmark-one-main",
        "page-has-heading-one",
        "region",
    }
)
RECORD = Path(settings.BASE_DIR) / ".test-artifacts"
DOCUMENT = re.compile(r"<html[\s>]", re.IGNORECASE)


def visitor(name: str) -> str | None:
    """The role that opens ``name``: the first of PREFERENCE the matrix lets see it (200), or,
    for a page that only moves on, follow (302)."""
    row = dict(zip(ROLES, EXPECTED[name], strict=True))
    for wanted in (OK, GO):
        for role in PREFERENCE:
            if row[role] == wanted:
                return role
    return None


def plan(w) -> tuple[dict[str, list[tuple[str, str]]], dict[str, str], list[str]]:
    """(role → [(name, url)] to open, name → why it is left out, names the matrix lacks)."""
    visits: dict[str, list[tuple[str, str]]] = {}
    left_out: dict[str, str] = {}
    unknown: list[str] = []
    for name, route in sorted(url_names().items()):
        if route.startswith("api/"):
            left_out[name] = "API"
            continue
        if name not in EXPECTED:
            unknown.append(name)
            continue
        role = visitor(name)
        if role is None:
            left_out[name] = "no role may GET it (POST-only)"
            continue
        url = reverse(name, kwargs=kwargs_for(name, w)) + QUERY.get(name, "")
        visits.setdefault(role, []).append((name, url))
    return visits, left_out, unknown


@pytest.fixture
def returning(world):  # noqa: F811
    """The world, its members past their first visit: no guided tour over the home page (the tour
    itself is audited in test_help_journey.py)."""
    Membership.objects.update(tour_done_at=timezone.now())
    return world


# (size, language) of each walk: the portal's own language at both sizes, English on the phone.
WALKS = [("desktop", "zh-CN"), ("phone", "zh-CN"), ("phone", "en-GB")]


def signed_in_context(browser, request, base: str, role: str, size: str, locale: str):
    # axe is injected as an inline script, which the portal's CSP refuses: these contexts alone
    # let it in (the CSP itself is tested in test_csp.py).
    context = browser.new_context(bypass_csp=True, locale=locale, viewport=SIZES[size])
    if role != "anonymous":
        client = Client()
        client.force_login(request.getfixturevalue(PERSONA[role]))
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base}]
        )
    return context


def content_type_of(context, url: str) -> str:
    """The content type of an answer the browser took as a download (an attachment)."""
    answer = context.request.get(url)
    try:
        return answer.headers.get("content-type", "?")
    finally:
        answer.dispose()


class Audit:
    """What one size's walk found: problems, the names audited (by whom) and those left out."""

    def __init__(self, base: str, size: str, locale: str, left_out: dict[str, str]):
        self.base, self.size, self.locale, self.left_out = base, size, locale, left_out
        self.problems: list[str] = []
        self.audited: dict[str, str] = {}  # name → the role that saw it
        self.fragments: list[str] = []
        self.seen: set[tuple[str, str]] = set()  # (role, url landed on): each audited once
        self.lines: list[str] = []  # who saw what, where it landed (kept as an artifact)

    def walk(self, context, role: str, pages: list[tuple[str, str]]) -> None:
        page = context.new_page()
        for name, url in pages:
            try:
                response = page.goto(self.base + url)
            except PlaywrightError as error:
                if "Download is starting" not in str(error):
                    raise
                self.left_out[name] = f"download ({content_type_of(context, self.base + url)})"
                continue
            kind = (response.headers.get("content-type") or "?").split(";")[0].strip()
            if kind != "text/html":
                self.left_out[name] = f"not HTML ({kind})"
                continue
            where = f"{self.size} {self.locale} {role} {name} {url}"
            if response.status != 200:
                self.problems.append(f"{where}: answered {response.status}")
                continue
            self.audited[name] = role
            landed = page.url.split("#")[0]
            self.lines.append(f"{name}: {role} {url} -> {landed.removeprefix(self.base)}")
            if (role, landed) not in self.seen:
                self.seen.add((role, landed))
                self.check(page, name, where, fragment=not DOCUMENT.search(response.text()))

    def check(self, page, name: str, where: str, *, fragment: bool) -> None:
        # Folded parts (a chart's table view, a filter panel) are audited opened.
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        if self.size == "phone":
            wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if wide > 1:
                self.problems.append(f"{where}: the page scrolls sideways by {wide}px")
        found = violations(page)
        if fragment:
            self.fragments.append(name)
            found = [v for v in found if v["id"] not in DOCUMENT_RULES]
        self.problems.extend(f"{where}: {v}" for v in found)


@pytest.mark.parametrize(("size", "locale"), WALKS)
def test_every_html_page_passes_axe(request, live_server, browser, returning, size, locale):
    visits, left_out, unknown = plan(returning)
    audit = Audit(live_server.url, size, locale, left_out)
    audit.problems.extend(f"{name}: no row in the authorisation matrix" for name in unknown)
    for role, pages in visits.items():
        context = signed_in_context(browser, request, live_server.url, role, size, locale)
        try:
            audit.walk(context, role, pages)
        finally:
            context.close()

    # The audit is not trivially small: every non-API name is audited unless no role may GET it
    # or it answers something else than HTML, and every page of every navigation is audited.
    named = url_names()
    api = {name for name, route in named.items() if route.startswith("api/")}
    post_only = {name for name in set(named) - api - set(unknown) if visitor(name) is None}
    non_html = {name for name, why in left_out.items() if why.startswith(("not HTML", "down"))}
    floor = len(named) - len(api) - len(post_only) - len(non_html) - len(unknown)
    audited = set(audit.audited)
    if len(audited) < floor:
        missed = sorted(set(named) - api - post_only - non_html - set(unknown) - audited)
        audit.problems.append(
            f"only {len(audited)} HTML pages audited, fewer than {floor}: {', '.join(missed)}"
        )
    menu = {entry.url_name for group in MENU for entry in group.entries}
    audit.problems.extend(f"{name}: in the navigation, not audited" for name in menu - audited)

    skipped = [f"  left out {name}: {why}" for name, why in sorted(left_out.items())]
    summary = (
        f"({len(audited)} pages audited at {size} size in {locale}; fragments among them: "
        f"{', '.join(sorted(audit.fragments)) or 'none'})"
    )
    RECORD.mkdir(parents=True, exist_ok=True)
    (RECORD / f"every_page-{size}-{locale}.txt").write_text(
        "\n".join([*audit.lines, "", *audit.problems, summary, *skipped, ""]), encoding="utf-8"
    )
    assert not audit.problems, "\n".join([*audit.problems, summary, *skipped])
