"""The city office's dynamic exit (动态退出) and monitoring over the API, on the services of
the pages.

- ``oversight/certificates/{id}/``: GET a certificate with its exit history;
  ``.../status/`` POST ``status`` (``valid``/``suspended``/``revoked``), ``reason``, ``note``;
- ``oversight/products/{id}/``, ``oversight/bases/{id}/``: the same for products
  (``listed``/``suspended``/``exited``) and bases (``active``/``suspended``/``exited``),
  mirroring api.md's ``outlets/{id}/status/``;
- ``oversight/monitoring/``: GET (filters ``product``, ``base``, ``result``, ``proposal``),
  POST a sample test or inspection; ``.../accept/`` and ``.../dismiss/`` POST the office's
  decision on a proposed suspension.

Revoking a certificate (``status: revoked``) and exiting a product or base (``status: exited``)
go through public disclosure (公示, ``exit_disclose``): the answer is **202 Accepted** with the
subject unchanged and its ``disclosure`` (id, period, public ``url``); the change happens when
the period ends with no objection upheld. Every other change is immediate (200), and
``disclosure`` is then the exit still in disclosure, if any, or null.

A record the caller may not see is 404 (read through ``*_for_user``); an action the role may
not take is 403 (the services refuse it).

``routes`` lists (prefix, viewset, basename) for ``products.api_urls``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.models import ExitReason
from portal.periods import today
from portal.roles import actor_of

from ..disclosure_selectors import open_exit_disclosure
from ..models import (
    Certificate,
    Disclosure,
    ExitAction,
    MonitoringRecord,
    Product,
    SupplierBase,
)
from ..selectors import (
    base_for_user,
    certificate_for_user,
    exit_history,
    monitoring_for_user,
    product_for_user,
)
from ..services import monitoring, oversight
from ..services.disclosure import exit_disclose
from .serializers import CertificateSerializer


class ExitActionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)
    action = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)

    class Meta:
        model = ExitAction
        fields = ["id", "action", "from_status", "to_status", "reason", "note", "actor", "at"]
        read_only_fields = fields


class StatusInputSerializer(serializers.Serializer):
    status = serializers.CharField()
    reason = serializers.ChoiceField(choices=ExitReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DisclosureRefSerializer(serializers.ModelSerializer):
    """An exit in public disclosure: it takes effect after ``ends_on`` unless an objection is
    upheld. ``status`` is ``open``, ``effective`` or ``withdrawn``."""

    status = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField(help_text="The public page, where one may object.")

    class Meta:
        model = Disclosure
        fields = ["id", "status", "removal", "reason", "starts_on", "ends_on", "url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("products:disclosure_detail", args=[obj.pk])
        )


class _WithHistory(serializers.ModelSerializer):
    exit_actions = serializers.SerializerMethodField()
    disclosure = serializers.SerializerMethodField()

    @extend_schema_field(DisclosureRefSerializer(allow_null=True))
    def get_disclosure(self, obj) -> dict | None:
        """The subject's exit now in public disclosure, or null."""
        field = {Certificate: "certificate", Product: "product", SupplierBase: "base"}[type(obj)]
        disclosure = open_exit_disclosure(**{field: obj})
        if disclosure is None:
            return None
        return DisclosureRefSerializer(disclosure, context=self.context).data

    def get_exit_actions(self, obj) -> list[dict] | None:
        """The history is the office's and the holder's business: others see ``null``."""
        who = actor_of(self.context["request"].user)
        own = who.is_supplier and obj.supplier_id == who.organisation_id
        if not (who.is_city or who.is_district_office or own):
            return None
        field = {Certificate: "certificate", Product: "product", SupplierBase: "base"}[type(obj)]
        return ExitActionSerializer(exit_history(**{field: obj}), many=True).data


class CertificateStandingSerializer(_WithHistory, CertificateSerializer):
    status = serializers.CharField(read_only=True)

    class Meta(CertificateSerializer.Meta):
        fields = [*CertificateSerializer.Meta.fields, "exit_actions", "disclosure"]
        read_only_fields = fields


class ProductStandingSerializer(_WithHistory):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "supplier", "base", "status", "exit_actions", "disclosure"]
        read_only_fields = fields


class BaseStandingSerializer(_WithHistory):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = SupplierBase
        fields = ["id", "name", "supplier", "status", "exit_actions", "disclosure"]
        read_only_fields = fields


