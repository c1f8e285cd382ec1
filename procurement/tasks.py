"""Tasks of the procurement app: the integrity checks (``procurement.integrity``), after each
import for the importing unit and every night for the whole city, and the nightly matching of
the 832 platform's orders with the purchases logged since their import
(``procurement.reconciliation_match``). Thin wrappers: primitive arguments in, counts out."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from portal.periods import today

from .integrity import integrity_checks_run
from .reconciliation_match import platform_orders_match


@shared_task(
    name="procurement.run_integrity_checks",
    # The whole city's two years (2×10^6 purchases) is a few set-based queries per check:
    # minutes at most (bench: "integrity_nightly"); one unit's import, seconds.
    time_limit=30 * 60,
    soft_time_limit=25 * 60,
    # Idempotent (a flag per purchase and check, inserted once), so a run lost with its worker
    # is simply run again.
    acks_late=True,
    serializer="json",
)
def run_integrity_checks(
    unit_id: int | None = None, first: str | None = None, last: str | None = None
) -> dict:
    """Check the purchases of ``unit_id`` (every unit when None) dated in [first, last] (ISO
    dates). Without dates: this year's and last year's purchases, the years the offices still
    review (the nightly run)."""
    if first is None and last is None:
        as_of = today()
        first_day, last_day = datetime.date(as_of.year - 1, 1, 1), None
    else:
        first_day = datetime.date.fromisoformat(first) if first else None
        last_day = datetime.date.fromisoformat(last) if last else None
    found = integrity_checks_run(unit_id=unit_id, first=first_day, last=last_day)
    return {
        "unit_id": unit_id,
        "first": first_day.isoformat() if first_day else None,
        "last": last_day.isoformat() if last_day else None,
        "new_flags": found,
    }


@shared_task(
    name="procurement.match_platform_orders",
    time_limit=30 * 60,
    soft_time_limit=25 * 60,
    acks_late=True,  # idempotent: a match already made is kept, a lost run is run again
    serializer="json",
)
def match_platform_orders() -> dict:
    """Match every stored 832 order still without its purchase: a clerk may log a purchase
    days after the city imported the platform's export."""
    result = platform_orders_match(actor=None, now=timezone.now())
    return {"matched": result.matched, "released": result.released, "flagged": result.flagged}
