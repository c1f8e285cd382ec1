"""Reconciliation with the national 832 platform: the orders of its export, imported by a
unit (its own orders) or by the city office (every unit's), matched one to one against the
purchases logged through the ``platform_832`` channel."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.money import MoneyField
from products.models import Supplier

from .core import BudgetUnit, ProcurementRecord


class OrderImport(models.Model):
    """One upload of an 832 order export."""

    budget_unit = models.ForeignKey(
        BudgetUnit,
        verbose_name=_("budget unit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The unit whose own export this is; empty for the city's export."),
    )
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    new_orders = models.PositiveIntegerField(_("new orders"), default=0)
    unknown_units = models.PositiveIntegerField(_("orders of unknown units"), default=0)

    class Meta:
        verbose_name = _("832 order import")
        verbose_name_plural = _("832 order imports")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.uploaded_at:%Y-%m-%d})"


class PlatformOrder(models.Model):
    """One order of the 832 platform. An order is stored once whichever export brings it (the
    unit's and the city's overlap), and matches at most one logged purchase, which matches at
    most one order: the same purchase never counts twice."""

    order_import = models.ForeignKey(
        OrderImport,
        verbose_name=_("import"),
        on_delete=models.CASCADE,
        related_name="order_rows",
    )
    order_no = models.CharField(_("order number"), max_length=64, unique=True)
    ordered_at = models.DateTimeField(_("order time"))
    buyer_name = models.CharField(_("purchasing unit (as exported)"), max_length=200)
    budget_unit = models.ForeignKey(
        BudgetUnit,
        verbose_name=_("budget unit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the export names a unit the portal does not know."),
    )
    supplier_name = models.CharField(_("supplier (as exported)"), max_length=200)
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    amount = MoneyField(_("amount (yuan)"))
    invoice_no = models.CharField(_("invoice number"), max_length=64, blank=True)
    record = models.OneToOneField(
        ProcurementRecord,
        verbose_name=_("matched purchase"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="platform_order",
    )
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("832 order")
        verbose_name_plural = _("832 orders")
        ordering = ["-ordered_at", "-pk"]
        indexes = [models.Index(fields=["budget_unit", "ordered_at"])]

    def __str__(self) -> str:
        return self.order_no
