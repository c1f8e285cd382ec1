"""``GET procurement/projection/``: each visible unit's projected year end and early warning
(``procurement.projection``), paginated like the compliance list.

Filters: ``?year=`` (default: the current year), ``?district=`` (a district's division code),
``?warning=true`` (only the units warned), ``?sort=`` (``gap``, ``-gap``, ``name``,
``projected_share``, ``-projected_share``…). Units see themselves only; suppliers and
reviewers read an empty list, as on the compliance list.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView

from portal.money import MONEY_MAX_DIGITS
from portal.periods import today
from portal.serializers import RowOutput

from ..models import BudgetUnit
from ..projection import SORTS, projection_rows, sorted_rows
from .views import CompliancePagination


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2, **kwargs)


def _share(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=8, decimal_places=4, **kwargs)


class ProjectionQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    district = serializers.CharField(required=False, max_length=6)
    warning = serializers.BooleanField(required=False, allow_null=True, default=None)
    sort = serializers.ChoiceField(choices=[*SORTS, *(f"-{key}" for key in SORTS)], required=False)


class ProjectionSerializer(RowOutput, serializers.Serializer):
    budget_unit = serializers.IntegerField()
    name = serializers.CharField()
    district = serializers.CharField(allow_null=True)
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    months_elapsed = serializers.IntegerField()
    season_basis = serializers.ChoiceField(choices=["own", "city", "linear"])
    season_fraction = _share()
    assistance_to_date = _money()
    projected_assistance = _money()
    agri_declared = _money()
    quarters_declared = serializers.IntegerField()
    agri_basis = serializers.ChoiceField(choices=["own", "linear", "none"])
    projected_agri_total = _money(allow_null=True)
    required_share = serializers.DecimalField(max_digits=4, decimal_places=3)
    projected_share = _share(allow_null=True)
    projected_shortfall = _money(allow_null=True)
    last_year_total = _money()
    projected_vs_last_year = _money()
    growth_required = serializers.BooleanField()
    meets_quota = serializers.BooleanField()
    meets_growth = serializers.BooleanField()
    warning = serializers.BooleanField()
    growth_gap = _money()
    gap = _money()
    months_left = serializers.IntegerField()
    monthly_needed = _money(allow_null=True)


class ProjectionView(GenericAPIView):
    """One row per visible unit: its projected year end against the main rule and last
    year, and whether it is on the early-warning list (from the third quarter on)."""

    serializer_class = ProjectionSerializer
    pagination_class = CompliancePagination
    queryset = BudgetUnit.objects.none()  # rows come from procurement.projection

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="default: the current year"),
            OpenApiParameter("district", str, description="division code of a city district"),
            OpenApiParameter("warning", bool, description="true: only the units warned"),
            OpenApiParameter("sort", str, description="gap, -gap, name, projected_share…"),
        ],
        responses=ProjectionSerializer(many=True),
    )
    def get(self, request):
        # A plain dict: DRF reads a missing boolean of a QueryDict (form input) as False.
        query = ProjectionQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        values = query.validated_data
        as_of = today()
        rows = projection_rows(
            user=request.user,
            year=values.get("year") or as_of.year,
            as_of=as_of,
            district=values.get("district") or None,
        )
        if values.get("warning") is not None:
            rows = [row for row in rows if row.warning == values["warning"]]
        page = self.paginate_queryset(sorted_rows(rows, values.get("sort") or ""))
        return self.get_paginated_response(ProjectionSerializer(page, many=True).data)


urlpatterns = [
    path("procurement/projection/", ProjectionView.as_view(), name="projection"),
]
