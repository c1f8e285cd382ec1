"""Monitoring of bases and products: the city office and reviewers record sample tests (抽检)
and inspections (巡查); a failed one proposes a suspension to the city office, which accepts it
(the subject is suspended through dynamic exit, reason "quality failure") or dismisses it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.models import ExitReason, Role
from portal.notifications import members_with_role, notify
from portal.roles import actor_of

from ..models import MonitoringRecord, Product, SupplierBase
from .disclosure import disclosure_open
from .oversight import (
    MONITORING_ROLES,
    Proposal,
    base_set_status,
    product_set_status,
    require_city_office,
)


@transaction.atomic
def monitoring_record(
    *,
    actor,
    product: Product | None = None,
    base: SupplierBase | None = None,
    kind: str,
    performed_on: datetime.date,
    agency: str,
    result: str,
    findings: str = "",
    as_of: datetime.date,
) -> MonitoringRecord:
    """The city office or a reviewer records a sample test (抽检) or an inspection (巡查) of a
    base or a product (domain.md: bases are "monitored (sample tests, inspections)"). A failed
    one proposes a suspension to the city office, which is told at once."""
    if actor_of(actor).role not in MONITORING_ROLES:
        raise PermissionDenied(_("Only the city office or a reviewer may record monitoring."))
    if (product is None) == (base is None):
        raise ValidationError(_("Record the monitoring of one product or one base."))
    subject = product or base
    # Read its standing now, not as the caller last saw it.
    subject = type(subject).objects.select_for_update().get(pk=subject.pk)
    if subject.status == "exited":
        raise ApplicationError(
            _("“%(name)s” has exited: there is nothing left to monitor.") % {"name": subject.name}
        )
    agency, findings = (agency or "").strip(), (findings or "").strip()
    errors = {}
    if kind not in MonitoringRecord.Kind.values:
        errors["kind"] = _("Choose a sample test or an inspection.")
    if result not in MonitoringRecord.Result.values:
        errors["result"] = _("Choose whether it passed or failed.")
    if performed_on is None:
        errors["performed_on"] = _("Give the date.")
    elif performed_on > as_of:
        errors["performed_on"] = _("The date %(date)s is in the future.") % {
            "date": performed_on.isoformat()
        }
    if not agency:
        errors["agency"] = _("Name the testing agency or the inspector.")
    if result == MonitoringRecord.Result.FAILED and not findings:
        errors["findings"] = _("Say what failed: the office decides on a suspension from it.")
    if errors:
        raise ValidationError(errors)
    failed = result == MonitoringRecord.Result.FAILED
    record = MonitoringRecord(
        product=subject if product is not None else None,
        base=subject if base is not None else None,
        kind=kind,
        performed_on=performed_on,
        agency=agency,
        result=result,
        findings=findings,
        proposal=Proposal.OPEN if failed else Proposal.NONE,
        recorded_by=actor,
    )
    record.full_clean()
    record.save()
    # The outcome is published (公示); an objection upheld in the period annuls it.
    disclosure_open(
        kind="monitoring",
        actor=actor,
        as_of=as_of,
        summary=findings,
        monitoring_record=record,
    )
    if failed:
        notify(
            recipients=members_with_role(Role.CITY_OFFICE),
            title=_("%(kind)s failed: suspension of “%(name)s” proposed")
            % {"kind": record.get_kind_display(), "name": subject.name},
            body=findings,
            link=reverse("products:monitoring_proposals"),
        )
    return record


def _open_proposal(record: MonitoringRecord) -> MonitoringRecord:
    record = (
        MonitoringRecord.objects.select_for_update(of=("self",))
        .select_related("product", "base")
        .get(pk=record.pk)
    )
    if record.proposal != Proposal.OPEN:
        raise ApplicationError(_("This proposal has already been decided."))
    return record


@transaction.atomic
def monitoring_proposal_accept(
    *, actor, record: MonitoringRecord, note: str = ""
) -> MonitoringRecord:
    """The city office accepts a proposed suspension: the product or base is suspended for a
    quality failure through the exit service. If it is already suspended or has exited, the
    proposal is closed without a second step."""
    require_city_office(actor)
    record = _open_proposal(record)
    note = (note or "").strip()
    subject = record.product or record.base
    reason_note = note or record.findings
    if record.product is not None and subject.status == Product.Status.LISTED:
        product_set_status(
            actor=actor,
            product=subject,
            status=Product.Status.SUSPENDED,
            reason=ExitReason.QUALITY,
            note=reason_note,
        )
    elif record.base is not None and subject.status == SupplierBase.Status.ACTIVE:
        base_set_status(
            actor=actor,
            base=subject,
            status=SupplierBase.Status.SUSPENDED,
            reason=ExitReason.QUALITY,
            note=reason_note,
        )
    record.proposal = Proposal.ACCEPTED
    record.proposal_note = note
    record.handled_by = actor
    record.handled_at = timezone.now()
    record.save(update_fields=["proposal", "proposal_note", "handled_by", "handled_at"])
    return record


@transaction.atomic
def monitoring_proposal_dismiss(*, actor, record: MonitoringRecord, note: str) -> MonitoringRecord:
    """The city office dismisses a proposed suspension, saying why (a retest passed, the
    failure was the agency's error, ...)."""
    require_city_office(actor)
    record = _open_proposal(record)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the proposal is dismissed.")})
    record.proposal = Proposal.DISMISSED
    record.proposal_note = note
    record.handled_by = actor
    record.handled_at = timezone.now()
    record.save(update_fields=["proposal", "proposal_note", "handled_by", "handled_at"])
    return record
