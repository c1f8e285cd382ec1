"""The quota rules of a year beyond its main rule.

A year's ``QuotaPolicy`` holds the city's main rule (its ``ratio`` of the declared
farm-products total, every channel, every unit: api.md's compliance fields) and the
year-on-year floor (``growth_required``). Any number of further rules sit beside it, each a
share of one declared base, counting the purchases of some channels only, for some unit
categories only: the national "≥10% of canteen food through the 832 platform", Guangzhou's
"over 50% of union welfare in the special outlets".
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .core import QuotaPolicy


class QuotaRule(models.Model):
    class Base(models.TextChoices):
        AGRI = "agri", _("Declared farm-products total")
        CANTEEN = "canteen", _("Declared canteen-food total")
        UNION_WELFARE = "union_welfare", _("Declared union-welfare total")

    policy = models.ForeignKey(
        QuotaPolicy, verbose_name=_("quota policy"), on_delete=models.CASCADE, related_name="rules"
    )
    name = models.CharField(_("name"), max_length=100)
    base = models.CharField(_("base"), max_length=16, choices=Base.choices)
    ratio = models.DecimalField(
        _("required share"), max_digits=4, decimal_places=3, default=Decimal("0.100")
    )
    channels = models.JSONField(
        _("channels counted"),
        default=list,
        blank=True,
        help_text=_("Channel codes whose purchases count; empty: every channel."),
    )
    categories = models.JSONField(
        _("unit categories"),
        default=list,
        blank=True,
        help_text=_("Budget-unit categories the rule applies to; empty: every unit."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quota rule")
        verbose_name_plural = _("quota rules")
        ordering = ["policy", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "name"], name="quota_rule_unique_name"),
            models.CheckConstraint(
                condition=Q(ratio__gt=0, ratio__lte=1), name="quota_rule_ratio_0_1"
            ),
            models.CheckConstraint(
                condition=Q(base__in=["agri", "canteen", "union_welfare"]),
                name="quota_rule_base_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ratio:.0%})"
