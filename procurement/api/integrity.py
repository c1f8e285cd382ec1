"""The integrity review queue over the API, on the services and selectors of the pages.

- ``procurement/integrity-flags/``: GET the flags of the units the office oversees, newest
  first (filters ``kind``, ``status``, ``budget_unit``), paginated;
- ``procurement/integrity-flags/{id}/``: GET one flag, with ``message``: the facts in words, in
  the caller's language;
- ``.../{id}/confirm/``: POST ``reason``: the purchase is rejected (it no longer counts);
- ``.../{id}/dismiss/``: POST ``reason``: the purchase stands.

The queue is the offices': any other role is refused (403). A flag outside the office's
district is 404; a decision taken twice is 400.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from portal.api import Router
from portal.models import Role
from portal.permissions import HasRole

from ..integrity_selectors import describe, flag_for_user
from ..integrity_services import flag_confirm, flag_dismiss
from ..models import IntegrityFlag


class FlagRecordSerializer(serializers.Serializer):
    """The purchase a flag is about (or its related purchase), as the reviewer needs it."""

    id = serializers.IntegerField()
    budget_unit = serializers.IntegerField(source="budget_unit_id")
    budget_unit_name = serializers.CharField(source="budget_unit.name")
    purchased_on = serializers.DateField()
    supplier = serializers.IntegerField(source="supplier_id")
    supplier_name = serializers.CharField(source="supplier.name")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    invoice_no = serializers.CharField()
    status = serializers.CharField()


class IntegrityFlagSerializer(serializers.ModelSerializer):
    record = FlagRecordSerializer(read_only=True)
    related_record = FlagRecordSerializer(read_only=True, allow_null=True)
    message = serializers.SerializerMethodField()
    decided_by = serializers.CharField(
        source="decided_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = IntegrityFlag
        fields = [
            "id",
            "kind",
            "status",
            "budget_unit",
            "record",
            "related_record",
            "facts",
            "message",
            "found_at",
            "decided_by",
            "decided_at",
            "reason",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_message(self, flag: IntegrityFlag) -> str:
        return describe(flag)


class FlagDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class IntegrityFlagFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=IntegrityFlag.Kind.choices)
    status = django_filters.ChoiceFilter(choices=IntegrityFlag.Status.choices)

    class Meta:
        model = IntegrityFlag
        fields = ["kind", "status", "budget_unit"]


class IntegrityFlagViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The offices' integrity review queue; confirm or dismiss a flag with a reason."""

    serializer_class = IntegrityFlagSerializer
    filterset_class = IntegrityFlagFilter
    permission_classes = [IsAuthenticated, HasRole.of(Role.CITY_OFFICE, Role.DISTRICT_OFFICE)]

    def get_queryset(self):
        return (
            flag_for_user(self.request.user)
            .select_related("related_record__budget_unit", "related_record__supplier")
            .order_by("-found_at", "-pk")
        )

    def _decide(self, request, service):
        values = FlagDecisionSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        flag = service(actor=request.user, flag=self.get_object(), **values.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=flag.pk)).data)

    @extend_schema(request=FlagDecisionSerializer, responses={200: IntegrityFlagSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm the flag: the purchase is rejected with ``reason``, which its unit sees."""
        return self._decide(request, flag_confirm)

    @extend_schema(request=FlagDecisionSerializer, responses={200: IntegrityFlagSerializer})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Dismiss the flag: the purchase stands; the check does not raise it again."""
        return self._decide(request, flag_dismiss)


router = Router()
router.register("procurement/integrity-flags", IntegrityFlagViewSet, basename="integrity-flag")

urlpatterns: list = list(router.urls)
