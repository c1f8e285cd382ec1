"""The reviewers' side of certification: take an application under review, ask the supplier
for more material, record on-site evaluations against the scheme's checklist, and approve
(issuing a certificate numbered for the scheme and year) or reject with reasons.

Every step goes through the state machine of ``applications`` (``_move``), so the one table
of transitions rules the reviewers as it rules the suppliers.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.history import stamp
from portal.models import Role
from portal.roles import actor_of

from ..models import Certificate, CertificationApplication, CertificationScheme, Evaluation
from ..reference_data import CHECKLISTS
from .applications import (
    CERTIFICATE_PREFIX,
    ON_SITE_SCHEMES,
    Status,
    _locked,
    _move,
    _notify_supplier,
    _subject_name,
)
from .disclosure import disclosure_open


@transaction.atomic
def application_review(*, actor, application: CertificationApplication):
    """A reviewer takes a submitted application under review; the supplier is told."""
    application = _locked(application)
    _move(application, action="review", actor=actor, changes={"reviewer": actor})
    _notify_supplier(
        application,
        title=_("Your %(scheme)s application for “%(subject)s” is under review")
        % {"scheme": application.scheme.name, "subject": _subject_name(application)},
        body=_("A reviewer has taken up your application; you will hear of each next step."),
    )
    return application


@transaction.atomic
def application_return(*, actor, application: CertificationApplication, request: str):
    """The reviewer sends the application back to the supplier asking for more material; the
    supplier is told what is asked."""
    request = (request or "").strip()
    if not request:
        raise ValidationError({"comment": _("Say what material is missing.")})
    application = _move(_locked(application), action="return", actor=actor, comment=request)
    _notify_supplier(
        application,
        title=_("More material needed: your %(scheme)s application for “%(subject)s”")
        % {"scheme": application.scheme.name, "subject": _subject_name(application)},
        body=_("The reviewer asks: %(request)s") % {"request": request},
    )
    return application


def checklist_of(scheme_code: str) -> tuple[tuple[str, str, int], ...]:
    """The on-site checklist of a scheme: (item code, label, maximum points)."""
    return CHECKLISTS.get(scheme_code, ())


def _as_points(value) -> Decimal | None:
    try:
        points = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return points if points.is_finite() else None


def plain_points(value: Decimal) -> str:
    """20.00 → "20", 22.50 → "22.5": how a checklist score is stored and shown."""
    return f"{value.normalize():f}"


def _checklist_scores(scheme_code: str, items: dict) -> tuple[dict[str, str], Decimal]:
    """Check each item's points against the scheme's checklist (every item scored, each between
    0 and its maximum, no unknown item) and return them with their sum."""
    checklist = {code: (label, maximum) for code, label, maximum in checklist_of(scheme_code)}
    unknown = sorted(str(code) for code in items if code not in checklist)
    if unknown:
        raise ValidationError(
            {
                "items": _("Not on this scheme's checklist: %(codes)s.")
                % {"codes": ", ".join(unknown)}
            }
        )
    errors, scores, total = [], {}, Decimal(0)
    for code, (label, maximum) in checklist.items():
        if code not in items or items[code] in (None, ""):
            errors.append(_("Score “%(item)s”.") % {"item": label})
            continue
        points = _as_points(items[code])
        if points is None or not Decimal(0) <= points <= maximum or points != round(points, 2):
            errors.append(
                _("“%(item)s” takes between 0 and %(max)s points.")
                % {"item": label, "max": maximum}
            )
            continue
        scores[code] = plain_points(points)
        total += points
    if errors:
        raise ValidationError({"items": errors})
    return scores, total


@transaction.atomic
def evaluation_record(
    *,
    actor,
    application: CertificationApplication,
    evaluated_on: datetime.date,
    score: Decimal | None = None,
    findings: str = "",
    items: dict | None = None,
    as_of: datetime.date,
) -> Evaluation:
    """The reviewer records an on-site evaluation of an application under review: a score out
    of 100, or the points of each item of the scheme's checklist (``CHECKLISTS``, 《“圳品”评价
    规范》 and the bases' "四个统一"), whose sum is then the score."""
    application = _locked(application)
    if actor_of(actor).role != Role.REVIEWER:
        raise PermissionDenied(_("Your role may not take this step."))
    if application.status != Status.UNDER_REVIEW:
        raise ApplicationError(_("Only an application under review can be evaluated."))
    errors = {}
    if evaluated_on > as_of:
        errors["evaluated_on"] = _("The evaluation date is in the future.")
    scores: dict[str, str] = {}
    if items:
        try:
            scores, total = _checklist_scores(application.scheme_id, items)
        except ValidationError as error:
            errors.update(error.message_dict)
        else:
            if score is not None and Decimal(score) != total:
                errors["score"] = _(
                    "The score must be the sum of the checklist's points (%(total)s)."
                ) % {"total": plain_points(total)}
            score = total
    elif score is None or not Decimal(0) <= score <= Decimal(100):
        errors["score"] = _("The score is between 0 and 100.")
    if errors:
        raise ValidationError(errors)
    return Evaluation.objects.create(
        application=application,
        evaluated_on=evaluated_on,
        score=score,
        findings=findings,
        items=scores,
        evaluator=actor,
    )


