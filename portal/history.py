"""The audit trail of a business record (django-simple-history): who changed it and why, as the
services stamp it, and the trail as its pages show it.

Every model that carries ``history = HistoricalRecords()`` keeps one row per save, with who
(``history_user``, set by ``HistoryRequestMiddleware`` or by the service), when, the kind of
change and a reason. ``history_of`` reads the newest versions in bounded queries and pairs each
with the one before it, so the page can say which field changed from what to what. The rows are
never edited: no page, API or admin form writes them, and reverting in the admin is disabled
(``SIMPLE_HISTORY_REVERT_DISABLED``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

HISTORY_LIMIT = 50
# ``HistoricalRecords`` stores the reason in a CharField of 100 characters.
REASON_LENGTH = 100
HIDDEN_FIELDS = ("updated_at", "created_at", "created_by", "declared_at", "search_text")


def reason_text(reason: object) -> str:
    """The reason as stored: cut to the column's length (a long refusal or exit note is kept in
    full on its own record, e.g. the ``ExitAction`` or the notification)."""
    text = " ".join(str(reason).split())
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 1] + "…"


def step_reason(step: object, why: object = "") -> str:
    """A step with its cause, e.g. "Suspended (Quality failure)"."""
    if not str(why).strip():
        return reason_text(step)
    return reason_text(gettext("%(step)s (%(reason)s)") % {"step": step, "reason": why})


def stamp(instance: models.Model, *, actor, reason: object) -> None:
    """Name the actor and the reason of the next save's history row. The history middleware
    knows the signed-in user of a page, but not the API's (DRF authenticates inside the view,
    after the middleware ran) nor a Celery task's, so every service names its actor and its
    step. The reason is written in the language active at the time. An anonymous visitor (a
    supplier registering itself before its account exists) is recorded as nobody."""
    instance._history_user = actor if getattr(actor, "is_authenticated", False) else None
    instance._change_reason = reason_text(reason)


# Our own words for the kind of change: simple-history's "Created" collides with the portal's
# "created at" in the message catalogue.
KINDS = {"+": _("Record created"), "~": _("Record changed"), "-": _("Record deleted")}


def kind_of(version) -> str:
    return str(KINDS[version.history_type])


@dataclass(frozen=True)
class HistoryEntry:
    """One change of a record: when, by whom, why, and each field's old and new value."""

    at: object
    user: object
    kind: str
    reason: str
    changes: list[tuple[str, object, object]]


def _present(field: models.Field, value, names: dict) -> object:
    """A stored value as a reader knows it: a choice's label, a related row's name."""
    if value is None or value == "":
        return value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.BooleanField):
        return "✓" if value else "✗"
    if field.is_relation:
        return names.get((field.related_model, value), value)
    return value


def history_of(
    record: models.Model, *, limit: int = HISTORY_LIMIT, hidden: tuple[str, ...] = ()
) -> list[HistoryEntry]:
    """The record's audit trail, newest first: one query for the versions and their users,
    plus one per kind of related row whose value changed (to name it)."""
    model = type(record)
    excluded = [
        f.name
        for f in model._meta.concrete_fields
        if f.name in HIDDEN_FIELDS or f.name in hidden or f.primary_key
    ]
    versions = list(
        record.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    deltas = []
    for index, version in enumerate(versions[:limit]):
        previous = versions[index + 1] if index + 1 < len(versions) else None
        changes = []
        if previous is not None:
            changes = version.diff_against(previous, excluded_fields=excluded).changes
        deltas.append((version, changes))

    wanted: dict[type, set] = defaultdict(set)
    for _version, changes in deltas:
        for change in changes:
            field = model._meta.get_field(change.field)
            if field.is_relation:
                wanted[field.related_model].update(v for v in (change.old, change.new) if v)
    names = {}
    for related, keys in wanted.items():
        for row in related._default_manager.filter(pk__in=keys):
            names[(related, row.pk)] = str(row)

    entries = []
    for version, changes in deltas:
        shown = []
        for change in changes:
            field = model._meta.get_field(change.field)
            shown.append(
                (
                    str(field.verbose_name),
                    _present(field, change.old, names),
                    _present(field, change.new, names),
                )
            )
        entries.append(
            HistoryEntry(
                at=version.history_date,
                user=version.history_user,
                kind=kind_of(version),
                reason=version.history_change_reason or "",
                changes=shown,
            )
        )
    return entries
