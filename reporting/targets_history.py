"""The year's trail of the targets and the quota policy, as the targets page shows it: every
version of a target the user may read (scoped as ``reporting.targets.target_for_user``) and of
the year's policy, with the value before each change computed by the database."""

from __future__ import annotations

from django.db.models import F, Q, Window
from django.db.models.functions import Lag
from django.utils.translation import gettext as _

from portal.formatting import percent, yuan
from portal.history import HistoryEntry, kind_of
from portal.models import DistrictPairing
from portal.roles import actor_of
from procurement.models import AnnualTarget, QuotaPolicy

# The year's trail on the targets page: a year sees a few dozen changes; older ones stay in the
# admin's history of each target.
HISTORY_LIMIT = 100


def _previous(*fields: str) -> dict[str, Window]:
    """Each field's value in the version before, computed by the database (one query)."""
    return {
        f"previous_{name}": Window(
            Lag(name),
            partition_by=[F("id")],
            order_by=[F("history_date").asc(), F("history_id").asc()],
        )
        for name in fields
    }


def _growth_label(value: bool | None) -> str | None:
    if value is None:
        return None
    return _("No lower than last year") if value else _("None")


def _entry(version, subject: str | None, changes: list[tuple[str, object, object]]) -> HistoryEntry:
    """One line of the trail: "<subject>: <step>" (the step as the service named it, or the
    kind of change for one made in the admin), or the step alone when it names its subject."""
    kind = kind_of(version)
    step = version.history_change_reason or kind
    if subject is not None:
        step = _("%(subject)s: %(step)s") % {"subject": subject, "step": step}
    return HistoryEntry(
        at=version.history_date, user=version.history_user, kind=kind, reason=step, changes=changes
    )


def _target_subject(version) -> str:
    if version.district_id:
        return version.district.name if version.district else version.district_id
    if version.region_id:
        return version.region.full_name if version.region else version.region_id
    return _("City-wide")


def _target_entries(*, user, year: int, limit: int) -> list[HistoryEntry]:
    actor = actor_of(user)
    versions = AnnualTarget.history.filter(year=year)
    if actor.is_district_office:
        paired = DistrictPairing.objects.filter(district_id=actor.district_code).values("region_id")
        versions = versions.filter(Q(district_id=actor.district_code) | Q(region_id__in=paired))
    elif not actor.is_city_office:
        return []
    versions = (
        versions.select_related("history_user", "district", "region__parent__parent")
        .annotate(**_previous("amount"))
        .order_by("-history_date", "-history_id")[:limit]
    )
    label = str(AnnualTarget._meta.get_field("amount").verbose_name)
    entries = []
    for version in versions:
        if version.history_type == "-":
            change = (label, yuan(version.amount), None)
        elif version.previous_amount is None:
            change = (label, None, yuan(version.amount))
        elif version.previous_amount != version.amount:
            change = (label, yuan(version.previous_amount), yuan(version.amount))
        else:
            change = None
        entries.append(_entry(version, _target_subject(version), [change] if change else []))
    return entries


def _policy_entries(*, user, year: int, limit: int) -> list[HistoryEntry]:
    if not actor_of(user).is_office:
        return []
    versions = (
        QuotaPolicy.history.filter(year=year)
        .select_related("history_user")
        .annotate(**_previous("ratio", "growth_required", "note"))
        .order_by("-history_date", "-history_id")[:limit]
    )
    shown = (
        ("ratio", _("Required share"), percent),
        ("growth_required", _("Year-on-year rule"), _growth_label),
        ("note", _("Note"), lambda value: value),
    )
    entries = []
    for version in versions:
        first = version.history_type == "+" or version.previous_ratio is None
        changes = []
        for name, label, show in shown:
            new, old = getattr(version, name), getattr(version, f"previous_{name}")
            if first and new not in (None, ""):
                changes.append((label, None, show(new)))
            elif not first and old != new:
                changes.append((label, show(old), show(new)))
        # The service's steps name the policy; one made in the admin has only its kind.
        subject = None if version.history_change_reason else _("Quota policy")
        entries.append(_entry(version, subject, changes))
    return entries


def targets_history(*, user, year: int, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The year's changes of the targets ``user`` may read (scoped as ``target_for_user``)
    and of the quota policy, newest first, at most ``limit``: two queries (the targets'
    versions, the policy's), each with its user, its scope's names and the value before
    (``Lag`` in the database)."""
    entries = _target_entries(user=user, year=year, limit=limit) + _policy_entries(
        user=user, year=year, limit=limit
    )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
