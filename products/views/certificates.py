"""Certificates (list, page, printable PDF, public verification) and the city office's dynamic
exit (动态退出) and monitoring of certificates, products and bases.

Reads go through the ``*_for_user`` selectors (404 for what the user may not see); the
services refuse what the role may not do (403) and broken rules (shown on the form).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.models import Role
from portal.periods import today
from portal.permissions import role_required
from portal.roles import actor_of
from procurement.forms import call_service

from ..forms.oversight import (
    CertificateFilterForm,
    ExitForm,
    MonitoringForm,
    ProposalDecisionForm,
    VerifyForm,
)
from ..models import Certificate, ExitAction, MonitoringRecord, Product, SupplierBase
from ..pdf import certificate_pdf as render_certificate_pdf
from ..selectors import (
    EXPIRING_WITHIN_DAYS,
    base_for_user,
    certificate_by_number,
    certificate_for_user,
    certificate_list,
    certificate_totals,
    exit_history,
    monitoring_for_user,
    open_proposals,
    product_for_user,
)
from ..services import oversight

CITY, DISTRICT = Role.CITY_OFFICE, Role.DISTRICT_OFFICE
SUPPLIER, REVIEWER = Role.SUPPLIER, Role.REVIEWER
# Who reads certificates: a supplier its own, offices and reviewers all (certificate_for_user).
READERS = (SUPPLIER, REVIEWER, CITY, DISTRICT)
# Who reads a product's or base's oversight page (its certificates, monitoring, exit history).
OVERSIGHT_READERS = (REVIEWER, CITY, DISTRICT)
MONITORS = (CITY, REVIEWER)
CERTIFICATE_PAGE_SIZE = 50
PROPOSAL_PAGE_SIZE = 50
CERTIFICATE_RELATED = (
    "scheme",
    "supplier",
    "product__region__parent",
    "base__region__parent",
)


def _labelled(history) -> list[ExitAction]:
    """The exit history with each step's statuses in words (a certificate's, a product's or a
    base's: the codes they share mean the same)."""
    words = {
        **dict(SupplierBase.Status.choices),
        **dict(Product.Status.choices),
        **dict(Certificate.Status.choices),
    }
    steps = list(history)
    for step in steps:
        step.from_label = words.get(step.from_status, step.from_status)
        step.to_label = words.get(step.to_status, step.to_status)
    return steps


def _certificate_or_404(user, pk: int) -> Certificate:
    return get_object_or_404(
        certificate_for_user(user).select_related(*CERTIFICATE_RELATED, "application"), pk=pk
    )


# --- certificates --------------------------------------------------------------------------


@role_required(*READERS)
@require_GET
def certificate_list_view(request: HttpRequest) -> HttpResponse:
    user, as_of = request.user, today()
    filters = CertificateFilterForm(request.GET or None)
    chosen: dict[str, Any] = filters.cleaned_data if filters.is_valid() else {}
    certificates = certificate_list(
        user=user,
        as_of=as_of,
        scheme=chosen.get("scheme", ""),
        status=chosen.get("status", ""),
        expiring=chosen.get("expiring", False),
        q=chosen.get("q", ""),
    )
    if filters.is_bound and not filters.is_valid():
        certificates = certificates.none()
    totals = certificate_totals(certificates)
    order = ("valid_until", "number") if chosen.get("expiring") else ("-valid_from", "number")
    rows = certificates.select_related(*CERTIFICATE_RELATED).order_by(*order)
    paginator = Paginator(rows, CERTIFICATE_PAGE_SIZE)
    paginator.count = totals["count"]  # known from the totals: spare the COUNT query
    page = paginator.get_page(request.GET.get("page"))
    for certificate in page.object_list:
        certificate.days_left = (certificate.valid_until - as_of).days
        certificate.expiring = (
            certificate.status == Certificate.Status.VALID
            and 0 <= certificate.days_left <= EXPIRING_WITHIN_DAYS
        )
    return render(
        request,
        "products/certificate_list.html",
        {
            "filters": filters,
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "totals": totals,
            "page": page,
            "oversight_reader": actor_of(user).role in OVERSIGHT_READERS,
            "expiring_days": EXPIRING_WITHIN_DAYS,
        },
    )


