"""The offices' outlet registry: register, edit, inspect, suspend, reinstate and exit outlets,
with counts by kind and district and an Excel export.

Views stay thin: a form parses, a selector reads (always through ``outlet_for_user``: another
district's outlet is 404 for a district office), a service acts (403 for what the role may not
do); the view puts a refusal back on the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.errors import ApplicationError
from portal.history import history_of
from portal.models import Role
from portal.periods import Quarter, today, year_bounds
from portal.permissions import role_required
from procurement.forms import call_service

from ..exports import XLSX, registry_workbook
from ..forms.registry import (
    InspectionForm,
    OutletForm,
    OutletPhotoForm,
    OutletStatusForm,
    RegistryFilterForm,
)
from ..models import InspectionPhoto, Outlet, OutletPhoto
from ..reference_data import INSPECTION_CHECKLIST
from ..selectors import (
    inspection_for_user,
    outlet_for_user,
    outlet_office_page,
    outlet_period_counts,
    outlet_registry_filtered,
    outlet_registry_list,
    outlet_status_counts,
    sales_last_months,
    status_change_for_user,
)
from ..services import oversight
from ..services import registry as services

OFFICES = (Role.CITY_OFFICE, Role.DISTRICT_OFFICE)
PAGE_SIZE = 30
# The programme's pairings start in 2016 (DistrictPairing.since_year): no outlet is older.
FIRST_YEAR = 2016
# The query-string keys that choose the counts' period, not the list: they do not make the
# list "filtered".
PERIOD_KEYS = ("year", "quarter", "page")


def _filters(request: HttpRequest) -> tuple[RegistryFilterForm, dict]:
    as_of = today()
    form = RegistryFilterForm(
        request.GET or None,
        user=request.user,
        years=range(as_of.year, FIRST_YEAR - 1, -1),
        initial={"year": as_of.year},
    )
    chosen = form.cleaned_data if form.is_valid() else {}
    return form, chosen


def _period(chosen: dict) -> tuple:
    year = chosen.get("year") or today().year
    if chosen.get("quarter"):
        quarter = Quarter(year, chosen["quarter"])
        return quarter.first_day, quarter.last_day, str(quarter)
    first, last = year_bounds(year)
    return first, last, str(year)


@role_required(*OFFICES)
@require_GET
def registry(request: HttpRequest) -> HttpResponse:
    """The offices' list of outlets: filters, the counts of the period by district and kind,
    the current counts by status, the rows a page at a time."""
    filters, chosen = _filters(request)
    user = request.user
    filtered = outlet_registry_filtered(user=user, filters=chosen)
    first, last, period_label = _period(chosen)
    page = Paginator(outlet_registry_list(user=user, filters=chosen), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "outlets/registry_list.html",
        {
            "filters": filters,
            "filtered": any(v for k, v in request.GET.items() if k not in PERIOD_KEYS),
            "page": page,
            "counts": outlet_period_counts(filtered, first=first, last=last),
            "period_label": period_label,
            "totals": outlet_status_counts(filtered),
            "export_query": request.GET.urlencode(),
        },
    )


@role_required(*OFFICES)
@require_GET
def registry_export(request: HttpRequest) -> FileResponse:
    """Exactly the outlets the list's filters select, in the list's order, as .xlsx."""
    _form, chosen = _filters(request)
    as_of = today()
    return FileResponse(
        registry_workbook(outlet_registry_list(user=request.user, filters=chosen), as_of=as_of),
        as_attachment=True,
        filename=f"消费帮扶专柜名录-{as_of.isoformat()}.xlsx",
        content_type=XLSX,
    )


def _managed_or_404(user, pk: int) -> Outlet:
    return get_object_or_404(outlet_for_user(user), pk=pk)


def _form_page(request: HttpRequest, *, outlet: Outlet | None) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = OutletForm(request.POST, user=user, outlet=outlet)
        if form.is_valid():
            values = {
                "actor": user,
                "data": form.outlet_data(),
                "products": form.cleaned_data["products"],
                "as_of": today(),
            }
            if outlet is None:
                saved = call_service(form, services.outlet_register, **values)
            else:
                saved = call_service(form, services.outlet_update, outlet=outlet, **values)
            if saved is not None:
                messages.success(
                    request, _("The outlet “%(name)s” is saved.") % {"name": saved.name}
                )
                return redirect("outlets:outlet_detail", pk=saved.pk)
    elif outlet is None:
        form = OutletForm(user=user)
    else:
        form = OutletForm(initial=OutletForm.initial_for(outlet), user=user, outlet=outlet)
    return render(
        request,
        "outlets/outlet_form.html",
        {
            "form": form,
            "outlet": outlet,
            "title": _("Edit the outlet") if outlet else _("Register an outlet"),
        },
    )


@role_required(*OFFICES)
@require_http_methods(["GET", "POST"])
def outlet_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, outlet=None)


@role_required(*OFFICES)
@require_http_methods(["GET", "POST"])
def outlet_edit(request: HttpRequest, pk: int) -> HttpResponse:
    outlet = _managed_or_404(request.user, pk)
    if outlet.status == Outlet.Status.EXITED:
        messages.error(request, _("An exited outlet is kept as a record: it cannot be edited."))
        return redirect("outlets:outlet_detail", pk=outlet.pk)
    return _form_page(request, outlet=outlet)


def _status_labels() -> dict[str, tuple[str, str]]:
    """target status → (action label, what it does)."""
    return {
        Outlet.Status.SUSPENDED: (
            _("Suspend the outlet"),
            _(
                "The outlet leaves the public finder until an office reinstates it; its "
                "records and sales reports stay."
            ),
        ),
        Outlet.Status.EXITED: (
            _("Exit the outlet"),
            _(
                "Exit is final: the outlet leaves the finder for good and can no longer be "
                "edited. It stays in the records and is still counted in the periods it was "
                "open."
            ),
        ),
        Outlet.Status.ACTIVE: (
            _("Reinstate the outlet"),
            _("The outlet is active again and back in the public finder."),
        ),
    }


def _detail_page(request: HttpRequest, outlet: Outlet, *, photo_form=None) -> HttpResponse:
    user = request.user
    as_of = today()
    months = sales_last_months(user, outlet, as_of=as_of)
    inspections = (
        inspection_for_user(user)
        .filter(outlet=outlet)
        .select_related(None)
        .prefetch_related(Prefetch("photos", queryset=InspectionPhoto.objects.order_by("pk")))
        .order_by("-inspected_on", "-pk")
    )
    inspections = list(inspections)
    for inspection in inspections:
        inspection.checks = [
            (label, inspection.checklist[code])
            for code, label in INSPECTION_CHECKLIST
            if code in inspection.checklist
        ]
    labels = _status_labels()
    return render(
        request,
        "outlets/outlet_detail.html",
        {
            "outlet": outlet,
            "photos": list(outlet.photos.all()),
            "products": list(outlet.products.all()),
            "months": months,
            "sales_total": sum((r.amount for _y, _m, r in months if r is not None), start=0),
            "months_reported": sum(1 for _y, _m, r in months if r is not None),
            "inspections": inspections,
            "history": status_change_for_user(user)
            .filter(outlet=outlet)
            .select_related("changed_by")
            .order_by("-changed_at", "-pk"),
            # Who registered, edited, suspended or exited it, field by field (issue 7).
            "change_history": history_of(outlet),
            "actions": [
                (
                    target,
                    labels[target][0],
                    reverse("outlets:outlet_status", args=[outlet.pk, target]),
                )
                for target in services.allowed_statuses(outlet, user)
            ],
            "can_manage": services.may_manage(user, outlet),
            "photo_form": photo_form or OutletPhotoForm(),
            "max_photos": services.MAX_PHOTOS_PER_OUTLET,
        },
    )


@role_required(*OFFICES)
@require_GET
def outlet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The outlet's office page: facts, photos, products, the last 12 months' sales,
    inspections, status history, the audit trail of its record and the actions."""
    outlet = get_object_or_404(outlet_office_page(request.user), pk=pk)
    return _detail_page(request, outlet)


