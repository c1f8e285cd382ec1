"""Security headers and the Content-Security-Policy (issue 7).

The policy allows scripts and style sheets from the portal only, so no template may carry an
inline script or an ``on…=`` handler (the main pages, opened in Chromium, raise no CSP
violation: ``tests/browser/test_csp.py``).
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.mark.django_db
def test_headers_on_a_page(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("reporting:home"))
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_cookies_are_http_only(client, clerk):
    response = client.post(reverse("login"), {"username": "unit_clerk", "password": "portal-demo"})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["max-age"] == ""  # ends with the browser
    form = client.get(reverse("password_change"))
    assert form.cookies["csrftoken"]["httponly"]


def test_tile_server_is_the_only_outside_image_source(monkeypatch):
    """img-src names the configured tile server's origin, derived from the setting."""
    import importlib

    import portal.settings.base as base

    monkeypatch.setenv("PORTAL_MAP_TILE_URL", "https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png")
    try:
        reloaded = importlib.reload(base)
        img = reloaded.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
        assert img == ["'self'", "data:", "https://*.tiles.example.gov.cn"]
        monkeypatch.setenv("PORTAL_MAP_TILE_URL", "https://tiles.example.gov.cn:8443/{z}/{x}/{y}")
        reloaded = importlib.reload(base)
        img = reloaded.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
        assert img == ["'self'", "data:", "https://tiles.example.gov.cn:8443"]
    finally:
        monkeypatch.delenv("PORTAL_MAP_TILE_URL")
        importlib.reload(base)


INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I
)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def test_templates_carry_no_inline_script_or_handler():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(TEMPLATES)}:{line}: {match.group(0)[:60]}")
    assert not offenders, "\n".join(offenders)


def test_the_grep_catches_what_it_should():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="d">{}</script>')
    assert HANDLER.search('<select id="x"\n  onchange="this.form.submit()">')
    assert not HANDLER.search('<button type="button" data-print>')


# -- in Chromium --------------------------------------------------------------------------