@role_required(*READERS)
@require_GET
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user, as_of = request.user, today()
    certificate = _certificate_or_404(user, pk)
    return render(
        request,
        "products/certificate_detail.html",
        {
            "certificate": certificate,
            "subject": certificate.product or certificate.base,
            "valid_now": _valid_on(certificate, as_of),
            "history": _labelled(exit_history(certificate=certificate)),
            "actions": oversight.certificate_allowed_actions(certificate, user, as_of=as_of),
            "oversight_reader": actor_of(user).role in OVERSIGHT_READERS,
        },
    )


def _valid_on(certificate: Certificate, day) -> bool:
    return (
        certificate.status == Certificate.Status.VALID
        and certificate.valid_from <= day <= certificate.valid_until
    )


def _verify_url(request: HttpRequest, number: str = "") -> str:
    url = request.build_absolute_uri(reverse("products:certificate_verify"))
    return f"{url}?number={number}" if number else url


@role_required(*READERS)
@require_GET
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable certificate, for those who may read it; rendered on request, never
    stored under a public media URL."""
    certificate = _certificate_or_404(request.user, pk)
    content = render_certificate_pdf(
        certificate,
        verify_url=_verify_url(request),
        base_url=request.build_absolute_uri("/"),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    return response


@require_GET
def certificate_verify(request: HttpRequest) -> HttpResponse:
    """Public, no login: is the certificate with this number valid now? Shows its scheme,
    holder and subject, and nothing else."""
    form = VerifyForm(request.GET or None)
    certificate = None
    if form.is_valid():
        certificate = certificate_by_number(form.cleaned_data["number"])
    return render(
        request,
        "products/certificate_verify.html",
        {
            "form": form,
            "searched": form.is_valid(),
            "certificate": certificate,
            "subject": (certificate.product or certificate.base) if certificate else None,
            "valid_now": _valid_on(certificate, today()) if certificate else False,
        },
    )


def _certificate_action_labels() -> dict[str, tuple[str, str]]:
    """action → (button label, what it does)."""
    return {
        ExitAction.Action.SUSPEND: (
            _("Suspend the certificate"),
            _(
                "The product or base leaves the catalogue and purchases no longer count on this "
                "certificate, until the office reinstates it."
            ),
        ),
        ExitAction.Action.REVOKE: (
            _("Revoke the certificate"),
            _(
                "Revoking is final: the certificate cannot be reinstated and vouches for no "
                "purchase any more, not even those already logged. A new certificate needs a "
                "new application."
            ),
        ),
        ExitAction.Action.REINSTATE: (
            _("Reinstate the certificate"),
            _("The certificate is valid again until the end of its validity."),
        ),
    }


@role_required(CITY)
@require_http_methods(["GET", "POST"])
def certificate_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The confirmation step of a suspension, revocation or reinstatement; POST takes it."""
    labels = _certificate_action_labels()
    if action not in labels:
        raise Http404
    certificate = _certificate_or_404(request.user, pk)
    form = ExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = oversight.CERTIFICATE_MOVES[action][1]
        done = call_service(
            form,
            oversight.certificate_set_status,
            actor=request.user,
            certificate=certificate,
            status=target,
            as_of=today(),
            **form.cleaned_data,
        )
        if done is not None:
            messages.success(
                request,
                _("Certificate %(number)s is now “%(status)s”.")
                % {"number": done.number, "status": done.get_status_display()},
            )
            return redirect("products:certificate_detail", pk=certificate.pk)
    title, consequence = labels[action]
    return render(
        request,
        "products/exit_confirm.html",
        {
            "form": form,
            "title": title,
            "consequence": consequence,
            "final": action == ExitAction.Action.REVOKE,
            "subject_label": certificate.number,
            "subject_url": reverse("products:certificate_detail", args=[certificate.pk]),
            "current": certificate.get_status_display(),
            "target": Certificate.Status(oversight.CERTIFICATE_MOVES[action][1]).label,
        },
    )


# --- products and bases ------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What differs between a product's and a base's oversight pages."""

    kind: str
    selector: Any
    statuses: Any
    set_status: Any
    allowed: Any
    page: str
    status_page: str
    monitoring_page: str

    def get(self, user, pk: int) -> Model:
        return get_object_or_404(self.selector(user), pk=pk)

    def filter(self, obj) -> dict:
        return {self.kind: obj}


