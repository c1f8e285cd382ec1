"""The quarterly reports: request a run, watch its progress, download its files.

Every read goes through ``report_run_for_user`` (another district's run is a 404); the
request itself through ``report_run_request``, which decides who may run what.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.models import Region, Role
from portal.periods import last_ended_quarter, today
from portal.permissions import role_required
from portal.roles import actor_of
from procurement.forms import call_service

from ..forms import ReportRunForm, RunFilterForm
from ..models import ReportRun
from ..selectors import report_run_for_user
from ..services import ACTIVE, report_file_name, report_run_request

OFFICES = (Role.CITY_OFFICE, Role.DISTRICT_OFFICE)
RUNS_PAGE_SIZE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def duration_label(duration: datetime.timedelta | None) -> str:
    if duration is None:
        return "—"
    seconds = max(0, round(duration.total_seconds()))
    if seconds < 60:
        return _("%(seconds)d s") % {"seconds": seconds}
    return _("%(minutes)d min %(seconds)d s") % {"minutes": seconds // 60, "seconds": seconds % 60}


def _decorate(run: ReportRun) -> ReportRun:
    run.duration_label = duration_label(run.duration)
    run.active = run.status in ACTIVE
    return run


def _runs(user):
    return report_run_for_user(user).select_related("requested_by").order_by("-created_at", "-pk")


@role_required(*OFFICES)
@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest) -> HttpResponse:
    """Run a report of any ended quarter, and the list of past runs."""
    as_of = today()
    actor = actor_of(request.user)
    city_office = actor.is_city_office
    if request.method == "POST":
        form = ReportRunForm(request.POST, as_of=as_of, city_office=city_office)
        if form.is_valid():
            run = call_service(
                form,
                report_run_request,
                actor=request.user,
                year=form.cleaned_data["year"],
                quarter=form.cleaned_data["quarter"],
                district=form.district if city_office else None,
                as_of=as_of,
            )
            if run is not None:
                # Queuing happens once the request's transaction commits: a lost broker has
                # marked the run failed by now.
                run.refresh_from_db(fields=["status", "error"])
                if run.status == ReportRun.Status.FAILED:
                    messages.error(request, run.error)
                elif run.reused:
                    messages.info(
                        request,
                        _("The same report is already being built; here is that run."),
                    )
                else:
                    messages.success(
                        request,
                        _("The report is queued. This page follows it until its files are ready."),
                    )
                return redirect("reporting:report_run", pk=run.pk)
    else:
        last = last_ended_quarter(as_of=as_of)
        form = ReportRunForm(
            initial={"year": last.year, "quarter": last.quarter},
            as_of=as_of,
            city_office=city_office,
        )
    filters = RunFilterForm(request.GET or None, as_of=as_of, city_office=city_office)
    runs = filters.apply(_runs(request.user))
    totals = runs.aggregate(
        count=Count("pk"),
        succeeded=Count("pk", filter=Q(status=ReportRun.Status.SUCCEEDED)),
        active=Count("pk", filter=Q(status__in=ACTIVE)),
        failed=Count("pk", filter=Q(status=ReportRun.Status.FAILED)),
    )
    paginator = Paginator(runs, RUNS_PAGE_SIZE)
    paginator.count = totals["count"]  # known from the totals: spare the COUNT query
    page = paginator.get_page(request.GET.get("page"))
    for run in page.object_list:
        _decorate(run)
    own_district = None
    if not city_office:
        own_district = (
            Region.objects.filter(pk=actor.district_code).values_list("name", flat=True).first()
        )
    return render(
        request,
        "reporting/reports.html",
        {
            "form": form,
            "filters": filters,
            "filtered": filters.is_bound
            and any(value for key, value in request.GET.items() if key != "page"),
            "page": page,
            "totals": totals,
            "city_office": city_office,
            "own_district": own_district,
        },
    )


def _run_or_404(request: HttpRequest, pk: int) -> ReportRun:
    return _decorate(get_object_or_404(_runs(request.user), pk=pk))


@role_required(*OFFICES)
@require_GET
def report_run(request: HttpRequest, pk: int) -> HttpResponse:
    """One run: its status (polled every 2 s while it is queued or running) and its files."""
    return render(request, "reporting/run_detail.html", {"run": _run_or_404(request, pk)})


@role_required(*OFFICES)
@require_GET
def report_run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's status block alone, for htmx polling; once the run has ended the block comes
    back without its trigger, which stops the polling."""
    return render(request, "reporting/run_status.html", {"run": _run_or_404(request, pk)})


def _download(request: HttpRequest, pk: int, field: str, content_type: str) -> FileResponse:
    run = get_object_or_404(
        report_run_for_user(request.user), pk=pk, status=ReportRun.Status.SUCCEEDED
    )
    stored = getattr(run, field)
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    return FileResponse(
        handle,
        as_attachment=True,
        filename=report_file_name(run, field),
        content_type=content_type,
    )


@role_required(*OFFICES)
@require_GET
def report_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    """The run's Excel workbook, only for those who may read the run; never a media URL."""
    return _download(request, pk, "xlsx", XLSX)


@role_required(*OFFICES)
@require_GET
def report_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The run's PDF summary, only for those who may read the run; never a media URL."""
    return _download(request, pk, "pdf", "application/pdf")


urlpatterns = [
    path("statistics/reports/", reports, name="reports"),
    path("statistics/reports/<int:pk>/", report_run, name="report_run"),
    path("statistics/reports/<int:pk>/status/", report_run_status, name="report_run_status"),
    path("statistics/reports/<int:pk>/report.xlsx", report_xlsx, name="report_xlsx"),
    path("statistics/reports/<int:pk>/report.pdf", report_pdf, name="report_pdf"),
]
