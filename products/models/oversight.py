"""Dynamic exit (动态退出) and monitoring: the city office suspends, revokes or exits
certificates, products and bases for a listed reason; sample tests and inspections of bases and
products are recorded, and a failed one proposes a suspension to the office."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import ExitReason

from .catalogue import Product, SupplierBase
from .certification import Certificate


class ExitAction(models.Model):
    """One recorded change of a certificate's, product's or base's standing (动态退出): who,
    when, from which status to which, for which reason, with the office's note."""

    class Action(models.TextChoices):
        SUSPEND = "suspend", _("Suspend")
        REVOKE = "revoke", _("Revoke")
        EXIT = "exit", _("Exit")
        REINSTATE = "reinstate", _("Reinstate")

    certificate = models.ForeignKey(
        Certificate,
        verbose_name=_("certificate"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exit_actions",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exit_actions",
    )
    base = models.ForeignKey(
        SupplierBase,
        verbose_name=_("base"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exit_actions",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=16)
    to_status = models.CharField(_("to"), max_length=16)
    reason = models.CharField(_("reason"), max_length=16, choices=ExitReason.choices)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("exit action")
        verbose_name_plural = _("exit actions")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(certificate__isnull=False, product__isnull=True, base__isnull=True)
                    | Q(certificate__isnull=True, product__isnull=False, base__isnull=True)
                    | Q(certificate__isnull=True, product__isnull=True, base__isnull=False)
                ),
                name="exit_action_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(action__in=["suspend", "revoke", "exit", "reinstate"]),
                name="exit_action_known",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=["quality", "price", "integrity", "no_effect", "other"]),
                name="exit_action_reason_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.certificate or self.product or self.base}"


class MonitoringRecord(models.Model):
    """A sample test (抽检) or an inspection (巡查) of a base or a product. A failed one
    proposes a suspension, which the city office accepts or dismisses."""

    class Kind(models.TextChoices):
        SAMPLE_TEST = "sample_test", _("Sample test")
        INSPECTION = "inspection", _("Inspection")

    class Result(models.TextChoices):
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    class Proposal(models.TextChoices):
        NONE = "", _("None")
        OPEN = "open", _("Suspension proposed")
        ACCEPTED = "accepted", _("Suspended")
        DISMISSED = "dismissed", _("Dismissed")

    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="monitoring_records",
    )
    base = models.ForeignKey(
        SupplierBase,
        verbose_name=_("base"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="monitoring_records",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    performed_on = models.DateField(_("date"))
    agency = models.CharField(_("testing agency or inspector"), max_length=128, blank=True)
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    findings = models.TextField(_("findings"), blank=True)
    proposal = models.CharField(
        _("suspension proposal"),
        max_length=16,
        choices=Proposal.choices,
        default=Proposal.NONE,
        blank=True,
    )
    proposal_note = models.TextField(_("decision on the proposal"), blank=True)
    # Set when an objection to the record's public disclosure is upheld: the result is void.
    annulled = models.BooleanField(_("annulled"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposal handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("proposal handled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("monitoring record")
        verbose_name_plural = _("monitoring records")
        ordering = ["-performed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False, base__isnull=True)
                | Q(product__isnull=True, base__isnull=False),
                name="monitoring_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["sample_test", "inspection"]), name="monitoring_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(result__in=["passed", "failed"]), name="monitoring_result_known"
            ),
            models.CheckConstraint(
                condition=Q(proposal__in=["", "open", "accepted", "dismissed"]),
                name="monitoring_proposal_known",
            ),
            # Only a failed test or inspection proposes a suspension.
            models.CheckConstraint(
                condition=Q(proposal="") | Q(result="failed"),
                name="monitoring_proposal_only_on_failure",
            ),
        ]
        indexes = [models.Index(fields=["proposal", "performed_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.performed_on}"
