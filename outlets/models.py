"""The special outlets (专柜/专馆/专区/专列/专站) and the assistance centres, their monthly
sales, inspections and status changes (dynamic exit, 动态退出)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from portal.models import ExitReason, Organisation, Photo, Region
from portal.money import MoneyField
from products.models import Product


class Outlet(models.Model):
    """A special outlet (专柜/专馆/专区/专列/专站) or a consumption-assistance centre."""

    class Kind(models.TextChoices):
        COUNTER = "counter", _("Counter (专柜)")
        HALL = "hall", _("Hall (专馆)")
        ZONE = "zone", _("Zone (专区)")
        TRAIN = "train", _("Train (专列)")
        STATION = "station", _("Station (专站)")
        CENTRE = "centre", _("Assistance centre (消费帮扶中心)")

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("outlet", "Active")
        SUSPENDED = "suspended", _("Suspended")
        EXITED = "exited", _("Exited")

    class Venue(models.TextChoices):
        SUPERMARKET = "supermarket", _("Supermarket")
        PARTY_CENTRE = "party_centre", _("Party-service centre")
        TRANSPORT_HUB = "transport", _("Transport hub")
        HOSPITAL = "hospital", _("Hospital")
        SCHOOL = "school", _("School")
        GOVERNMENT = "government", _("Government building")
        MARKET = "market", _("Market")
        STANDALONE = "standalone", _("Standalone shop")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=128)
    district = models.ForeignKey(
        Region, verbose_name=_("district"), on_delete=models.PROTECT, related_name="outlets"
    )
    address = models.CharField(_("address"), max_length=255)
    venue = models.CharField(
        _("host venue"), max_length=16, choices=Venue.choices, default=Venue.OTHER
    )
    operator = models.ForeignKey(
        Organisation,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operated_outlets",
    )
    opened_on = models.DateField(_("opening date"), null=True, blank=True)
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=9, decimal_places=1, null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    # The day the outlet exited (动态退出): it still counts in the periods it was open before.
    exited_on = models.DateField(_("exit date"), null=True, blank=True)
    products = models.ManyToManyField(
        Product, verbose_name=_("products carried"), blank=True, related_name="outlets"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Who registered, edited, suspended, reinstated or exited the outlet, when and why (issue 7).
    # The products carried (a many-to-many) are not versioned: a change of them writes a row
    # naming it (``outlet_products_set``).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")
        ordering = ["district", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["counter", "hall", "zone", "train", "station", "centre"]),
                name="outlet_kind_known",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended", "exited"]),
                name="outlet_status_known",
            ),
            models.CheckConstraint(
                condition=Q(floor_area__isnull=True) | Q(floor_area__gt=0),
                name="outlet_area_positive",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="outlet_coordinates_valid",
            ),
            models.UniqueConstraint(fields=["district", "name"], name="outlet_name_unique"),
            models.CheckConstraint(
                condition=Q(exited_on__isnull=True) | Q(status="exited"),
                name="outlet_exit_date_only_when_exited",
            ),
        ]
        indexes = [models.Index(fields=["district", "kind", "status"])]

    def __str__(self) -> str:
        return self.name


class OutletStatusChange(models.Model):
    """A recorded suspension, reinstatement or exit of an outlet."""

    outlet = models.ForeignKey(
        Outlet, verbose_name=_("outlet"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=16, choices=Outlet.Status.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=Outlet.Status.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=ExitReason.choices)
    note = models.TextField(_("note"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("outlet status change")
        verbose_name_plural = _("outlet status changes")
        ordering = ["-changed_at"]
        indexes = [models.Index(fields=["outlet", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.outlet}: {self.from_status} → {self.to_status}"


class OutletSalesReport(models.Model):
    """An outlet's sales of assistance products in one month."""

    outlet = models.ForeignKey(
        Outlet, verbose_name=_("outlet"), on_delete=models.PROTECT, related_name="sales_reports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    amount = MoneyField(_("sales (yuan)"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"), auto_now=True)

    class Meta:
        verbose_name = _("outlet sales report")
        verbose_name_plural = _("outlet sales reports")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["outlet", "year", "month"], name="sales_unique_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="sales_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="sales_not_negative"),
        ]
        indexes = [models.Index(fields=["year", "month"])]

    def __str__(self) -> str:
        return f"{self.outlet} {self.year}-{self.month:02d}"


class Inspection(models.Model):
    """An inspection of an outlet."""

    class Result(models.TextChoices):
        PASSED = "passed", _("Passed")
        RECTIFY = "rectify", _("Rectification required")
        FAILED = "failed", _("Failed")

    outlet = models.ForeignKey(
        Outlet, verbose_name=_("outlet"), on_delete=models.CASCADE, related_name="inspections"
    )
    inspected_on = models.DateField(_("inspection date"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    inspector_name = models.CharField(_("inspector"), max_length=64)
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    result = models.CharField(
        _("result"), max_length=16, choices=Result.choices, default=Result.PASSED
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on"]

    def __str__(self) -> str:
        return f"{self.outlet} {self.inspected_on}"


class OutletPhoto(Photo):
    """A photo of an outlet (its counter, its signage) for its page in the finder."""

    outlet = models.ForeignKey(
        Outlet, verbose_name=_("outlet"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to="outlets/%Y/%m/")

    class Meta(Photo.Meta):
        verbose_name = _("outlet photo")
        verbose_name_plural = _("outlet photos")


class InspectionPhoto(Photo):
    """A photo taken during an inspection, kept as evidence of its findings."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to="inspections/%Y/%m/")

    class Meta(Photo.Meta):
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
