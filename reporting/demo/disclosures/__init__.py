"""Public disclosures (公示) of the demo: certification results, exits, monitoring outcomes and
base evaluations, some in their period now, most already in effect, and one of each of the
first three kinds withdrawn after an upheld objection; one open certification result has an
objection awaiting the city office.

Run after the certificates, the oversight and the base evaluations (``seed_evaluations``, if
wired): it describes what those steps left, and adds the few rows a disclosure needs that they
do not make (certificates still in disclosure, one annulled monitoring record). Each row is
looked up by a stable key and created only when missing, so a second run changes nothing, and
a row the nightly job or the office has moved on since is left as it is.

The parts, one a kind of notice: ``certifications`` (results of certification), ``exits``
(exits and revocations), ``monitoring`` (tests and inspections), ``base_evaluations`` (the
yearly base evaluations); ``notices`` finds or makes the notice and objection rows they share.
This module runs them in order.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from products.models import Disclosure, Objection

from ..context import SeedContext
from .base_evaluations import _evaluations
from .certifications import _certifications_in_effect, _certifications_open
from .exits import _exits
from .monitoring import _monitoring


def seed_disclosures(ctx: SeedContext) -> None:
    users = _users()
    if users is None:
        ctx.log("  公示 (disclosures): skipped, the demo accounts are missing")
        return
    office, reviewer = users
    _certifications_in_effect(ctx, reviewer)
    _certifications_open(ctx, office, reviewer)
    _exits(ctx, office)
    _monitoring(ctx, office, reviewer)
    _evaluations(ctx, office)
    ctx.log(
        "  公示 (disclosures): "
        + ", ".join(
            f"{model.__name__} +{ctx.created[model._meta.label]:,}"
            for model in (Disclosure, Objection)
        )
    )


# --- helpers ---------------------------------------------------------------------------------


def _users():
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=("city_office", "reviewer"))
    }
    if len(users) < 2:
        return None
    return users["city_office"], users["reviewer"]
