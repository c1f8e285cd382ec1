"""Who made a change and why, for the history row django-simple-history writes when a supplier,
base, product, application or certificate is saved (issue 7, point 2: the audit trail).

The history middleware knows the signed-in user of a page, but not the API's (DRF authenticates
inside the view, after the middleware ran) nor a Celery task's, so every service names its actor
and the step it takes. The reason is written in the language active at the time (gettext), as
procurement's are.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

# ``HistoricalRecords`` stores the reason in a CharField of 100 characters.
REASON_LENGTH = 100


def reason_text(reason: object) -> str:
    """The reason as stored: cut to the column's length (a long refusal or exit note is kept in
    full on its own record, e.g. the ``ExitAction`` or the notification)."""
    text = " ".join(str(reason).split())
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 1] + "…"


def step_reason(step: object, why: object = "") -> str:
    """A step with its cause, e.g. "Suspended (Quality failure)"."""
    if not str(why).strip():
        return reason_text(step)
    return reason_text(_("%(step)s (%(reason)s)") % {"step": step, "reason": why})


def stamp(instance: models.Model, *, actor, reason: object) -> None:
    """Name the actor and the reason of the next save's history row. An anonymous visitor (a
    supplier registering itself before its account exists) is recorded as nobody."""
    instance._history_user = actor if getattr(actor, "is_authenticated", False) else None
    instance._change_reason = reason_text(reason)
