"""Business actions of certification: a supplier drafts, documents, submits and withdraws an
application; a reviewer takes it under review, records on-site evaluations, returns it for
more material, and approves (issuing a certificate) or rejects it.

Every change of an application's status goes through ``_move``, which checks the one table
of allowed transitions and writes the step (who, when, from, to, comment) in the same
transaction.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError
from portal.models import Role
from portal.roles import actor_of
from portal.uploads import inspect_upload

from ..models import (
    ApplicationDocument,
    ApplicationEvent,
    Certificate,
    CertificationApplication,
    CertificationScheme,
    Evaluation,
    Product,
    Supplier,
    SupplierBase,
)

Status = CertificationApplication.Status

# The application's life, in one table: action → (statuses it starts from, status it leads to,
# roles that may take it). Approved, rejected and withdrawn are final: a new attempt is a new
# application.
TRANSITIONS: dict[str, tuple[frozenset[str], str, frozenset[Role]]] = {
    "submit": (
        frozenset({Status.DRAFT, Status.RETURNED}),
        Status.SUBMITTED,
        frozenset({Role.SUPPLIER}),
    ),
    "withdraw": (
        frozenset({Status.DRAFT, Status.SUBMITTED, Status.RETURNED}),
        Status.WITHDRAWN,
        frozenset({Role.SUPPLIER}),
    ),
    "review": (frozenset({Status.SUBMITTED}), Status.UNDER_REVIEW, frozenset({Role.REVIEWER})),
    "return": (frozenset({Status.UNDER_REVIEW}), Status.RETURNED, frozenset({Role.REVIEWER})),
    "approve": (frozenset({Status.UNDER_REVIEW}), Status.APPROVED, frozenset({Role.REVIEWER})),
    "reject": (frozenset({Status.UNDER_REVIEW}), Status.REJECTED, frozenset({Role.REVIEWER})),
}
OPEN_STATUSES = frozenset({Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW, Status.RETURNED})
# Schemes whose standard is checked on site (圳品, bases): no approval without an evaluation.
ON_SITE_SCHEMES = frozenset({CertificationScheme.Code.SZP, CertificationScheme.Code.BASE})
CERTIFICATE_PREFIX = {
    CertificationScheme.Code.RECOGNITION: "RZ",
    CertificationScheme.Code.SZP: "SZP",
    CertificationScheme.Code.BASE: "JD",
}


def allowed_actions(application: CertificationApplication, user) -> list[str]:
    """The actions ``user`` may take on the application now (for buttons and the API)."""
    role = actor_of(user).role
    return [
        action
        for action, (sources, _target, roles) in TRANSITIONS.items()
        if application.status in sources and role in roles
    ]


def _move(
    application: CertificationApplication, *, action: str, actor, comment: str = ""
) -> CertificationApplication:
    sources, target, roles = TRANSITIONS[action]
    if actor_of(actor).role not in roles:
        raise PermissionDenied(_("Your role may not take this step."))
    if application.status not in sources:
        raise ApplicationError(
            _("An application that is “%(status)s” cannot be %(action)s.")
            % {"status": application.get_status_display(), "action": _action_label(action)}
        )
    previous = application.status
    application.status = target
    application.save()
    ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=previous,
        to_status=target,
        actor=actor,
        at=timezone.now(),
        comment=comment,
    )
    return application


def _action_label(action: str) -> str:
    return {
        "submit": _("submitted"),
        "withdraw": _("withdrawn"),
        "review": _("taken under review"),
        "return": _("returned for more material"),
        "approve": _("approved"),
        "reject": _("rejected"),
    }[action]


def _own_supplier(actor, supplier: Supplier) -> None:
    who = actor_of(actor)
    if who.role != Role.SUPPLIER or who.organisation_id != supplier.pk:
        raise PermissionDenied(_("Only the supplier itself may do this."))


def _locked(application: CertificationApplication) -> CertificationApplication:
    return CertificationApplication.objects.select_for_update().get(pk=application.pk)


@transaction.atomic
def application_create(
    *,
    actor,
    supplier: Supplier,
    scheme: CertificationScheme,
    product: Product | None = None,
    base: SupplierBase | None = None,
    standard_claimed: str = "",
    poverty_link: str = "",
    households: int = 0,
) -> CertificationApplication:
    """A supplier drafts an application for one of its own products or bases; one open
    application per subject and scheme at a time."""
    _own_supplier(actor, supplier)
    wants_base = scheme.subject == CertificationScheme.Subject.BASE
    subject = base if wants_base else product
    if subject is None or (base if not wants_base else product) is not None:
        field = "base" if wants_base else "product"
        raise ValidationError(
            {
                field: _("The scheme “%(scheme)s” certifies a %(subject)s: choose one of yours.")
                % {"scheme": scheme.name, "subject": scheme.get_subject_display()}
            }
        )
    if subject.supplier_id != supplier.pk:
        raise PermissionDenied(_("Only the supplier itself may do this."))
    if households < 0:
        raise ValidationError({"households": _("The number may not be negative.")})
    open_one = CertificationApplication.objects.filter(
        scheme=scheme,
        status__in=OPEN_STATUSES,
        **({"base": base} if wants_base else {"product": product}),
    )
    if open_one.exists():
        raise ApplicationError(
            _("“%(subject)s” already has an open %(scheme)s application.")
            % {"subject": subject.name, "scheme": scheme.name}
        )
    application = CertificationApplication.objects.create(
        supplier=supplier,
        scheme=scheme,
        product=None if wants_base else product,
        base=base if wants_base else None,
        standard_claimed=standard_claimed,
        poverty_link=poverty_link,
        households=households,
        created_by=actor,
    )
    ApplicationEvent.objects.create(
        application=application,
        action="create",
        to_status=Status.DRAFT,
        actor=actor,
        at=timezone.now(),
    )
    return application


@transaction.atomic
def application_document_add(
    *, actor, application: CertificationApplication, kind: str, file: UploadedFile
) -> ApplicationDocument:
    """The supplier attaches a document (PDF/JPG/PNG, checked by content and size) to an
    application it is preparing or completing."""
    application = _locked(application)
    _own_supplier(actor, application.supplier)
    if application.status not in (Status.DRAFT, Status.RETURNED):
        raise ApplicationError(
            _(
                "Documents can be added to a draft or to an application "
                "returned for more material only."
            )
        )
    if kind not in ApplicationDocument.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of document.")})
    facts = inspect_upload(file, field="file")
    return ApplicationDocument.objects.create(
        application=application, kind=kind, file=file, uploaded_by=actor, **facts.as_fields()
    )


@transaction.atomic
def application_submit(*, actor, application: CertificationApplication):
    """Submit a draft, or resubmit an application returned for more material, with at least
    one document (the business licence or a test report)."""
    application = _locked(application)
    _own_supplier(actor, application.supplier)
    if application.status in TRANSITIONS["submit"][0] and not application.documents.exists():
        raise ApplicationError(_("Attach at least one document before submitting."))
    _move(application, action="submit", actor=actor)
    application.submitted_at = timezone.now()
    application.save(update_fields=["submitted_at"])
    return application


@transaction.atomic
def application_withdraw(*, actor, application: CertificationApplication):
    """The supplier withdraws its application before a reviewer takes it up."""
    application = _locked(application)
    _own_supplier(actor, application.supplier)
    return _move(application, action="withdraw", actor=actor)


@transaction.atomic
def application_review(*, actor, application: CertificationApplication):
    """A reviewer takes a submitted application under review."""
    application = _locked(application)
    _move(application, action="review", actor=actor)
    application.reviewer = actor
    application.save(update_fields=["reviewer"])
    return application


@transaction.atomic
def application_return(*, actor, application: CertificationApplication, request: str):
    """The reviewer sends the application back to the supplier asking for more material."""
    request = (request or "").strip()
    if not request:
        raise ValidationError({"comment": _("Say what material is missing.")})
    return _move(_locked(application), action="return", actor=actor, comment=request)


@transaction.atomic
def evaluation_record(
    *,
    actor,
    application: CertificationApplication,
    evaluated_on: datetime.date,
    score: Decimal,
    findings: str = "",
    as_of: datetime.date,
) -> Evaluation:
    """The reviewer records an on-site evaluation of an application under review."""
    application = _locked(application)
    if actor_of(actor).role != Role.REVIEWER:
        raise PermissionDenied(_("Your role may not take this step."))
    if application.status != Status.UNDER_REVIEW:
        raise ApplicationError(_("Only an application under review can be evaluated."))
    errors = {}
    if evaluated_on > as_of:
        errors["evaluated_on"] = _("The evaluation date is in the future.")
    if score is None or not Decimal(0) <= score <= Decimal(100):
        errors["score"] = _("The score is between 0 and 100.")
    if errors:
        raise ValidationError(errors)
    return Evaluation.objects.create(
        application=application,
        evaluated_on=evaluated_on,
        score=score,
        findings=findings,
        evaluator=actor,
    )


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
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
    """Approve (issuing a certificate valid for the scheme's months) or reject (with reasons)
    an application under review. 圳品 and base certification need an on-site evaluation."""
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
    _move(application, action=decision, actor=actor, comment=comment)
    application.decided_at = timezone.now()
    application.decision_comment = comment
    application.save(update_fields=["decided_at", "decision_comment"])
    if decision == "reject":
        return None
    # One number at a time per scheme: lock the scheme row while the next number is taken.
    scheme = CertificationScheme.objects.select_for_update().get(pk=application.scheme_id)
    return Certificate.objects.create(
        number=next_certificate_number(scheme, as_of.year),
        scheme=scheme,
        supplier_id=application.supplier_id,
        product_id=application.product_id,
        base_id=application.base_id,
        application=application,
        valid_from=as_of,
        valid_until=add_months(as_of, scheme.validity_months) - datetime.timedelta(days=1),
    )
