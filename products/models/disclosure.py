"""Public disclosure (公示): a certification result, an exit, a monitoring outcome or a base
evaluation's result is published for a set period of working days before it takes effect, and
anyone may object in that period. An upheld objection stops it; a period that ends with no
objection pending lets it take effect (the nightly job, ``products.disclosures_daily``)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.models import ExitReason

from .catalogue import Product, SupplierBase
from .certification import Certificate, CertificationApplication
from .evaluation import BaseEvaluation
from .oversight import MonitoringRecord

# The subject fields of a disclosure; each kind uses the ones listed in ``Disclosure.SUBJECTS``.
SUBJECT_FIELDS = (
    "application",
    "certificate",
    "product",
    "base",
    "monitoring_record",
    "base_evaluation",
)


class Disclosure(models.Model):
    """One public notice (公示) and what takes effect when its period ends."""

    class Kind(models.TextChoices):
        CERTIFICATION = "certification", _("Certification result")
        EXIT = "exit", _("Exit")
        MONITORING = "monitoring", _("Monitoring outcome")
        BASE_EVALUATION = "base_evaluation", _("Base evaluation result")

    class Status(models.TextChoices):
        OPEN = "open", _("In disclosure")
        EFFECTIVE = "effective", _("In effect")
        WITHDRAWN = "withdrawn", _("Withdrawn after objection")

    class Removal(models.TextChoices):
        REVOKE = "revoke", _("Revoke the certificate")
        EXIT = "exit", _("Exit")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    # certification: the approved application and the certificate issued pending disclosure.
    application = models.ForeignKey(
        CertificationApplication,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosures",
    )
    certificate = models.ForeignKey(
        Certificate,
        verbose_name=_("certificate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosures",
    )
    # exit: a certificate (revoke), a product or a base (exit).
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosures",
    )
    base = models.ForeignKey(
        SupplierBase,
        verbose_name=_("base"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosures",
    )
    monitoring_record = models.ForeignKey(
        MonitoringRecord,
        verbose_name=_("monitoring record"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosures",
    )
    base_evaluation = models.ForeignKey(
        BaseEvaluation,
        verbose_name=_("base evaluation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosures",
    )
    removal = models.CharField(_("removal"), max_length=8, choices=Removal.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=16, choices=ExitReason.choices, blank=True)
    # What the public reads besides the subject: the office's summary of the decision.
    summary = models.TextField(_("summary"), blank=True)
    self_reported = models.BooleanField(_("reported by the supplier"), default=False)
    starts_on = models.DateField(_("disclosed from"))
    ends_on = models.DateField(_("disclosed until"))
    working_days = models.PositiveSmallIntegerField(_("period (working days)"), default=5)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("public disclosure")
        verbose_name_plural = _("public disclosures")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["certification", "exit", "monitoring", "base_evaluation"]),
                name="disclosure_kind_known",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "effective", "withdrawn"]),
                name="disclosure_status_known",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="disclosure_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(working_days__gt=0), name="disclosure_period_positive"
            ),
            # Each kind names its subject.
            models.CheckConstraint(
                condition=~Q(kind="certification")
                | Q(application__isnull=False, certificate__isnull=False),
                name="disclosure_certification_subject",
            ),
            models.CheckConstraint(
                condition=~Q(kind="exit")
                | (
                    Q(removal__in=["revoke", "exit"])
                    & (
                        Q(certificate__isnull=False, product__isnull=True, base__isnull=True)
                        | Q(certificate__isnull=True, product__isnull=False, base__isnull=True)
                        | Q(certificate__isnull=True, product__isnull=True, base__isnull=False)
                    )
                ),
                name="disclosure_exit_subject",
            ),
            models.CheckConstraint(
                condition=~Q(kind="monitoring") | Q(monitoring_record__isnull=False),
                name="disclosure_monitoring_subject",
            ),
            models.CheckConstraint(
                condition=~Q(kind="base_evaluation") | Q(base_evaluation__isnull=False),
                name="disclosure_base_evaluation_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "ends_on"]),
            models.Index(fields=["kind", "starts_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Objection(models.Model):
    """An objection (异议) to a disclosure, sent by anyone through the public form during the
    period; the city office upholds it (the disclosure is withdrawn) or dismisses it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    disclosure = models.ForeignKey(
        Disclosure,
        verbose_name=_("disclosure"),
        on_delete=models.CASCADE,
        related_name="objections",
    )
    name = models.CharField(_("name"), max_length=64)
    contact = models.CharField(_("phone or e-mail"), max_length=128)
    text = models.TextField(_("objection"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decision_note = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "upheld", "dismissed"]),
                name="objection_status_known",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.disclosure} — {self.name}"
