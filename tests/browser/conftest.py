"""Playwright (Python) driving Debian's Chromium, headless, against a live server.

`playwright install` downloads a browser and is never called: the system's
/usr/bin/chromium is used. Without it, browser tests are skipped with that reason
(and fail under CI, which installs it).
"""

import os
import shutil

import pytest

from tests.support import skip_or_fail

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    )


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        skip_or_fail("No Chromium found (apt-get install chromium); browser tests need it")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on the main thread; the ORM calls of the
    # test's own fixtures are not made from inside it, so Django's async guard is lifted
    # for the browser tests only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Transactional tests empty every table afterwards, the migrations' reference data
    included; load it again for each browser test."""
    from portal.models import DistrictPairing, Region
    from portal.reference_data import load_regions
    from products.models import CertificationScheme
    from products.reference_data import load_schemes

    load_regions(Region, DistrictPairing)
    load_schemes(CertificationScheme)