def next_certificate_number(scheme: CertificationScheme, year: int) -> str:
    """RZ-2026-000124: the scheme's prefix, the year, and one more than the highest number of
    that scheme and year (numbers are zero-padded, so the highest sorts last)."""
    prefix = f"{CERTIFICATE_PREFIX[scheme.code]}-{year}-"
    last = (
        Certificate.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    serial = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{serial:06d}"


@transaction.atomic
def application_decide(
    *,
    actor,
    application: CertificationApplication,
    decision: str,
    comment: str = "",
    as_of: datetime.date,
) -> Certificate | None:
    """Approve (issuing a certificate in public disclosure, valid for the scheme's months once
    the disclosure takes effect) or reject (with reasons) an application under review. 圳品
    and base certification need an on-site evaluation."""
    application = _locked(application)
    if decision not in ("approve", "reject"):
        raise ValidationError({"decision": _("Decide “approve” or “reject”.")})
    comment = (comment or "").strip()
    if decision == "reject" and not comment:
        raise ValidationError({"comment": _("Give the reasons for the rejection.")})
    if (
        decision == "approve"
        and application.scheme_id in ON_SITE_SCHEMES
        and actor_of(actor).role == Role.REVIEWER
        and application.status == Status.UNDER_REVIEW
        and not application.evaluations.exists()
    ):
        raise ApplicationError(_("Record the on-site evaluation before approving."))
    _move(
        application,
        action=decision,
        actor=actor,
        comment=comment,
        changes={"decided_at": timezone.now(), "decision_comment": comment},
    )
    values = {"scheme": application.scheme.name, "subject": _subject_name(application)}
    if decision == "reject":
        _notify_supplier(
            application,
            title=_("Your %(scheme)s application for “%(subject)s” is rejected") % values,
            body=_("The reasons: %(reasons)s") % {"reasons": comment},
        )
        return None
    # One number at a time per scheme: lock the scheme row while the next number is taken.
    scheme = CertificationScheme.objects.select_for_update().get(pk=application.scheme_id)
    # Issued now, numbered and publicly disclosed (公示); valid once the disclosure takes effect
    # (its period then sets the validity: products.services.disclosure).
    certificate = Certificate(
        number=next_certificate_number(scheme, as_of.year),
        scheme=scheme,
        supplier_id=application.supplier_id,
        product_id=application.product_id,
        base_id=application.base_id,
        application=application,
        renews_id=application.renews_id,
        status=Certificate.Status.PENDING,
    )
    # Provisional: the disclosure's effect sets the period from the day it takes effect.
    certificate.valid_from, certificate.valid_until = scheme.validity_from(as_of)
    stamp(
        certificate,
        actor=actor,
        reason=_("Issued on application #%(number)s") % {"number": application.pk},
    )
    certificate.save()
    disclosure = disclosure_open(
        kind="certification",
        actor=actor,
        as_of=as_of,
        summary=comment,
        application=application,
        certificate=certificate,
    )
    _notify_supplier(
        application,
        title=_("Approved: your %(scheme)s application for “%(subject)s”") % values,
        body=_(
            "Certificate %(number)s is in public disclosure until %(end)s and takes effect "
            "after it, unless an objection is upheld."
        )
        % {"number": certificate.number, "end": disclosure.ends_on.isoformat()},
    )
    return certificate
