"""Public disclosure (公示): results are published for a set number of working days before they
take effect, and anyone may object meanwhile.

- A certification approval issues its certificate in status ``pending``; the certificate is
  valid once the disclosure takes effect, revoked if an objection is upheld.
- An exit decided by the city office (revoking a certificate, exiting a product or a base), or a
  base's report that it no longer qualifies, takes effect through the existing dynamic-exit
  services; an upheld objection leaves the subject as it was.
- A monitoring result stands; an upheld objection annuls it and dismisses its open proposal.
- A base evaluation's result is published (``base_evaluation``), or goes back to result review.

Open disclosures whose period has ended with no objection pending take effect in the nightly
job (``products.disclosures_daily``); an objection dismissed after the period lets its disclosure
take effect at once. Every step writes the disclosure's history and tells those concerned.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.history import stamp
from portal.models import Role
from portal.notifications import members_of, members_with_role, notify
from portal.roles import actor_of
from portal.workdays import add_working_days

from ..disclosure_selectors import disclosure_subject
from ..models import (
    Certificate,
    Disclosure,
    MonitoringRecord,
    Objection,
    Product,
    SupplierBase,
)
from . import oversight

Kind = Disclosure.Kind
Status = Disclosure.Status
Removal = Disclosure.Removal

# 5 working days: the period the city's notices (认定结果公示, 退出公示) usually run.
DEFAULT_WORKING_DAYS = 5
MAX_WORKING_DAYS = 30

OBJECTION_TEXT_MAX = 2000


def disclosure_link(disclosure: Disclosure) -> str:
    return reverse("products:disclosure_detail", args=[disclosure.pk])


def subject_name(disclosure: Disclosure) -> str:
    """The name the public reads: the product's or base's (or the certificate's subject's)."""
    subject, _certificate = disclosure_subject(disclosure)
    return subject.name if subject is not None else ""


def _notify_supplier(disclosure: Disclosure, *, title: str, body: str = "") -> None:
    subject, _certificate = disclosure_subject(disclosure)
    if subject is not None:
        notify(
            recipients=members_of(subject.supplier_id),
            title=title,
            body=body,
            link=disclosure_link(disclosure),
        )


@transaction.atomic
def disclosure_open(
    *,
    kind: str,
    actor,
    as_of: datetime.date,
    summary: str = "",
    working_days: int = DEFAULT_WORKING_DAYS,
    self_reported: bool = False,
    removal: str = "",
    reason: str = "",
    **subject,
) -> Disclosure:
    """Publish a result for ``working_days`` working days from ``as_of``. The caller (the
    approval, the exit decision, the monitoring record, the evaluation's publication) has
    checked the actor's right to decide; this checks the notice itself."""
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Unknown kind of disclosure.")})
    if not 1 <= working_days <= MAX_WORKING_DAYS:
        raise ValidationError(
            {
                "working_days": _("The period is between 1 and %(max)s working days.")
                % {"max": MAX_WORKING_DAYS}
            }
        )
    disclosure = Disclosure(
        kind=kind,
        summary=(summary or "").strip(),
        self_reported=self_reported,
        removal=removal,
        reason=reason,
        starts_on=as_of,
        ends_on=add_working_days(as_of, working_days),
        working_days=working_days,
        opened_by=actor,
        **subject,
    )
    disclosure.full_clean(exclude=["opened_by"])
    stamp(disclosure, actor=actor, reason=_("Published for public disclosure"))
    disclosure.save()
    if kind != Kind.CERTIFICATION:  # the approval's own message says it already
        _notify_supplier(
            disclosure,
            title=_("In public disclosure until %(date)s: %(kind)s, “%(subject)s”")
            % {
                "date": disclosure.ends_on.isoformat(),
                "kind": disclosure.get_kind_display(),
                "subject": subject_name(disclosure),
            },
            body=_("It takes effect after the period unless an objection is upheld."),
        )
    return disclosure


def _exit_subject(subject) -> tuple[dict, str]:
    if isinstance(subject, Certificate):
        if subject.status not in oversight.LIVE_CERTIFICATE_STATUSES:
            raise ApplicationError(
                _("Certificate %(number)s is “%(status)s”: it cannot be revoked.")
                % {"number": subject.number, "status": subject.get_status_display()}
            )
        return {"certificate": subject}, Removal.REVOKE
    if isinstance(subject, Product | SupplierBase):
        if subject.status == "exited":
            raise ApplicationError(_("“%(name)s” has already exited.") % {"name": subject.name})
        field = "product" if isinstance(subject, Product) else "base"
        return {field: subject}, Removal.EXIT
    raise TypeError(f"cannot exit {subject!r}")


@transaction.atomic
def exit_disclose(
    *,
    actor,
    subject: Certificate | Product | SupplierBase,
    reason: str,
    note: str,
    as_of: datetime.date,
    self_reported: bool = False,
) -> Disclosure:
    """The city office decides to revoke a certificate or exit a product or base (动态退出), or
    a supplier reports that its base no longer qualifies: the decision is disclosed first and
    takes effect when the period ends."""
    who = actor_of(actor)
    if self_reported:
        if not isinstance(subject, SupplierBase) or (
            who.role != Role.SUPPLIER or who.organisation_id != subject.supplier_id
        ):
            raise PermissionDenied(_("Only the base's own supplier may report it."))
    else:
        oversight.require_city_office(actor)
    note = oversight._clean_reason(reason, note)
    if self_reported and not note:
        raise ValidationError({"note": _("Say why the base no longer qualifies.")})
    subject = type(subject).objects.select_for_update().get(pk=subject.pk)
    fields, removal = _exit_subject(subject)
    already = Disclosure.objects.filter(kind=Kind.EXIT, status=Status.OPEN, **fields)
    if already.exists():
        raise ApplicationError(
            _("An exit of “%(name)s” is already in public disclosure.")
            % {"name": getattr(subject, "name", str(subject))}
        )
    disclosure = disclosure_open(
        kind=Kind.EXIT,
        actor=actor,
        as_of=as_of,
        summary=note,
        self_reported=self_reported,
        removal=removal,
        reason=reason,
        **fields,
    )
    if self_reported:
        notify(
            recipients=members_with_role(Role.CITY_OFFICE),
            title=_("A base reports that it no longer qualifies: “%(name)s”")
            % {"name": subject.name},
            body=note,
            link=disclosure_link(disclosure),
        )
    return disclosure


# -- objections ------------------------------------------------------------------------------


@transaction.atomic
def objection_submit(
    *, disclosure: Disclosure, name: str, contact: str, text: str, as_of: datetime.date
) -> Objection:
    """Anyone objects to a disclosure during its period (异议); the city office is told."""
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    if disclosure.status != Status.OPEN or as_of > disclosure.ends_on:
        raise ApplicationError(_("The disclosure period has ended: objections are closed."))
    if as_of < disclosure.starts_on:
        raise ApplicationError(_("The disclosure has not started yet."))
    name, contact, text = (name or "").strip(), (contact or "").strip(), (text or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give your name.")
    if not contact:
        errors["contact"] = _("Give a phone number or e-mail address to reach you.")
    if not text:
        errors["text"] = _("Say what you object to and why.")
    elif len(text) > OBJECTION_TEXT_MAX:
        errors["text"] = _("Keep the objection under %(max)s characters.") % {
            "max": OBJECTION_TEXT_MAX
        }
    if errors:
        raise ValidationError(errors)
    objection = Objection(disclosure=disclosure, name=name, contact=contact, text=text)
    objection.full_clean()
    objection.save()
    notify(
        recipients=members_with_role(Role.CITY_OFFICE),
        title=_("Objection to a disclosure: “%(subject)s”") % {"subject": subject_name(disclosure)},
        body=text[:200],
        link=reverse("products:objection_detail", args=[objection.pk]),
    )
    return objection


@transaction.atomic
def objection_decide(
    *, actor, objection: Objection, decision: str, note: str, as_of: datetime.date
) -> Objection:
    """The city office upholds an objection (the disclosure is withdrawn and does not take
    effect) or dismisses it (the disclosure goes on; past its period, it takes effect now)."""
    oversight.require_city_office(actor)
    if decision not in ("uphold", "dismiss"):
        raise ValidationError({"decision": _("Uphold or dismiss the objection.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Give the reasons for the decision.")})
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.status != Objection.Status.PENDING:
        raise ApplicationError(_("This objection has already been decided."))
    disclosure = Disclosure.objects.select_for_update().get(pk=objection.disclosure_id)
    objection.status = (
        Objection.Status.UPHELD if decision == "uphold" else Objection.Status.DISMISSED
    )
    objection.decision_note = note
    objection.decided_by = actor
    objection.decided_at = timezone.now()
    stamp(objection, actor=actor, reason=objection.get_status_display())
    objection.save()
    if disclosure.status != Status.OPEN:
        return objection
    if objection.status == Objection.Status.UPHELD:
        _withdraw(disclosure, actor=actor, note=note, as_of=as_of)
    elif disclosure.ends_on < as_of and not _pending(disclosure).exists():
        _take_effect(disclosure, actor=actor, as_of=as_of)
    return objection


def _pending(disclosure: Disclosure):
    return Objection.objects.filter(disclosure=disclosure, status=Objection.Status.PENDING)


# -- taking effect ---------------------------------------------------------------------------


def _certification_effect(disclosure: Disclosure, *, actor, as_of: datetime.date) -> None:
    certificate = Certificate.objects.select_for_update().get(pk=disclosure.certificate_id)
    if certificate.status != Certificate.Status.PENDING:
        return
    start = as_of
    if certificate.renews_id:
        start = max(start, certificate.renews.valid_until + datetime.timedelta(days=1))
    certificate.status = Certificate.Status.VALID
    certificate.valid_from, certificate.valid_until = certificate.scheme.validity_from(start)
    stamp(certificate, actor=actor, reason=_("In effect after public disclosure"))
    certificate.save()
    _notify_supplier(
        disclosure,
        title=_("Certificate %(number)s is in effect") % {"number": certificate.number},
        body=_("Valid from %(start)s to %(end)s.")
        % {"start": certificate.valid_from.isoformat(), "end": certificate.valid_until.isoformat()},
    )


def _certification_withdrawn(disclosure: Disclosure, *, actor, note: str) -> None:
    certificate = Certificate.objects.select_for_update().get(pk=disclosure.certificate_id)
    if certificate.status != Certificate.Status.PENDING:
        return
    certificate.status = Certificate.Status.REVOKED
    stamp(certificate, actor=actor, reason=_("Withdrawn after an upheld objection"))
    certificate.save()


def _exit_effect(disclosure: Disclosure, *, actor, as_of: datetime.date) -> None:
    values = {
        "actor": disclosure.opened_by,
        "reason": disclosure.reason,
        "note": disclosure.summary,
        "disclosed": True,
    }
    if disclosure.certificate_id:
        certificate = disclosure.certificate
        if certificate.status in oversight.LIVE_CERTIFICATE_STATUSES:
            oversight.certificate_revoke(certificate=certificate, **values)
    elif disclosure.product_id:
        if disclosure.product.status != Product.Status.EXITED:
            oversight.product_set_status(
                product=disclosure.product, status=Product.Status.EXITED, **values
            )
    elif disclosure.base.status != SupplierBase.Status.EXITED:
        oversight.base_set_status(base=disclosure.base, status=SupplierBase.Status.EXITED, **values)


def _monitoring_withdrawn(disclosure: Disclosure, *, actor, note: str) -> None:
    record = MonitoringRecord.objects.select_for_update().get(pk=disclosure.monitoring_record_id)
    record.annulled = True
    changed = ["annulled"]
    if record.proposal == MonitoringRecord.Proposal.OPEN:
        record.proposal = MonitoringRecord.Proposal.DISMISSED
        record.proposal_note = note
        record.handled_by = actor
        record.handled_at = timezone.now()
        changed += ["proposal", "proposal_note", "handled_by", "handled_at"]
    record.save(update_fields=changed)


def _take_effect(disclosure: Disclosure, *, actor, as_of: datetime.date) -> None:
    if disclosure.kind == Kind.CERTIFICATION:
        _certification_effect(disclosure, actor=actor, as_of=as_of)
    elif disclosure.kind == Kind.EXIT:
        _exit_effect(disclosure, actor=actor, as_of=as_of)
    elif disclosure.kind == Kind.BASE_EVALUATION:
        from .base_evaluation import evaluation_disclosure_effect

        evaluation_disclosure_effect(disclosure.base_evaluation, as_of=as_of)
    disclosure.status = Status.EFFECTIVE
    disclosure.closed_at = timezone.now()
    stamp(disclosure, actor=actor, reason=_("In effect after public disclosure"))
    disclosure.save()
    if disclosure.kind != Kind.CERTIFICATION:
        _notify_supplier(
            disclosure,
            title=_("In effect after public disclosure: %(kind)s, “%(subject)s”")
            % {"kind": disclosure.get_kind_display(), "subject": subject_name(disclosure)},
        )


def _withdraw(disclosure: Disclosure, *, actor, note: str, as_of: datetime.date) -> None:
    if disclosure.kind == Kind.CERTIFICATION:
        _certification_withdrawn(disclosure, actor=actor, note=note)
    elif disclosure.kind == Kind.MONITORING:
        _monitoring_withdrawn(disclosure, actor=actor, note=note)
    elif disclosure.kind == Kind.BASE_EVALUATION:
        from .base_evaluation import evaluation_disclosure_withdrawn

        evaluation_disclosure_withdrawn(disclosure.base_evaluation, note=note, as_of=as_of)
    disclosure.status = Status.WITHDRAWN
    disclosure.closed_at = timezone.now()
    stamp(disclosure, actor=actor, reason=_("Withdrawn after an upheld objection"))
    disclosure.save()
    _notify_supplier(
        disclosure,
        title=_("Withdrawn after an objection: %(kind)s, “%(subject)s”")
        % {"kind": disclosure.get_kind_display(), "subject": subject_name(disclosure)},
        body=note,
    )


def disclosures_due(*, as_of: datetime.date):
    """Open disclosures whose period ended before ``as_of`` with no objection pending."""
    pending = Objection.objects.filter(disclosure=OuterRef("pk"), status=Objection.Status.PENDING)
    return Disclosure.objects.filter(status=Status.OPEN, ends_on__lt=as_of).exclude(Exists(pending))


def disclosures_settle(*, as_of: datetime.date) -> dict:
    """The nightly step: every disclosure whose period has passed unopposed takes effect, each
    in its own transaction, so those done stay done if a later one fails. Idempotent."""
    ids = list(disclosures_due(as_of=as_of).order_by("ends_on", "pk").values_list("pk", flat=True))
    effective = 0
    for pk in ids:
        with transaction.atomic():
            disclosure = (
                Disclosure.objects.select_for_update(of=("self",))
                .select_related(
                    "application",
                    "certificate",
                    "product",
                    "base",
                    "monitoring_record",
                    "base_evaluation__base",
                    "opened_by",
                )
                .get(pk=pk)
            )
            if disclosure.status != Status.OPEN or _pending(disclosure).exists():
                continue
            _take_effect(disclosure, actor=None, as_of=as_of)
            effective += 1
    return {"as_of": as_of.isoformat(), "effective": effective}
