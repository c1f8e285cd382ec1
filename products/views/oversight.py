"""The oversight of products and bases: their page for the offices and reviewers (certificates,
monitoring, exit history), the city office's suspension, exit and relisting (动态退出),
monitoring records, and the suspension proposals that failed tests raise.

Exiting a product or base is decided here but published first (公示, ``exit_disclose``): it
takes effect when the period ends unopposed. Suspending and relisting stay immediate: a
suspension is a protective measure, and relisting undoes one.

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

from portal.history import history_of
from portal.periods import today
from portal.permissions import role_required
from portal.roles import actor_of
from portal.workdays import add_working_days
from procurement.forms import call_service

from ..disclosure_selectors import open_exit_disclosure
from ..forms.oversight import (
    ExitForm,
    MonitoringForm,
    ProposalDecisionForm,
)
from ..models import MonitoringRecord, Product, SupplierBase
from ..selectors import (
    base_for_user,
    certificate_for_user,
    exit_history,
    monitoring_for_user,
    open_proposals,
    product_for_user,
)
from ..services import monitoring, oversight
from ..services.disclosure import DEFAULT_WORKING_DAYS, exit_disclose
from .certificates import CITY, OVERSIGHT_READERS, REVIEWER, _labelled

MONITORS = (CITY, REVIEWER)
PROPOSAL_PAGE_SIZE = 50


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
    exit_disclosure = open_exit_disclosure(**subject.filter(obj))
    # One exit in disclosure at a time: the next would be refused.
    targets = [
        target
        for target in subject.allowed(obj, user)
        if not (exit_disclosure and target == "exited")
    ]
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
                for target in targets
            ],
            "exit_disclosure": exit_disclosure,
            "can_monitor": actor_of(user).role in MONITORS and obj.status != "exited",
            "monitoring_url": reverse(subject.monitoring_page, args=[obj.pk]),
            "change_history": history_of(obj),
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
    as_of = today()
    if status == "exited":
        return _exit_through_disclosure(request, subject, obj, form, as_of=as_of)
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
    return _confirm_page(request, subject, obj, form, status)


def _confirm_page(
    request: HttpRequest, subject: Subject, obj, form: ExitForm, status: str, **extra
) -> HttpResponse:
    """The confirmation step of moving ``obj`` to ``status``, with the form's errors if any."""
    title, consequence = _status_labels(subject.kind)[status]
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
            **extra,
        },
    )


def _exit_through_disclosure(
    request: HttpRequest, subject: Subject, obj, form: ExitForm, *, as_of
) -> HttpResponse:
    """The confirmation step of an exit: the decision is published for public disclosure
    (公示) and takes effect after its period, unless an objection is upheld."""
    if request.method == "POST" and form.is_valid():
        disclosure = call_service(
            form,
            exit_disclose,
            actor=request.user,
            subject=obj,
            as_of=as_of,
            **form.cleaned_data,
        )
        if disclosure is not None:
            messages.success(
                request,
                _(
                    "The exit of “%(name)s” is in public disclosure until %(date)s and takes "
                    "effect after that day, unless an objection is upheld."
                )
                % {"name": obj.name, "date": disclosure.ends_on.isoformat()},
            )
            return redirect(subject.page, pk=obj.pk)
    return _confirm_page(
        request,
        subject,
        obj,
        form,
        "exited",
        disclosed_until=add_working_days(as_of, DEFAULT_WORKING_DAYS),
        disclosure_days=DEFAULT_WORKING_DAYS,
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
            monitoring.monitoring_record,
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
        service = monitoring.monitoring_proposal_dismiss
        if accept:
            service = monitoring.monitoring_proposal_accept
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
