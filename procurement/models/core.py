"""Budget units, the quota policy, declarations of the quota bases, procurement records,
their vouchers, the quarterly submissions that lock them and the running totals."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.models import Organisation, Region
from portal.money import MoneyField
from products.models import Product, Supplier

QUARTER_RANGE = Q(quarter__gte=1, quarter__lte=4)
PLAUSIBLE_YEAR = Q(year__gte=2000, year__lte=2100)


class BudgetUnit(Organisation):
    """A budget unit (预算单位) obliged to buy assistance products; ``region`` (inherited) is
    the city district it belongs to."""

    class Category(models.TextChoices):
        AGENCY = "agency", _("Government agency (机关)")
        INSTITUTION = "institution", _("Public institution (事业单位)")
        SCHOOL = "school", _("School (学校)")
        HOSPITAL = "hospital", _("Hospital (医院)")
        STATE_ENTERPRISE = "soe", _("State-owned enterprise (国有企业)")
        UNION = "union", _("Trade union (工会)")
        OTHER = "other", _("Other")

    category = models.CharField(_("category"), max_length=16, choices=Category.choices)

    class Meta:
        verbose_name = _("budget unit")
        verbose_name_plural = _("budget units")
        ordering = ["name"]

    @property
    def district(self) -> Region | None:
        return self.region


class QuotaPolicy(models.Model):
    """The year's quota: Shenzhen asks every budget unit to spend no less than 30% of its
    farm-products procurement on assistance products; Guangzhou adds that the amount may not
    fall below last year's."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    ratio = models.DecimalField(
        _("required share"), max_digits=4, decimal_places=3, default=Decimal("0.300")
    )
    growth_required = models.BooleanField(
        _("no lower than last year"),
        default=True,
        help_text=_("A unit's amount may not fall below last year's actual."),
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quota policy")
        verbose_name_plural = _("quota policies")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=Q(ratio__gt=0, ratio__lte=1), name="policy_ratio_0_1"),
            models.CheckConstraint(condition=PLAUSIBLE_YEAR, name="policy_year_plausible"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.ratio:.0%}"


