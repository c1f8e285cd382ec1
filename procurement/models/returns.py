"""Returns for correction (退回): an office sends a submitted quarter back to the unit with
comments, overall or on single purchases; the unit corrects and its approver resubmits.
Every round is kept."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .core import ProcurementRecord, QuarterSubmission


class QuarterReturn(models.Model):
    """One round: the office's return of the quarter and, once the unit is done, its
    resubmission. ``number`` counts the quarter's returns from 1."""

    submission = models.ForeignKey(
        QuarterSubmission,
        verbose_name=_("quarter submission"),
        on_delete=models.CASCADE,
        related_name="returns",
    )
    number = models.PositiveSmallIntegerField(_("round"))
    comment = models.TextField(_("comment"))
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("returned by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("returned at"))
    resubmitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resubmitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resubmitted_at = models.DateTimeField(_("resubmitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("return for correction")
        verbose_name_plural = _("returns for correction")
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "number"], name="quarter_return_unique_round"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="quarter_return_round_1"),
        ]

    def __str__(self) -> str:
        return f"{self.submission} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.resubmitted_at is None


class ReturnComment(models.Model):
    """The office's comment on one purchase of a returned quarter. The purchase may be deleted
    as the correction; ``record_label`` keeps what it was."""

    quarter_return = models.ForeignKey(
        QuarterReturn,
        verbose_name=_("return for correction"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    record = models.ForeignKey(
        ProcurementRecord,
        verbose_name=_("procurement record"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="return_comments",
    )
    record_label = models.CharField(_("purchase"), max_length=255)
    comment = models.TextField(_("comment"))

    class Meta:
        verbose_name = _("comment on a purchase")
        verbose_name_plural = _("comments on purchases")
        ordering = ["quarter_return", "pk"]

    def __str__(self) -> str:
        return f"{self.record_label}: {self.comment[:40]}"
