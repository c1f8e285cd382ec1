"""Public disclosure (公示): the public list and page of each disclosure with its objection form,
the Atom feed, and the city office's list of disclosures, its page of each, the objection queue
and decisions. Every list has its Excel export of exactly what its filters select.

The public pages need no sign-in and show nothing private: no reviewer, no objector, no
decision note. Objections are limited per client address (``OBJECTION_LIMIT`` an hour, counted
in the cache) so that the form cannot be used to flood the office's queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.history import history_of
from portal.models import Role
from portal.periods import today
from portal.permissions import role_required
from portal.views import client_ip
from procurement.forms import call_service

from ..disclosure_exports import disclosure_workbook, objection_workbook
from ..disclosure_selectors import (
    disclosure_list,
    disclosure_office_list,
    disclosure_office_page,
    disclosures_public,
    notice_of,
    notices,
    objection_for_user,
    objection_page,
    objection_queue,
    objection_reference,
    status_totals,
)
from ..exports import XLSX
from ..feeds import DisclosureFeed
from ..forms.disclosures import (
    DisclosureFilterForm,
    ObjectionDecisionForm,
    ObjectionFilterForm,
    ObjectionForm,
)
from ..models import Disclosure, Objection
from ..services.disclosure import objection_decide, objection_submit

CITY = Role.CITY_OFFICE
PAGE_SIZE = 20
OFFICE_PAGE_SIZE = 50
# Objections one client address may send in OBJECTION_WINDOW seconds.
OBJECTION_LIMIT = 5
OBJECTION_WINDOW = 60 * 60
THANKS_KEY = "disclosure_objection"
# How the totals row marks each status, as the rows do (ui.md: the same colours everywhere).
TONES = {
    Disclosure.Status.OPEN: "info",
    Disclosure.Status.EFFECTIVE: "ok",
    Disclosure.Status.WITHDRAWN: "bad",
    Objection.Status.PENDING: "info",
    Objection.Status.UPHELD: "bad",
    Objection.Status.DISMISSED: "neutral",
}


@dataclass(frozen=True)
class Listing:
    """A list's filters and the rows they select, for its page and its export alike."""

    filters: forms.Form
    rows: QuerySet

    @property
    def filtered(self) -> bool:
        return any(self.filters.data.get(name) for name in self.filters.fields)


def _listing(request: HttpRequest, form_class: type[forms.Form], select, **scope) -> Listing:
    """Invalid filters select nothing and say why, rather than silently showing everything."""
    form = form_class(request.GET or None)
    if not form.is_bound:
        return Listing(form, select(**scope))
    if not form.is_valid():
        return Listing(form, select(**scope).none())
    return Listing(form, select(**scope, **form.filters()))


def _list_context(request: HttpRequest, listing: Listing, *, page_size: int, export: str) -> dict:
    """What the lists' frame (``products/disclosures/_list_page.html``) reads: the filters, the
    totals row (how many in each status, over every page) with the export of the same rows,
    and the page."""
    totals = status_totals(listing.rows)
    paginator = Paginator(listing.rows, page_size)
    paginator.count = totals["count"]  # spare the COUNT query: the totals counted them
    page = paginator.get_page(request.GET.get("page"))
    statuses = listing.rows.model.Status
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filters": listing.filters,
        "filtered": listing.filtered,
        "page": page,
        "total": totals["count"],
        "status_totals": [
            (statuses(code).label, totals[code], TONES[code]) for code in statuses.values
        ],
        "export_url": f"{reverse(export)}?{query.urlencode()}" if query else reverse(export),
    }


def _export(
    request: HttpRequest, title: str, workbook: Callable, listing: Listing, **options
) -> FileResponse:
    """``listing``'s rows (every page) as the .xlsx ``workbook`` writes, titled ``title``."""
    as_of = today()
    handle = workbook(
        listing.rows,
        as_of=as_of,
        title=f"{title}（截至{as_of:%Y年%m月%d日}）",
        link=lambda disclosure: request.build_absolute_uri(
            reverse("products:disclosure_detail", args=[disclosure.pk])
        ),
        **options,
    )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{title}-{as_of.isoformat()}.xlsx",
        content_type=XLSX,
    )


# --- the public ------------------------------------------------------------------------------


@require_GET
def disclosure_list_view(request: HttpRequest) -> HttpResponse:
    as_of = today()
    listing = _listing(request, DisclosureFilterForm, disclosure_list, as_of=as_of)
    context = _list_context(
        request, listing, page_size=PAGE_SIZE, export="products:disclosures_export"
    )
    return render(
        request,
        "products/disclosures/list.html",
        {
            **context,
            "notices": notices(context["page"].object_list, as_of=as_of),
            "navigation": (),  # a public page: no left navigation, signed in or not
        },
    )


