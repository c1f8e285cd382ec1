"""The accessibility toolbar (issue 11, GB/T 37668 无障碍): the reader's choice of larger text
and high contrast is kept in the ``portal_a11y`` cookie, and every page is rendered with its
classes already on ``<html>``; without JavaScript the toolbar posts its buttons to
``accessibility``, which writes the cookie and sends the reader back to a page of the portal."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.accessibility import COOKIE_MAX_AGE, COOKIE_NAME, Preferences, parse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

URL = "/accessibility/"


def html_classes(response) -> set[str]:
    tag = re.search(r"<html\b[^>]*>", response.content.decode())
    assert tag is not None
    found = re.search(r'class="([^"]*)"', tag.group(0))
    return set(found.group(1).split()) if found else set()


def pressed(response, action: str) -> str:
    button = re.search(rf'<button[^>]*value="{action}"[^>]*>', response.content.decode())
    assert button is not None, f"no {action} button"
    state = re.search(r'aria-pressed="(\w+)"', button.group(0))
    return state.group(1) if state else ""


def test_the_url_is_the_toolbar_s():
    assert reverse("accessibility") == URL


def test_without_the_cookie_the_page_has_no_toolbar_class_and_nothing_pressed(client):
    response = client.get("/")
    assert response.status_code == 200
    assert not {c for c in html_classes(response) if c.startswith("a11y-")}
    assert pressed(response, "text") == "false"
    assert pressed(response, "contrast") == "false"
    assert 'action="/accessibility/"' in response.content.decode()


@pytest.mark.parametrize(
    ("cookie", "classes", "text", "contrast"),
    [
        ("text:1", {"a11y-text-1"}, "true", "false"),
        ("text:2|contrast:1", {"a11y-text-2", "a11y-contrast"}, "true", "true"),
        ("contrast:1", {"a11y-contrast"}, "false", "true"),
    ],
)
def test_the_cookie_puts_its_classes_on_html_and_presses_the_buttons(
    client, cookie, classes, text, contrast
):
    client.cookies[COOKIE_NAME] = cookie
    for url in ("/", "/products/catalogue/", "/accounts/login/"):
        response = client.get(url)
        assert {c for c in html_classes(response) if c.startswith("a11y-")} == classes, url
        assert pressed(response, "text") == text
        assert pressed(response, "contrast") == contrast


def test_the_larger_text_step_is_shown_beside_its_button(client):
    client.cookies[COOKIE_NAME] = "text:2"
    assert '<span id="a11y-text-size" class="a11y-size" role="status">125%</span>' in (
        client.get("/").content.decode()
    )


@pytest.mark.parametrize(
    "cookie",
    [
        "text:3",
        "text:0",
        "text:-1",
        "text:1.5",
        "contrast:yes",
        "colour:red",
        '"><script>alert(1)</script>',
        "text:1|" * 40,  # far too long to be ours
        "garbage",
        "",
    ],
)
def test_bad_cookie_values_are_ignored(client, cookie):
    client.cookies[COOKIE_NAME] = cookie
    response = client.get("/")
    assert response.status_code == 200
    assert not {c for c in html_classes(response) if c.startswith("a11y-")}
    assert "<script>alert" not in response.content.decode()


def test_an_unknown_part_beside_a_good_one_is_ignored_alone():
    assert parse("font:huge|contrast:1|text:9") == Preferences(text=0, contrast=True)
    assert parse("text:2|bogus") == Preferences(text=2, contrast=False)


def test_larger_text_steps_up_twice_then_back_to_normal():
    chosen = Preferences()
    steps = []
    for _ in range(3):
        chosen = chosen.after("text")
        steps.append(chosen.text)
    assert steps == [1, 2, 0]
    assert Preferences(text=2, contrast=True).after("reset") == Preferences()
    assert Preferences(text=1).after("contrast") == Preferences(text=1, contrast=True)
    assert Preferences(text=1).after("explode") == Preferences(text=1)


def test_the_form_post_sets_the_cookie_and_returns_to_the_page(client):
    response = client.post(URL, {"action": "text", "next": "/products/catalogue/?q=芒"})
    assert response.status_code == 302
    assert response["Location"] == "/products/catalogue/?q=%E8%8A%92"  # 芒, as a URL carries it
    morsel = response.cookies[COOKIE_NAME]
    assert morsel.value == "text:1"
    assert morsel["max-age"] == COOKIE_MAX_AGE
    assert morsel["path"] == "/"
    assert morsel["samesite"] == "Lax"
    assert not morsel["httponly"]  # the script writes the same cookie

    # The client keeps the cookie: the next press builds on it, and the page shows it.
    response = client.post(URL, {"action": "contrast", "next": "/"})
    assert response.cookies[COOKIE_NAME].value == "text:1|contrast:1"
    assert html_classes(client.get("/")) >= {"a11y-text-1", "a11y-contrast"}


def test_reset_removes_the_cookie(client):
    client.cookies[COOKIE_NAME] = "text:2|contrast:1"
    response = client.post(URL, {"action": "reset", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[COOKIE_NAME].value == ""
    assert response.cookies[COOKIE_NAME]["max-age"] == 0
    assert not {c for c in html_classes(client.get("/")) if c.startswith("a11y-")}


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/",
        "//evil.example.com/path",
        "http://evil.example.com",
        "javascript:alert(1)",
        "",
    ],
)
def test_a_next_off_the_portal_goes_home(client, target):
    response = client.post(URL, {"action": "contrast", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_next_missing_goes_home(client):
    response = client.post(URL, {"action": "contrast"})
    assert response["Location"] == "/"


def test_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405


def test_the_post_needs_the_csrf_token():
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post(URL, {"action": "contrast", "next": "/"})
    assert refused.status_code == 403
    assert COOKIE_NAME not in refused.cookies

    page = browser.get("/")
    token = re.search(
        r'action="/accessibility/".*?name="csrfmiddlewaretoken" value="([^"]+)"',
        page.content.decode(),
        re.S,
    )
    assert token is not None, "the toolbar's form carries no CSRF token"
    accepted = browser.post(
        URL, {"action": "contrast", "next": "/", "csrfmiddlewaretoken": token.group(1)}
    )
    assert accepted.status_code == 302
    assert accepted.cookies[COOKIE_NAME].value == "contrast:1"


def test_a_signed_in_member_s_pages_carry_the_classes_too(client, clerk):
    client.force_login(clerk)
    client.cookies[COOKIE_NAME] = "contrast:1"
    response = client.get("/procurement/records/new/")
    assert response.status_code == 200
    assert "a11y-contrast" in html_classes(response)


def test_the_choice_costs_no_query(client, django_assert_max_num_queries):
    """The view and the context processor read the cookie alone: the POST runs no query, and a
    page runs no more with the cookie than without it."""
    with django_assert_max_num_queries(0):
        client.post(URL, {"action": "text", "next": "/"})
    client.cookies.pop(COOKIE_NAME)
    client.get("/")  # the first page fills caches
    with CaptureQueriesContext(connection) as without:
        client.get("/")
    client.cookies[COOKIE_NAME] = "text:2|contrast:1"
    with django_assert_max_num_queries(len(without.captured_queries)):
        client.get("/")
