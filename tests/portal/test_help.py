"""Help (issue 11): each role's one-page guide, the help page, and the home page's guided first
visit, shown to a member until they finish or skip it, on any device, and again on request."""

from __future__ import annotations

import datetime
import re
from html import escape
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from portal.help import GUIDE_KEYS, guide_for, tour_done, tour_for, tour_steps
from portal.models import Membership, Role
from portal.navigation import MENU
from portal.periods import today
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PERSONAS = {
    Role.UNIT_CLERK: "clerk",
    Role.UNIT_APPROVER: "approver",
    Role.DISTRICT_OFFICE: "district_officer",
    Role.CITY_OFFICE: "city_officer",
    Role.SUPPLIER: "supplier",
    Role.REVIEWER: "reviewer",
}
HOME = "/"


def signed_in(client, request, role: Role):
    user = request.getfixturevalue(PERSONAS[role])
    client.force_login(user)
    return user


def guide(key: str):
    return guide_for(key, city="深圳市", as_of=today())


class Elements(HTMLParser):
    """The page's elements, each with its tag, attributes and its ancestors' classes: enough to
    find what the tour's selectors (portal.help) point at."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self, html: str):
        super().__init__()
        self.stack: list[set[str]] = []
        self.found: list[tuple[str, dict, set[str], set[str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        ancestors = set().union(*self.stack) if self.stack else set()
        self.found.append((tag, attrs, classes, ancestors))
        if tag not in self.VOID:
            self.stack.append(classes)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def select(self, selector: str) -> list[dict]:
        if m := re.fullmatch(r"\.([\w-]+) a\[href=\"([^\"]+)\"\]", selector):
            inside, href = m.groups()
            return [
                a
                for tag, a, _c, up in self.found
                if tag == "a" and a.get("href") == href and inside in up
            ]
        if m := re.fullmatch(r"#([\w-]+)", selector):
            return [a for _t, a, _c, _up in self.found if a.get("id") == m.group(1)]
        if m := re.fullmatch(r"((?:\.[\w-]+)+)", selector):
            wanted = set(m.group(1).strip(".").split("."))
            return [a for _t, a, classes, _up in self.found if wanted <= classes]
        raise AssertionError(f"the test does not read the selector {selector!r}")


# --- the guides


@pytest.mark.parametrize("key", GUIDE_KEYS)
def test_each_guide_page_renders_its_tasks_step_by_step(client, key):
    expected = guide(key)
    assert 4 <= len(expected.tasks) <= 7
    response = client.get(reverse("help_guide", args=[key]))
    assert response.status_code == 200
    body = response.content.decode()
    assert escape(expected.title) in body
    assert body.count('data-testid="guide-task"') == len(expected.tasks)
    for task in expected.tasks:
        assert escape(task.title) in body
        for step in task.steps:
            assert escape(step) in body
    for line in (*expected.deadlines, *expected.contacts):
        assert escape(line) in body
    # The Print button (static/js/print.js) and the links to the other guides.
    assert "data-print" in body
    for other in GUIDE_KEYS:
        if other != key:
            assert f'href="{reverse("help_guide", args=[other])}"' in body


def test_the_clerks_guide_explains_the_quota_and_the_quarters_deadline(client):
    body = client.get(reverse("help_guide", args=["unit_clerk"])).content.decode()
    assert "Why 30%: the city requires every budget unit to spend at least 30% " in body
    assert "no less on them than the year before" in body
    assert "A quarter is due within 15 days after it ends: quarter 1 by April 15" in body
    assert "Submit the quarter through the approver" in body
    assert "Import many purchases from Excel" in body


def test_a_quarter_4_deadline_falls_in_the_next_year():
    deadlines = guide_for("unit_clerk", city="深圳市", as_of=datetime.date(2026, 3, 1)).deadlines
    assert "quarter 4 by January 15 (next year)" in deadlines[0]


def test_an_unknown_guide_is_not_found(client):
    assert client.get(reverse("help_guide", args=["mayor"])).status_code == 404
    assert guide_for("mayor", city="深圳市", as_of=today()) is None


@pytest.mark.parametrize("role", list(Role))
def test_the_help_page_shows_the_members_own_guide(client, request, role):
    signed_in(client, request, role)
    body = client.get(reverse("help")).content.decode()
    assert escape(guide(role).title) in body
    assert 'data-testid="tour-replay"' in body
    assert f'href="{HOME}?tour=replay"' in body


def test_the_public_sees_the_public_guide_and_no_tour_to_replay(client):
    body = client.get(reverse("help")).content.decode()
    assert "Guide for the public" in body
    for title in ("Verify a certificate", "Object to a disclosure", "Find an outlet"):
        assert title in body
    assert 'data-testid="tour-replay"' not in body


def test_tasks_link_to_their_pages_only_in_the_readers_own_guide(client, clerk):
    client.force_login(clerk)
    own = client.get(reverse("help_guide", args=["unit_clerk"])).content.decode()
    assert f'<a href="{reverse("procurement:record_create")}">' in own
    other = client.get(reverse("help_guide", args=["supplier"])).content.decode()
    assert f'<a href="{reverse("products:application_create")}">' not in other
    public = client.get(reverse("help_guide", args=["public"])).content.decode()
    assert f'<a href="{reverse("products:catalogue")}">' in public


def test_every_page_has_the_help_link_in_its_header(client, clerk):
    assert 'id="help-link"' in client.get(reverse("products:catalogue")).content.decode()
    client.force_login(clerk)
    assert 'id="help-link"' in client.get(reverse("procurement:ledger")).content.decode()


def test_the_help_page_runs_a_bounded_number_of_queries(
    client, clerk, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        assert client.get(reverse("help")).status_code == 200
    client.force_login(clerk)
    # The session, the user and the member's role.
    with django_assert_max_num_queries(3):
        assert client.get(reverse("help")).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get(reverse("help_guide", args=["city_office"])).status_code == 200


# --- the guided first visit


@pytest.mark.parametrize("role", list(Role))
def test_each_role_has_three_to_six_steps_on_its_own_navigation(role):
    steps = tour_steps(role)
    assert 3 <= len(steps) <= 6
    own = {reverse(e.url_name) for group in MENU for e in group.entries if role in e.roles}
    for step in steps:
        if step.target.startswith(".side-nav"):
            href = re.search(r'href="([^"]+)"', step.target).group(1)
            assert href in own, f"{role}: {step.title} points at another role's page"


@pytest.mark.parametrize("role", list(Role))
def test_the_home_page_shows_the_tour_on_a_first_visit(client, request, role):
    signed_in(client, request, role)
    body = client.get(HOME).content.decode()
    page = Elements(body)
    steps = tour_steps(role)
    assert body.count("data-tour-step") == len(steps)
    for n, step in enumerate(steps, start=1):
        assert escape(step.title) in body and escape(step.text) in body
        assert escape(f"Step {n} of {len(steps)}") in body
        # Each step points at an element the page shows.
        assert page.select(step.target), f"{role}: nothing on the page matches {step.target}"
    # Without JavaScript the steps are a list with a "Got it" form; with it, a dialog.
    assert 'data-testid="tour-got-it"' in body
    assert 'role="dialog" aria-modal="true" aria-labelledby="tour-dialog-title"' in body
    assert "js/tour.js" in body


@pytest.mark.parametrize("role", list(Role))
def test_got_it_hides_the_tour_for_good(client, request, role):
    user = signed_in(client, request, role)
    response = client.post(reverse("help_tour_done"))
    assert response.status_code == 302 and response["Location"] == reverse("reporting:home")
    assert Membership.objects.get(user=user).tour_done_at is not None
    body = client.get(HOME).content.decode()
    assert "data-tour-step" not in body
    assert "The guided tour is done. Replay it from Help at any time." in body


def test_the_dialog_tells_the_server_with_a_fetch(client, clerk):
    client.force_login(clerk)
    response = client.post(reverse("help_tour_done"), headers={"X-Requested-With": "fetch"})
    assert response.status_code == 204
    assert "data-tour-step" not in client.get(HOME).content.decode()


def test_done_on_one_device_is_done_on_every_other(clerk):
    phone, desk = Client(), Client()
    phone.force_login(clerk)
    desk.force_login(clerk)
    assert "data-tour-step" in desk.get(HOME).content.decode()
    phone.post(reverse("help_tour_done"))
    assert "data-tour-step" not in desk.get(HOME).content.decode()


def test_ending_the_tour_needs_a_post(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("help_tour_done")).status_code == 405
    assert Membership.objects.get(user=clerk).tour_done_at is None


def test_ending_the_tour_needs_a_signed_in_member(client):
    response = client.post(reverse("help_tour_done"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_ending_the_tour_needs_the_csrf_token(clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    assert client.post(reverse("help_tour_done")).status_code == 403
    assert Membership.objects.get(user=clerk).tour_done_at is None
    # The panel's own form carries the token.
    body = client.get(HOME).content.decode()
    token = re.search(
        r'data-tour-form>\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', body
    ).group(1)
    response = client.post(reverse("help_tour_done"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Membership.objects.get(user=clerk).tour_done_at is not None


def test_replay_shows_the_tour_again(client, approver):
    client.force_login(approver)
    client.post(reverse("help_tour_done"))
    assert "data-tour-step" not in client.get(HOME).content.decode()
    replay = client.get(HOME, {"tour": "replay"}).content.decode()
    assert replay.count("data-tour-step") == len(tour_steps(Role.UNIT_APPROVER))
    # Finishing the replay again is recorded again.
    before = Membership.objects.get(user=approver).tour_done_at
    client.post(reverse("help_tour_done"))
    assert Membership.objects.get(user=approver).tour_done_at >= before


def test_an_account_without_organisation_gets_no_tour(client):
    user = f.UserFactory()
    client.force_login(user)
    assert tour_for(user=user) is None
    assert tour_for(user=user, replay=True) is None
    assert tour_done(actor=user, now=datetime.datetime.now(tz=datetime.UTC)) is False
    assert "data-tour-step" not in client.get(HOME).content.decode()


def test_the_tour_costs_the_home_page_one_query(
    client, city_officer, django_assert_max_num_queries
):
    client.force_login(city_officer)
    client.get(HOME)  # fill the caches a first request fills
    with django_assert_max_num_queries(14) as first_visit:
        client.get(HOME)
    # A replay shows the tour without asking whether it was done.
    with django_assert_max_num_queries(14) as replay:
        client.get(HOME, {"tour": "replay"})
    assert len(first_visit.captured_queries) == len(replay.captured_queries) + 1
