"""The API of suppliers, bases and products (api.md), on the services of the pages.

Reads go through ``supplier_for_user``, ``base_for_user`` and ``product_for_user`` (404 for
what the caller may not see); writes through ``products.services.suppliers`` (403 for what
the caller may not do: a supplier writes only its own, offices and reviewers never write a
supplier's data; the city office registers suppliers and changes their status).

``routes`` lists (prefix, viewset, basename) for ``products.api_urls``."""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from portal.periods import today
from portal.roles import actor_of

from ..models import Product, ProductCategory, Supplier, SupplierBase
from ..selectors import (
    base_for_user,
    own_supplier,
    product_for_user,
    supplier_for_user,
    with_current_certifications,
)
from ..services import suppliers as services
from ..services import upkeep
from . import supplier_serializers as s

WRITE_METHODS = ["get", "post", "patch", "head", "options"]


class SupplierFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Supplier.Status.choices)
    region = django_filters.CharFilter(field_name="region_id")
    q = django_filters.CharFilter(method="filter_q", help_text="Part of the name, or the code.")

    class Meta:
        model = Supplier
        fields = ["status", "region"]

    def filter_q(self, queryset, name, value):
        term = value.strip()
        return queryset.filter(Q(name__icontains=term) | Q(credit_code__iexact=term))


class BaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SupplierBase.Status.choices)
    category = django_filters.ChoiceFilter(choices=ProductCategory.choices)
    region = django_filters.CharFilter(field_name="region_id")

    class Meta:
        model = SupplierBase
        fields = ["supplier", "status", "category", "region"]


class ProductFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Product.Status.choices)
    category = django_filters.ChoiceFilter(choices=ProductCategory.choices)
    region = django_filters.CharFilter(field_name="region_id")
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Product
        fields = ["supplier", "base", "status", "category", "region"]


def _writing_supplier(request, requested_id: int | None) -> Supplier:
    """The supplier a write is for: the caller's own; naming another is refused (403)."""
    supplier = own_supplier(request.user)
    if supplier is None:
        raise PermissionDenied(_("Only the supplier itself may change its data."))
    if requested_id is not None and requested_id != supplier.pk:
        raise PermissionDenied(_("Only the supplier itself may change its data."))
    return supplier


def _plain(data) -> dict:
    """The request's values as a plain dict (a form-encoded body is a QueryDict of lists)."""
    return data.dict() if hasattr(data, "dict") else dict(data)


class SupplierViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Suppliers: every member reads the active ones, a supplier its own, offices and reviewers
    all. The city office registers a supplier (active at once) and PATCHes ``status``; a
    supplier PATCHes its own profile fields."""

    serializer_class = s.SupplierSerializer
    filterset_class = SupplierFilter
    http_method_names = WRITE_METHODS

    def get_queryset(self):
        return supplier_for_user(self.request.user).order_by("name", "pk")

    @extend_schema(request=s.SupplierCreateSerializer, responses={201: s.SupplierSerializer})
    def create(self, request, *args, **kwargs):
        if not actor_of(request.user).is_city_office:
            raise PermissionDenied(_("Only the city coordination office may do this."))
        values = s.SupplierCreateSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        supplier = services.supplier_create(actor=request.user, **values.validated_data)
        return Response(s.SupplierSerializer(supplier).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.SupplierPatchSerializer, responses={200: s.SupplierSerializer})
    def partial_update(self, request, *args, **kwargs):
        supplier = self.get_object()
        fixed = [name for name in ("name", "credit_code", "region") if name in request.data]
        if fixed:
            raise ValidationError(
                {
                    name: [_("This is the business licence's: it cannot be changed here.")]
                    for name in fixed
                }
            )
        values = s.SupplierPatchSerializer(data=request.data, partial=True)
        values.is_valid(raise_exception=True)
        data = values.validated_data
        if "status" in data:
            supplier = services.supplier_status_set(
                actor=request.user,
                supplier=supplier,
                status=data["status"],
                reason=data.get("reason", ""),
            )
        profile = {name: data[name] for name in s.PROFILE_FIELDS if name in data}
        if profile:
            current = {name: getattr(supplier, name) for name in s.PROFILE_FIELDS}
            supplier = upkeep.supplier_profile_update(
                actor=request.user, supplier=supplier, **{**current, **profile}
            )
        supplier.refresh_from_db()
        return Response(s.SupplierSerializer(supplier).data)


class BaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Production bases (供深基地): a supplier records and corrects its own; the status is the
    office's."""

    serializer_class = s.BaseSerializer
    filterset_class = BaseFilter
    http_method_names = WRITE_METHODS

    def get_queryset(self):
        return base_for_user(self.request.user).order_by("supplier_id", "name", "pk")

    @staticmethod
    def _data(values: dict) -> upkeep.BaseData:
        return upkeep.BaseData(
            name=values["name"],
            region=values["region"],
            category=values["category"],
            address=values.get("address", ""),
            area_mu=values.get("area_mu"),
        )

    @extend_schema(request=s.BaseInputSerializer, responses={201: s.BaseSerializer})
    def create(self, request, *args, **kwargs):
        supplier = _writing_supplier(request, None)
        values = s.BaseInputSerializer(data=request.data)
        values.is_valid(raise_exception=True)
        supplier = _writing_supplier(request, values.validated_data.get("supplier"))
        base = upkeep.base_create(
            actor=request.user, supplier=supplier, data=self._data(values.validated_data)
        )
        return Response(s.BaseSerializer(base).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.BaseInputSerializer, responses={200: s.BaseSerializer})
    def partial_update(self, request, *args, **kwargs):
        base = self.get_object()
        _writing_supplier(request, base.supplier_id)
        current = upkeep.editable_values(base, upkeep.BaseData)
        values = s.BaseInputSerializer(data={**current, **_plain(request.data)})
        values.is_valid(raise_exception=True)
        base = upkeep.base_update(
            actor=request.user, base=base, data=self._data(values.validated_data)
        )
        return Response(s.BaseSerializer(base).data)


class ProductViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Products: a supplier adds and keeps its own current; ``certifications`` lists the
    scheme codes of the certificates each holds today."""

    serializer_class = s.ProductSerializer
    filterset_class = ProductFilter
    http_method_names = WRITE_METHODS

    def get_queryset(self):
        products = (
            product_for_user(self.request.user)
            .select_related(None)
            .prefetch_related("photos")
            .order_by("supplier_id", "name", "pk")
        )
        return with_current_certifications(products, as_of=today())

    @staticmethod
    def _data(values: dict) -> upkeep.ProductData:
        return upkeep.ProductData(
            name=values["name"],
            category=values["category"],
            region=values["region"],
            price=values["price"],
            base=values.get("base"),
            specification=values.get("specification", ""),
            price_unit=values.get("price_unit", "件"),
            supply_volume=values.get("supply_volume", 0),
            supply_unit=values.get("supply_unit", "吨/年"),
            season=values.get("season", ""),
            households_lifted=values.get("households_lifted", 0),
            description=values.get("description", ""),
        )

    def _respond(self, product, code=status.HTTP_200_OK):
        product = self.get_queryset().get(pk=product.pk)
        return Response(s.ProductSerializer(product).data, status=code)

    @extend_schema(request=s.ProductInputSerializer, responses={201: s.ProductSerializer})
    def create(self, request, *args, **kwargs):
        supplier = _writing_supplier(request, None)
        values = s.ProductInputSerializer(data=request.data, user=request.user)
        values.is_valid(raise_exception=True)
        supplier = _writing_supplier(request, values.validated_data.get("supplier"))
        product = upkeep.product_create(
            actor=request.user, supplier=supplier, data=self._data(values.validated_data)
        )
        return self._respond(product, status.HTTP_201_CREATED)

    @extend_schema(request=s.ProductInputSerializer, responses={200: s.ProductSerializer})
    def partial_update(self, request, *args, **kwargs):
        product = self.get_object()
        _writing_supplier(request, product.supplier_id)
        current = upkeep.editable_values(product, upkeep.ProductData)
        values = s.ProductInputSerializer(
            data={**current, **_plain(request.data)}, user=request.user
        )
        values.is_valid(raise_exception=True)
        product = upkeep.product_update(
            actor=request.user, product=product, data=self._data(values.validated_data)
        )
        return self._respond(product)


routes: list[tuple] = [
    ("suppliers", SupplierViewSet, "supplier"),
    ("bases", BaseViewSet, "base"),
    ("products", ProductViewSet, "product"),
]
