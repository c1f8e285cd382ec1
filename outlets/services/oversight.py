"""The offices' oversight of outlets: inspections (date, inspector, the checklist, findings,
photos) and dynamic exit (动态退出): suspend, reinstate or exit an outlet for a listed reason,
each change recorded with who and when. Exit is final and dates the outlet's exit, so it still
counts in the periods it was open.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.errors import ApplicationError
from portal.history import stamp
from portal.models import ExitReason, Organisation
from portal.notifications import members_of, notify
from portal.uploads import inspect_picture, store_upload, uploads_removed_on_failure

from ..models import Inspection, InspectionPhoto, Outlet, OutletStatusChange
from .registry import (
    CHECK_FAILED,
    CHECK_PASSED,
    CHECKLIST_CODES,
    MAX_PHOTOS_PER_INSPECTION,
    STATUS_MOVES,
    Status,
    _locked,
    _refuse_if_exited,
    require_manager,
)


def _check_inspection(
    *,
    outlet: Outlet,
    inspected_on: datetime.date | None,
    inspector_name: str,
    checklist: Mapping[str, str],
    findings: str,
    result: str,
    photos: Sequence[UploadedFile],
    as_of: datetime.date,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if inspected_on is None:
        errors["inspected_on"] = [_("Give the date of the inspection.")]
    elif inspected_on > as_of:
        errors["inspected_on"] = [_("The inspection date may not be in the future.")]
    elif outlet.opened_on is not None and inspected_on < outlet.opened_on:
        errors["inspected_on"] = [
            _("The outlet opened on %(date)s: an inspection comes after that.")
            % {"date": outlet.opened_on.isoformat()}
        ]
    if not (inspector_name or "").strip():
        errors["inspector_name"] = [_("Name who inspected the outlet.")]
    unknown = set(checklist) - set(CHECKLIST_CODES)
    if unknown:
        errors["checklist"] = [_("Mark only the items of the inspection checklist.")]
    for code in CHECKLIST_CODES:
        if checklist.get(code) not in (CHECK_PASSED, CHECK_FAILED):
            errors[f"check_{code}"] = [_("Mark this item passed or failed.")]
    failed = [code for code in CHECKLIST_CODES if checklist.get(code) == CHECK_FAILED]
    if result not in Inspection.Result.values:
        errors["result"] = [_("Choose the result from the list.")]
    elif failed and result == Inspection.Result.PASSED:
        errors["result"] = [
            _("An item failed, so the inspection cannot pass: choose rectification or failed.")
        ]
    if (failed or result in (Inspection.Result.RECTIFY, Inspection.Result.FAILED)) and not (
        findings or ""
    ).strip():
        errors["findings"] = [
            _("Say what failed and what must be put right: it backs any suspension that follows.")
        ]
    if len(photos) > MAX_PHOTOS_PER_INSPECTION:
        errors["photos"] = [
            _("At most %(count)s photos per inspection.") % {"count": MAX_PHOTOS_PER_INSPECTION}
        ]
    return errors


@uploads_removed_on_failure()
@transaction.atomic
def inspection_record(
    *,
    actor,
    outlet: Outlet,
    inspected_on: datetime.date | None,
    inspector_name: str,
    checklist: Mapping[str, str],
    result: str,
    findings: str = "",
    photos: Sequence[UploadedFile] = (),
    as_of: datetime.date,
) -> Inspection:
    """An office records an inspection (巡查, issue 5 point 3): the date (not in the future),
    who inspected, each checklist item (``INSPECTION_CHECKLIST``) passed or failed, the
    findings (required when anything failed) and the result, with photos as evidence."""
    outlet = _locked(outlet)
    require_manager(actor, outlet.district_id)
    _refuse_if_exited(outlet)
    photos = list(photos)
    errors = _check_inspection(
        outlet=outlet,
        inspected_on=inspected_on,
        inspector_name=inspector_name,
        checklist=checklist,
        findings=findings,
        result=result,
        photos=photos,
        as_of=as_of,
    )
    facts = []
    for upload in photos:
        try:
            facts.append(inspect_picture(upload, field="photos"))
        except ValidationError as error:
            errors.setdefault("photos", []).extend(error.message_dict["photos"])
    if errors:
        raise ValidationError(errors)
    inspection = Inspection(
        outlet=outlet,
        inspected_on=inspected_on,
        inspector=actor,
        inspector_name=inspector_name.strip(),
        checklist={code: checklist[code] for code in CHECKLIST_CODES},
        findings=(findings or "").strip(),
        result=result,
    )
    inspection.full_clean()
    inspection.save()
    for upload, fact in zip(photos, facts, strict=True):
        photo = InspectionPhoto(inspection=inspection, uploaded_by=actor, **fact.as_fields())
        store_upload(photo, upload)
        photo.full_clean()
        photo.save()
    return inspection


# --- suspension, reinstatement, exit --------------------------------------------------------


def _clean_reason(reason: str, note: str) -> str:
    note = (note or "").strip()
    if reason not in ExitReason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    if reason == ExitReason.OTHER and not note:
        raise ValidationError(
            {"note": _("Say what the reason is in the note when you choose “Other”.")}
        )
    return note


def _check_move(outlet: Outlet, target: str) -> None:
    if target not in STATUS_MOVES:
        raise ValidationError({"status": _("Choose “active”, “suspended” or “exited”.")})
    if outlet.status == target:
        raise ApplicationError(
            _("“%(name)s” is already “%(status)s”.")
            % {"name": outlet.name, "status": Status(target).label}
        )
    if outlet.status == Status.EXITED:
        raise ApplicationError(
            _("“%(name)s” has exited, which is final: to come back it must be registered anew.")
            % {"name": outlet.name}
        )
    if outlet.status not in STATUS_MOVES[target]:  # pragma: no cover - the table covers all
        raise ApplicationError(
            _("“%(name)s” cannot go from “%(from)s” to “%(to)s”.")
            % {
                "name": outlet.name,
                "from": Status(outlet.status).label,
                "to": Status(target).label,
            }
        )


def _notify_operator(outlet: Outlet, change: OutletStatusChange) -> None:
    """A supplier running the outlet hears of the change with its reason."""
    if outlet.operator_id is None or outlet.operator.kind != Organisation.Kind.SUPPLIER:
        return
    titles = {
        Status.SUSPENDED: _("The outlet “%(name)s” has been suspended"),
        Status.EXITED: _("The outlet “%(name)s” has exited the programme"),
        Status.ACTIVE: _("The outlet “%(name)s” has been reinstated"),
    }
    body = _("Reason: %(reason)s.") % {"reason": ExitReason(change.reason).label}
    if change.note:
        body += "\n" + _("Note: %(note)s") % {"note": change.note}
    notify(
        recipients=members_of(outlet.operator_id),
        title=titles[change.to_status] % {"name": outlet.name},
        body=body,
    )


# The step each move writes into the outlet's history, with the reason chosen from the list.
STEP_REASONS = {
    Status.SUSPENDED: gettext_lazy("Suspended: %(reason)s"),
    Status.ACTIVE: gettext_lazy("Reinstated: %(reason)s"),
    Status.EXITED: gettext_lazy("Exited: %(reason)s"),
}


@transaction.atomic
def outlet_set_status(
    *,
    actor,
    outlet: Outlet,
    status: str,
    reason: str,
    note: str = "",
    as_of: datetime.date,
) -> OutletStatusChange:
    """Suspend, reinstate or exit an outlet (动态退出; domain.md: "quality failures, prices
    out of line, dishonest operation or no poverty-reduction effect get them suspended or
    removed"). Active ↔ suspended; either → exited, which is final and sets ``exited_on``
    (the outlet stays counted in the periods it was open). Every change is written as an
    ``OutletStatusChange`` (who, when, from, to, reason, note) in the same transaction, with a
    version of the outlet (its history: "Suspended: <reason>"), and a supplier operating the
    outlet is notified."""
    outlet = (
        Outlet.objects.select_for_update(of=("self",)).select_related("operator").get(pk=outlet.pk)
    )
    require_manager(actor, outlet.district_id)
    note = _clean_reason(reason, note)
    _check_move(outlet, status)
    previous = outlet.status
    outlet.status = status
    if status == Status.EXITED:
        outlet.exited_on = as_of
    outlet.full_clean()
    stamp(outlet, actor=actor, reason=STEP_REASONS[status] % {"reason": ExitReason(reason).label})
    outlet.save(update_fields=["status", "exited_on"])
    change = OutletStatusChange(
        outlet=outlet,
        from_status=previous,
        to_status=status,
        reason=reason,
        note=note,
        changed_by=actor,
        changed_at=timezone.now(),
    )
    change.full_clean()
    change.save()
    _notify_operator(outlet, change)
    return change


def outlet_suspend(
    *, actor, outlet: Outlet, reason: str, note: str = "", as_of
) -> OutletStatusChange:
    """Suspend an active outlet until an office reinstates it; the finder stops showing it."""
    return outlet_set_status(
        actor=actor, outlet=outlet, status=Status.SUSPENDED, reason=reason, note=note, as_of=as_of
    )


def outlet_reinstate(
    *, actor, outlet: Outlet, reason: str, note: str = "", as_of
) -> OutletStatusChange:
    """Lift a suspension: the outlet is active again and back in the finder."""
    return outlet_set_status(
        actor=actor, outlet=outlet, status=Status.ACTIVE, reason=reason, note=note, as_of=as_of
    )


def outlet_exit(*, actor, outlet: Outlet, reason: str, note: str = "", as_of) -> OutletStatusChange:
    """Exit an outlet for good (final); ``exited_on`` is ``as_of``."""
    return outlet_set_status(
        actor=actor, outlet=outlet, status=Status.EXITED, reason=reason, note=note, as_of=as_of
    )
