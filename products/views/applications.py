"""Certification applications: the supplier's drafts and submissions, the reviewers' queue,
evaluations, requests for more material and decisions.

Views stay thin: a form parses, a selector reads (always through ``application_for_user`` and
its kin: 404 for what the user may not see), a service acts (403 for a step the role may not
take) and its refusal goes back on the form. The API runs the same services.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.history import history_of
from portal.models import Role
from portal.permissions import role_required
from portal.roles import actor_of

from ..forms.applications import (
    QUEUE,
    ApplicationFilterForm,
    ApplicationForm,
    DocumentForm,
    call_service,
)
from ..forms.renewal import DocumentRemoveForm
from ..models import CertificationApplication, CertificationScheme, Supplier
from ..reference_data import CHECKLISTS
from ..selectors import (
    REVIEW_QUEUE_STATUSES,
    application_list,
    application_page,
    application_subjects,
    application_timeline,
    application_totals,
    document_for_user,
    evaluation_for_user,
    supplier_for_user,
)
from ..services import application_documents, review
from ..services import applications as services

SUPPLIER, REVIEWER, CITY = Role.SUPPLIER, Role.REVIEWER, Role.CITY_OFFICE
READERS = (SUPPLIER, REVIEWER, CITY)
PAGE_SIZE = 30
Status = CertificationApplication.Status
STATUS_LABELS = dict(Status.choices)
Code = CertificationScheme.Code
# The order of the scheme cards: recognition first, since it is what counts for the quota.
SCHEME_ORDER = (Code.RECOGNITION, Code.SZP, Code.BASE)

# The words of the timeline, one per recorded action (the same as the change history's).
EVENT_LABELS = services.STEP_NAMES


def _subject_of(application: CertificationApplication):
    return application.product if application.product_id else application.base


def _detail_url(application: CertificationApplication, anchor: str = "") -> str:
    url = reverse("products:application_detail", args=[application.pk])
    return f"{url}#{anchor}" if anchor else url


# --- The list and the reviewers' queue -------------------------------------------------------


@role_required(*READERS)
@require_GET
def applications(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request.user)
    reviewing = not actor.is_supplier
    default_status = QUEUE if actor.is_reviewer else ""  # a reviewer's list opens on 待审核
    data = request.GET.copy()
    data.setdefault("status", default_status)
    filters = ApplicationFilterForm(data, reviewing=reviewing)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    status = chosen.get("status") or ""
    statuses = REVIEW_QUEUE_STATUSES if status == QUEUE else ([status] if status else None)
    rows = application_list(
        user=request.user,
        statuses=statuses,
        scheme=chosen.get("scheme") or None,
        province=chosen.get("province") or None,
        q=chosen.get("q") or None,
        queue_order=bool(statuses) and set(statuses) <= set(REVIEW_QUEUE_STATUSES),
    )
    if filters.is_bound and not filters.is_valid():
        rows = rows.none()
    rows = rows.select_related("renews")  # "renewal of certificate N" on each row
    totals = application_totals(rows)
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = totals["total"]  # known from the totals: spare the COUNT query
    page = paginator.get_page(request.GET.get("page"))
    by_status = [
        (value, label, totals[value]) for value, label in Status.choices if totals.get(value)
    ]
    filtered = status != default_status or any(
        value for key, value in request.GET.items() if key not in ("page", "status")
    )
    return render(
        request,
        "products/application_list.html",
        {
            "filters": filters,
            "page": page,
            "totals": totals,
            "by_status": by_status,
            "status": status,
            "queue": QUEUE,
            "filtered": filtered,
            "reviewing": reviewing,
            "is_supplier": actor.is_supplier,
        },
    )


# --- The supplier's draft ------------------------------------------------------------------


def _own_supplier(user) -> Supplier:
    actor = actor_of(user)
    supplier = supplier_for_user(user).filter(pk=actor.organisation_id).first()
    if supplier is None:
        raise Http404
    return supplier


def _scheme_cards(user) -> list[dict]:
    """The three schemes, each with what it certifies and needs, and whether the supplier has
    something to apply with."""
    schemes = CertificationScheme.objects.in_bulk(SCHEME_ORDER)
    return [
        {
            "scheme": scheme,
            "needs": [services.REQUIREMENT_LABELS[need] for need in services.REQUIREMENTS[code]],
            "on_site": code in services.ON_SITE_SCHEMES,
            "has_subject": application_subjects(user, scheme=scheme).exists(),
        }
        for code in SCHEME_ORDER
        if (scheme := schemes.get(code)) is not None
    ]


@role_required(SUPPLIER)
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest) -> HttpResponse:
    """Step 1 chooses the scheme (three cards); step 2 is that scheme's form, saved as a
    draft the supplier completes (documents) before submitting."""
    supplier = _own_supplier(request.user)
    code = request.POST.get("scheme") or request.GET.get("scheme")
    if not code:
        return render(
            request,
            "products/application_scheme.html",
            {"cards": _scheme_cards(request.user), "supplier": supplier},
        )
    scheme = get_object_or_404(CertificationScheme, code=code)
    subjects = application_subjects(request.user, scheme=scheme)
    if request.method == "POST":
        form = ApplicationForm(request.POST, scheme=scheme, subjects=subjects)
        if form.is_valid():
            data = form.cleaned_data
            application = call_service(
                form,
                services.application_create,
                actor=request.user,
                supplier=supplier,
                scheme=scheme,
                product=data.get("product"),
                base=data.get("base"),
                standard_claimed=data["standard_claimed"].strip(),
                poverty_link=data["poverty_link"].strip(),
                households=data["households"],
            )
            if application is not None:
                messages.success(
                    request,
                    _("The draft is saved. Upload the documents the scheme needs, then submit it."),
                )
                return redirect(_detail_url(application, "documents"))
    else:
        form = ApplicationForm(scheme=scheme, subjects=subjects)
    return render(
        request,
        "products/application_form.html",
        {"form": form, "scheme": scheme, "supplier": supplier, "application": None},
    )


@role_required(SUPPLIER)
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_page(request.user, pk)
    if application.status not in services.EDITABLE_STATUSES:
        messages.error(
            request,
            _("An application that is “%(status)s” can no longer be changed.")
            % {"status": application.get_status_display()},
        )
        return redirect(_detail_url(application))
    if request.method == "POST":
        form = ApplicationForm(request.POST, scheme=application.scheme)
        if form.is_valid():
            data = form.cleaned_data
            updated = call_service(
                form,
                services.application_update,
                actor=request.user,
                application=application,
                standard_claimed=data["standard_claimed"],
                poverty_link=data["poverty_link"],
                households=data["households"],
            )
            if updated is not None:
                messages.success(request, _("The application is saved."))
                return redirect(_detail_url(application))
    else:
        form = ApplicationForm(
            scheme=application.scheme,
            initial={
                "standard_claimed": application.standard_claimed,
                "poverty_link": application.poverty_link,
                "households": application.households,
            },
        )
    return render(
        request,
        "products/application_form.html",
        {
            "form": form,
            "scheme": application.scheme,
            "supplier": application.supplier,
            "application": application,
        },
    )


# --- One application's page --------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: object
    who: str
    what: str
    from_label: str
    to_label: str
    comment: str
    action: str


def _timeline(application: CertificationApplication) -> list[TimelineEntry]:
    entries = []
    for event in application_timeline(application):
        who = ""
        if event.actor is not None:
            who = event.actor.get_full_name() or event.actor.username
        entries.append(
            TimelineEntry(
                at=event.at,
                who=who,
                what=str(EVENT_LABELS.get(event.action, event.action)),
                from_label=str(STATUS_LABELS.get(event.from_status, "")),
                to_label=str(STATUS_LABELS.get(event.to_status, "")),
                comment=event.comment,
                action=event.action,
            )
        )
    return entries


def _evaluations(user, application: CertificationApplication) -> list:
    checklist = CHECKLISTS.get(application.scheme_id, ())
    evaluations = list(
        evaluation_for_user(user).filter(application=application).select_related("evaluator")
    )
    for evaluation in evaluations:
        scores = evaluation.items or {}
        evaluation.rows = [(label, scores.get(code), maximum) for code, label, maximum in checklist]
        evaluation.has_items = bool(scores)
        evaluation.score_text = review.plain_points(evaluation.score)
    return evaluations


def _detail_response(
    request: HttpRequest,
    application: CertificationApplication,
    *,
    document_form: DocumentForm | None = None,
) -> HttpResponse:
    user = request.user
    actor = actor_of(user)
    documents = list(
        document_for_user(user)
        .filter(application=application)
        .select_related("uploaded_by", "carried_from")
    )
    checks = services.requirement_checks(
        application, document_kinds={document.kind for document in documents}
    )
    timeline = _timeline(application)
    actions = services.allowed_actions(application, user)
    editable = actor.is_supplier and application.status in services.EDITABLE_STATUSES
    if editable and document_form is None:
        document_form = DocumentForm()
    returned_request = ""
    if application.status == Status.RETURNED:
        returned_request = next(
            (entry.comment for entry in reversed(timeline) if entry.action == "return"), ""
        )
    return render(
        request,
        "products/application_detail.html",
        {
            "application": application,
            "documents": documents,
            "checks": checks,
            "missing": [check for check in checks if not check.met],
            "evaluations": _evaluations(user, application),
            "timeline": timeline,
            "actions": actions,
            "editable": editable,
            "document_form": document_form if editable else None,
            "returned_request": returned_request,
            "certificate": getattr(application, "certificate", None),
            "renews": application.renews if application.renews_id else None,
            "carried_count": sum(1 for document in documents if document.carried_from_id),
            "supplier_inactive": application.supplier.status != Supplier.Status.ACTIVE,
            "on_site": application.scheme_id in services.ON_SITE_SCHEMES,
            "change_history": history_of(application),
        },
    )


@role_required(*READERS)
@require_GET
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_response(request, application_page(request.user, pk))


@role_required(SUPPLIER)
@require_POST
def application_document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_page(request.user, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        document = call_service(
            form,
            application_documents.application_document_add,
            actor=request.user,
            application=application,
            kind=form.cleaned_data["kind"],
            file=form.cleaned_data["file"],
        )
        if document is not None:
            messages.success(
                request,
                _("“%(name)s” is attached as %(kind)s.")
                % {"name": document.original_name, "kind": document.get_kind_display()},
            )
            return redirect(_detail_url(application, "documents"))
    return _detail_response(request, application, document_form=form)


@role_required(SUPPLIER)
@require_http_methods(["GET", "POST"])
def application_document_remove(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    """Remove a document from the application being prepared, after confirmation. One carried
    over to a renewal goes from the renewal only: the application it came from keeps it."""
    application = application_page(request.user, pk)
    document = get_object_or_404(
        document_for_user(request.user).select_related("carried_from"),
        pk=document_pk,
        application_id=application.pk,
    )
    if application.status not in services.EDITABLE_STATUSES:
        messages.error(
            request,
            _("An application that is “%(status)s” can no longer be changed.")
            % {"status": application.get_status_display()},
        )
        return redirect(_detail_url(application, "documents"))
    form = DocumentRemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        removed = call_service(
            form,
            application_documents.application_document_remove,
            actor=request.user,
            document=document,
        )
        if removed is not None:
            messages.success(request, _("“%(name)s” is removed.") % {"name": removed.original_name})
            return redirect(_detail_url(application, "documents"))
    return render(
        request,
        "products/application_document_remove.html",
        {"form": form, "application": application, "document": document},
    )


@role_required(*READERS)
@require_GET
def application_document(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    """A document's file, only for those who may read its application; never a media URL."""
    document = get_object_or_404(document_for_user(request.user), pk=document_pk, application_id=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )


urlpatterns = [
    path("applications/", applications, name="applications"),
    path("applications/new/", application_create, name="application_create"),
    path("applications/<int:pk>/", application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", application_edit, name="application_edit"),
    path(
        "applications/<int:pk>/documents/",
        application_document_upload,
        name="application_document_upload",
    ),
    path(
        "applications/<int:pk>/documents/<int:document_pk>/",
        application_document,
        name="application_document",
    ),
    path(
        "applications/<int:pk>/documents/<int:document_pk>/remove/",
        application_document_remove,
        name="application_document_remove",
    ),
]
