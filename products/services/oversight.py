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
from simple_history.utils import bulk_update_with_history

from portal.errors import ApplicationError
from portal.history import reason_text, stamp, step_reason
from portal.models import ExitReason, Role
from portal.notifications import members_of, notify
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


def _step_name(action: str) -> str:
    """The step as a change history names it: "Suspended", "Revoked", ..."""
    return {
        Action.SUSPEND: _("Suspended"),
        Action.REVOKE: _("Revoked"),
        Action.EXIT: _("Exited"),
        Action.REINSTATE: _("Reinstated"),
    }[action]


def _history_reason(action: str, reason: str) -> str:
    """E.g. "Suspended (Quality failure)": the step and its reason (动态退出)."""
    return step_reason(_step_name(action), ExitReason(reason).label)


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
    disclosed: bool = False,
) -> Certificate:
    # ``disclosed``: a decision taking effect after its public disclosure; whoever decided it
    # was checked then (products.services.disclosure).
    if not disclosed:
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
    stamp(certificate, actor=actor, reason=_history_reason(action, reason))
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
    *, actor, certificate: Certificate, reason: str, note: str = "", disclosed: bool = False
) -> Certificate:
    """The city office revokes a valid or suspended certificate. Final: it vouches for no
    purchase any more (``COUNTING_CERTIFICATE_STATUSES``) and cannot be reinstated."""
    return _move_certificate(
        actor=actor,
        certificate=certificate,
        action=Action.REVOKE,
        reason=reason,
        note=note,
        disclosed=disclosed,
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
    """An exit takes the subject's live certificates with it (see the module docstring), and
    those still in public disclosure."""
    certificates = list(
        Certificate.objects.select_for_update()
        .filter(
            **{subject_field: subject},
            status__in=[*LIVE_CERTIFICATE_STATUSES, CertStatus.PENDING],
        )
        .order_by("pk")
    )
    previous = {certificate.pk: certificate.status for certificate in certificates}
    for certificate in certificates:
        certificate.status = CertStatus.REVOKED
    bulk_update_with_history(
        certificates,
        Certificate,
        ["status"],
        default_user=actor,
        default_change_reason=reason_text(
            _("Revoked with the exit of “%(name)s”.") % {"name": subject.name}
        ),
    )
    for certificate in certificates:
        _record(
            actor=actor,
            supplier_id=certificate.supplier_id,
            subject_label=_certificate_label(certificate),
            action=Action.REVOKE,
            from_status=previous[certificate.pk],
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


def _set_standing(
    *,
    actor,
    subject: Product | SupplierBase,
    subject_field: str,
    subject_label: str,
    moves: dict,
    choices,
    update_fields: list[str],
    status: str,
    reason: str,
    note: str,
    disclosed: bool = False,
) -> StandingChange:
    """Move a product or base to ``status`` along ``moves``, record the step and notify the
    supplier; exiting revokes the subject's certificates too. ``disclosed``: an exit taking
    effect after its public disclosure, whose decider was checked when it was decided."""
    if not disclosed:
        require_city_office(actor)
    note = _clean_reason(reason, note)
    subject = type(subject).objects.select_for_update().get(pk=subject.pk)
    action = _check_move(
        moves, current=subject.status, target=status, label=subject.name, choices=choices
    )
    previous = subject.status
    subject.status = status
    stamp(subject, actor=actor, reason=_history_reason(action, reason))
    subject.save(update_fields=update_fields)
    step = _record(
        actor=actor,
        supplier_id=subject.supplier_id,
        subject_label=subject_label % {"name": subject.name},
        action=action,
        from_status=previous,
        to_status=status,
        reason=reason,
        note=note,
        link=reverse("products:my_products"),
        **{subject_field: subject},
    )
    revoked = 0
    if action == Action.EXIT:
        revoked = _revoke_with_subject(
            actor=actor,
            subject_field=subject_field,
            subject=subject,
            reason=reason,
            note=note,
        )
    return StandingChange(step, revoked)


@transaction.atomic
def product_set_status(
    *, actor, product: Product, status: str, reason: str, note: str = "", disclosed: bool = False
) -> StandingChange:
    """The city office suspends, exits or relists a product (动态退出). Exiting is final and
    revokes the product's certificates, so it leaves the catalogue at once."""
    return _set_standing(
        actor=actor,
        subject=product,
        subject_field="product",
        subject_label=_("Product “%(name)s”"),
        moves=PRODUCT_MOVES,
        choices=Product.Status,
        update_fields=["status", "updated_at"],
        status=status,
        reason=reason,
        note=note,
        disclosed=disclosed,
    )


@transaction.atomic
def base_set_status(
    *, actor, base: SupplierBase, status: str, reason: str, note: str = "", disclosed: bool = False
) -> StandingChange:
    """The city office suspends, exits or reactivates a supplier base (供深基地). Exiting is
    final and revokes the base's certificates."""
    return _set_standing(
        actor=actor,
        subject=base,
        subject_field="base",
        subject_label=_("Base “%(name)s”"),
        moves=BASE_MOVES,
        choices=SupplierBase.Status,
        update_fields=["status"],
        status=status,
        reason=reason,
        note=note,
        disclosed=disclosed,
    )


def product_allowed_statuses(product: Product, user) -> list[str]:
    if not actor_of(user).is_city_office:
        return []
    return [target for target, (sources, _a) in PRODUCT_MOVES.items() if product.status in sources]


def base_allowed_statuses(base: SupplierBase, user) -> list[str]:
    if not actor_of(user).is_city_office:
        return []
    return [target for target, (sources, _a) in BASE_MOVES.items() if base.status in sources]
