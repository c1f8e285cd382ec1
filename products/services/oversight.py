"""Dynamic exit (动态退出) and monitoring: the city office suspends, revokes or reinstates
certificates and suspends, exits or relists products and bases; the office and reviewers
record sample tests (抽检) and inspections (巡查), and a failed one proposes a suspension that
the office accepts or dismisses.

domain.md: "Products and outlets are subject to dynamic exit: quality failures, prices out of
line, dishonest operation or no poverty-reduction effect get them suspended or removed."

Every change of standing goes through ``_record``, which writes one ``ExitAction`` (who, when,
from, to, reason, note) in the same transaction and notifies the supplier's staff.

Decisions kept here:

- a revoked certificate is final, and so is an exited product or base: a comeback is a new
  application (issue 4: "renewal is a new application");
- exiting a product or a base **revokes** its valid and suspended certificates, since the exit
  is final and a suspended certificate would promise a reinstatement that cannot come; each
  revocation is written as its own ``ExitAction``, with the exit's reason;
- suspending a product or a base leaves its certificates alone: a suspended product is out of
  the catalogue already (only listed products appear), and relisting it brings it back with the
  certificates it still holds.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.models import ExitReason, Role
from portal.notifications import members_of, members_with_role, notify
from portal.roles import actor_of

from ..models import Certificate, ExitAction, MonitoringRecord, Product, SupplierBase

CertStatus = Certificate.Status
Action = ExitAction.Action
Proposal = MonitoringRecord.Proposal

# Certificates: action → (statuses it starts from, status it leads to). Revoked is final.
CERTIFICATE_MOVES: dict[str, tuple[frozenset[str], str]] = {
    Action.SUSPEND: (frozenset({CertStatus.VALID}), CertStatus.SUSPENDED),
    Action.REVOKE: (frozenset({CertStatus.VALID, CertStatus.SUSPENDED}), CertStatus.REVOKED),
    Action.REINSTATE: (frozenset({CertStatus.SUSPENDED}), CertStatus.VALID),
}
# The status a caller asks for (the API's ``status``), as the action it means.
CERTIFICATE_ACTION_FOR_STATUS = {
    CertStatus.SUSPENDED: Action.SUSPEND,
    CertStatus.REVOKED: Action.REVOKE,
    CertStatus.VALID: Action.REINSTATE,
}
# Products and bases: target status → (statuses it may come from, the action it is). Exited is
# final for both.
PRODUCT_MOVES: dict[str, tuple[frozenset[str], str]] = {
    Product.Status.SUSPENDED: (frozenset({Product.Status.LISTED}), Action.SUSPEND),
    Product.Status.EXITED: (
        frozenset({Product.Status.LISTED, Product.Status.SUSPENDED}),
        Action.EXIT,
    ),
    Product.Status.LISTED: (frozenset({Product.Status.SUSPENDED}), Action.REINSTATE),
}
BASE_MOVES: dict[str, tuple[frozenset[str], str]] = {
    SupplierBase.Status.SUSPENDED: (frozenset({SupplierBase.Status.ACTIVE}), Action.SUSPEND),
    SupplierBase.Status.EXITED: (
        frozenset({SupplierBase.Status.ACTIVE, SupplierBase.Status.SUSPENDED}),
        Action.EXIT,
    ),
    SupplierBase.Status.ACTIVE: (frozenset({SupplierBase.Status.SUSPENDED}), Action.REINSTATE),
}
# Certificates an exit takes with it.
LIVE_CERTIFICATE_STATUSES = (CertStatus.VALID, CertStatus.SUSPENDED)
MONITORING_ROLES = frozenset({Role.CITY_OFFICE, Role.REVIEWER})


def _action_verb(action: str) -> str:
    return {
        Action.SUSPEND: _("suspended"),
        Action.REVOKE: _("revoked"),
        Action.EXIT: _("exited"),
        Action.REINSTATE: _("reinstated"),
    }[action]


def require_city_office(actor) -> None:
    """Dynamic exit is the city coordination office's decision (domain.md: 市协作办)."""
    if not actor_of(actor).is_city_office:
        raise PermissionDenied(_("Only the city coordination office may change this standing."))


def _clean_reason(reason: str, note: str) -> str:
    note = (note or "").strip()
    if reason not in ExitReason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    if reason == ExitReason.OTHER and not note:
        raise ValidationError(
            {"note": _("Say what the reason is in the note when you choose “Other”.")}
        )
    return note


