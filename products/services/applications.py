"""The application's life and the supplier's side of it: a supplier drafts, submits and
withdraws an application against the requirements of its scheme. Its documents are added and
removed in ``application_documents``; the reviewers' steps (review, return, evaluate, decide)
are in ``review``.

Every change of an application's status goes through ``_move``, which checks the one table
of allowed transitions and writes the step (who, when, from, to, comment) in the same
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.errors import ApplicationError
from portal.history import stamp
from portal.models import Role
from portal.notifications import members_of, members_with_role, notify
from portal.roles import actor_of

from ..models import (
    ApplicationDocument,
    ApplicationEvent,
    Certificate,
    CertificationApplication,
    CertificationScheme,
    Product,
    Supplier,
    SupplierBase,
)

Status = CertificationApplication.Status
Kind = ApplicationDocument.Kind

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
# The name of each recorded step, as the application's timeline and its change history show it.
STEP_NAMES = {
    "create": gettext_lazy("Draft created"),
    "edit": gettext_lazy("Application details changed"),
    "submit": gettext_lazy("Submitted"),
    "withdraw": gettext_lazy("Withdrawn"),
    "review": gettext_lazy("Taken under review"),
    "return": gettext_lazy("Returned for more material"),
    "approve": gettext_lazy("Approved"),
    "reject": gettext_lazy("Rejected"),
}
OPEN_STATUSES = frozenset({Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW, Status.RETURNED})
# A certificate in these statuses still certifies its subject (or is about to, in public
# disclosure, or may again, once reinstated): the subject renews it rather than applying anew.
LIVE_CERTIFICATE_STATUSES = frozenset(
    {Certificate.Status.PENDING, Certificate.Status.VALID, Certificate.Status.SUSPENDED}
)
# The supplier may change its application's facts and documents only while it holds it.
EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.RETURNED})
# Schemes whose standard is checked on site (圳品, bases): no approval without an evaluation.
ON_SITE_SCHEMES = frozenset({CertificationScheme.Code.SZP, CertificationScheme.Code.BASE})
CERTIFICATE_PREFIX = {
    CertificationScheme.Code.RECOGNITION: "RZ",
    CertificationScheme.Code.SZP: "SZP",
    CertificationScheme.Code.BASE: "JD",
}


# What each scheme needs before an application may be submitted: the facts it must state and
# the documents it must carry. 帮扶产品认定 rests on the product's link to poor households
# (联农带贫) and on a registered business; 圳品 is judged against the standard claimed, backed by
# a quality test report; 基地认定 against the standard the base keeps, for a registered business.
REQUIREMENTS: dict[str, tuple[str, ...]] = {
    CertificationScheme.Code.RECOGNITION: ("poverty_link", "households", Kind.LICENCE),
    CertificationScheme.Code.SZP: ("standard_claimed", Kind.TEST_REPORT),
    CertificationScheme.Code.BASE: ("standard_claimed", Kind.LICENCE),
}
REQUIREMENT_LABELS = {
    "poverty_link": gettext_lazy("how the product lifts poor households"),
    "households": gettext_lazy("the number of households linked (more than 0)"),
    "standard_claimed": gettext_lazy("the standard claimed"),
    Kind.LICENCE: gettext_lazy("a business licence document"),
    Kind.TEST_REPORT: gettext_lazy("a quality test report document"),
}
DOCUMENT_REQUIREMENTS = frozenset({Kind.LICENCE, Kind.TEST_REPORT})


@dataclass(frozen=True)
class RequirementCheck:
    code: str
    label: str
    is_document: bool
    met: bool


def requirement_checks(
    application: CertificationApplication, *, document_kinds: set[str] | None = None
) -> list[RequirementCheck]:
    """Each requirement of the application's scheme, met or not. ``document_kinds`` spares a
    query when the caller has the documents in hand."""
    if document_kinds is None:
        document_kinds = set(application.documents.values_list("kind", flat=True))
    checks = []
    for code in REQUIREMENTS[application.scheme_id]:
        if code in DOCUMENT_REQUIREMENTS:
            met = code in document_kinds
        elif code == "households":
            met = (application.households or 0) > 0
        else:
            met = bool((getattr(application, code) or "").strip())
        checks.append(
            RequirementCheck(
                code=code,
                label=str(REQUIREMENT_LABELS[code]),
                is_document=code in DOCUMENT_REQUIREMENTS,
                met=met,
            )
        )
    return checks


def missing_requirements(
    application: CertificationApplication, *, document_kinds: set[str] | None = None
) -> list[str]:
    """The labels of what the scheme still needs, in the table's order (empty when complete)."""
    return [
        check.label
        for check in requirement_checks(application, document_kinds=document_kinds)
        if not check.met
    ]