SUBJECTS = {
    "product": Subject(
        "product",
        product_for_user,
        Product.Status,
        oversight.product_set_status,
        oversight.product_allowed_statuses,
        "products:product_oversight",
        "products:product_status",
        "products:monitoring_product_create",
    ),
    "base": Subject(
        "base",
        base_for_user,
        SupplierBase.Status,
        oversight.base_set_status,
        oversight.base_allowed_statuses,
        "products:base_oversight",
        "products:base_status",
        "products:monitoring_base_create",
    ),
}


def _status_labels(kind: str) -> dict[str, tuple[str, str]]:
    """target status → (button label, what it does)."""
    if kind == "product":
        return {
            Product.Status.SUSPENDED: (
                _("Suspend the product"),
                _(
                    "The product leaves the catalogue until the office relists it; "
                    "its certificates are kept."
                ),
            ),
            Product.Status.EXITED: (
                _("Exit the product"),
                _(
                    "Exit is final: the product leaves the catalogue for good and its valid "
                    "or suspended certificates are revoked."
                ),
            ),
            Product.Status.LISTED: (
                _("Relist the product"),
                _("The product returns to the catalogue with the certificates it still holds."),
            ),
        }
    return {
        SupplierBase.Status.SUSPENDED: (
            _("Suspend the base"),
            _("The base is suspended until the office reactivates it; its certificates are kept."),
        ),
        SupplierBase.Status.EXITED: (
            _("Exit the base"),
            _(
                "Exit is final: the base leaves the programme for good and its valid or "
                "suspended certificates are revoked."
            ),
        ),
        SupplierBase.Status.ACTIVE: (
            _("Reactivate the base"),
            _("The base is active again with the certificates it still holds."),
        ),
    }