@role_required(*OFFICES)
@require_POST
def outlet_photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    outlet = get_object_or_404(outlet_office_page(request.user), pk=pk)
    photo_form = OutletPhotoForm(request.POST, request.FILES)
    if photo_form.is_valid():
        photo = call_service(
            photo_form,
            services.outlet_photo_add,
            actor=request.user,
            outlet=outlet,
            file=photo_form.cleaned_data["file"],
            caption=photo_form.cleaned_data["caption"],
        )
        if photo is not None:
            messages.success(request, _("The photo is added."))
            return redirect("outlets:outlet_detail", pk=outlet.pk)
    return _detail_page(request, outlet, photo_form=photo_form)


@role_required(*OFFICES)
@require_http_methods(["GET", "POST"])
def outlet_photo_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a photo of an outlet, after confirmation."""
    photo = get_object_or_404(
        OutletPhoto.objects.select_related("outlet").filter(
            outlet__in=outlet_for_user(request.user).values("pk")
        ),
        pk=pk,
    )
    error = None
    if request.method == "POST":
        try:
            services.outlet_photo_remove(actor=request.user, photo=photo)
        except ApplicationError as refusal:
            error = refusal.message
        else:
            messages.success(request, _("The photo is removed."))
            return redirect("outlets:outlet_detail", pk=photo.outlet_id)
    return render(request, "outlets/outlet_photo_remove.html", {"photo": photo, "error": error})


def _file_response(photo) -> FileResponse:
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def outlet_photo(request: HttpRequest, pk: int) -> FileResponse:
    """An outlet's photo: for anyone while the outlet is active (the finder shows it),
    otherwise only for those who manage or run the outlet. Never a public media URL."""
    visible = OutletPhoto.objects.filter(
        Q(outlet__status=Outlet.Status.ACTIVE)
        | Q(outlet__in=outlet_for_user(request.user).values("pk"))
    )
    return _file_response(get_object_or_404(visible, pk=pk))


@role_required(*OFFICES)
@require_GET
def inspection_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A photo taken at an inspection: evidence for the offices managing the outlet only."""
    visible = InspectionPhoto.objects.filter(
        inspection__in=inspection_for_user(request.user).values("pk")
    )
    return _file_response(get_object_or_404(visible, pk=pk))


