"""The running totals of the purchases, kept by ``procurement.totals`` in the transaction of
every write to a purchase: by unit, by unit and purpose, by district and region of origin."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.money import MoneyField

from .core import BudgetUnit


class MonthlyTotal(models.Model):
    """The counted purchases (rejected aside) of one unit in one month through one channel:
    the sum the compliance figures and the dashboards read instead of the purchases
    themselves. Kept by ``procurement.totals`` in the transaction of every write to a purchase,
    so it is never stale after a commit; ``procurement.totals.totals_rebuild`` recomputes it."""

    budget_unit = models.ForeignKey(
        BudgetUnit,
        verbose_name=_("budget unit"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unit's rows are found through the indexes below that begin with it
    )
    month = models.DateField(_("month"), help_text=_("The month's first day."))
    channel = models.CharField(_("channel"), max_length=20)
    amount = MoneyField(_("amount (yuan)"), default=Decimal("0"))
    records = models.IntegerField(_("purchases"), default=0)

    class Meta:
        verbose_name = _("monthly total of a unit")
        verbose_name_plural = _("monthly totals of the units")
        constraints = [
            models.UniqueConstraint(
                fields=["budget_unit", "month", "channel"], name="monthly_total_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["month", "budget_unit"]),
            # A unit's sum over a run of months read from the index alone (the compliance
            # figures sum a year for each of 1,000 units). Amount as a key column rather than
            # INCLUDE, which SQLite (the tests) warns about (models.W040) and ignores.
            models.Index(fields=["budget_unit", "month", "amount"], name="monthly_total_sum_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.budget_unit_id} {self.month:%Y-%m} {self.channel}: ¥{self.amount}"


class PurposeMonthlyTotal(models.Model):
    """``MonthlyTotal`` split by the purchases' purpose too (unit × month × channel ×
    purpose): what the quota rules on the canteen-food and union-welfare bases count
    (``procurement.quota``). A table of its own, so that the sums every compliance figure and
    dashboard reads stay four times fewer rows. Kept and rebuilt with ``MonthlyTotal``."""

    budget_unit = models.ForeignKey(
        BudgetUnit,
        verbose_name=_("budget unit"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # found through the unique constraint, which begins with it
    )
    month = models.DateField(_("month"), help_text=_("The month's first day."))
    channel = models.CharField(_("channel"), max_length=20)
    purpose = models.CharField(_("purpose"), max_length=16)
    amount = MoneyField(_("amount (yuan)"), default=Decimal("0"))
    records = models.IntegerField(_("purchases"), default=0)

    class Meta:
        verbose_name = _("monthly total of a unit by purpose")
        verbose_name_plural = _("monthly totals of the units by purpose")
        constraints = [
            models.UniqueConstraint(
                fields=["budget_unit", "month", "channel", "purpose"],
                name="purpose_monthly_total_unique",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.budget_unit_id} {self.month:%Y-%m} {self.channel}/{self.purpose}: "
            f"¥{self.amount}"
        )


class OriginMonthlyTotal(models.Model):
    """The counted purchases of one city district's units in one month from suppliers of one
    region of origin (the supplier's registered region): where the money went, for the
    dashboards' regions and flows. Codes, not keys: "" stands for a unit or supplier without
    a region. Kept and rebuilt with ``MonthlyTotal``."""

    district = models.CharField(_("district"), max_length=6)
    month = models.DateField(_("month"), help_text=_("The month's first day."))
    origin = models.CharField(_("region of origin"), max_length=6)
    amount = MoneyField(_("amount (yuan)"), default=Decimal("0"))
    records = models.IntegerField(_("purchases"), default=0)

    class Meta:
        verbose_name = _("monthly total by region of origin")
        verbose_name_plural = _("monthly totals by region of origin")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "month", "origin"], name="origin_monthly_total_unique"
            ),
        ]
        indexes = [models.Index(fields=["month", "district"])]

    def __str__(self) -> str:
        return f"{self.district} {self.month:%Y-%m} {self.origin}: ¥{self.amount}"