@role_required(*OVERSIGHT_READERS)
@require_GET
def subject_oversight(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A product's or base's standing: its certificates, monitoring records and exit history,
    with the city office's actions."""
    subject = SUBJECTS[kind]
    user = request.user
    obj = subject.get(user, pk)
    labels = _status_labels(kind)
    certificates = (
        certificate_for_user(user).filter(**subject.filter(obj)).order_by("-valid_from", "number")
    )
    return render(
        request,
        "products/monitoring_oversight.html",
        {
            "kind": kind,
            "subject": obj,
            "certificates": certificates,
            "records": monitoring_for_user(user).filter(**subject.filter(obj)),
            "history": _labelled(exit_history(**subject.filter(obj))),
            "actions": [
                (target, labels[target][0], reverse(subject.status_page, args=[obj.pk, target]))
                for target in subject.allowed(obj, user)
            ],
            "can_monitor": actor_of(user).role in MONITORS and obj.status != "exited",
            "monitoring_url": reverse(subject.monitoring_page, args=[obj.pk]),
        },
    )


@role_required(CITY)
@require_http_methods(["GET", "POST"])
def subject_status(request: HttpRequest, pk: int, status: str, kind: str) -> HttpResponse:
    """The confirmation step of suspending, exiting or relisting a product or base."""
    subject = SUBJECTS[kind]
    labels = _status_labels(kind)
    if status not in labels:
        raise Http404
    obj = subject.get(request.user, pk)
    form = ExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        change = call_service(
            form,
            subject.set_status,
            actor=request.user,
            status=status,
            **{kind: obj},
            **form.cleaned_data,
        )
        if change is not None:
            message = _("“%(name)s” is now “%(status)s”.") % {
                "name": obj.name,
                "status": subject.statuses(status).label,
            }
            if change.certificates_revoked:
                message += " " + _("Certificates revoked with it: %(count)s.") % {
                    "count": change.certificates_revoked
                }
            messages.success(request, message)
            return redirect(subject.page, pk=obj.pk)
    title, consequence = labels[status]
    return render(
        request,
        "products/exit_confirm.html",
        {
            "form": form,
            "title": title,
            "consequence": consequence,
            "final": status == "exited",
            "subject_label": obj.name,
            "subject_url": reverse(subject.page, args=[obj.pk]),
            "current": subject.statuses(obj.status).label,
            "target": subject.statuses(status).label,
        },
    )


# --- monitoring ----------------------------------------------------------------------------


@role_required(*MONITORS)
@require_http_methods(["GET", "POST"])
def monitoring_create(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The office or a reviewer records a sample test or an inspection."""
    subject = SUBJECTS[kind]
    obj = subject.get(request.user, pk)
    form = MonitoringForm(request.POST or None, initial={"performed_on": today()})
    if request.method == "POST" and form.is_valid():
        record = call_service(
            form,
            oversight.monitoring_record,
            actor=request.user,
            as_of=today(),
            **{kind: obj},
            **form.cleaned_data,
        )
        if record is not None:
            if record.proposal == MonitoringRecord.Proposal.OPEN:
                messages.warning(
                    request,
                    _("Recorded. A suspension is proposed to the city office."),
                )
            else:
                messages.success(request, _("Recorded."))
            return redirect(subject.page, pk=obj.pk)
    return render(
        request,
        "products/monitoring_form.html",
        {
            "form": form,
            "kind": kind,
            "subject": obj,
            "subject_url": reverse(subject.page, args=[obj.pk]),
        },
    )


@role_required(CITY)
@require_GET
def monitoring_proposals(request: HttpRequest) -> HttpResponse:
    """The failed tests and inspections awaiting the city office's decision."""
    proposals = open_proposals(request.user)
    kind = request.GET.get("kind", "")
    if kind in MonitoringRecord.Kind.values:
        proposals = proposals.filter(kind=kind)
    else:
        kind = ""
    subject = request.GET.get("subject", "")
    if subject in SUBJECTS:
        proposals = proposals.filter(**{f"{subject}__isnull": False})
    else:
        subject = ""
    paginator = Paginator(proposals, PROPOSAL_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "products/monitoring_proposals.html",
        {
            "page": page,
            "count": paginator.count,
            "kind": kind,
            "subject": subject,
            "kinds": MonitoringRecord.Kind.choices,
            "filtered": bool(kind or subject),
        },
    )


@role_required(CITY)
@require_http_methods(["GET", "POST"])
def monitoring_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    """One proposed suspension, with the office's two answers: accept (suspends the product
    or base for a quality failure) or dismiss (with a note)."""
    # A record that proposed nothing (it passed) has no decision to take.
    record = get_object_or_404(
        monitoring_for_user(request.user).exclude(proposal=MonitoringRecord.Proposal.NONE), pk=pk
    )
    form = ProposalDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        service = oversight.monitoring_proposal_dismiss
        if accept:
            service = oversight.monitoring_proposal_accept
        done = call_service(
            form, service, actor=request.user, record=record, note=form.cleaned_data["note"]
        )
        if done is not None:
            subject = done.product or done.base
            messages.success(
                request,
                _("“%(name)s” is suspended; the proposal is closed.") % {"name": subject.name}
                if accept
                else _("The proposal is dismissed."),
            )
            return redirect("products:monitoring_proposals")
    return render(
        request,
        "products/monitoring_proposal.html",
        {
            "record": record,
            "subject": record.product or record.base,
            "subject_url": reverse(
                SUBJECTS["product" if record.product_id else "base"].page,
                args=[record.product_id or record.base_id],
            ),
            "form": form,
            "open": record.proposal == MonitoringRecord.Proposal.OPEN,
        },
    )


urlpatterns = [
    path("certificates/", certificate_list_view, name="certificates"),
    path("certificates/verify/", certificate_verify, name="certificate_verify"),
    path("certificates/<int:pk>/", certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/pdf/", certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/<str:action>/", certificate_action, name="certificate_action"),
    path(
        "oversight/products/<int:pk>/",
        subject_oversight,
        {"kind": "product"},
        name="product_oversight",
    ),
    path(
        "oversight/products/<int:pk>/status/<str:status>/",
        subject_status,
        {"kind": "product"},
        name="product_status",
    ),
    path(
        "oversight/products/<int:pk>/monitoring/",
        monitoring_create,
        {"kind": "product"},
        name="monitoring_product_create",
    ),
    path("oversight/bases/<int:pk>/", subject_oversight, {"kind": "base"}, name="base_oversight"),
    path(
        "oversight/bases/<int:pk>/status/<str:status>/",
        subject_status,
        {"kind": "base"},
        name="base_status",
    ),
    path(
        "oversight/bases/<int:pk>/monitoring/",
        monitoring_create,
        {"kind": "base"},
        name="monitoring_base_create",
    ),
    path("oversight/proposals/", monitoring_proposals, name="monitoring_proposals"),
    path("oversight/proposals/<int:pk>/", monitoring_proposal, name="monitoring_proposal"),
]
