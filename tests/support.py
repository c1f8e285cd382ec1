"""Helpers for tests that need something outside Python: a broker, a worker, a browser."""

import os

import pytest


def services_required() -> bool:
    """CI sets PORTAL_REQUIRE_SERVICES: there a missing service is a failure, not a skip."""
    return bool(os.environ.get("PORTAL_REQUIRE_SERVICES"))


def skip_or_fail(reason: str):
    if services_required():
        pytest.fail(f"{reason} (PORTAL_REQUIRE_SERVICES is set, so this cannot be skipped)")
    pytest.skip(reason)
