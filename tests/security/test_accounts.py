"""Sign-in throttling (django-axes) and changing one's password (issue 7).

Five wrong passwords for one username from one address lock that pair out for 30 minutes on
the sign-in page and the API token endpoint alike; the right password is refused during the
lock; another address or another username is not affected. A password change ends the user's
other sessions.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
WRONG = "not-the-password"


@pytest.fixture
def english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def sign_in(client, username, password, ip="203.0.113.7"):
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def fail_until_locked(client, username, ip="203.0.113.7"):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, username, WRONG, ip)
        assert response.status_code == 200, attempt  # the form again, with its error
        assert b"Check the username and password" in response.content
    return sign_in(client, username, WRONG, ip)


def test_configuration():
    assert settings.AXES_ENABLED
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=30) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS
    assert settings.AUTHENTICATION_BACKENDS[0] == "portal.views.LockoutBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_page_locks_out_after_five_failures(english, clerk):
    client = Client()
    response = fail_until_locked(client, "unit_clerk")
    assert response.status_code == 429
    text = response.content.decode()
    assert 'data-testid="locked-out"' in text
    assert "Too many failed sign-in attempts. Try again in 30 minutes." in text
    assert 'value="unit_clerk"' in text

    # The right password is refused during the lock, and no session is opened.
    response = sign_in(client, "unit_clerk", "portal-demo")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("notifications")).status_code in (302, 403)


def test_lock_is_per_username_and_address(english, clerk, approver):
    fail_until_locked(Client(), "unit_clerk")
    # The same user from another address, and another user from the same address, sign in.
    assert sign_in(Client(), "unit_clerk", "portal-demo", ip="198.51.100.9").status_code == 302
    assert sign_in(Client(), approver.username, "portal-demo").status_code == 302


def test_lock_ends_after_the_cool_off(english, clerk):
    client = Client()
    fail_until_locked(client, "unit_clerk")
    assert sign_in(client, "unit_clerk", "portal-demo").status_code == 429

    # 29 minutes later: still locked.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=29)
    )
    assert sign_in(client, "unit_clerk", "portal-demo").status_code == 429

    # 31 minutes after the last failure: the right password signs in and clears the count.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=31)
    )
    response = sign_in(client, "unit_clerk", "portal-demo")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(clerk.pk)
    assert not AccessAttempt.objects.filter(username="unit_clerk").exists()


def test_success_resets_the_count(english, clerk):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "unit_clerk", WRONG)
    assert sign_in(client, "unit_clerk", "portal-demo").status_code == 302
    client.logout()
    # Four more failures after the reset do not lock.
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "unit_clerk", WRONG).status_code == 200
    assert sign_in(client, "unit_clerk", "portal-demo").status_code == 302


def test_api_token_locks_out_too(english, city_officer):
    api = APIClient(REMOTE_ADDR="203.0.113.8")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = api.post(TOKEN, {"username": "city_office", "password": WRONG})
        assert response.status_code == 400
        assert "token" not in response.json()
    response = api.post(TOKEN, {"username": "city_office", "password": WRONG})
    assert response.status_code == 429
    response = api.post(TOKEN, {"username": "city_office", "password": "portal-demo"})
    assert response.status_code == 429
    assert "token" not in response.json()
    assert "Too many failed sign-in attempts" in response.json()["detail"]

    # The page is locked for the same pair as well: one count for both doors.
    assert sign_in(Client(), "city_office", "portal-demo", ip="203.0.113.8").status_code == 429
    # Another address still gets its token.
    other = APIClient(REMOTE_ADDR="198.51.100.10")
    response = other.post(TOKEN, {"username": "city_office", "password": "portal-demo"})
    assert response.status_code == 200 and response.json()["token"]


def test_failures_on_page_and_api_add_up(english, city_officer):
    for _ in range(3):
        sign_in(Client(), "city_office", WRONG)
    api = APIClient(REMOTE_ADDR="203.0.113.7")
    api.post(TOKEN, {"username": "city_office", "password": WRONG})
    api.post(TOKEN, {"username": "city_office", "password": WRONG})
    response = api.post(TOKEN, {"username": "city_office", "password": "portal-demo"})
    assert response.status_code == 429


def test_code_without_a_request_still_authenticates(clerk):
    """authenticate() from code (seed checks, shell) has no client to throttle."""
    from django.contrib.auth import authenticate

    assert authenticate(username="unit_clerk", password="portal-demo") == clerk
    assert authenticate(username="unit_clerk", password=WRONG) is None


# -- password change ----------------------------------------------------------------------


def test_password_change_page_needs_sign_in(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_header_links_to_password_change(english, client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("reporting:home"))
    assert f'href="{reverse("password_change")}"'.encode() in response.content


def test_password_change_ends_other_sessions(english, clerk):
    here, elsewhere = Client(), Client()
    assert sign_in(here, "unit_clerk", "portal-demo").status_code == 302
    assert sign_in(elsewhere, "unit_clerk", "portal-demo", ip="198.51.100.2").status_code == 302
    assert elsewhere.get(reverse("notifications")).status_code == 200

    page = here.get(reverse("password_change"))
    assert page.status_code == 200
    assert b'data-testid="password-change-form"' in page.content
    response = here.post(
        reverse("password_change"),
        {
            "old_password": "portal-demo",
            "new_password1": "Lychee-orchard-2026",
            "new_password2": "Lychee-orchard-2026",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert here.get(reverse("password_change_done")).status_code == 200

    # This session stays signed in; the other one is signed out.
    assert here.get(reverse("notifications")).status_code == 200
    response = elsewhere.get(reverse("notifications"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    clerk.refresh_from_db()
    assert clerk.check_password("Lychee-orchard-2026")
    assert sign_in(Client(), "unit_clerk", "portal-demo").status_code == 200
    assert sign_in(Client(), "unit_clerk", "Lychee-orchard-2026").status_code == 302


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        (WRONG, "Lychee-orchard-2026", b"Your old password was entered incorrectly"),
        ("portal-demo", "12345678901", b"This password is entirely numeric"),
        ("portal-demo", "short", b"This password is too short"),
        ("portal-demo", "password123", b"This password is too common"),
    ],
)
def test_password_change_refused(english, client, clerk, old, new, error):
    client.force_login(clerk)
    response = client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    assert b'data-testid="error-summary"' in response.content
    assert error in response.content
    clerk.refresh_from_db()
    assert clerk.check_password("portal-demo")


def test_session_and_cookie_settings():
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.CSRF_COOKIE_HTTPONLY


def test_client_address_behind_the_proxy(settings, rf):
    from portal.views import client_ip

    request = rf.post(LOGIN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.50")
    settings.PORTAL_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"  # reached directly: the header is the client's
    settings.PORTAL_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.50"  # what the proxy appended, not the forged one
    assert client_ip(rf.post(LOGIN, REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
