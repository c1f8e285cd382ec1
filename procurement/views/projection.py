"""The year-end projection and early-warning page of the coordination offices (and of a unit,
which sees only itself), and its Excel export (``procurement.projection`` computes).

The projection of every visible unit is computed at once in a fixed number of queries
(a city has ~1,000 units), then filtered, sorted and cut into pages here.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

from django import forms
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from portal.excel import safe_row, styled_cell, titled_sheet
from portal.money import ZERO
from portal.periods import today
from portal.permissions import role_required
from portal.roles import actor_of

from ..exports import XLSX, YUAN_FORMAT
from ..models import BudgetUnit
from ..projection import (
    SORTS,
    WARNING_FROM_QUARTER,
    Projection,
    projection_rows,
    sorted_rows,
    warning_period,
)
from .common import READERS, YearListFilterForm, sort_links

PAGE_SIZE = 50
SHARE_FORMAT = "0.0%"
SHOW_ALL, SHOW_WARNINGS = "", "warnings"


class ProjectionFilterForm(YearListFilterForm):
    sorts = SORTS
    show = forms.ChoiceField(
        label=gettext_lazy("Units to show"),
        required=False,
        choices=[
            (SHOW_ALL, gettext_lazy("All units")),
            (SHOW_WARNINGS, gettext_lazy("Early warnings only")),
        ],
    )


@dataclass(frozen=True)
class Filters:
    year: int
    district: str
    district_name: str
    show: str
    sort: str


def _read_filters(request: HttpRequest, as_of) -> tuple[ProjectionFilterForm, Filters]:
    """The chosen filters; a value that does not parse falls back to its default."""
    form = ProjectionFilterForm(request.GET, user=request.user, as_of=as_of)
    chosen = form.chosen()
    return form, Filters(
        year=chosen["year"],
        district=chosen["district"],
        district_name=chosen["district_name"],
        show=chosen.get("show") or SHOW_ALL,
        sort=chosen["sort"],
    )


def selected_rows(user, filters: Filters, as_of) -> list[Projection]:
    rows = projection_rows(
        user=user, year=filters.year, as_of=as_of, district=filters.district or None
    )
    if filters.show == SHOW_WARNINGS:
        rows = [row for row in rows if row.warning]
    return sorted_rows(rows, filters.sort)


def _totals(rows: list[Projection]) -> dict:
    return {
        "count": len(rows),
        "warned": sum(row.warning for row in rows),
        "missing_quota": sum(not row.meets_quota for row in rows),
        "below_last_year": sum(row.growth_required and not row.meets_growth for row in rows),
        "to_date": sum((row.assistance_to_date for row in rows), ZERO),
        "projected": sum((row.projected_assistance for row in rows), ZERO),
        "gap": sum((row.gap for row in rows), ZERO),
    }


@role_required(*READERS)
@require_GET
def projection_page(request: HttpRequest) -> HttpResponse:
    as_of = today()
    form, filters = _read_filters(request, as_of)
    rows = selected_rows(request.user, filters, as_of)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(
        value for key, value in request.GET.items() if key not in ("page", "sort", "year")
    )
    return render(
        request,
        "procurement/projection.html",
        {
            "filters": form,
            "chosen": filters,
            "year": filters.year,
            "as_of": as_of,
            "warning_period": warning_period(filters.year, as_of),
            "past_year": filters.year < as_of.year,
            "warning_from_quarter": WARNING_FROM_QUARTER,
            "totals": _totals(rows),
            "page": page,
            "rows": page.object_list,
            "sorts": sort_links(
                request, filters.sort, SORTS, largest_first=[key for key in SORTS if key != "name"]
            ),
            "filtered": filtered,
            "is_office": not actor_of(request.user).is_unit,
        },
    )


EXPORT_HEADERS = [
    ("预算单位", 36),
    ("所属区", 12),
    ("单位类别", 18),
    ("截至目前帮扶采购额(元)", 20),
    ("预计全年帮扶采购额(元)", 20),
    ("季节依据", 12),
    ("已申报农副产品采购总额(元)", 22),
    ("预计全年农副产品采购总额(元)", 22),
    ("预计占比", 12),
    ("要求比例", 12),
    ("预计差额(元)", 18),
    ("上年帮扶采购额(元)", 20),
    ("预计较上年增减(元)", 20),
    ("预警", 8),
    ("缺口(元)", 18),
    ("此后每月需采购(元)", 20),
]
SEASON_LABELS = {"own": "本单位上年", "city": "全市上年", "linear": "按月平均"}


def _title(filters: Filters, as_of) -> str:
    title = f"{filters.year}年度预算单位消费帮扶采购年终预测（截至{as_of.isoformat()}）"
    return f"{filters.district_name}{title}" if filters.district_name else title


def projection_workbook(rows: list[Projection], title: str):
    """The rows as an .xlsx in a temporary file (write-only mode)."""
    book = Workbook(write_only=True)
    sheet = titled_sheet(book, "年终预测", title=title, headers=EXPORT_HEADERS)
    categories = dict(BudgetUnit.Category.choices)

    def number(value, number_format):
        return styled_cell(sheet, value, number_format=number_format)

    for row in rows:
        sheet.append(
            safe_row(
                [
                    row.name,
                    row.district_name,
                    str(categories.get(row.category, row.category)),
                    number(row.assistance_to_date, YUAN_FORMAT),
                    number(row.projected_assistance, YUAN_FORMAT),
                    SEASON_LABELS.get(row.season_basis, row.season_basis),
                    number(row.agri_declared, YUAN_FORMAT),
                    number(row.projected_agri_total, YUAN_FORMAT),
                    number(row.projected_share, SHARE_FORMAT),
                    number(row.required_share, SHARE_FORMAT),
                    number(row.projected_shortfall, YUAN_FORMAT),
                    number(row.last_year_total, YUAN_FORMAT),
                    number(row.projected_vs_last_year, YUAN_FORMAT),
                    "是" if row.warning else "否",
                    number(row.gap, YUAN_FORMAT),
                    number(row.monthly_needed, YUAN_FORMAT),
                ]
            )
        )
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - the FileResponse closes it
    book.save(handle)
    handle.seek(0)
    return handle


@role_required(*READERS)
@require_GET
def projection_export(request: HttpRequest) -> FileResponse:
    """Exactly the units the page's filters select, in the page's order, all pages."""
    as_of = today()
    _form, filters = _read_filters(request, as_of)
    title = _title(filters, as_of)
    return FileResponse(
        projection_workbook(selected_rows(request.user, filters, as_of), title),
        as_attachment=True,
        filename=f"{title}.xlsx",
        content_type=XLSX,
    )


urlpatterns = [
    path("projection/", projection_page, name="projection"),
    path("projection/export.xlsx", projection_export, name="projection_export"),
]
