"""The shapes of ``suppliers/``, ``bases/`` and ``products/`` (api.md): regions by their
division code, money as a decimal string, ``certifications`` the scheme codes held now."""

from django.urls import reverse
from rest_framework import serializers

from portal.models import Region
from portal.money import MONEY_MAX_DIGITS
from portal.serializers import RelatedId

from ..models import Product, ProductCategory, Supplier, SupplierBase
from ..selectors import held_schemes


class SupplierSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = Supplier
        fields = [
            "id",
            "name",
            "credit_code",
            "region",
            "status",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "address",
            "activated_at",
        ]
        read_only_fields = fields


class SupplierCreateSerializer(serializers.Serializer):
    """The city office registers a supplier it has vetted: active at once."""

    name = serializers.CharField(max_length=128)
    credit_code = serializers.CharField(max_length=24)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    legal_representative = serializers.CharField(max_length=64, required=False, default="")
    contact_name = serializers.CharField(max_length=64, required=False, default="")
    contact_phone = serializers.CharField(
        max_length=32, required=False, default="", allow_blank=True
    )
    address = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


PROFILE_FIELDS = ("legal_representative", "contact_name", "contact_phone", "address")
STATUS_FIELDS = ("status", "reason")


class SupplierPatchSerializer(serializers.Serializer):
    """The supplier changes its profile fields; the city office changes ``status`` (with a
    ``reason`` when refusing, suspending or exiting)."""

    legal_representative = serializers.CharField(max_length=64, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=64, required=False)
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Supplier.Status.choices, required=False)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class BaseSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = SupplierBase
        fields = ["id", "supplier", "name", "region", "status", "category", "address", "area_mu"]
        read_only_fields = fields


class BaseInputSerializer(serializers.Serializer):
    supplier = serializers.IntegerField(
        required=False, help_text="Defaults to the caller's own supplier."
    )
    name = serializers.CharField(max_length=128)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    category = serializers.ChoiceField(
        choices=ProductCategory.choices, required=False, default=ProductCategory.OTHER
    )
    address = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)
    area_mu = serializers.DecimalField(
        max_digits=10, decimal_places=1, required=False, allow_null=True, default=None
    )


class ProductSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    certifications = serializers.SerializerMethodField(
        help_text="Scheme codes of the certificates the product holds now."
    )
    photos = serializers.SerializerMethodField(help_text="Addresses of the product's photos.")

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "supplier",
            "base",
            "category",
            "region",
            "specification",
            "price",
            "price_unit",
            "supply_volume",
            "supply_unit",
            "season",
            "households_lifted",
            "description",
            "status",
            "certifications",
            "photos",
        ]
        read_only_fields = fields

    def get_certifications(self, obj) -> list[str]:
        return held_schemes(obj)

    def get_photos(self, obj) -> list[str]:
        return [reverse("products:product_photo", args=[photo.pk]) for photo in obj.photos.all()]


class ProductInputSerializer(serializers.Serializer):
    """Input of a product; the rules (own base, unique name, no negatives) are the
    service's."""

    supplier = serializers.IntegerField(
        required=False, help_text="Defaults to the caller's own supplier."
    )
    name = serializers.CharField(max_length=128)
    category = serializers.ChoiceField(choices=ProductCategory.choices)
    base = RelatedId(
        queryset=SupplierBase.objects.all(), required=False, allow_null=True, default=None
    )
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    specification = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True
    )
    price = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2)
    price_unit = serializers.CharField(max_length=16, required=False, default="件")
    supply_volume = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, default=0
    )
    supply_unit = serializers.CharField(max_length=16, required=False, default="吨/年")
    season = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    households_lifted = serializers.IntegerField(required=False, default=0)
    description = serializers.CharField(required=False, default="", allow_blank=True)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            from ..selectors import base_for_user

            self.fields["base"].queryset = base_for_user(user)
