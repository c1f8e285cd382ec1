"""The coordination offices' dashboards: the year's progress against the targets, where the
money went, compliance, outlets and certified products; each figure a chart, a table and an
export.

``reporting.dashboard`` computes the numbers (in the database) and
``reporting.dashboard_figures`` turns them into figures; this module serves the page and its
Excel export.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.models import Role
from portal.periods import today
from portal.permissions import role_required

from ..dashboard import Dashboard, DashboardScope, dashboard_data, dashboard_scope
from ..dashboard_export import XLSX, dashboard_workbook
from ..dashboard_figures import dashboard_figures, period_label, scope_label
from ..forms_dashboard import DashboardFilterForm

OFFICES = (Role.CITY_OFFICE, Role.DISTRICT_OFFICE)


def _read(request: HttpRequest) -> tuple[DashboardFilterForm, Dashboard]:
    as_of = today()
    form = DashboardFilterForm(request.GET or None, user=request.user, as_of=as_of)
    scope = dashboard_scope(user=request.user, as_of=as_of, **form.chosen())
    return form, dashboard_data(user=request.user, scope=scope)


def _title(scope: DashboardScope) -> str:
    return _("%(area)s consumption assistance dashboard, %(period)s") % {
        "area": scope_label(scope),
        "period": period_label(scope),
    }


@role_required(*OFFICES)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form, data = _read(request)
    scope = data.scope
    filtered = any(request.GET.get(key) for key in form.fields if key != "year")
    return render(
        request,
        "reporting/dashboard.html",
        {
            "filters": form,
            "filtered": filtered,
            "data": data,
            "scope": scope,
            "period": period_label(scope),
            "area": scope_label(scope),
            "figures": dashboard_figures(data),
            "echarts_locale": "ZH" if (get_language() or "").startswith("zh") else "EN",
        },
    )


@role_required(*OFFICES)
@require_GET
def dashboard_export(request: HttpRequest) -> FileResponse:
    """One workbook of every figure's table, for the same filters as the page."""
    _form, data = _read(request)
    title = _title(data.scope)
    return FileResponse(
        dashboard_workbook(data, dashboard_figures(data), title=title),
        as_attachment=True,
        filename=f"{title}-{today().isoformat()}.xlsx",
        content_type=XLSX,
    )


urlpatterns = [
    path("statistics/dashboard/", dashboard, name="dashboard"),
    path("statistics/dashboard/export/", dashboard_export, name="dashboard_export"),
]