def application_link(application: CertificationApplication) -> str:
    return reverse("products:application_detail", args=[application.pk])


def _subject_name(application: CertificationApplication) -> str:
    subject = application.product if application.product_id else application.base
    return subject.name if subject is not None else ""


def _notify_supplier(application: CertificationApplication, *, title: str, body: str = "") -> None:
    notify(
        recipients=members_of(application.supplier_id),
        title=title,
        body=body,
        link=application_link(application),
    )


def allowed_actions(application: CertificationApplication, user) -> list[str]:
    """The actions ``user`` may take on the application now (for buttons and the API)."""
    role = actor_of(user).role
    return [
        action
        for action, (sources, _target, roles) in TRANSITIONS.items()
        if application.status in sources and role in roles
    ]


def _move(
    application: CertificationApplication,
    *,
    action: str,
    actor,
    comment: str = "",
    changes: dict | None = None,
) -> CertificationApplication:
    """Take the step: the new status and the fields the step sets with it (``changes``: the
    reviewer, the decision's time and reasons, ...) in one save, so one history row names the
    step, its actor and everything it changed."""
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
    for name, value in (changes or {}).items():
        setattr(application, name, value)
    stamp(application, actor=actor, reason=STEP_NAMES[action])
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


def _check_facts(*, households: int) -> None:
    if households is None or households < 0:
        raise ValidationError({"households": _("The number may not be negative.")})


def _check_subject_open(subject: Product | SupplierBase) -> None:
    """Only a product still listed, or a base still active, can be certified: one suspended or
    exited under dynamic exit (动态退出) must be reinstated first."""
    if isinstance(subject, Product):
        if subject.status != Product.Status.LISTED:
            raise ValidationError(
                {
                    "product": _("“%(name)s” is not listed (%(status)s): it cannot apply.")
                    % {"name": subject.name, "status": subject.get_status_display()}
                }
            )
    elif subject.status != SupplierBase.Status.ACTIVE:
        raise ValidationError(
            {
                "base": _("“%(name)s” is not active (%(status)s): it cannot apply.")
                % {"name": subject.name, "status": subject.get_status_display()}
            }
        )


def _subject_filter(subject: Product | SupplierBase) -> dict:
    return {"product": subject} if isinstance(subject, Product) else {"base": subject}


def check_may_apply(
    *,
    subject: Product | SupplierBase,
    scheme: CertificationScheme,
    renewing: Certificate | None = None,
) -> None:
    """One open application per subject and scheme at a time, and none while the subject holds
    a live certificate of the scheme (pending, valid or suspended): that certificate is renewed
    from its own page (``products.services.renewal``). ``renewing`` is the certificate a
    renewal renews, which does not stand in its own way; a second open renewal does."""
    values = {"subject": subject.name, "scheme": scheme.name}
    open_one = CertificationApplication.objects.filter(
        scheme=scheme, status__in=OPEN_STATUSES, **_subject_filter(subject)
    )
    if open_one.exists():
        raise ApplicationError(
            _("“%(subject)s” already has an open %(scheme)s application.") % values
        )
    held = Certificate.objects.filter(
        scheme=scheme, status__in=LIVE_CERTIFICATE_STATUSES, **_subject_filter(subject)
    )
    if renewing is not None:
        held = held.exclude(pk=renewing.pk)
    certificate = held.order_by("-valid_until").first()
    if certificate is not None:
        raise ApplicationError(
            _(
                "“%(subject)s” already holds %(scheme)s certificate %(number)s (%(status)s): "
                "renew that certificate from its page instead of applying anew."
            )
            % {**values, "number": certificate.number, "status": certificate.get_status_display()}
        )


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
    """A supplier drafts an application for one of its own listed products or active bases;
    one open application per subject and scheme at a time, and none for a subject that holds
    a live certificate of the scheme (``check_may_apply``: renewal is its own path). A draft
    may still lack what the scheme needs (``REQUIREMENTS``): that is checked on submission. A
    supplier not yet active may prepare drafts."""
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
    _check_subject_open(subject)
    _check_facts(households=households)
    check_may_apply(subject=subject, scheme=scheme)
    application = CertificationApplication(
        supplier=supplier,
        scheme=scheme,
        product=None if wants_base else product,
        base=base if wants_base else None,
        standard_claimed=standard_claimed,
        poverty_link=poverty_link,
        households=households,
        created_by=actor,
    )
    stamp(application, actor=actor, reason=STEP_NAMES["create"])
    application.save()
    ApplicationEvent.objects.create(
        application=application,
        action="create",
        to_status=Status.DRAFT,
        actor=actor,
        at=timezone.now(),
    )
    return application


