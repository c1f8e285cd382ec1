"""Integrity flags: what the nightly and after-import checks found suspicious in a purchase,
for the coordination offices' review queue. An office confirms a flag (the purchase is
rejected, with a reason the unit sees) or dismisses it; who and when stay on the flag."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .core import BudgetUnit, ProcurementRecord


class IntegrityFlag(models.Model):
    class Kind(models.TextChoices):
        SHARED_INVOICE = "shared_invoice", _("Invoice claimed by two units")
        PRICE_MISMATCH = "price_mismatch", _("Amount far from catalogue price × quantity")
        SPLIT_PURCHASE = "split_purchase", _("Purchase split under a threshold")
        LAPSED_RECOGNITION = "lapsed_recognition", _("Supplier's recognition had lapsed")
        REUSED_VOUCHER = "reused_voucher", _("Voucher file used again")
        COUNTED_TWICE = "counted_twice", _("832 order logged twice")

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting review")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    record = models.ForeignKey(
        ProcurementRecord,
        verbose_name=_("procurement record"),
        on_delete=models.CASCADE,
        related_name="integrity_flags",
    )
    budget_unit = models.ForeignKey(
        BudgetUnit,
        verbose_name=_("budget unit"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the queue's index below begins with it
    )
    kind = models.CharField(_("check"), max_length=20, choices=Kind.choices)
    related_record = models.ForeignKey(
        ProcurementRecord,
        verbose_name=_("related record"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    facts = models.JSONField(
        _("facts"),
        default=dict,
        blank=True,
        help_text=_("What the check found, shown in the reader's language."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    history = HistoricalRecords(no_db_index=["budget_unit", "related_record", "decided_by"])

    class Meta:
        verbose_name = _("integrity flag")
        verbose_name_plural = _("integrity flags")
        ordering = ["-found_at", "-pk"]
        constraints = [
            # A check flags a purchase once: the nightly run finds again what it found before,
            # and a dismissed flag stays dismissed.
            models.UniqueConstraint(fields=["record", "kind"], name="integrity_flag_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "confirmed", "dismissed"]),
                name="integrity_flag_status_known",
            ),
        ]
        indexes = [models.Index(fields=["budget_unit", "status", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.record_id}"
