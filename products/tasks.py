"""Tasks of the products app."""

from __future__ import annotations

import datetime

from celery import shared_task

from portal.periods import today

from .services.disclosure import disclosures_settle
from .services.expiry import certificates_expire, certificates_warn


@shared_task(
    name="products.certificates_daily",
    # Both steps are a few bulk updates plus one notification per certificate that changed:
    # minutes even for the 10^4 certificates a city holds.
    time_limit=15 * 60,
    soft_time_limit=14 * 60,
    # Idempotent (see products.services.expiry), so a run lost with its worker is simply redone.
    acks_late=True,
    serializer="json",
)
def certificates_daily(as_of: str | None = None) -> dict:
    """Issue 4's daily job: expire certificates past their validity, then warn suppliers of
    those 60 and 30 days from it. ``as_of`` is an ISO date (default: today in Asia/Shanghai),
    so a missed day can be run again for that day."""
    day = datetime.date.fromisoformat(as_of) if as_of else today()
    expired = certificates_expire(as_of=day)
    warned = certificates_warn(as_of=day)
    return {"as_of": day.isoformat(), "expired": expired, "warned": warned}


@shared_task(
    name="products.disclosures_daily",
    # One transaction per disclosure taking effect; the city has a few hundred open at a time.
    time_limit=15 * 60,
    soft_time_limit=14 * 60,
    # Idempotent: a disclosure already in effect is skipped, so a lost run is simply redone.
    acks_late=True,
    serializer="json",
)
def disclosures_daily(as_of: str | None = None) -> dict:
    """The public disclosures (公示) whose period has ended with no objection pending take
    effect: certificates become valid, exits are carried out, evaluations are published.
    ``as_of`` is an ISO date (default: today in Asia/Shanghai)."""
    day = datetime.date.fromisoformat(as_of) if as_of else today()
    return disclosures_settle(as_of=day)