@transaction.atomic
def application_update(
    *,
    actor,
    application: CertificationApplication,
    standard_claimed: str,
    poverty_link: str,
    households: int,
) -> CertificationApplication:
    """The supplier corrects or completes its application while it holds it (a draft, or one
    returned for more material). The subject (product or base) and scheme stay: another
    subject is another application."""
    application = _locked(application)
    _own_supplier(actor, application.supplier)
    if application.status not in EDITABLE_STATUSES:
        raise ApplicationError(
            _("An application that is “%(status)s” can no longer be changed.")
            % {"status": application.get_status_display()}
        )
    _check_facts(households=households)
    values = {
        "standard_claimed": (standard_claimed or "").strip(),
        "poverty_link": (poverty_link or "").strip(),
        "households": households,
    }
    changed = [name for name, value in values.items() if getattr(application, name) != value]
    if not changed:
        return application
    for name, value in values.items():
        setattr(application, name, value)
    application.full_clean()
    stamp(application, actor=actor, reason=STEP_NAMES["edit"])
    application.save(update_fields=changed)
    ApplicationEvent.objects.create(
        application=application,
        action="edit",
        from_status=application.status,
        to_status=application.status,
        actor=actor,
        at=timezone.now(),
    )
    return application


def _check_renewable_still(application: CertificationApplication) -> None:
    """A renewal stands on the certificate it renews: once that is revoked there is nothing
    left to renew (a comeback is a new application)."""
    renews = application.renews
    if renews is not None and renews.status == Certificate.Status.REVOKED:
        raise ApplicationError(
            _(
                "Certificate %(number)s, which this application renews, has been revoked: "
                "it can no longer be renewed. Withdraw this application and apply anew."
            )
            % {"number": renews.number}
        )


@transaction.atomic
def application_submit(*, actor, application: CertificationApplication):
    """Submit a draft, or resubmit an application returned for more material, once it holds
    what its scheme needs (``REQUIREMENTS``); only an active supplier (activated by the city
    office, not suspended) may submit. The reviewers are told."""
    application = _locked(application)
    _own_supplier(actor, application.supplier)
    if application.status in TRANSITIONS["submit"][0]:
        supplier = application.supplier
        if supplier.status != Supplier.Status.ACTIVE:
            raise ApplicationError(
                _(
                    "Your supplier account is “%(status)s”: you may prepare drafts, but only "
                    "an active supplier may submit. The city coordination office activates "
                    "accounts."
                )
                % {"status": supplier.get_status_display()}
            )
        _check_renewable_still(application)
        missing = missing_requirements(application)
        if missing:
            raise ApplicationError(
                _("Before submitting, add what %(scheme)s needs: %(missing)s.")
                % {"scheme": application.scheme.name, "missing": _("; ").join(missing)}
            )
    resubmission = application.status == Status.RETURNED
    _move(application, action="submit", actor=actor, changes={"submitted_at": timezone.now()})
    values = {
        "scheme": application.scheme.name,
        "subject": _subject_name(application),
        "supplier": application.supplier.name,
    }
    title = (
        _("Resubmitted with more material: %(scheme)s application for “%(subject)s”")
        if resubmission
        else _("New %(scheme)s application to review: “%(subject)s”")
    ) % values
    notify(
        recipients=members_with_role(Role.REVIEWER),
        title=title,
        body=_("%(supplier)s submitted its %(scheme)s application for “%(subject)s”.") % values,
        link=application_link(application),
    )
    return application


@transaction.atomic
def application_withdraw(*, actor, application: CertificationApplication):
    """The supplier withdraws its application before a reviewer takes it up."""
    application = _locked(application)
    _own_supplier(actor, application.supplier)
    return _move(application, action="withdraw", actor=actor)
