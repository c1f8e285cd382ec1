"""Renewal (续证) and the certificate's history: the holder opens a renewal from the
certificate's page (pre-filled from the last approved application, documents carried over),
and anyone who may read the certificate reads its whole history on one page.

Thin views: the certificate is read through ``certificate_for_user`` (404 for what the user
may not see), the service decides (``products.services.renewal``) and its refusal goes on the
form.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from portal.models import Role
from portal.periods import today
from portal.permissions import role_required

from ..forms.applications import call_service
from ..forms.renewal import RenewalStartForm
from ..models import Certificate
from ..selectors import certificate_for_user
from ..services import renewal
from ..services.renewal.history import certificate_history as read_history

SUPPLIER, REVIEWER = Role.SUPPLIER, Role.REVIEWER
CITY, DISTRICT = Role.CITY_OFFICE, Role.DISTRICT_OFFICE
# Who reads a certificate's history: whoever reads the certificate (a supplier its own).
READERS = (SUPPLIER, REVIEWER, CITY, DISTRICT)
RELATED = ("scheme", "supplier", "product__region", "base__region", "application", "renews")


def _certificate_or_404(user, pk: int) -> Certificate:
    return get_object_or_404(certificate_for_user(user).select_related(*RELATED), pk=pk)


@role_required(SUPPLIER)
@require_http_methods(["GET", "POST"])
def certificate_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """GET explains what the renewal will hold (or why the certificate cannot be renewed now);
    POST opens it and moves on to the new draft's documents. A renewal already open is where
    the page leads instead."""
    certificate = _certificate_or_404(request.user, pk)
    current = renewal.open_renewal(certificate)
    if current is not None:
        messages.info(
            request,
            _("The renewal of certificate %(number)s is open already: application #%(id)s.")
            % {"number": certificate.number, "id": current.pk},
        )
        return redirect("products:application_detail", pk=current.pk)
    as_of = today()
    form = RenewalStartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        application = call_service(
            form,
            renewal.renewal_open,
            actor=request.user,
            certificate=certificate,
            as_of=as_of,
        )
        if application is not None:
            carried = application.documents.count()
            messages.success(
                request,
                ngettext(
                    "The renewal is opened with %(count)s document carried over. Check the "
                    "details, replace what has changed, then submit it.",
                    "The renewal is opened with %(count)s documents carried over. Check the "
                    "details, replace what has changed, then submit it.",
                    carried,
                )
                % {"count": carried},
            )
            return redirect(
                reverse("products:application_detail", args=[application.pk]) + "#documents"
            )
    source = renewal.renewal_source(certificate)
    return render(
        request,
        "products/renewal/start.html",
        {
            "form": form,
            "certificate": certificate,
            "subject": certificate.product or certificate.base,
            "source": source,
            "source_documents": list(source.documents.order_by("uploaded_at", "pk"))
            if source is not None
            else [],
            "refusal": renewal.renewal_refusal(certificate, as_of=as_of),
            "opens_days": renewal.RENEWAL_OPENS_DAYS,
            "grace_months": renewal.RENEWAL_GRACE_MONTHS,
        },
    )


@role_required(*READERS)
@require_GET
def certificate_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificate's life on one page, oldest first (``renewal.history``)."""
    certificate = _certificate_or_404(request.user, pk)
    history = read_history(certificate, user=request.user)
    return render(
        request,
        "products/renewal/history.html",
        {
            "certificate": certificate,
            "subject": certificate.product or certificate.base,
            "events": history.events,
            "renewals": history.renewals,
        },
    )


urlpatterns = [
    path("certificates/<int:pk>/renew/", certificate_renew, name="certificate_renew"),
    path("certificates/<int:pk>/history/", certificate_history, name="certificate_history"),
]
