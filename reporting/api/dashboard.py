"""The dashboard API of api.md: ``dashboard/summary/?year=``.

The same aggregates as the offices' dashboard page (``reporting.dashboard``), computed in the
database in a fixed number of queries; money as decimal strings in yuan. Filters beyond
api.md's ``year``: ``quarter`` and (city office) ``district``. ``urlpatterns`` holds the path
for ``reporting.api_urls``."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.models import Role
from portal.periods import today
from portal.permissions import HasRole

from ..dashboard import dashboard_data, dashboard_scope

MONEY = {"max_digits": 18, "decimal_places": 2}


class SummaryQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    quarter = serializers.IntegerField(min_value=1, max_value=4, required=False)
    district = serializers.CharField(required=False, max_length=6)


class SummaryDistrictSerializer(serializers.Serializer):
    district = serializers.CharField(source="code")
    name = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    year_to_date = serializers.DecimalField(**MONEY)
    target = serializers.DecimalField(**MONEY, allow_null=True)


class SummaryRegionSerializer(serializers.Serializer):
    region = serializers.CharField(source="code")
    name = serializers.CharField()
    paired = serializers.BooleanField()
    amount = serializers.DecimalField(**MONEY)
    year_to_date = serializers.DecimalField(**MONEY)
    target = serializers.DecimalField(**MONEY, allow_null=True)


class SummaryChannelSerializer(serializers.Serializer):
    channel = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)


class SummaryKindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    active = serializers.IntegerField()
    opened = serializers.IntegerField()


class SummarySchemeSerializer(serializers.Serializer):
    scheme = serializers.CharField()
    count = serializers.IntegerField()


class SummaryCertifiedSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_scheme = SummarySchemeSerializer(many=True)


class SummaryCountySerializer(serializers.Serializer):
    region = serializers.CharField(source="code")
    name = serializers.CharField()
    area = serializers.CharField(help_text="Its province and city.")
    products = serializers.IntegerField(help_text="The distinct certified products bought.")
    households = serializers.IntegerField()


class SummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField(allow_null=True)
    district = serializers.CharField(allow_null=True)
    total_assistance = serializers.DecimalField(**MONEY)
    target = serializers.DecimalField(**MONEY, allow_null=True)
    units_total = serializers.IntegerField()
    units_compliant = serializers.IntegerField()
    by_district = SummaryDistrictSerializer(many=True)
    by_region = SummaryRegionSerializer(many=True)
    by_channel = SummaryChannelSerializer(many=True)
    outlets_by_kind = SummaryKindSerializer(many=True)
    certified_products = SummaryCertifiedSerializer()
    households_reached = serializers.IntegerField(
        help_text="一品一码: the sum of households_lifted over the distinct certified products "
        "bought in the period (records not rejected)."
    )
    households_by_county = SummaryCountySerializer(
        many=True, help_text="The regions of origin with the most households reached, most first."
    )


class DashboardSummaryView(APIView):
    """The dashboard's figures for a year (or one of its quarters): the city office reads the
    city (or one district with ``?district=``), a district office its own district."""

    permission_classes = [IsAuthenticated, HasRole.of(Role.CITY_OFFICE, Role.DISTRICT_OFFICE)]

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="default: this year"),
            OpenApiParameter("quarter", int, description="1-4; default: the whole year"),
            OpenApiParameter("district", str, description="division code of a city district"),
        ],
        responses=SummarySerializer,
    )
    def get(self, request):
        query = SummaryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        chosen = query.validated_data
        scope = dashboard_scope(
            user=request.user,
            year=chosen.get("year") or today().year,
            quarter=chosen.get("quarter"),
            district=chosen.get("district"),
            as_of=today(),
        )
        if chosen.get("district") and scope.district is None:
            raise ValidationError({"district": [_("Not a district of the city.")]})
        data = dashboard_data(user=request.user, scope=scope)
        summary = {
            "year": scope.year,
            "quarter": scope.quarter,
            "district": scope.district,
            "total_assistance": data.headline.amount,
            "target": data.headline.target,
            "units_total": data.headline.units_total,
            "units_compliant": data.headline.units_compliant,
            "by_district": data.by_district,
            "by_region": [row for row in data.by_region if row.year_to_date or row.target],
            "by_channel": [
                {"channel": code, "amount": amount} for code, amount in data.by_channel.items()
            ],
            "outlets_by_kind": data.outlets_by_kind,
            "certified_products": {
                "total": data.certified_total,
                "by_scheme": data.certified_by_scheme,
            },
            "households_reached": data.households_reached,
            "households_by_county": data.households_top_counties,
        }
        return Response(SummarySerializer(summary).data)


urlpatterns = [
    path("dashboard/summary/", DashboardSummaryView.as_view(), name="dashboard-summary"),
]
