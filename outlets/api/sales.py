"""The outlets' monthly sales reports over the API, on the services of the pages.

- ``outlet-sales/`` GET (filters ``outlet``, ``year``, ``month``, ``district``), POST
  (``outlet``, ``year``, ``month``, ``amount`` as a decimal string): 201 for a first report,
  200 for a correction, with ``previous_amount``;
- ``outlet-sales/missing/`` GET (``year``, ``month``; default the month just ended): the
  outlets active in the month that have not reported it;
- ``outlet-sales/import/`` POST multipart ``file``, ``year``, ``month``: 201
  ``{"created", "updated", "unchanged", "skipped"}`` or 400 ``{"created": 0, "errors":
  [{"row", "column", "message"}]}``, like ``procurement/imports/``.

The prefix is ``outlet-sales``, not ``outlets/sales``: the registry's ``outlets/{id}/`` would
capture "sales" as an id.

``routes`` lists (prefix, viewset, basename) for ``outlets.api_urls``."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from portal.api import file_refused
from portal.models import Role
from portal.periods import today
from portal.permissions import HasRole
from portal.spreadsheets import oversize_message

from ..imports import sales_import
from ..models import Outlet, OutletSalesReport
from ..selectors import (
    Month,
    last_ended_month,
    sales_missing,
    sales_outlets_for_user,
    sales_report_for_user,
)
from ..services.sales import sales_report_set

REPORTERS = (Role.CITY_OFFICE, Role.DISTRICT_OFFICE, Role.SUPPLIER)


class SalesReportSerializer(serializers.ModelSerializer):
    outlet_name = serializers.CharField(source="outlet.name", read_only=True)
    district = serializers.CharField(source="outlet.district_id", read_only=True)
    reported_by = serializers.CharField(
        source="reported_by.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = OutletSalesReport
        fields = [
            "id",
            "outlet",
            "outlet_name",
            "district",
            "year",
            "month",
            "amount",
            "reported_by",
            "reported_at",
        ]
        read_only_fields = fields


class SalesReportInput(serializers.Serializer):
    outlet = serializers.IntegerField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class SalesReportOutput(SalesReportSerializer):
    previous_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, read_only=True
    )

    class Meta(SalesReportSerializer.Meta):
        fields = [*SalesReportSerializer.Meta.fields, "previous_amount"]
        read_only_fields = fields


class OutletSalesFilter(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="outlet__district_id")

    class Meta:
        model = OutletSalesReport
        fields = ["outlet", "year", "month", "district"]


class SalesMonthQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    month = serializers.IntegerField(min_value=1, max_value=12, required=False)

    def month_or_default(self) -> Month:
        default = last_ended_month(as_of=today())
        return Month(
            self.validated_data.get("year", default.year),
            self.validated_data.get("month", default.month),
        )


class SalesMissingSerializer(serializers.ModelSerializer):
    district_name = serializers.CharField(source="district.name", read_only=True)

    class Meta:
        model = Outlet
        fields = ["id", "name", "kind", "district", "district_name", "status", "opened_on"]
        read_only_fields = fields


class SalesImportInput(serializers.Serializer):
    file = serializers.FileField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)


class SalesReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """An outlet's sales of assistance products month by month: its operator, the district
    office of its district or the city office reports them; reporting a month again corrects
    it."""

    permission_classes = [HasRole.of(*REPORTERS)]
    serializer_class = SalesReportSerializer
    filterset_class = OutletSalesFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            sales_report_for_user(self.request.user)
            .select_related("outlet", "reported_by")
            .order_by("-year", "-month", "outlet__district_id", "outlet__name", "pk")
        )

    @extend_schema(
        request=SalesReportInput, responses={200: SalesReportOutput, 201: SalesReportOutput}
    )
    def create(self, request, *args, **kwargs):
        values = SalesReportInput(data=request.data)
        values.is_valid(raise_exception=True)
        data = values.validated_data
        outlet = get_object_or_404(sales_outlets_for_user(request.user), pk=data["outlet"])
        result = sales_report_set(
            actor=request.user,
            outlet=outlet,
            year=data["year"],
            month=data["month"],
            amount=data["amount"],
            as_of=today(),
        )
        result.report.previous_amount = result.previous
        return Response(
            SalesReportOutput(result.report).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )

    @extend_schema(
        parameters=[OpenApiParameter("year", int), OpenApiParameter("month", int)],
        responses={200: SalesMissingSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def missing(self, request):
        """The user's outlets active in the month (default: the month just ended) that have
        not reported it."""
        query = SalesMonthQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        outlets = sales_missing(user=request.user, month=query.month_or_default())
        page = self.paginate_queryset(outlets)
        return self.get_paginated_response(SalesMissingSerializer(page, many=True).data)

    @extend_schema(request={"multipart/form-data": SalesImportInput})
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_file(self, request):
        values = SalesImportInput(data=request.data)
        values.is_valid(raise_exception=True)
        upload = values.validated_data["file"]
        if (problem := oversize_message(upload.size)) is not None:
            return file_refused(problem)
        result = sales_import(
            actor=request.user,
            year=values.validated_data["year"],
            month=values.validated_data["month"],
            name=upload.name,
            content=upload.read(),
            as_of=today(),
        )
        if result.errors:
            return Response(
                {"created": 0, "errors": [error.as_dict() for error in result.errors]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(result.counts(), status=status.HTTP_201_CREATED)


routes: list[tuple] = [("outlet-sales", SalesReportViewSet, "outlet-sales")]
