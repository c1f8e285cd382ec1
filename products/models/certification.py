"""The certification schemes (帮扶产品认定, 圳品, 基地认定), applications and their steps,
documents and on-site evaluations, and the certificates issued."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.periods import add_months

from .catalogue import Product, Supplier, SupplierBase


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

    def validity_from(self, start: datetime.date) -> tuple[datetime.date, datetime.date]:
        """(valid from, valid until) of a certificate of this scheme starting on ``start``:
        its months, up to the day before the same date."""
        return start, add_months(start, self.validity_months) - datetime.timedelta(days=1)


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
    # A renewal application names the certificate it renews; it opens pre-filled from the
    # application that certificate was issued on.
    renews = models.ForeignKey(
        "Certificate",
        verbose_name=_("renews certificate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewal_applications",
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

    # Issue 7: each step and decision (status, reviewer, decided at, reasons) with who and why.
    history = HistoricalRecords()

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
    # A renewal carries the documents of the application it renews over (the same stored file)
    # unless the supplier replaces them; removing a carried document never deletes the file.
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("carried over from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
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
    items = models.JSONField(
        _("checklist scores"),
        default=dict,
        blank=True,
        help_text=_("The score of each item of the scheme's checklist, by item code."),
    )
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
        # Issued on approval and publicly disclosed (公示); valid once the disclosure takes effect.
        PENDING = "pending", _("In public disclosure")
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
    # The certificate this one renews (续证): the chain of a subject's certificates.
    renews = models.ForeignKey(
        "self",
        verbose_name=_("renews"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.VALID
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    # The last expiry warning sent (60, then 30 days before ``valid_until``): the daily job
    # warns once per threshold, however often it runs.
    warned_days = models.PositiveSmallIntegerField(
        _("last warning (days before)"), null=True, blank=True
    )

    history = HistoricalRecords()

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
                condition=Q(status__in=["pending", "valid", "suspended", "revoked", "expired"]),
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