@require_GET
def disclosures_export(request: HttpRequest) -> FileResponse:
    """Exactly the disclosures the public list's filters select, all pages, as .xlsx: what
    the public pages say, nothing more."""
    listing = _listing(request, DisclosureFilterForm, disclosure_list, as_of=today())
    return _export(request, "消费帮扶公示信息", disclosure_workbook, listing)


def _throttle_key(request: HttpRequest) -> str:
    return f"disclosure-objections:{client_ip(request) or 'unknown'}"


def _throttled(request: HttpRequest) -> bool:
    return cache.get(_throttle_key(request), 0) >= OBJECTION_LIMIT


def _count_objection(request: HttpRequest) -> None:
    key = _throttle_key(request)
    # The window opens with the address's first objection and is not extended by later ones.
    if not cache.add(key, 1, OBJECTION_WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, OBJECTION_WINDOW)


@require_http_methods(["GET", "POST"])
def disclosure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A disclosure's public page; while its period runs, the objection form."""
    as_of = today()
    disclosure = get_object_or_404(disclosures_public(as_of=as_of), pk=pk)
    notice = notice_of(disclosure, as_of=as_of)
    form = ObjectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not notice.open_for_objections:
            form.add_error(None, _("The disclosure period has ended: objections are closed."))
            status = 400
        elif _throttled(request):
            form.add_error(
                None,
                _(
                    "Too many objections have been sent from your address. Try again in an "
                    "hour, or write to the city coordination office."
                ),
            )
            status = 429
        elif form.is_valid():
            objection = call_service(
                form,
                objection_submit,
                disclosure=disclosure,
                as_of=as_of,
                **form.cleaned_data,
            )
            if objection is not None:
                _count_objection(request)
                request.session[THANKS_KEY] = [disclosure.pk, objection_reference(objection)]
                return redirect("products:disclosure_objection_thanks", pk=disclosure.pk)
            status = 400
        else:
            status = 400
    return render(
        request,
        "products/disclosures/detail.html",
        {"notice": notice, "disclosure": disclosure, "form": form, "navigation": ()},
        status=status,
    )


@require_GET
def disclosure_objection_thanks(request: HttpRequest, pk: int) -> HttpResponse:
    """The thank-you page with the objection's reference, shown once to whoever sent it."""
    sent = request.session.pop(THANKS_KEY, None)
    if not sent or sent[0] != pk:
        return redirect("products:disclosure_detail", pk=pk)
    disclosure = get_object_or_404(disclosures_public(as_of=today()), pk=pk)
    return render(
        request,
        "products/disclosures/thanks.html",
        {
            "notice": notice_of(disclosure, as_of=today()),
            "reference": sent[1],
            "navigation": (),
        },
    )


# --- the city office -------------------------------------------------------------------------


@role_required(CITY)
@require_GET
def office_disclosures(request: HttpRequest) -> HttpResponse:
    """Every disclosure with its objections counted, for the city office."""
    listing = _listing(request, DisclosureFilterForm, disclosure_office_list, user=request.user)
    context = _list_context(
        request, listing, page_size=OFFICE_PAGE_SIZE, export="products:disclosure_office_export"
    )
    return render(
        request,
        "products/disclosures/office_list.html",
        {**context, "notices": notices(context["page"].object_list, as_of=today())},
    )


@role_required(CITY)
@require_GET
def office_disclosures_export(request: HttpRequest) -> FileResponse:
    """Exactly the disclosures the office list's filters select, all pages, as .xlsx, with
    who published each and the objections it drew."""
    listing = _listing(request, DisclosureFilterForm, disclosure_office_list, user=request.user)
    return _export(request, "公示及异议情况", disclosure_workbook, listing, office=True)


@role_required(CITY)
@require_GET
def office_disclosure(request: HttpRequest, pk: int) -> HttpResponse:
    """A disclosure as the city office reads it: its period in working days, the day it takes
    effect, who published it, the objections it drew and its history."""
    try:
        disclosure = disclosure_office_page(request.user, pk)
    except Disclosure.DoesNotExist:
        raise Http404 from None
    as_of = today()
    objections = objection_for_user(request.user).filter(disclosure=disclosure)
    return render(
        request,
        "products/disclosures/office_detail.html",
        {
            "notice": notice_of(disclosure, as_of=as_of),
            "disclosure": disclosure,
            "public": disclosure.starts_on <= as_of,
            "objections": [(objection, objection_reference(objection)) for objection in objections],
            "change_history": history_of(disclosure),
        },
    )


@role_required(CITY)
@require_GET
def objection_list(request: HttpRequest) -> HttpResponse:
    """The objection queue: pending first."""
    as_of = today()
    listing = _listing(request, ObjectionFilterForm, objection_queue, user=request.user)
    context = _list_context(
        request, listing, page_size=OFFICE_PAGE_SIZE, export="products:objections_export"
    )
    rows = [
        (objection, notice_of(objection.disclosure, as_of=as_of), objection_reference(objection))
        for objection in context["page"].object_list
    ]
    return render(request, "products/disclosures/objections.html", {**context, "rows": rows})


