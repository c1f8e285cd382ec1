"""The public catalogue's API (api.md ``catalogue/``): no login.

``routes`` lists (prefix, viewset, basename) for ``products.api_urls``."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny

from portal.periods import today

from ..forms.catalogue import PRODUCT_SCHEMES, SORTS, CatalogueFilterForm
from ..models import Certificate, Product, ProductCategory
from ..selectors import catalogue_products
from ..trace import trace_url


class CatalogueCertificateSerializer(serializers.ModelSerializer):
    scheme = serializers.CharField(source="scheme_id")

    class Meta:
        model = Certificate
        fields = ["number", "scheme", "valid_until"]
        read_only_fields = fields


class CatalogueProductSerializer(serializers.ModelSerializer):
    """A product of the catalogue, in the shape of ``products/`` plus what the public reads
    (supplier and region names, the certificates held today)."""

    supplier_name = serializers.CharField(source="supplier.name")
    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(
        source="region.full_name", help_text="The region of origin with its province and city."
    )
    certifications = serializers.SerializerMethodField(
        help_text="The scheme codes of the certificates the product holds today."
    )
    certificates = CatalogueCertificateSerializer(
        source="catalogue_certificates", many=True, read_only=True
    )
    trace_url = serializers.SerializerMethodField(
        help_text="一品一码: the product's short public URL, the one its QR code encodes."
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "supplier",
            "supplier_name",
            "base",
            "category",
            "region",
            "region_name",
            "specification",
            "price",
            "price_unit",
            "supply_volume",
            "supply_unit",
            "season",
            "households_lifted",
            "status",
            "certifications",
            "certificates",
            "trace_code",
            "trace_url",
        ]
        read_only_fields = fields

    def get_trace_url(self, obj) -> str:
        return trace_url(self.context["request"], obj.trace_code)

    def get_certifications(self, obj) -> list[str]:
        return sorted({certificate.scheme_id for certificate in obj.catalogue_certificates})


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="Part of the name, supplier or variety."
            ),
            OpenApiParameter(
                "scheme", OpenApiTypes.STR, enum=[code for code, _label in PRODUCT_SCHEMES]
            ),
            OpenApiParameter(
                "category",
                OpenApiTypes.STR,
                enum=[code for code, _label in ProductCategory.choices],
            ),
            OpenApiParameter(
                "region",
                OpenApiTypes.STR,
                description="A division code of origin; a province or city covers its counties.",
            ),
            OpenApiParameter(
                "season", OpenApiTypes.INT, description="A month (1-12) the product is on sale."
            ),
            OpenApiParameter("sort", OpenApiTypes.STR, enum=[code for code, _label in SORTS]),
        ]
    )
)
class CatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    """Listed products holding a certificate valid today, for anyone. Credentials are not
    needed and not read, so a public client with an old token is served all the same."""

    serializer_class = CatalogueProductSerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []
    filter_backends: list = []  # the catalogue's own filters, shared with the page

    def get_queryset(self):
        as_of = today()
        if self.action != "list":
            return catalogue_products(as_of=as_of)
        form = CatalogueFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        return catalogue_products(as_of=as_of, filters=form.filters())


routes: list[tuple] = [("catalogue", CatalogueViewSet, "catalogue")]