def _record(
    *,
    actor,
    supplier_id: int,
    subject_label: str,
    action: str,
    from_status: str,
    to_status: str,
    reason: str,
    note: str,
    link: str,
    **subject,
) -> ExitAction:
    """Write the step and tell the supplier's staff, in the caller's transaction."""
    step = ExitAction(
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        note=note,
        actor=actor,
        at=timezone.now(),
        **subject,
    )
    step.full_clean()
    step.save()
    body = _("Reason: %(reason)s.") % {"reason": ExitReason(reason).label}
    if note:
        body += "\n" + _("Note: %(note)s") % {"note": note}
    notify(
        recipients=members_of(supplier_id),
        title=_("%(subject)s has been %(action)s by the city coordination office")
        % {"subject": subject_label, "action": _action_verb(action)},
        body=body,
        link=link,
    )
    return step


def _certificate_label(certificate: Certificate) -> str:
    return _("Certificate %(number)s") % {"number": certificate.number}


def certificate_allowed_actions(certificate: Certificate, user, *, as_of: datetime.date) -> list:
    """The actions ``user`` may take on the certificate now (for buttons and the API)."""
    if not actor_of(user).is_city_office:
        return []
    allowed = [
        action
        for action, (sources, _target) in CERTIFICATE_MOVES.items()
        if certificate.status in sources
    ]
    if Action.REINSTATE in allowed and certificate.valid_until < as_of:
        allowed.remove(Action.REINSTATE)
    return allowed


def _move_certificate(
    *,
    actor,
    certificate: Certificate,
    action: str,
    reason: str,
    note: str,
    as_of: datetime.date | None = None,
) -> Certificate:
    require_city_office(actor)
    note = _clean_reason(reason, note)
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    sources, target = CERTIFICATE_MOVES[action]
    if certificate.status == target:
        raise ApplicationError(
            _("Certificate %(number)s is already “%(status)s”.")
            % {"number": certificate.number, "status": certificate.get_status_display()}
        )
    if certificate.status == CertStatus.REVOKED:
        raise ApplicationError(
            _(
                "Certificate %(number)s has been revoked, which is final: "
                "a new certificate needs a new application."
            )
            % {"number": certificate.number}
        )
    if certificate.status not in sources:
        raise ApplicationError(
            _("A certificate that is “%(status)s” cannot be %(action)s.")
            % {"status": certificate.get_status_display(), "action": _action_verb(action)}
        )
    if action == Action.REINSTATE and as_of is not None and certificate.valid_until < as_of:
        raise ApplicationError(
            _(
                "Certificate %(number)s was valid until %(date)s: it cannot be reinstated "
                "after that day; renewal is a new application."
            )
            % {"number": certificate.number, "date": certificate.valid_until.isoformat()}
        )
    previous = certificate.status
    certificate.status = target
    certificate.save(update_fields=["status"])
    _record(
        actor=actor,
        supplier_id=certificate.supplier_id,
        subject_label=_certificate_label(certificate),
        action=action,
        from_status=previous,
        to_status=target,
        reason=reason,
        note=note,
        link=reverse("products:certificate_detail", args=[certificate.pk]),
        certificate=certificate,
    )
    return certificate


@transaction.atomic
def certificate_suspend(
    *, actor, certificate: Certificate, reason: str, note: str = ""
) -> Certificate:
    """The city office suspends a valid certificate: the product or base leaves the catalogue
    and purchases no longer count on it, until the office reinstates it (动态退出)."""
    return _move_certificate(
        actor=actor, certificate=certificate, action=Action.SUSPEND, reason=reason, note=note
    )


@transaction.atomic
def certificate_revoke(
    *, actor, certificate: Certificate, reason: str, note: str = ""
) -> Certificate:
    """The city office revokes a valid or suspended certificate. Final: it vouches for no
    purchase any more (``COUNTING_CERTIFICATE_STATUSES``) and cannot be reinstated."""
    return _move_certificate(
        actor=actor, certificate=certificate, action=Action.REVOKE, reason=reason, note=note
    )


@transaction.atomic
def certificate_reinstate(
    *, actor, certificate: Certificate, reason: str, note: str = "", as_of: datetime.date
) -> Certificate:
    """The city office lifts a suspension, only while the certificate is within its validity
    (after ``valid_until`` renewal is a new application)."""
    return _move_certificate(
        actor=actor,
        certificate=certificate,
        action=Action.REINSTATE,
        reason=reason,
        note=note,
        as_of=as_of,
    )


def certificate_set_status(
    *, actor, certificate: Certificate, status: str, reason: str, note: str = "", as_of
) -> Certificate:
    """The API's and the pages' one entry: the status asked for, as the action it means."""
    action = CERTIFICATE_ACTION_FOR_STATUS.get(status)
    if action is None:
        raise ValidationError(
            {"status": _("Choose “valid”, “suspended” or “revoked”.")},
        )
    if action == Action.REINSTATE:
        return certificate_reinstate(
            actor=actor, certificate=certificate, reason=reason, note=note, as_of=as_of
        )
    service = certificate_suspend if action == Action.SUSPEND else certificate_revoke
    return service(actor=actor, certificate=certificate, reason=reason, note=note)