@role_required(CITY)
@require_GET
def objections_export(request: HttpRequest) -> FileResponse:
    """Exactly the objections the queue's filter selects, in its order, as .xlsx."""
    listing = _listing(request, ObjectionFilterForm, objection_queue, user=request.user)
    return _export(request, "公示异议处理情况", objection_workbook, listing)


def _objection_or_404(user, pk: int) -> Objection:
    try:
        return objection_page(user, pk)
    except Objection.DoesNotExist:
        raise Http404 from None


def _decision_labels() -> dict[str, tuple[str, str]]:
    """decision → (title, what it does)."""
    return {
        "uphold": (
            _("Uphold the objection"),
            _(
                "The disclosure is withdrawn and does not take effect: a certificate in "
                "disclosure is revoked, an exit does not happen, a monitoring result is annulled, "
                "an evaluation result goes back to result review. The supplier is notified with "
                "your reasons. This cannot be undone."
            ),
        ),
        "dismiss": (
            _("Dismiss the objection"),
            _(
                "The disclosure goes on. If its period has already ended and no other objection "
                "is pending, it takes effect at once."
            ),
        ),
    }


@role_required(CITY)
@require_GET
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An objection with the disclosure it concerns, and the office's two answers."""
    objection = _objection_or_404(request.user, pk)
    others = (
        objection_queue(user=request.user)
        .filter(disclosure_id=objection.disclosure_id)
        .exclude(pk=objection.pk)
    )
    return render(
        request,
        "products/disclosures/objection.html",
        {
            "objection": objection,
            "reference": objection_reference(objection),
            "notice": notice_of(objection.disclosure, as_of=today()),
            "others": [(other, objection_reference(other)) for other in others],
            "decisions": [
                (decision, title, reverse("products:objection_decide", args=[pk, decision]))
                for decision, (title, _consequence) in _decision_labels().items()
            ],
            "pending": objection.status == Objection.Status.PENDING,
        },
    )


@role_required(CITY)
@require_http_methods(["GET", "POST"])
def objection_decide_view(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """The confirmation step of upholding or dismissing an objection; POST takes it."""
    labels = _decision_labels()
    if decision not in labels:
        raise Http404
    objection = _objection_or_404(request.user, pk)
    detail_url = reverse("products:objection_detail", args=[pk])
    if objection.status != Objection.Status.PENDING:
        messages.info(request, _("This objection has already been decided."))
        return redirect(detail_url)
    form = ObjectionDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            objection_decide,
            actor=request.user,
            objection=objection,
            decision=decision,
            note=form.cleaned_data["note"],
            as_of=today(),
        )
        if done is not None:
            disclosure = done.disclosure
            disclosure.refresh_from_db()
            messages.success(
                request,
                _("Objection %(reference)s: %(decision)s. The disclosure is “%(status)s”.")
                % {
                    "reference": objection_reference(done),
                    "decision": done.get_status_display(),
                    "status": disclosure.get_status_display(),
                },
            )
            return redirect(detail_url)
    title, consequence = labels[decision]
    return render(
        request,
        "products/disclosures/objection_decide.html",
        {
            "form": form,
            "objection": objection,
            "reference": objection_reference(objection),
            "notice": notice_of(objection.disclosure, as_of=today()),
            "title": title,
            "consequence": consequence,
            "danger": decision == "uphold",
            "detail_url": detail_url,
        },
    )


urlpatterns = [
    path("disclosures/", disclosure_list_view, name="disclosures"),
    path("disclosures/export/", disclosures_export, name="disclosures_export"),
    path("disclosures/feed/", DisclosureFeed(), name="disclosure_feed"),
    path("disclosures/<int:pk>/", disclosure_detail, name="disclosure_detail"),
    path(
        "disclosures/<int:pk>/thanks/",
        disclosure_objection_thanks,
        name="disclosure_objection_thanks",
    ),
    path("disclosures/office/", office_disclosures, name="disclosure_office_list"),
    path(
        "disclosures/office/export/",
        office_disclosures_export,
        name="disclosure_office_export",
    ),
    path("disclosures/office/<int:pk>/", office_disclosure, name="disclosure_office_detail"),
    path("disclosures/objections/", objection_list, name="objections"),
    path("disclosures/objections/export/", objections_export, name="objections_export"),
    path("disclosures/objections/<int:pk>/", objection_detail, name="objection_detail"),
    path(
        "disclosures/objections/<int:pk>/<str:decision>/",
        objection_decide_view,
        name="objection_decide",
    ),
]
