"""The procurement API of api.md, on the same services and scoped selectors as the pages."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from portal.api import file_refused
from portal.periods import today
from portal.roles import actor_of
from portal.serializers import RelatedId
from portal.spreadsheets import oversize_message

from .. import services
from ..imports import procurement_import
from ..models import BudgetUnit
from ..rules import RecordData
from ..selectors import (
    CompliancePages,
    budget_unit_for_user,
    compliance_rows_with_rules,
    declaration_for_user,
    own_budget_unit,
    record_for_user,
)
from . import serializers as s
from .filters import BudgetUnitFilter, RecordFilter


class BudgetUnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.BudgetUnitSerializer
    filterset_class = BudgetUnitFilter

    def get_queryset(self):
        return budget_unit_for_user(self.request.user).order_by("name", "pk")


def _record_data(values: dict) -> RecordData:
    return RecordData(
        purchased_on=values["purchased_on"],
        supplier=values["supplier"],
        product=values.get("product"),
        amount=values["amount"],
        quantity=values.get("quantity"),
        unit=values.get("unit", ""),
        channel=values["channel"],
        purpose=values["purpose"],
        invoice_no=values.get("invoice_no", ""),
    )


class RecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Procurement records: a unit's clerk logs and corrects them while the quarter is open;
    offices read those of the units they oversee."""

    serializer_class = s.RecordSerializer
    filterset_class = RecordFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            record_for_user(self.request.user)
            .select_related(None)
            .select_related("supplier")
            .order_by("-purchased_on", "-id")
        )

    def _input(self, data, *, partial_of=None):
        if partial_of is not None:
            current = s.RecordSerializer(partial_of).data
            data = {**current, **data}
        serializer = s.RecordInputSerializer(data=data, user=self.request.user)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=s.RecordInputSerializer, responses={201: s.RecordSerializer})
    def create(self, request, *args, **kwargs):
        values = self._input(request.data)
        actor = actor_of(request.user)
        unit = (
            values.get("budget_unit")
            or budget_unit_for_user(request.user).filter(pk=actor.organisation_id).first()
        )
        if unit is None:
            raise PermissionDenied(_("Only a budget unit's clerk may log purchases."))
        record = services.procurement_record_create(
            actor=request.user, budget_unit=unit, data=_record_data(values), as_of=today()
        )
        return Response(s.RecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RecordInputSerializer, responses={200: s.RecordSerializer})
    def partial_update(self, request, *args, **kwargs):
        record = self.get_object()
        values = self._input(request.data, partial_of=record)
        record = services.procurement_record_update(
            actor=request.user, record=record, data=_record_data(values), as_of=today()
        )
        return Response(s.RecordSerializer(record).data)

    def destroy(self, request, *args, **kwargs):
        services.procurement_record_delete(actor=request.user, record=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeclarationViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Each quarter's declared totals (the quota rules' bases: farm products, canteen food,
    union welfare); POST sets or corrects them and answers with a ``warning`` when logged
    assistance exceeds the farm-products total."""

    serializer_class = s.DeclarationSerializer
    filterset_fields = ["budget_unit", "year", "quarter"]

    def get_queryset(self):
        return declaration_for_user(self.request.user).order_by("-year", "-quarter", "pk")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        result = services.declaration_set(
            actor=request.user,
            budget_unit=values["budget_unit"],
            year=values["year"],
            quarter=values["quarter"],
            agri_total=values["agri_total"],
            canteen_total=values.get("canteen_total"),
            union_welfare_total=values.get("union_welfare_total"),
            as_of=today(),
        )
        result.declaration.warning = result.warning
        return Response(
            s.DeclarationSerializer(result.declaration).data, status=status.HTTP_201_CREATED
        )


class QuarterSubmitView(GenericAPIView):
    """The approver submits an ended quarter; its records and declaration are locked."""

    serializer_class = s.QuarterSerializer

    @extend_schema(responses={201: s.SubmissionSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission = services.quarter_submit(
            actor=request.user, as_of=today(), **serializer.validated_data
        )
        return Response(s.SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)


class QuarterReopenView(GenericAPIView):
    """A coordination office reopens a submitted quarter for correction, with a reason."""

    serializer_class = s.ReopenSerializer

    @extend_schema(responses={200: s.SubmissionSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission = services.quarter_reopen(actor=request.user, **serializer.validated_data)
        return Response(s.SubmissionSerializer(submission).data)


class ImportInput(serializers.Serializer):
    file = serializers.FileField()
    budget_unit = RelatedId(queryset=BudgetUnit.objects.all(), required=False)


class ImportView(GenericAPIView):
    """api.md: xlsx, or csv in UTF-8 or GB18030; all rows or none: 201 ``{"created": n}`` or
    400 ``{"created": 0, "errors": [{"row", "column", "message"}]}``."""

    serializer_class = ImportInput
    parser_classes = [MultiPartParser]

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        unit = serializer.validated_data.get("budget_unit") or own_budget_unit(request.user)
        if unit is None:
            raise PermissionDenied(_("Only a budget unit's clerk may import purchases."))
        if (problem := oversize_message(upload.size)) is not None:
            return file_refused(problem)
        result = procurement_import(
            actor=request.user,
            budget_unit=unit,
            name=upload.name,
            content=upload.read(),
            as_of=today(),
        )
        if result.errors:
            return Response(
                {"created": 0, "errors": [error.as_dict() for error in result.errors]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"created": result.created}, status=status.HTTP_201_CREATED)


class ComplianceQuery(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    district = serializers.CharField(required=False, max_length=6)


class CompliancePagination(PageNumberPagination):
    """api.md's pages of 50; an office that wants every unit at once (a city has ~1,000) asks
    ``?page_size=1000`` and gets them in one request instead of twenty."""

    page_size_query_param = "page_size"
    max_page_size = 1000


class ComplianceView(GenericAPIView):
    """One row per visible unit of api.md's quota formula for ``?year=``, with the status of
    every rule of the year in ``rules``."""

    serializer_class = s.ComplianceSerializer
    pagination_class = CompliancePagination
    queryset = BudgetUnit.objects.none()  # rows come from CompliancePages; this names the model

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, required=True),
            OpenApiParameter("district", str, description="division code of a city district"),
        ],
        responses=s.ComplianceSerializer(many=True),
    )
    def get(self, request):
        query = ComplianceQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data["year"]
        units = CompliancePages(
            user=request.user, year=year, district=query.validated_data.get("district")
        )
        page = self.paginate_queryset(units)
        rows = compliance_rows_with_rules(page, year=year)
        return self.get_paginated_response(s.ComplianceSerializer(rows, many=True).data)