class _StandingViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """GET one subject with its exit history; POST ``status/`` to change its standing."""

    # The status that removes the subject for good: disclosed first, not immediate.
    removal = ""

    def change(self, obj, values: dict) -> None:
        raise NotImplementedError

    @extend_schema(request=StatusInputSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        obj = self.get_object()  # 404 before 403: what the caller may not see does not exist
        values = StatusInputSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        data = dict(values.validated_data)
        if data["status"] == self.removal:
            exit_disclose(
                actor=request.user,
                subject=obj,
                reason=data["reason"],
                note=data["note"],
                as_of=today(),
            )
            obj.refresh_from_db()
            return Response(self.get_serializer(obj).data, status=status.HTTP_202_ACCEPTED)
        self.change(obj, data)
        obj.refresh_from_db()
        return Response(self.get_serializer(obj).data)


def _standing_schema(serializer, removal: str):
    return extend_schema_view(
        set_status=extend_schema(
            request=StatusInputSerializer,
            responses={200: serializer, 202: serializer},
            description=(
                f"Change the standing now (200), or, for `{removal}`, publish the decision for "
                "public disclosure (202: the subject unchanged, with its `disclosure`); it takes "
                "effect after the period unless an objection is upheld."
            ),
        )
    )


@_standing_schema(CertificateStandingSerializer, Certificate.Status.REVOKED)
class CertificateStandingViewSet(_StandingViewSet):
    serializer_class = CertificateStandingSerializer
    removal = Certificate.Status.REVOKED

    def get_queryset(self):
        return certificate_for_user(self.request.user)

    def change(self, obj, values: dict) -> None:
        oversight.certificate_set_status(
            actor=self.request.user, certificate=obj, as_of=today(), **values
        )


@_standing_schema(ProductStandingSerializer, Product.Status.EXITED)
class ProductStandingViewSet(_StandingViewSet):
    serializer_class = ProductStandingSerializer
    removal = Product.Status.EXITED

    def get_queryset(self):
        return product_for_user(self.request.user)

    def change(self, obj, values: dict) -> None:
        oversight.product_set_status(actor=self.request.user, product=obj, **values)


@_standing_schema(BaseStandingSerializer, SupplierBase.Status.EXITED)
class BaseStandingViewSet(_StandingViewSet):
    serializer_class = BaseStandingSerializer
    removal = SupplierBase.Status.EXITED

    def get_queryset(self):
        return base_for_user(self.request.user)

    def change(self, obj, values: dict) -> None:
        oversight.base_set_status(actor=self.request.user, base=obj, **values)


class MonitoringSerializer(serializers.ModelSerializer):
    # Codes as plain strings (the choices are listed in the module docstring): the schema's
    # enum names of "kind" and "status" are already taken by other components.
    kind = serializers.CharField(read_only=True)
    result = serializers.CharField(read_only=True)
    proposal = serializers.CharField(read_only=True)

    class Meta:
        model = MonitoringRecord
        fields = [
            "id",
            "product",
            "base",
            "kind",
            "performed_on",
            "agency",
            "result",
            "findings",
            "proposal",
            "proposal_note",
            "recorded_by",
            "recorded_at",
            "handled_by",
            "handled_at",
        ]
        read_only_fields = fields


class MonitoringInputSerializer(serializers.Serializer):
    product = serializers.IntegerField(required=False, allow_null=True, default=None)
    base = serializers.IntegerField(required=False, allow_null=True, default=None)
    # ``sample_test``/``inspection`` and ``passed``/``failed``, checked by the service.
    kind = serializers.CharField(max_length=16)
    performed_on = serializers.DateField()
    agency = serializers.CharField(max_length=128)
    result = serializers.CharField(max_length=8)
    findings = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if (attrs["product"] is None) == (attrs["base"] is None):
            raise serializers.ValidationError({"product": [_("Give either a product or a base.")]})
        return attrs


class DecisionNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class MonitoringViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Sample tests and inspections of products and bases; a failed one proposes a
    suspension, which the city office accepts or dismisses."""

    serializer_class = MonitoringSerializer
    filterset_fields = ["product", "base", "kind", "result", "proposal"]

    def get_queryset(self):
        return monitoring_for_user(self.request.user).order_by("-performed_on", "-id")

    @extend_schema(request=MonitoringInputSerializer, responses={201: MonitoringSerializer})
    def create(self, request, *args, **kwargs):
        values = MonitoringInputSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        data = dict(values.validated_data)
        user = request.user
        # The subject is read through the caller's scope: 404 for one they may not see.
        product_id, base_id = data.pop("product"), data.pop("base")
        product = get_object_or_404(product_for_user(user), pk=product_id) if product_id else None
        base = get_object_or_404(base_for_user(user), pk=base_id) if base_id else None
        record = monitoring.monitoring_record(
            actor=user, product=product, base=base, as_of=today(), **data
        )
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, service):
        values = DecisionNoteSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        record = service(actor=request.user, record=self.get_object(), **values.validated_data)
        record.refresh_from_db()
        return Response(self.get_serializer(record).data)

    @extend_schema(request=DecisionNoteSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._decide(request, monitoring.monitoring_proposal_accept)

    @extend_schema(request=DecisionNoteSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._decide(request, monitoring.monitoring_proposal_dismiss)


routes: list[tuple] = [
    ("oversight/certificates", CertificateStandingViewSet, "oversight-certificate"),
    ("oversight/products", ProductStandingViewSet, "oversight-product"),
    ("oversight/bases", BaseStandingViewSet, "oversight-base"),
    ("oversight/monitoring", MonitoringViewSet, "oversight-monitoring"),
]
