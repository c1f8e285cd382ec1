"""The quarter summary (季度汇总表): one quarter of one budget unit as a one-page A4 form the
unit prints, signs (经办人/审核人), seals and files. The unit's clerk and approver open their
own unit's; the offices open any unit's in their scope (the city office every unit, a district
office its district's), as they read the quarter's rounds of correction."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_GET

from portal.periods import Quarter, today
from portal.permissions import role_required
from portal.roles import actor_of

from ..models import BudgetUnit
from ..selectors import budget_unit_for_user
from ..summary_selectors import SUMMARY_RECORDS, quarter_summary
from .common import APPROVER, CLERK, READERS, own_unit_or_404


def _period_or_404(year: int, quarter: int) -> Quarter:
    if not 2000 <= year <= 2100:
        raise Http404
    try:
        return Quarter(year, quarter)
    except ValueError as error:
        raise Http404 from error


def _render(request: HttpRequest, unit: BudgetUnit, period: Quarter) -> HttpResponse:
    summary = quarter_summary(user=request.user, budget_unit=unit, period=period)
    return render(
        request,
        "procurement/quarter_summary.html",
        {
            "summary": summary,
            "unit": unit,
            "period": period,
            "printed_on": today(),
            "records_limit": SUMMARY_RECORDS,
            "is_unit": actor_of(request.user).is_unit,
        },
    )


@role_required(CLERK, APPROVER)
@require_GET
def quarter_summary_page(request: HttpRequest, year: int, quarter: int) -> HttpResponse:
    """The own unit's summary of a quarter."""
    period = _period_or_404(year, quarter)
    return _render(request, own_unit_or_404(request.user), period)


@role_required(*READERS)
@require_GET
def unit_quarter_summary_page(
    request: HttpRequest, unit: int, year: int, quarter: int
) -> HttpResponse:
    """A unit's summary of a quarter, for the unit's staff and the offices in scope."""
    period = _period_or_404(year, quarter)
    budget_unit = get_object_or_404(budget_unit_for_user(request.user), pk=unit)
    return _render(request, budget_unit, period)


urlpatterns: list = [
    path(
        "quarters/<int:year>/<int:quarter>/summary/",
        quarter_summary_page,
        name="quarter_summary",
    ),
    path(
        "quarters/<int:unit>/<int:year>/<int:quarter>/summary/",
        unit_quarter_summary_page,
        name="unit_quarter_summary",
    ),
]
