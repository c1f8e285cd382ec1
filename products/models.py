"""Suppliers, their bases and products, the certification schemes, applications and
certificates (帮扶产品认定, 圳品, 基地认定)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.models import Organisation, Region
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

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


class CertificationScheme(models.Model):
    """A certification scheme: 帮扶产品认定 (recognition), 圳品 (szp) or 基地认定 (base)."""

    class Code(models.TextChoices):
        RECOGNITION = "recognition", _("Assistance product recognition")
        SZP = "szp", _("Shenzhen-standard food (圳品)")
        BASE = "base", _("Supplier base certification")

    class Subject(models.TextChoices):
        PRODUCT = "product", _("Product")
        BASE = "base", _("Base")

    code = models.CharField(_("code"), max_length=16, primary_key=True, choices=Code.choices)
    name = models.CharField(_("name"), max_length=64)
    subject = models.CharField(_("certifies"), max_length=8, choices=Subject.choices)
    validity_months = models.PositiveSmallIntegerField(_("validity (months)"), default=24)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("certification scheme")
        verbose_name_plural = _("certification schemes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_months__gt=0), name="scheme_validity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# Exactly one subject: a product or a base.
ONE_SUBJECT = Q(product__isnull=False, base__isnull=True) | Q(
    product__isnull=True, base__isnull=False
)


class CertificationApplication(models.Model):
    """A supplier's application for a scheme, for one product or one base."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        RETURNED = "returned", _("Returned for more material")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="applications"
    )
    scheme = models.ForeignKey(
        CertificationScheme, verbose_name=_("scheme"), on_delete=models.PROTECT
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    base = models.ForeignKey(
        SupplierBase,
        verbose_name=_("base"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    standard_claimed = models.CharField(_("standard claimed"), max_length=128, blank=True)
    poverty_link = models.TextField(
        _("poverty-reduction link"), blank=True, help_text=_("How the product lifts households")
    )
    households = models.PositiveIntegerField(_("households linked"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)

    class Meta:
        verbose_name = _("certification application")
        verbose_name_plural = _("certification applications")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=ONE_SUBJECT, name="application_one_subject"),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "draft",
                        "submitted",
                        "under_review",
                        "returned",
                        "approved",
                        "rejected",
                        "withdrawn",
                    ]
                ),
                name="application_status_known",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["supplier", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id} #{self.pk}"


class ApplicationEvent(models.Model):
    """One step of an application's life: who did what, when, from which status to which,
    and what they said (the request for more material, the reasons of a decision)."""

    application = models.ForeignKey(
        CertificationApplication,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=16)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("application event")
        verbose_name_plural = _("application events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["application", "at"])]

    def __str__(self) -> str:
        return f"{self.application} {self.action}"


class ApplicationDocument(models.Model):
    """A document attached to an application; checked by content and size on upload."""

    class Kind(models.TextChoices):
        LICENCE = "licence", _("Business licence")
        TEST_REPORT = "test_report", _("Quality test report")
        OTHER = "other", _("Other")

    application = models.ForeignKey(
        CertificationApplication,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="applications/%Y/%m/")
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class Evaluation(models.Model):
    """An on-site evaluation of an application by a reviewer."""

    application = models.ForeignKey(
        CertificationApplication,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    evaluated_on = models.DateField(_("evaluated on"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    findings = models.TextField(_("findings"), blank=True)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["evaluated_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="evaluation_score_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.evaluated_on}"


class Certificate(models.Model):
    """A certificate a scheme issued to a product or base, valid for a period."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    scheme = models.ForeignKey(
        CertificationScheme, verbose_name=_("scheme"), on_delete=models.PROTECT
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="certificates"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    base = models.ForeignKey(
        SupplierBase,
        verbose_name=_("base"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    application = models.OneToOneField(
        CertificationApplication,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificate",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.VALID
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-valid_from", "number"]
        constraints = [
            models.CheckConstraint(condition=ONE_SUBJECT, name="certificate_one_subject"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="certificate_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["valid", "suspended", "revoked", "expired"]),
                name="certificate_status_known",
            ),
        ]
        indexes = [
            # "Did this supplier hold a valid recognition on that day?" — asked for every purchase.
            models.Index(
                fields=["supplier", "scheme", "valid_from", "valid_until"],
                name="certificate_period_lookup",
            ),
            models.Index(fields=["product", "scheme", "status"]),
            models.Index(fields=["status", "valid_until"]),
        ]

    def __str__(self) -> str:
        return self.number