def _revoke_with_subject(*, actor, subject_field: str, subject, reason: str, note: str) -> int:
    """An exit takes the subject's live certificates with it (see the module docstring)."""
    certificates = list(
        Certificate.objects.select_for_update()
        .filter(**{subject_field: subject}, status__in=LIVE_CERTIFICATE_STATUSES)
        .order_by("pk")
    )
    for certificate in certificates:
        previous = certificate.status
        certificate.status = CertStatus.REVOKED
        certificate.save(update_fields=["status"])
        _record(
            actor=actor,
            supplier_id=certificate.supplier_id,
            subject_label=_certificate_label(certificate),
            action=Action.REVOKE,
            from_status=previous,
            to_status=CertStatus.REVOKED,
            reason=reason,
            note=note or _("Revoked with the exit of “%(name)s”.") % {"name": subject.name},
            link=reverse("products:certificate_detail", args=[certificate.pk]),
            certificate=certificate,
        )
    return len(certificates)


def _check_move(moves: dict, *, current: str, target: str, label: str, choices) -> str:
    if target not in moves:
        raise ValidationError(
            {"status": _("Choose one of: %(choices)s.") % {"choices": ", ".join(moves)}}
        )
    sources, action = moves[target]
    if current == target:
        raise ApplicationError(
            _("“%(name)s” is already “%(status)s”.")
            % {"name": label, "status": choices(current).label}
        )
    if current == "exited":
        raise ApplicationError(
            _(
                "“%(name)s” has exited, which is final: to come back it must be registered "
                "and certified anew."
            )
            % {"name": label}
        )
    if current not in sources:  # pragma: no cover - every other move is in the tables
        raise ApplicationError(
            _("“%(name)s” cannot go from “%(from)s” to “%(to)s”.")
            % {"name": label, "from": choices(current).label, "to": choices(target).label}
        )
    return action


@dataclass(frozen=True)
class StandingChange:
    """What a product or base status change did: its step and the certificates it revoked."""

    action: ExitAction
    certificates_revoked: int


@transaction.atomic
def product_set_status(
    *, actor, product: Product, status: str, reason: str, note: str = ""
) -> StandingChange:
    """The city office suspends, exits or relists a product (动态退出). Exiting is final and
    revokes the product's certificates, so it leaves the catalogue at once."""
    require_city_office(actor)
    note = _clean_reason(reason, note)
    product = Product.objects.select_for_update().get(pk=product.pk)
    action = _check_move(
        PRODUCT_MOVES,
        current=product.status,
        target=status,
        label=product.name,
        choices=Product.Status,
    )
    previous = product.status
    product.status = status
    product.save(update_fields=["status", "updated_at"])
    step = _record(
        actor=actor,
        supplier_id=product.supplier_id,
        subject_label=_("Product “%(name)s”") % {"name": product.name},
        action=action,
        from_status=previous,
        to_status=status,
        reason=reason,
        note=note,
        link=reverse("products:my_products"),
        product=product,
    )
    revoked = 0
    if action == Action.EXIT:
        revoked = _revoke_with_subject(
            actor=actor, subject_field="product", subject=product, reason=reason, note=note
        )
    return StandingChange(step, revoked)


@transaction.atomic
def base_set_status(
    *, actor, base: SupplierBase, status: str, reason: str, note: str = ""
) -> StandingChange:
    """The city office suspends, exits or reactivates a supplier base (供深基地). Exiting is
    final and revokes the base's certificates."""
    require_city_office(actor)
    note = _clean_reason(reason, note)
    base = SupplierBase.objects.select_for_update().get(pk=base.pk)
    action = _check_move(
        BASE_MOVES,
        current=base.status,
        target=status,
        label=base.name,
        choices=SupplierBase.Status,
    )
    previous = base.status
    base.status = status
    base.save(update_fields=["status"])
    step = _record(
        actor=actor,
        supplier_id=base.supplier_id,
        subject_label=_("Base “%(name)s”") % {"name": base.name},
        action=action,
        from_status=previous,
        to_status=status,
        reason=reason,
        note=note,
        link=reverse("products:my_products"),
        base=base,
    )
    revoked = 0
    if action == Action.EXIT:
        revoked = _revoke_with_subject(
            actor=actor, subject_field="base", subject=base, reason=reason, note=note
        )
    return StandingChange(step, revoked)


def product_allowed_statuses(product: Product, user) -> list[str]:
    if not actor_of(user).is_city_office:
        return []
    return [target for target, (sources, _a) in PRODUCT_MOVES.items() if product.status in sources]


def base_allowed_statuses(base: SupplierBase, user) -> list[str]:
    if not actor_of(user).is_city_office:
        return []
    return [target for target, (sources, _a) in BASE_MOVES.items() if base.status in sources]


# --- monitoring -------------------------------------------------------------------------


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
        MonitoringRecord.objects.select_for_update()
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
