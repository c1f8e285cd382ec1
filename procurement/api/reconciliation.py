"""The 832 reconciliation API: upload an order export (as the purchase import: 201 with a
summary, or 400 ``{"created": 0, "errors": [{"row", "column", "message"}]}``, nothing stored),
list the imports, and read the result by state (``matched``, ``only_platform``,
``only_logged``, ``unknown_unit``), period and unit."""

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from portal.api import file_refused
from portal.spreadsheets import oversize_message

from ..models import OrderImport, PlatformOrder, ProcurementRecord
from ..reconciliation import platform_orders_import
from ..reconciliation_selectors import (
    MATCHED,
    ONLY_LOGGED,
    STATES,
    Period,
    order_import_for_user,
    state_rows,
)


class OrderImportInput(serializers.Serializer):
    file = serializers.FileField()


class ProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ImportErrorsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    errors = ProblemSerializer(many=True)


class FileErrorSerializer(serializers.Serializer):
    """The request itself is wrong (no file sent): DRF's ``{field: [messages]}``."""

    file = serializers.ListField(child=serializers.CharField())


IMPORT_PROBLEMS = PolymorphicProxySerializer(
    component_name="OrderImportProblems",
    serializers=[ImportErrorsSerializer, FileErrorSerializer],
    resource_type_field_name=None,
)


class ImportSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created = serializers.IntegerField(help_text="Orders stored for the first time.")
    orders = serializers.IntegerField(help_text="Orders read from the file.")
    new_orders = serializers.IntegerField()
    already_known = serializers.IntegerField(help_text="Orders stored by an earlier import.")
    unknown_units = serializers.IntegerField(help_text="Orders of units the portal does not know.")
    matched = serializers.IntegerField(help_text="Orders newly matched with logged purchases.")
    flagged = serializers.IntegerField(help_text="Purchases flagged as logging an order twice.")


class OrderImportSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)

    class Meta:
        model = OrderImport
        fields = [
            "id",
            "budget_unit",
            "original_name",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "orders",
            "new_orders",
            "unknown_units",
        ]
        read_only_fields = fields


class OrderImportView(ListAPIView):
    """GET: the imports the caller may see, newest first. POST (a unit's clerk: its own orders;
    the city office: every unit's): multipart ``file``, an .xlsx or a CSV in UTF-8 or GB18030."""

    serializer_class = OrderImportSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        return order_import_for_user(self.request.user).select_related(None)

    @extend_schema(
        request={"multipart/form-data": OrderImportInput},
        responses={201: ImportSummarySerializer, 400: IMPORT_PROBLEMS},
    )
    def post(self, request):
        serializer = OrderImportInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if (problem := oversize_message(upload.size)) is not None:
            return file_refused(problem)
        result = platform_orders_import(
            actor=request.user, name=upload.name, content=upload.read(), now=timezone.now()
        )
        code = status.HTTP_400_BAD_REQUEST if result.errors else status.HTTP_201_CREATED
        return Response(result.as_dict(), status=code)


class ReconciliationQuery(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES, default=MATCHED)
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    month = serializers.IntegerField(min_value=1, max_value=12, required=False)
    budget_unit = serializers.IntegerField(min_value=1, max_value=10**18, required=False)

    def validate(self, attrs):
        if "month" in attrs and "year" not in attrs:
            raise serializers.ValidationError({"month": [_("Give the year of the month.")]})
        return attrs


class OrderBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlatformOrder
        fields = [
            "id",
            "order_no",
            "ordered_at",
            "buyer_name",
            "budget_unit",
            "supplier_name",
            "supplier",
            "amount",
            "invoice_no",
            "matched_at",
        ]
        read_only_fields = fields


class RecordBriefSerializer(serializers.ModelSerializer):
    # A plain code (recorded/submitted): the record's enum is named by RecordSerializer's.
    status = serializers.CharField(read_only=True)

    class Meta:
        model = ProcurementRecord
        fields = [
            "id",
            "budget_unit",
            "purchased_on",
            "supplier",
            "amount",
            "invoice_no",
            "status",
        ]
        read_only_fields = fields


class ReconciliationRowSerializer(serializers.Serializer):
    """One row: an order (with its matched purchase, if any) or a purchase no order backs."""

    state = serializers.ChoiceField(choices=STATES)
    order = OrderBriefSerializer(allow_null=True)
    record = RecordBriefSerializer(allow_null=True)


class ReconciliationView(GenericAPIView):
    """The reconciliation of the caller's units with the 832 platform, one state at a time:
    orders (``matched``, ``only_platform``, ``unknown_unit``: the city office's alone) by order
    time, or purchases (``only_logged``) by purchase date."""

    serializer_class = ReconciliationRowSerializer
    queryset = PlatformOrder.objects.none()  # rows come from state_rows; this names the model

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=list(STATES), description="default: matched"),
            OpenApiParameter("year", int),
            OpenApiParameter("month", int, description="1-12, with year"),
            OpenApiParameter("budget_unit", int),
        ],
        responses=ReconciliationRowSerializer(many=True),
    )
    def get(self, request):
        query = ReconciliationQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        state = values["state"]
        rows = state_rows(
            user=request.user,
            state=state,
            period=Period(values.get("year"), values.get("month")),
            budget_unit=values.get("budget_unit"),
        )
        page = self.paginate_queryset(rows)
        if state == ONLY_LOGGED:
            items = [{"state": state, "order": None, "record": record} for record in page]
        else:
            items = [{"state": state, "order": order, "record": order.record} for order in page]
        return self.get_paginated_response(ReconciliationRowSerializer(items, many=True).data)


urlpatterns = [
    path(
        "procurement/reconciliation/imports/",
        OrderImportView.as_view(),
        name="reconciliation-import",
    ),
    path("procurement/reconciliation/", ReconciliationView.as_view(), name="reconciliation-list"),
]
