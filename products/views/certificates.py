"""Certificates: the list, the certificate's page with its printable PDF, public
verification by number, and the city office's suspension, revocation and reinstatement of a
certificate (动态退出). Products' and bases' oversight is in ``oversight``.

Reads go through the ``*_for_user`` selectors (404 for what the user may not see); the
services refuse what the role may not do (403) and broken rules (shown on the form).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, re_path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.history import history_of
from portal.models import Role
from portal.periods import today
from portal.permissions import role_required
from portal.roles import actor_of
from portal.workdays import add_working_days
from procurement.forms import call_service

from ..disclosure_selectors import open_exit_disclosure
from ..forms.oversight import (
    CertificateFilterForm,
    ExitForm,
    VerifyForm,
)
from ..models import Certificate, ExitAction, Product, SupplierBase
from ..pdf import certificate_pdf as render_certificate_pdf
from ..selectors import (
    EXPIRING_WITHIN_DAYS,
    certificate_by_number,
    certificate_for_user,
    certificate_list,
    certificate_totals,
    exit_history,
)
from ..services import oversight, renewal
from ..services.disclosure import DEFAULT_WORKING_DAYS, exit_disclose
from ..trace import certificate_verify_url, qr_png_data_uri

CITY, DISTRICT = Role.CITY_OFFICE, Role.DISTRICT_OFFICE
SUPPLIER, REVIEWER = Role.SUPPLIER, Role.REVIEWER
# Who reads certificates: a supplier its own, offices and reviewers all (certificate_for_user).
READERS = (SUPPLIER, REVIEWER, CITY, DISTRICT)
# Who reads a product's or base's oversight page (its certificates, monitoring, exit history).
OVERSIGHT_READERS = (REVIEWER, CITY, DISTRICT)
CERTIFICATE_PAGE_SIZE = 50
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
    rows = renewal.with_renewal_marks(
        certificates.select_related(*CERTIFICATE_RELATED).order_by(*order)
    )
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
            "is_supplier": actor_of(user).is_supplier,
        },
    )


@role_required(*READERS)
@require_GET
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user, as_of = request.user, today()
    certificate = get_object_or_404(
        renewal.with_renewal_facts(
            certificate_for_user(user).select_related(*CERTIFICATE_RELATED, "application", "renews")
        ),
        pk=pk,
    )
    exit_disclosure = open_exit_disclosure(certificate=certificate)
    verify_url = certificate_verify_url(request, certificate.number)
    return render(
        request,
        "products/certificate_detail.html",
        {
            "certificate": certificate,
            "verify_url": verify_url,
            "verify_qr": qr_png_data_uri(verify_url),
            "renewal": renewal.renewal_panel(certificate, user=user, as_of=as_of),
            "subject": certificate.product or certificate.base,
            "valid_now": _valid_on(certificate, as_of),
            "history": _labelled(exit_history(certificate=certificate)),
            "actions": _actions(certificate, user, as_of=as_of, exit_disclosure=exit_disclosure),
            "exit_disclosure": exit_disclosure,
            "oversight_reader": actor_of(user).role in OVERSIGHT_READERS,
            "change_history": history_of(certificate),
        },
    )


def _actions(certificate: Certificate, user, *, as_of, exit_disclosure) -> list[str]:
    """The office's actions; no second revocation while one is in public disclosure."""
    actions = oversight.certificate_allowed_actions(certificate, user, as_of=as_of)
    if exit_disclosure is not None:
        actions = [a for a in actions if a != ExitAction.Action.REVOKE]
    return actions


def _valid_on(certificate: Certificate, day) -> bool:
    return (
        certificate.status == Certificate.Status.VALID
        and certificate.valid_from <= day <= certificate.valid_until
    )


@role_required(*READERS)
@require_GET
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable certificate, for those who may read it; rendered on request, never
    stored under a public media URL."""
    certificate = _certificate_or_404(request.user, pk)
    content = render_certificate_pdf(
        certificate,
        verify_url=certificate_verify_url(request, certificate.number),
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
    revoke = action == ExitAction.Action.REVOKE
    if request.method == "POST" and form.is_valid() and revoke:
        # A revocation is published first (公示) and takes effect after its period.
        disclosure = call_service(
            form,
            exit_disclose,
            actor=request.user,
            subject=certificate,
            as_of=today(),
            **form.cleaned_data,
        )
        if disclosure is not None:
            messages.success(
                request,
                _(
                    "The revocation of certificate %(number)s is in public disclosure until "
                    "%(date)s and takes effect after that day, unless an objection is upheld."
                )
                % {"number": certificate.number, "date": disclosure.ends_on.isoformat()},
            )
            return redirect("products:certificate_detail", pk=certificate.pk)
    elif request.method == "POST" and form.is_valid():
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
            "disclosed_until": add_working_days(today(), DEFAULT_WORKING_DAYS) if revoke else None,
            "disclosure_days": DEFAULT_WORKING_DAYS,
        },
    )


urlpatterns = [
    path("certificates/", certificate_list_view, name="certificates"),
    path("certificates/verify/", certificate_verify, name="certificate_verify"),
    path("certificates/<int:pk>/", certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/pdf/", certificate_pdf, name="certificate_pdf"),
    # Only the three actions: the certificate's other pages (renew/, history/) share the prefix.
    re_path(
        r"^certificates/(?P<pk>[0-9]+)/(?P<action>suspend|revoke|reinstate)/$",
        certificate_action,
        name="certificate_action",
    ),
]