@role_required(*OFFICES)
@require_http_methods(["GET", "POST"])
def inspection_create(request: HttpRequest, pk: int) -> HttpResponse:
    """An office records an inspection of the outlet."""
    outlet = _managed_or_404(request.user, pk)
    form = InspectionForm(
        request.POST or None, request.FILES or None, initial={"inspected_on": today()}
    )
    if request.method == "POST" and form.is_valid():
        inspection = call_service(
            form,
            oversight.inspection_record,
            actor=request.user,
            outlet=outlet,
            as_of=today(),
            **form.inspection_values(),
        )
        if inspection is not None:
            if inspection.result == "passed":
                messages.success(request, _("The inspection is recorded."))
            else:
                messages.warning(
                    request,
                    _(
                        "The inspection is recorded with the result “%(result)s”. Suspend the "
                        "outlet if the findings call for it."
                    )
                    % {"result": inspection.get_result_display()},
                )
            return redirect("outlets:outlet_detail", pk=outlet.pk)
    return render(request, "outlets/inspection_form.html", {"form": form, "outlet": outlet})


@role_required(*OFFICES)
@require_http_methods(["GET", "POST"])
def outlet_status(request: HttpRequest, pk: int, status: str) -> HttpResponse:
    """The confirmation step of suspending, reinstating or exiting an outlet."""
    labels = _status_labels()
    if status not in labels:
        raise Http404
    outlet = _managed_or_404(request.user, pk)
    form = OutletStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        change = call_service(
            form,
            oversight.outlet_set_status,
            actor=request.user,
            outlet=outlet,
            status=status,
            as_of=today(),
            **form.cleaned_data,
        )
        if change is not None:
            messages.success(
                request,
                _("“%(name)s” is now “%(status)s”.")
                % {"name": outlet.name, "status": Outlet.Status(status).label},
            )
            return redirect("outlets:outlet_detail", pk=outlet.pk)
    title, consequence = labels[status]
    return render(
        request,
        "outlets/outlet_status.html",
        {
            "form": form,
            "outlet": outlet,
            "title": title,
            "consequence": consequence,
            "final": status == Outlet.Status.EXITED,
            "target": Outlet.Status(status).label,
            "notifies": outlet.operator_id is not None and outlet.operator.kind == "supplier",
        },
    )


urlpatterns = [
    path("manage/", registry, name="manage"),
    path("manage/export/", registry_export, name="manage_export"),
    path("manage/new/", outlet_create, name="outlet_create"),
    path("manage/<int:pk>/", outlet_detail, name="outlet_detail"),
    path("manage/<int:pk>/edit/", outlet_edit, name="outlet_edit"),
    path("manage/<int:pk>/photos/", outlet_photo_add, name="outlet_photo_add"),
    path("manage/photos/<int:pk>/remove/", outlet_photo_remove, name="outlet_photo_remove"),
    path("manage/<int:pk>/inspections/new/", inspection_create, name="inspection_create"),
    path("manage/inspection-photos/<int:pk>/", inspection_photo, name="inspection_photo"),
    path("manage/<int:pk>/status/<str:status>/", outlet_status, name="outlet_status"),
    path("photos/<int:pk>/", outlet_photo, name="outlet_photo"),
]
