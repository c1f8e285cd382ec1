"""Renewal (续证) of a certificate: who may renew what, and the renewal pre-filled from the
last approved application with its documents carried over.

Issue 10, item 2: "a renewal application opens pre-filled from the last approved one
(documents carried over unless replaced), reminders before expiry, and the certificate's
history (issued, renewed, suspended, revoked) on one page."

Decisions kept here:

- a **valid** certificate may be renewed from ``RENEWAL_OPENS_DAYS`` before the end of its
  validity (the expiry warnings at 60 and 30 days lead here, so the window opens before the
  first of them); an **expired** one up to ``RENEWAL_GRACE_MONTHS`` after it ended, later a
  comeback is a new application. A certificate **in public disclosure** (公示) is not in effect
  yet; a **suspended** one must be reinstated first (renewing it would step around the
  suspension); a **revoked** one is final (``oversight``). A certificate already renewed (a
  renewal certificate not revoked) is not renewed twice;
- one open renewal at a time, and more generally one open application per subject and scheme
  (``applications.check_may_apply``, which lets the renewal through the "already certified"
  rule for the certificate it renews and no other);
- the renewal opens pre-filled from the application the certificate was issued on, else the
  latest approved application of the same subject and scheme: the facts are copied, and each
  document is carried over as a new ``ApplicationDocument`` row naming the same stored file
  (``carried_from`` = the row it was copied from). Uploading a document of a kind replaces the
  carried ones of that kind; removing a carried document removes the row only
  (``application_documents.application_document_add`` / ``application_document_remove``). The
  reviewers judge the renewal like any application; approval issues the renewal certificate
  with ``renews`` set (``review.application_decide``).

What the certificate's page shows of renewal is read here too (``renewal_panel``), in the
certificate's own SELECT; the certificate's history on one page is in ``renewal.history``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.errors import ApplicationError
from portal.history import stamp
from portal.periods import add_months
from portal.roles import actor_of

from ...models import (
    ApplicationDocument,
    ApplicationEvent,
    Certificate,
    CertificationApplication,
)
from ..applications import (
    OPEN_STATUSES,
    Status,
    _check_subject_open,
    _own_supplier,
    check_may_apply,
)

CertStatus = Certificate.Status
# A renewal may be opened this many days before a valid certificate's last day: three months,
# the lead Chinese certification bodies commonly ask of a re-certification, and before the
# first expiry warning (60 days) so that the warning's link always leads somewhere.
RENEWAL_OPENS_DAYS = 90
# An expired certificate may still be renewed this many months after its last day; after that
# the subject applies anew (the facts and documents of so long ago would need checking anyway).
RENEWAL_GRACE_MONTHS = 6
# A renewal the supplier no longer holds: the expiry warnings stay quiet about its certificate.
RENEWAL_UNDER_WAY = (Status.SUBMITTED, Status.UNDER_REVIEW)


def _subject(certificate: Certificate):
    return certificate.product if certificate.product_id else certificate.base


def _subject_filter(certificate: Certificate) -> dict:
    if certificate.product_id:
        return {"product_id": certificate.product_id}
    return {"base_id": certificate.base_id}


# --- Which certificate may be renewed, from what ---------------------------------------------


def renewal_source(certificate: Certificate) -> CertificationApplication | None:
    """The application a renewal of ``certificate`` is pre-filled from: the one it was issued
    on, else the latest approved application of the same subject and scheme (a certificate
    brought in from before the portal has none)."""
    if certificate.application_id:
        application = certificate.application
        if application.status == Status.APPROVED:
            return application
    return (
        CertificationApplication.objects.filter(
            scheme_id=certificate.scheme_id, status=Status.APPROVED, **_subject_filter(certificate)
        )
        .order_by("-decided_at", "-pk")
        .first()
    )


def open_renewal(certificate: Certificate) -> CertificationApplication | None:
    """The renewal of ``certificate`` still open (draft, submitted, under review or returned),
    if any: there is at most one."""
    return (
        CertificationApplication.objects.filter(renews=certificate, status__in=OPEN_STATUSES)
        .order_by("-pk")
        .first()
    )


def renewed_by(certificate: Certificate) -> Certificate | None:
    """The certificate that renews ``certificate`` and still stands (not revoked), if any."""
    return (
        Certificate.objects.filter(renews=certificate)
        .exclude(status=CertStatus.REVOKED)
        .order_by("-issued_at", "-pk")
        .first()
    )


def renewal_opens_on(certificate: Certificate) -> datetime.date:
    return certificate.valid_until - datetime.timedelta(days=RENEWAL_OPENS_DAYS)


def renewal_closes_on(certificate: Certificate) -> datetime.date:
    """The last day an expired certificate may still be renewed."""
    return add_months(certificate.valid_until, RENEWAL_GRACE_MONTHS)


def renewal_refusal(certificate: Certificate, *, as_of: datetime.date) -> str:
    """Why ``certificate`` cannot be renewed on ``as_of``, in words for its holder; empty when
    it can. Who asks is not checked here (``renewal_open`` does)."""
    number = certificate.number
    if certificate.status == CertStatus.REVOKED:
        return _(
            "Certificate %(number)s has been revoked, which is final: "
            "a new certificate needs a new application."
        ) % {"number": number}
    if certificate.status == CertStatus.PENDING:
        return _(
            "Certificate %(number)s is still in public disclosure: "
            "it can be renewed once it has taken effect."
        ) % {"number": number}
    if certificate.status == CertStatus.SUSPENDED:
        return _(
            "Certificate %(number)s is suspended: it can be renewed once the city "
            "coordination office reinstates it."
        ) % {"number": number}
    successor = renewed_by(certificate)
    if successor is not None:
        return _("Certificate %(number)s has been renewed already, by certificate %(new)s.") % {
            "number": number,
            "new": successor.number,
        }
    if certificate.valid_until >= as_of and as_of < renewal_opens_on(certificate):
        return ngettext(
            "Renewal opens %(days)s day before the end of the validity: on %(date)s.",
            "Renewal opens %(days)s days before the end of the validity: on %(date)s.",
            RENEWAL_OPENS_DAYS,
        ) % {"days": RENEWAL_OPENS_DAYS, "date": renewal_opens_on(certificate).isoformat()}
    if certificate.valid_until < as_of and as_of > renewal_closes_on(certificate):
        return ngettext(
            "Certificate %(number)s ended on %(date)s, more than %(months)s month ago: "
            "it can no longer be renewed; apply anew.",
            "Certificate %(number)s ended on %(date)s, more than %(months)s months ago: "
            "it can no longer be renewed; apply anew.",
            RENEWAL_GRACE_MONTHS,
        ) % {
            "number": number,
            "date": certificate.valid_until.isoformat(),
            "months": RENEWAL_GRACE_MONTHS,
        }
    try:
        _check_subject_open(_subject(certificate))
        check_may_apply(
            subject=_subject(certificate), scheme=certificate.scheme, renewing=certificate
        )
    except ValidationError as error:
        return " ".join(error.messages)
    except ApplicationError as error:
        return error.message
    return ""


@transaction.atomic
def renewal_open(
    *, actor, certificate: Certificate, as_of: datetime.date
) -> CertificationApplication:
    """The holder opens the renewal of ``certificate``: a draft application for the same
    subject and scheme, with ``renews`` set, pre-filled from ``renewal_source`` (its facts, and
    its documents carried over as rows naming the same stored files). The supplier completes
    and submits it like any application."""
    # Locked, so that two clicks at once cannot open two renewals: the second waits, then finds
    # the first one open.
    certificate = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("scheme", "supplier", "product", "base", "application")
        .get(pk=certificate.pk)
    )
    _own_supplier(actor, certificate.supplier)
    refusal = renewal_refusal(certificate, as_of=as_of)
    if refusal:
        raise ApplicationError(refusal)
    source = renewal_source(certificate)
    application = CertificationApplication(
        supplier=certificate.supplier,
        scheme=certificate.scheme,
        product=certificate.product,
        base=certificate.base,
        renews=certificate,
        standard_claimed=source.standard_claimed if source else "",
        poverty_link=source.poverty_link if source else "",
        households=source.households if source else 0,
        created_by=actor,
    )
    application.full_clean()
    stamp(
        application,
        actor=actor,
        reason=_("Renewal of certificate %(number)s: draft created")
        % {"number": certificate.number},
    )
    application.save()
    carried = []
    if source is not None:
        carried = ApplicationDocument.objects.bulk_create(
            [
                ApplicationDocument(
                    application=application,
                    kind=document.kind,
                    # The same stored file: nothing is copied, and the old application keeps it.
                    file=document.file.name,
                    original_name=document.original_name,
                    content_type=document.content_type,
                    size=document.size,
                    sha256=document.sha256,
                    carried_from=document,
                    uploaded_by=document.uploaded_by,
                )
                for document in source.documents.order_by("uploaded_at", "pk")
            ]
        )
    if source is not None:
        comment = ngettext(
            "Renewal of certificate %(number)s, pre-filled from application #%(source)s "
            "with %(count)s document carried over.",
            "Renewal of certificate %(number)s, pre-filled from application #%(source)s "
            "with %(count)s documents carried over.",
            len(carried),
        ) % {"number": certificate.number, "source": source.pk, "count": len(carried)}
    else:
        comment = _("Renewal of certificate %(number)s.") % {"number": certificate.number}
    ApplicationEvent.objects.create(
        application=application,
        action="create",
        to_status=Status.DRAFT,
        actor=actor,
        at=timezone.now(),
        comment=comment,
    )
    return application


def _status_label(value: str) -> str:
    return str(dict(CertStatus.choices).get(value, value))


# --- What the certificate's page shows about renewal ------------------------------------------


def with_renewal_facts(queryset: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """Certificates with what their page tells of renewal, in the same SELECT (subqueries, no
    query more): the open renewal application (``open_renewal_id``, ``open_renewal_status``)
    and the latest certificate renewing it (``renewal_id``, ``renewal_number``,
    ``renewal_status``). The history page lists every renewal."""
    opened = CertificationApplication.objects.filter(
        renews=OuterRef("pk"), status__in=OPEN_STATUSES
    ).order_by("-pk")
    latest = Certificate.objects.filter(renews=OuterRef("pk")).order_by("-issued_at", "-pk")
    return queryset.annotate(
        open_renewal_id=Subquery(opened.values("pk")[:1]),
        open_renewal_status=Subquery(opened.values("status")[:1]),
        renewal_id=Subquery(latest.values("pk")[:1]),
        renewal_number=Subquery(latest.values("number")[:1]),
        renewal_status=Subquery(latest.values("status")[:1]),
    )


def with_renewal_marks(queryset: QuerySet[Certificate]) -> QuerySet[Certificate]:
    """The lighter marks of the certificate list, in the same SELECT: whether a renewal is
    open (``open_renewal_id``) and the number of the standing certificate renewing it
    (``renewal_number``)."""
    opened = CertificationApplication.objects.filter(
        renews=OuterRef("pk"), status__in=OPEN_STATUSES
    )
    standing = (
        Certificate.objects.filter(renews=OuterRef("pk"))
        .exclude(status=CertStatus.REVOKED)
        .order_by("-issued_at", "-pk")
    )
    return queryset.annotate(
        open_renewal_id=Subquery(opened.order_by("-pk").values("pk")[:1]),
        renewal_number=Subquery(standing.values("number")[:1]),
    )


@dataclass(frozen=True)
class RenewalPanel:
    """The renewal box of a certificate's page: the chain both ways, the open renewal (for
    those who may read applications), and whether its holder may renew it now (and if not,
    why)."""

    renews: Certificate | None
    renewal_id: int | None
    renewal_number: str
    renewal_status: str
    open_renewal_id: int | None
    open_renewal_status: str
    may_renew: bool
    refusal: str
    is_holder: bool


def renewal_panel(certificate: Certificate, *, user, as_of: datetime.date) -> RenewalPanel:
    """The panel of ``certificate``, read through ``with_renewal_facts`` (and with ``renews``
    selected): no query for a reader, and the checks of ``renewal_refusal`` for its holder."""
    actor = actor_of(user)
    reads_applications = actor.is_city or actor.is_supplier
    open_id = getattr(certificate, "open_renewal_id", None) if reads_applications else None
    is_holder = actor.is_supplier and actor.organisation_id == certificate.supplier_id
    refusal = ""
    if is_holder and open_id is None:
        refusal = renewal_refusal(certificate, as_of=as_of)
    renewal_status = getattr(certificate, "renewal_status", None) or ""
    open_status = (getattr(certificate, "open_renewal_status", None) or "") if open_id else ""
    return RenewalPanel(
        renews=certificate.renews if certificate.renews_id else None,
        renewal_id=getattr(certificate, "renewal_id", None),
        renewal_number=getattr(certificate, "renewal_number", None) or "",
        renewal_status=_status_label(renewal_status) if renewal_status else "",
        open_renewal_id=open_id,
        open_renewal_status=str(dict(Status.choices).get(open_status, open_status)),
        may_renew=is_holder and open_id is None and not refusal,
        refusal=refusal,
        is_holder=is_holder,
    )
