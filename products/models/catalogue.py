"""Suppliers (供应商/经营主体), their bases (供深基地) and products, with the product photos the
catalogue shows."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.models import Organisation, Photo, Region
from portal.money import MoneyField


class Supplier(Organisation):
    """A supplier (供应商/经营主体) selling products of the paired regions.

    ``region`` (inherited) is the region where it is registered; the credit code is required.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting activation")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        EXITED = "exited", _("Exited")

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    legal_representative = models.CharField(_("legal representative"), max_length=64, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)

    # Issue 7: who registered, activated, suspended or corrected the supplier, and why.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "active", "suspended", "exited"]),
                name="supplier_status_known",
            ),
        ]
        indexes = [models.Index(fields=["status"])]


class ProductCategory(models.TextChoices):
    GRAIN_OIL = "grain_oil", _("Grain and oil")
    MEAT_POULTRY_EGGS = "meat", _("Meat, poultry and eggs")
    FRUIT = "fruit", _("Fruit")
    VEGETABLES = "vegetables", _("Vegetables and mushrooms")
    AQUATIC = "aquatic", _("Aquatic products")
    TEA_DRINKS = "tea", _("Tea and drinks")
    DRIED_SPECIALTIES = "dried", _("Dried goods and specialties")
    PROCESSED = "processed", _("Processed food")
    OTHER = "other", _("Other")


class SupplierBase(models.Model):
    """A supplier's production base (供深基地 / 菜篮子基地)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        EXITED = "exited", _("Exited")

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="bases"
    )
    name = models.CharField(_("name"), max_length=128)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="bases"
    )
    category = models.CharField(
        _("category"), max_length=16, choices=ProductCategory.choices, default=ProductCategory.OTHER
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    area_mu = models.DecimalField(
        _("area (mu)"), max_digits=10, decimal_places=1, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supplier base")
        verbose_name_plural = _("supplier bases")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "name"], name="base_name_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended", "exited"]),
                name="base_status_known",
            ),
            models.CheckConstraint(
                condition=Q(area_mu__isnull=True) | Q(area_mu__gt=0), name="base_area_positive"
            ),
        ]
        indexes = [models.Index(fields=["status", "region"])]

    def __str__(self) -> str:
        return self.name


# Crockford's base 32 without I, L, O, U: no letter read as a digit on a printed label.
TRACE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACE_CODE_LENGTH = 8


def new_trace_code() -> str:
    """A random product code for the short URL and QR code of 一品一码 (32^8 ≈ 10^12)."""
    return "".join(secrets.choice(TRACE_ALPHABET) for _ in range(TRACE_CODE_LENGTH))


class Product(models.Model):
    """A product offered for assistance purchase, with the catalogue fields Guangzhou
    publishes (品种, 价格, 供应量, 上市周期, 带贫能力)."""

    class Status(models.TextChoices):
        LISTED = "listed", _("Listed")
        SUSPENDED = "suspended", _("Suspended")
        EXITED = "exited", _("Exited")

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="products"
    )
    base = models.ForeignKey(
        SupplierBase,
        verbose_name=_("base"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
    )
    name = models.CharField(_("name"), max_length=128)
    category = models.CharField(_("category"), max_length=16, choices=ProductCategory.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region of origin"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    specification = models.CharField(_("specification"), max_length=64, blank=True)
    price = MoneyField(_("price (yuan)"))
    price_unit = models.CharField(_("per"), max_length=16, default="件")
    supply_volume = models.DecimalField(
        _("supply volume"), max_digits=14, decimal_places=2, default=0
    )
    supply_unit = models.CharField(_("supply unit"), max_length=16, default="吨/年")
    season = models.CharField(
        _("market season"), max_length=64, blank=True, help_text=_("上市周期, e.g. 6–9月")
    )
    households_lifted = models.PositiveIntegerField(
        _("households lifted"), default=0, help_text=_("带贫能力: poor households it helps")
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.LISTED
    )
    # 一品一码: the product's stable public code, behind its short URL /p/<code>/ and QR code.
    trace_code = models.CharField(
        _("trace code"), max_length=16, unique=True, default=new_trace_code, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "name"], name="product_name_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(
                condition=Q(supply_volume__gte=0), name="product_supply_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["listed", "suspended", "exited"]),
                name="product_status_known",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "category"]),
            models.Index(fields=["region", "status"]),
        ]

    def __str__(self) -> str:
        return self.name


class ProductPhoto(Photo):
    """A photo of a product for its catalogue page; JPEG or PNG, checked by content and size."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to="products/%Y/%m/")

    class Meta(Photo.Meta):
        verbose_name = _("product photo")
        verbose_name_plural = _("product photos")
        indexes = [models.Index(fields=["product", "uploaded_at"])]