class AnnualTarget(models.Model):
    """The amount to buy in a year: city-wide (no district, no region), by one of the city's
    districts, or from one paired region (a county the city helps)."""

    year = models.PositiveSmallIntegerField(_("year"))
    district = models.ForeignKey(
        Region,
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targets",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("paired region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchase_targets",
        help_text=_("A county the city helps: the amount to buy from it in the year."),
    )
    amount = MoneyField(_("target (yuan)"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("annual target")
        verbose_name_plural = _("annual targets")
        ordering = ["-year", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "district"],
                condition=Q(district__isnull=False),
                name="target_unique_district",
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(district__isnull=True, region__isnull=True),
                name="target_unique_city",
            ),
            models.UniqueConstraint(
                fields=["year", "region"],
                condition=Q(region__isnull=False),
                name="target_unique_region",
            ),
            models.CheckConstraint(
                condition=Q(district__isnull=True) | Q(region__isnull=True),
                name="target_district_or_region",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="target_positive"),
            models.CheckConstraint(condition=PLAUSIBLE_YEAR, name="target_year_plausible"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.district or self.region or ''}"


class Declaration(models.Model):
    """A unit's declared totals for a quarter, the bases the quota rules are shares of: its
    farm-products procurement (农副产品采购总额, the city's main rule), the food its canteens
    bought (食堂食材采购额, the national 832 rule) and its trade union's collective-welfare
    spending (工会福利采购额, Guangzhou's special-outlet rule)."""

    budget_unit = models.ForeignKey(
        BudgetUnit,
        verbose_name=_("budget unit"),
        on_delete=models.PROTECT,
        related_name="declarations",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    agri_total = MoneyField(_("farm-products procurement total (yuan)"))
    canteen_total = MoneyField(_("canteen-food procurement total (yuan)"), default=Decimal("0"))
    union_welfare_total = MoneyField(
        _("union-welfare procurement total (yuan)"), default=Decimal("0")
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("declared by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    declared_at = models.DateTimeField(_("declared at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget_unit", "year", "quarter"], name="declaration_unique_quarter"
            ),
            models.CheckConstraint(condition=QUARTER_RANGE, name="declaration_quarter_1_4"),
            models.CheckConstraint(condition=PLAUSIBLE_YEAR, name="declaration_year_plausible"),
            models.CheckConstraint(
                condition=Q(agri_total__gte=0), name="declaration_total_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(canteen_total__gte=0, union_welfare_total__gte=0),
                name="declaration_bases_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["year", "budget_unit"])]

    def __str__(self) -> str:
        return f"{self.budget_unit} {self.year}Q{self.quarter}"


class Channel(models.TextChoices):
    PLATFORM_832 = "platform_832", _("832 platform")
    OUTLET = "outlet", _("Special outlet")
    ONLINE_MALL = "online_mall", _("City online mall")
    DIRECT = "direct", _("Direct purchase agreement")
    BUY_FOR_DONATION = "buy_for_donation", _("Buying instead of donating")
    OTHER = "other", _("Other")


class Purpose(models.TextChoices):
    CANTEEN = "canteen", _("Canteen")
    UNION_WELFARE = "union_welfare", _("Union welfare")
    GIFTS = "gifts", _("Gifts and condolences")
    OTHER = "other", _("Other")


class ProcurementRecord(models.Model):
    """One purchase of assistance products by a budget unit, backed by vouchers."""

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        SUBMITTED = "submitted", _("Submitted")
        REJECTED = "rejected", _("Rejected")

    # No single-column indexes on the unit and the supplier: the indexes of Meta begin with
    # them already, and each index is one more write for every purchase logged or imported.
    budget_unit = models.ForeignKey(
        BudgetUnit,
        verbose_name=_("budget unit"),
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,
    )
    purchased_on = models.DateField(_("purchase date"))
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="sales",
        db_index=False,
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales",
    )
    amount = MoneyField(_("amount (yuan)"))
    quantity = models.DecimalField(
        _("quantity"), max_digits=14, decimal_places=3, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    invoice_no = models.CharField(_("invoice number"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECORDED
    )
    rejection_reason = models.TextField(
        _("reason for rejection"),
        blank=True,
        help_text=_("Why an office rejected the purchase; the unit sees it."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # The audit trail is read by record (its ``id``), never by unit, supplier, product or
    # author: those columns of it need no index, spared on each of 10^6 rows a year.
    history = HistoricalRecords(no_db_index=["budget_unit", "supplier", "product", "created_by"])

    class Meta:
        verbose_name = _("procurement record")
        verbose_name_plural = _("procurement records")
        ordering = ["-purchased_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="record_amount_positive"),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gt=0),
                name="record_quantity_positive",
            ),
            models.CheckConstraint(
                condition=Q(
                    channel__in=[
                        "platform_832",
                        "outlet",
                        "online_mall",
                        "direct",
                        "buy_for_donation",
                        "other",
                    ]
                ),
                name="record_channel_known",
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=["canteen", "union_welfare", "gifts", "other"]),
                name="record_purpose_known",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["recorded", "submitted", "rejected"]),
                name="record_status_known",
            ),
            # An invoice is claimed once per unit and supplier.
            models.UniqueConstraint(
                fields=["budget_unit", "supplier", "invoice_no"],
                condition=~Q(invoice_no=""),
                name="record_invoice_unique",
            ),
        ]
        indexes = [
            # A unit's purchases newest first, with every column the ledger's totals, filters
            # and supplier list read, so that they are index-only scans (procurement.ledger);
            # it serves whatever a (unit, date) index would. Key columns rather than INCLUDE,
            # which SQLite (the tests) warns about (models.W040) and ignores.
            models.Index(
                fields=[
                    "budget_unit",
                    "-purchased_on",
                    "-id",
                    "status",
                    "channel",
                    "supplier",
                    "amount",
                ],
                name="record_ledger_idx",
            ),
            models.Index(fields=["purchased_on", "budget_unit", "status"]),
            models.Index(fields=["supplier", "purchased_on"]),
            # An invoice claimed by another unit (procurement.integrity): record_invoice_unique
            # begins with the unit, so a lookup across units needs the supplier first.
            models.Index(
                fields=["supplier", "invoice_no"],
                condition=~Q(invoice_no=""),
                name="record_supplier_invoice_idx",
            ),
            # "Was this product bought in the period?" — asked of every product by the
            # dashboard's households reached (一品一码): one index probe each, counted purchases
            # only.
            models.Index(
                fields=["product", "purchased_on"],
                condition=~Q(status="rejected"),
                name="record_product_day_counted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget_unit} {self.purchased_on} ¥{self.amount}"


class Voucher(models.Model):
    """A voucher (凭证) backing a record: invoice, contract or receipt (PDF/JPG/PNG)."""

    record = models.ForeignKey(
        ProcurementRecord,
        verbose_name=_("procurement record"),
        on_delete=models.CASCADE,
        related_name="vouchers",
    )
    file = models.FileField(_("file"), upload_to="vouchers/%Y/%m/")
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
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
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class QuarterSubmission(models.Model):
    """A unit's submission of a quarter to the coordination office; it locks the quarter's
    records and declaration until an office reopens it or returns it for correction (退回,
    each round a ``QuarterReturn``)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        REOPENED = "reopened", _("Reopened")
        RETURNED = "returned", _("Returned for correction")

    budget_unit = models.ForeignKey(
        BudgetUnit,
        verbose_name=_("budget unit"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reopened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quarter submission")
        verbose_name_plural = _("quarter submissions")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget_unit", "year", "quarter"], name="submission_unique_quarter"
            ),
            models.CheckConstraint(condition=QUARTER_RANGE, name="submission_quarter_1_4"),
            models.CheckConstraint(condition=PLAUSIBLE_YEAR, name="submission_year_plausible"),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "reopened", "returned"]),
                name="submission_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget_unit} {self.year}Q{self.quarter}"
