"""The yearly evaluation of the supplier bases (菜篮子基地 / 供深基地 评价): the pool of experts
and the conflicts of interest they declare, each base's evaluation through its stages
(application → material review → site verification → result review → publication), and the
experts drawn for it with their scores.

The final score is the base's self-assessment (20%) and the mean of the experts' scores (80%),
less the deductions of the year's failed monitoring; see ``products.services.base_evaluation``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .catalogue import ProductCategory, Supplier, SupplierBase

# The score stages take: 0–100 with two decimals.
SCORE_RANGE = {"max_digits": 5, "decimal_places": 2}


class Expert(models.Model):
    """An expert of the evaluation pool (专家库): named, with a speciality (a product category)
    and, when the expert enters scores in the portal, the account used."""

    name = models.CharField(_("name"), max_length=64)
    organisation = models.CharField(_("organisation"), max_length=128, blank=True)
    title = models.CharField(_("professional title"), max_length=64, blank=True)
    speciality = models.CharField(
        _("speciality"), max_length=16, choices=ProductCategory.choices, blank=True
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expert",
    )
    active = models.BooleanField(_("in the pool"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["active", "speciality"])]

    def __str__(self) -> str:
        return self.name


class ExpertConflict(models.Model):
    """A conflict of interest an expert declared with a supplier (利益冲突): the expert is never
    drawn for that supplier's bases."""

    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.CASCADE, related_name="conflicts"
    )
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        on_delete=models.CASCADE,
        related_name="expert_conflicts",
    )
    reason = models.CharField(_("reason"), max_length=255)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        ordering = ["-declared_at"]
        constraints = [
            models.UniqueConstraint(fields=["expert", "supplier"], name="expert_conflict_unique")
        ]

    def __str__(self) -> str:
        return f"{self.expert} ↔ {self.supplier}"


class BaseEvaluation(models.Model):
    """One base's evaluation for one year, through its stages. A material score below 60 stops
    it (``not_passed``); a published result stands once its public disclosure takes effect."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        MATERIAL_REVIEW = "material_review", _("Material review")
        SITE_VERIFICATION = "site_verification", _("Site verification")
        RESULT_REVIEW = "result_review", _("Result review")
        IN_DISCLOSURE = "in_disclosure", _("In public disclosure")
        PUBLISHED = "published", _("Published")
        NOT_PASSED = "not_passed", _("Not passed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    base = models.ForeignKey(
        SupplierBase, verbose_name=_("base"), on_delete=models.PROTECT, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # The base's category when it applied: bases are ranked within it.
    category = models.CharField(_("category"), max_length=16, choices=ProductCategory.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.APPLIED
    )
    self_score = models.DecimalField(_("self-assessment score"), **SCORE_RANGE)
    self_assessment = models.TextField(_("self-assessment"), blank=True)
    material_score = models.DecimalField(
        _("material review score"), **SCORE_RANGE, null=True, blank=True
    )
    material_note = models.TextField(_("material review note"), blank=True)
    site_note = models.TextField(_("site verification findings"), blank=True)
    site_verified_on = models.DateField(_("site verified on"), null=True, blank=True)
    # The seed of the random draw of experts, kept so that the draw can be repeated and checked.
    draw_seed = models.BigIntegerField(_("draw seed"), null=True, blank=True)
    expert_score = models.DecimalField(
        _("experts' mean score"), **SCORE_RANGE, null=True, blank=True
    )
    monitoring_deduction = models.DecimalField(_("monitoring deduction"), **SCORE_RANGE, default=0)
    final_score = models.DecimalField(_("final score"), **SCORE_RANGE, null=True, blank=True)
    result_note = models.TextField(_("result review note"), blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("base evaluation")
        verbose_name_plural = _("base evaluations")
        ordering = ["-year", "category", "-final_score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["base", "year"], name="base_evaluation_once_a_year"),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "applied",
                        "material_review",
                        "site_verification",
                        "result_review",
                        "in_disclosure",
                        "published",
                        "not_passed",
                        "withdrawn",
                    ]
                ),
                name="base_evaluation_status_known",
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__isnull": True})
                    | Q(**{f"{field}__gte": 0, f"{field}__lte": 100}),
                    name=f"base_evaluation_{field}_0_100",
                )
                for field in (
                    "self_score",
                    "material_score",
                    "expert_score",
                    "monitoring_deduction",
                    "final_score",
                )
            ),
        ]
        indexes = [models.Index(fields=["year", "category", "status"])]

    def __str__(self) -> str:
        return f"{self.base} {self.year}"


class ExpertAssignment(models.Model):
    """An expert drawn for a base's evaluation, in draw order, with the score given. An expert
    who declares a conflict on being drawn gives no score and another is drawn in their place;
    no expert is drawn twice for the same evaluation."""

    evaluation = models.ForeignKey(
        BaseEvaluation,
        verbose_name=_("evaluation"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="assignments"
    )
    position = models.PositiveSmallIntegerField(_("draw order"))
    conflict_declared = models.BooleanField(_("conflict declared"), default=False)
    conflict_reason = models.CharField(_("conflict"), max_length=255, blank=True)
    score = models.DecimalField(_("score"), **SCORE_RANGE, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)

    class Meta:
        verbose_name = _("expert assignment")
        verbose_name_plural = _("expert assignments")
        ordering = ["evaluation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "expert"], name="expert_drawn_once_per_evaluation"
            ),
            models.UniqueConstraint(
                fields=["evaluation", "position"], name="expert_draw_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="expert_score_0_100",
            ),
            models.CheckConstraint(
                condition=Q(conflict_declared=False) | Q(score__isnull=True),
                name="expert_conflicted_gives_no_score",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} #{self.position} {self.expert}"
