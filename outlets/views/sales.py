"""Monthly sales reports of the outlets: the operator or the district office reports a month,
missing reports are listed, and a month's sales of many outlets import from Excel.

Views stay thin: a form parses, a selector reads (``sales_outlets_for_user``: 404 for an outlet
the user does not report), a service acts (403 for a role that may not); the view puts a
refusal back on the outlet's row.
"""

from __future__ import annotations

import io
from collections import Counter
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.models import Region, Role
from portal.money import ZERO
from portal.periods import today
from portal.permissions import role_required
from portal.roles import actor_of
from portal.spreadsheets import oversize_message
from procurement.exports import XLSX
from procurement.forms import call_service

from ..forms.sales import SalesAmountForm, SalesFilterForm, SalesImportForm
from ..imports import HEADERS, build_template, sales_import
from ..selectors import (
    Month,
    last_ended_month,
    sales_missing,
    sales_month_outlets,
    sales_outlets_for_user,
    was_active_in,
)
from ..services.sales import correction_message, month_label, sales_report_set

REPORTERS = (Role.CITY_OFFICE, Role.DISTRICT_OFFICE, Role.SUPPLIER)
SALES_PAGE_SIZE = 50
# What the page keeps across a save besides the month: its filters and page.
KEPT = ("district", "show", "page")


def _filters(request: HttpRequest, data) -> SalesFilterForm:
    as_of = today()
    districts = None
    if actor_of(request.user).is_city_office:
        districts = list(
            Region.objects.filter(parent_id=settings.PORTAL_CITY_CODE)
            .order_by("code")
            .values_list("code", "name")
        )
    default = last_ended_month(as_of=as_of)
    values = {"year": default.year, "month": default.month}
    values.update({key: value for key, value in data.items() if value not in ("", None)})
    return SalesFilterForm(values, as_of=as_of, districts=districts)


def _month_query(month: Month, **extra) -> str:
    return urlencode({"year": month.year, "month": month.month, **extra})


@role_required(*REPORTERS)
@require_http_methods(["GET", "POST"])
def sales(request: HttpRequest) -> HttpResponse:
    """The month's outlets with their sales; each reportable row has its own form."""
    user = request.user
    bound: SalesAmountForm | None = None
    bound_pk = None
    if request.method == "POST":
        bound_pk = _int_or_none(request.POST.get("outlet"))
        outlet = get_object_or_404(sales_outlets_for_user(user), pk=bound_pk)
        bound = SalesAmountForm(request.POST, outlet_pk=outlet.pk)
        if bound.is_valid():
            data = bound.cleaned_data
            result = call_service(
                bound,
                sales_report_set,
                actor=user,
                outlet=outlet,
                year=data["year"],
                month=data["month"],
                amount=data["amount"],
                as_of=today(),
            )
            if result is not None:
                messages.success(request, correction_message(result))
                kept = {k: v for k in KEPT if (v := request.GET.get(k))}
                query = _month_query(Month(data["year"], data["month"]), **kept)
                return redirect(f"{reverse('outlets:sales')}?{query}")
        filters = _filters(
            request,
            {
                "year": request.POST.get("year"),
                "month": request.POST.get("month"),
                **{k: request.GET.get(k) for k in KEPT},
            },
        )
    else:
        filters = _filters(request, request.GET)

    if not filters.is_valid():
        return render(
            request,
            "outlets/sales_list.html",
            {"filters": filters, "month": None, "page": None},
            status=400,
        )
    chosen = filters.cleaned_data
    month = filters.chosen_month()
    rows = sales_month_outlets(user=user, month=month)
    missing = sales_missing(user=user, month=month)
    if chosen.get("district"):
        rows = rows.filter(district_id=chosen["district"])
        missing = [outlet for outlet in missing if outlet.district_id == chosen["district"]]
    if chosen.get("show") == "missing":
        rows = rows.filter(pk__in=[outlet.pk for outlet in missing])
    elif chosen.get("show") == "reported":
        rows = rows.filter(month_report_id__isnull=False)
    totals = rows.aggregate(
        count=Count("pk"),
        reported=Count("pk", filter=Q(month_report_id__isnull=False)),
        amount=Sum("month_amount", default=ZERO),
    )
    paginator = Paginator(rows, SALES_PAGE_SIZE)
    paginator.count = totals["count"]  # known from the totals: spare the COUNT query
    page = paginator.get_page(request.GET.get("page"))
    missing_pks = {outlet.pk for outlet in missing}
    for outlet in page.object_list:
        outlet.missing = outlet.pk in missing_pks
        outlet.active = outlet.missing or was_active_in(outlet, month)
        if bound is not None and outlet.pk == bound_pk:
            outlet.form = bound
        elif outlet.active or outlet.month_report_id is not None:
            outlet.form = SalesAmountForm(
                initial={
                    "outlet": outlet.pk,
                    "year": month.year,
                    "month": month.month,
                    "amount": outlet.month_amount,
                },
                outlet_pk=outlet.pk,
            )
        else:
            outlet.form = None
    by_district = None
    if actor_of(user).is_city_office and missing:
        names = {outlet.district_id: outlet.district.name for outlet in missing}
        counts = Counter(outlet.district_id for outlet in missing)
        by_district = [(names[code], counts[code]) for code in sorted(counts)]
    query = {k: v for k, v in request.GET.items() if k not in ("year", "month")}
    return render(
        request,
        "outlets/sales_list.html",
        {
            "filters": filters,
            "filtered": bool(chosen.get("district") or chosen.get("show")),
            "month": month,
            "month_label": month_label(month),
            "month_query": _month_query(month),
            "back_query": _month_query(month, **query),
            "previous_query": _month_query(month.previous()),
            "next_query": _month_query(month.next()) if month < Month.of(today()) else None,
            "page": page,
            "totals": totals,
            "missing_count": len(missing),
            "missing_by_district": by_district,
            "bound_pk": bound_pk,
        },
    )


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@role_required(*REPORTERS)
@require_GET
def sales_template(request: HttpRequest) -> FileResponse:
    """The import template, one row per outlet the user reports for the chosen month."""
    filters = _filters(request, {k: request.GET.get(k) for k in ("year", "month")})
    month = filters.chosen_month() if filters.is_valid() else last_ended_month(as_of=today())
    return FileResponse(
        io.BytesIO(build_template(user=request.user, month=month)),
        as_attachment=True,
        filename=f"专柜销售额导入模板-{month_label(month)}.xlsx",
        content_type=XLSX,
    )


