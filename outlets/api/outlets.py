"""The outlets API of api.md: ``outlets/`` (public read, office write) and
``outlets/{id}/status/``, on the services of the pages.

- GET ``outlets/`` needs no sign-in: the public and every member who is not an office read
  active outlets only; an office reads what it manages plus every active outlet. Filters
  ``kind``, ``district`` (a region code), ``q`` (name or address) and ``status``; paginated.
- POST and PATCH are the offices' (``outlet_register``/``outlet_update``): a district office
  only in its own district (403 elsewhere). Besides api.md's fields an outlet has ``venue``,
  ``operator`` (an organisation id), ``opened_on``, ``floor_area``, ``latitude``,
  ``longitude``, ``exited_on`` (read-only) and ``products`` (ids of the products carried).
- POST ``outlets/{id}/status/``: ``status`` (``active``/``suspended``/``exited``), ``reason``
  (``quality``, ``price``, ``integrity``, ``no_effect``, ``other``), ``note``.

``status``, ``kind`` and ``venue`` are plain strings in the schema (the services check them):
several models have fields of these names with other choices, and one enum name each would
collide.

``routes`` lists (prefix, viewset, basename) for ``outlets.api_urls``."""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated
from rest_framework.response import Response

from portal.models import ExitReason, Organisation, Region, Role
from portal.periods import today
from portal.permissions import HasRole
from portal.serializers import RelatedId
from products.models import Product

from ..models import Outlet, OutletStatusChange
from ..selectors import outlet_api_list
from ..services import oversight
from ..services import registry as services

OFFICES = (Role.CITY_OFFICE, Role.DISTRICT_OFFICE)


class OutletFilter(django_filters.FilterSet):
    kind = django_filters.CharFilter(field_name="kind", help_text="counter, hall, zone, …")
    district = django_filters.CharFilter(field_name="district_id", help_text="A region code.")
    status = django_filters.CharFilter(
        field_name="status", help_text="active, suspended or exited (offices see the others)."
    )
    q = django_filters.CharFilter(method="filter_q", help_text="Part of the name or address.")

    class Meta:
        model = Outlet
        fields = ["kind", "district", "status"]

    def filter_q(self, queryset, name, value):
        term = value.strip()
        if not term:
            return queryset
        return queryset.filter(Q(name__icontains=term) | Q(address__icontains=term))


class OutletSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    district = serializers.CharField(source="district_id", read_only=True)
    status = serializers.CharField(read_only=True)
    venue = serializers.CharField(read_only=True)
    operator = serializers.IntegerField(source="operator_id", read_only=True, allow_null=True)
    products = serializers.SerializerMethodField()

    class Meta:
        model = Outlet
        fields = [
            "id",
            "kind",
            "name",
            "district",
            "address",
            "status",
            "venue",
            "operator",
            "opened_on",
            "floor_area",
            "latitude",
            "longitude",
            "exited_on",
            "products",
        ]
        read_only_fields = fields

    def get_products(self, obj) -> list[int]:
        """Ids of the products carried (the public sees those in the catalogue only)."""
        return [product.pk for product in obj.products.all()]


class OutletInputSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="counter, hall, zone, train, station or centre.")
    name = serializers.CharField(max_length=128)
    district = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    address = serializers.CharField(max_length=255)
    venue = serializers.CharField(required=False, default=Outlet.Venue.OTHER)
    operator = RelatedId(
        queryset=Organisation.objects.all(), required=False, allow_null=True, default=None
    )
    opened_on = serializers.DateField(required=False, allow_null=True, default=None)
    floor_area = serializers.DecimalField(
        max_digits=9, decimal_places=1, required=False, allow_null=True, default=None
    )
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    products = RelatedId(queryset=Product.objects.all(), many=True, required=False)

    def outlet_data(self) -> services.OutletData:
        data = self.validated_data
        return services.OutletData(
            **{name: data.get(name) for name in services.EDITABLE_FIELDS if name in data}
        )


class OutletStatusInputSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="active, suspended or exited.")
    reason = serializers.ChoiceField(choices=ExitReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class OutletStatusChangeSerializer(serializers.ModelSerializer):
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    changed_by = serializers.CharField(source="changed_by.username", default=None)

    class Meta:
        model = OutletStatusChange
        fields = ["id", "from_status", "to_status", "reason", "note", "changed_by", "changed_at"]
        read_only_fields = fields


class OutletStatusSerializer(OutletSerializer):
    change = OutletStatusChangeSerializer(read_only=True)

    class Meta(OutletSerializer.Meta):
        fields = [*OutletSerializer.Meta.fields, "change"]
        read_only_fields = fields


def _plain(data) -> dict:
    """The request's values as a plain dict; ``products`` stays a list in a form body."""
    if hasattr(data, "getlist"):
        values = data.dict()
        if "products" in data:
            values["products"] = data.getlist("products")
        return values
    return dict(data)


class OutletViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Outlets: anyone reads the active ones; offices read what they manage and write."""

    serializer_class = OutletSerializer
    filterset_class = OutletFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            return [AllowAny()]
        return [IsAuthenticated(), HasRole.of(*OFFICES)()]

    def permission_denied(self, request, message=None, code=None):
        super().permission_denied(
            request,
            message=message
            or _("Only the city or a district coordination office manages outlets."),
            code=code,
        )

    def get_queryset(self):
        return outlet_api_list(self.request.user)

    def _managed_object(self) -> Outlet:
        """The outlet of the URL: 404 if the caller may not see it, 403 if it may see it (an
        active outlet of another district) but not manage it, before the body is read."""
        outlet = self.get_object()
        if not services.may_manage(self.request.user, outlet):
            raise PermissionDenied(
                _("A district office registers and manages outlets in its own district only.")
            )
        return outlet

    def _respond(self, outlet: Outlet, code=status.HTTP_200_OK) -> Response:
        outlet = self.get_queryset().get(pk=outlet.pk)
        return Response(OutletSerializer(outlet).data, status=code)

    @extend_schema(request=OutletInputSerializer, responses={201: OutletSerializer})
    def create(self, request, *args, **kwargs):
        values = OutletInputSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        outlet = services.outlet_register(
            actor=request.user,
            data=values.outlet_data(),
            products=values.validated_data.get("products", []),
            as_of=today(),
        )
        return self._respond(outlet, status.HTTP_201_CREATED)

    @extend_schema(request=OutletInputSerializer, responses={200: OutletSerializer})
    def partial_update(self, request, *args, **kwargs):
        outlet = self._managed_object()
        given = _plain(request.data)
        values = OutletInputSerializer(data={**services.editable_values(outlet), **given})
        values.is_valid(raise_exception=True)
        outlet = services.outlet_update(
            actor=request.user,
            outlet=outlet,
            data=values.outlet_data(),
            products=values.validated_data["products"] if "products" in given else None,
            as_of=today(),
        )
        return self._respond(outlet)

    @extend_schema(request=OutletStatusInputSerializer, responses={200: OutletStatusSerializer})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        """Suspend, reinstate or exit the outlet; the answer is the outlet with the change just
        recorded."""
        outlet = self._managed_object()
        values = OutletStatusInputSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        change = oversight.outlet_set_status(
            actor=request.user, outlet=outlet, as_of=today(), **values.validated_data
        )
        outlet = self.get_queryset().get(pk=outlet.pk)
        outlet.change = change
        return Response(OutletStatusSerializer(outlet).data)


routes: list[tuple] = [("outlets", OutletViewSet, "outlet")]
