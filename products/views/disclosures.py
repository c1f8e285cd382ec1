"""Public disclosure (公示): the public list and page of each disclosure with its objection form,
the Atom feed, and the city office's objection queue and decisions.

The public pages need no sign-in and show nothing private: no reviewer, no objector, no
decision note. Objections are limited per client address (``OBJECTION_LIMIT`` an hour, counted
in the cache) so that the form cannot be used to flood the office's queue.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.models import Role
from portal.periods import today
from portal.permissions import role_required
from portal.views import client_ip
from procurement.forms import call_service

from ..disclosure_selectors import (
    disclosure_list,
    disclosure_office_list,
    disclosures_public,
    notice_of,
    notices,
    objection_page,
    objection_queue,
    objection_reference,
)
from ..feeds import DisclosureFeed
from ..forms.disclosures import (
    DisclosureFilterForm,
    ObjectionDecisionForm,
    ObjectionFilterForm,
    ObjectionForm,
)
from ..models import Objection
from ..services.disclosure import objection_decide, objection_submit

CITY = Role.CITY_OFFICE
PAGE_SIZE = 20
OFFICE_PAGE_SIZE = 50
# Objections one client address may send in OBJECTION_WINDOW seconds.
OBJECTION_LIMIT = 5
OBJECTION_WINDOW = 60 * 60
THANKS_KEY = "disclosure_objection"


def _filtered(request: HttpRequest, select, **scope):
    """The filter form and what it selects; invalid filters select nothing and say why."""
    form = DisclosureFilterForm(request.GET or None)
    if not form.is_bound:
        return form, select(**scope)
    if not form.is_valid():
        return form, select(**scope).none()
    return form, select(**scope, **form.filters())


def _filtered_flag(request: HttpRequest) -> bool:
    return any(request.GET.get(key) for key in ("kind", "status"))


# --- the public ------------------------------------------------------------------------------


@require_GET
def disclosure_list_view(request: HttpRequest) -> HttpResponse:
    as_of = today()
    form, disclosures = _filtered(request, disclosure_list, as_of=as_of)
    page = Paginator(disclosures, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "products/disclosures/list.html",
        {
            "filters": form,
            "filtered": _filtered_flag(request),
            "page": page,
            "notices": notices(page.object_list, as_of=as_of),
            "total": page.paginator.count,
            "as_of": as_of,
            "navigation": (),  # a public page: no left navigation, signed in or not
        },
    )


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
    as_of = today()
    form, disclosures = _filtered(request, disclosure_office_list, user=request.user)
    page = Paginator(disclosures, OFFICE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "products/disclosures/office_list.html",
        {
            "filters": form,
            "filtered": _filtered_flag(request),
            "page": page,
            "notices": notices(page.object_list, as_of=as_of),
            "total": page.paginator.count,
        },
    )


@role_required(CITY)
@require_GET
def objection_list(request: HttpRequest) -> HttpResponse:
    """The objection queue: pending first."""
    as_of = today()
    form = ObjectionFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    objections = objection_queue(user=request.user, status=status)
    if form.is_bound and not form.is_valid():
        objections = objections.none()
    page = Paginator(objections, OFFICE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (objection, notice_of(objection.disclosure, as_of=as_of), objection_reference(objection))
        for objection in page.object_list
    ]
    return render(
        request,
        "products/disclosures/objections.html",
        {
            "filters": form,
            "filtered": bool(request.GET.get("status")),
            "page": page,
            "rows": rows,
            "total": page.paginator.count,
        },
    )


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
    path("disclosures/feed/", DisclosureFeed(), name="disclosure_feed"),
    path("disclosures/<int:pk>/", disclosure_detail, name="disclosure_detail"),
    path(
        "disclosures/<int:pk>/thanks/",
        disclosure_objection_thanks,
        name="disclosure_objection_thanks",
    ),
    path("disclosures/office/", office_disclosures, name="disclosure_office_list"),
    path("disclosures/objections/", objection_list, name="objections"),
    path("disclosures/objections/<int:pk>/", objection_detail, name="objection_detail"),
    path(
        "disclosures/objections/<int:pk>/<str:decision>/",
        objection_decide_view,
        name="objection_decide",
    ),
]