@role_required(*REPORTERS)
@require_http_methods(["GET", "POST"])
def sales_import_page(request: HttpRequest) -> HttpResponse:
    as_of = today()
    default = last_ended_month(as_of=as_of)
    initial = {"year": default.year, "month": default.month}
    for key in ("year", "month"):
        if _int_or_none(request.GET.get(key)):
            initial[key] = int(request.GET[key])
    form = SalesImportForm(
        request.POST or None, request.FILES or None, as_of=as_of, initial=initial
    )
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        month = form.chosen_month()
        if (problem := oversize_message(upload.size)) is not None:
            form.add_error("file", problem)
        else:
            result = sales_import(
                actor=request.user,
                year=month.year,
                month=month.month,
                name=upload.name,
                content=upload.read(),
                as_of=as_of,
            )
            if not result.errors:
                messages.success(
                    request,
                    _(
                        "%(month)s imported from “%(name)s”: %(created)s reported, %(updated)s "
                        "corrected, %(unchanged)s unchanged, %(skipped)s rows without an amount."
                    )
                    % {"month": month_label(month), "name": upload.name, **result.counts()},
                )
                target = f"{reverse('outlets:sales')}?{_month_query(month)}"
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return redirect(target)
            problems = result.errors
    year, number = _int_or_none(form["year"].value()), _int_or_none(form["month"].value())
    month = Month(year, number) if year and number in range(1, 13) else default
    context = {
        "form": form,
        "problems": problems,
        "headers": HEADERS,
        "month_query": _month_query(month),
        "title": _("Import monthly sales from Excel"),
    }
    template = (
        "outlets/sales_import_result.html"
        if request.headers.get("HX-Request")
        else "outlets/sales_import.html"
    )
    status = 400 if problems or form.errors else 200
    return render(request, template, context, status=status)


urlpatterns = [
    path("sales/", sales, name="sales"),
    path("sales/import/", sales_import_page, name="sales_import"),
    path("sales/template/", sales_template, name="sales_template"),
]
