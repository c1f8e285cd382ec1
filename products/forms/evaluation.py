"""The forms of the base evaluation (菜篮子基地年度评价) and the expert pool. They parse what
was typed; whether the step may be taken is decided by ``products.services.base_evaluation``
and ``products.services.expert_draw``, whose refusals the views put back on these forms."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.models import ExitReason, Role
from procurement.forms import call_service

from ..models import BaseEvaluation, ProductCategory
from ..services.base_evaluation import YEARS_BACK
from ..services.evaluation_scores import EXPERT_WEIGHT, MATERIAL_PASS_MARK, SCORE_MAX, SCORE_MIN
from ..services.expert_draw import SEED_MAX

SCORE_WIDGET = {"inputmode": "decimal", "class": "num", "step": "0.01", "min": "0", "max": "100"}


def score_field(label, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=SCORE_MIN,
        max_value=SCORE_MAX,
        max_digits=5,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs=SCORE_WIDGET),
    )


def text_field(
    label, *, max_length: int = 4000, rows: int = 4, required: bool = True, help_text: str = ""
) -> forms.CharField:
    """A free text (a note, findings, a comment) in a text area ``rows`` high."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def confirm_field(label, *, refusal) -> forms.BooleanField:
    """The box ticked to confirm a final step (ui.md: final actions ask for confirmation);
    ``refusal`` is the error when it is left empty."""
    return forms.BooleanField(label=label, error_messages={"required": refusal})


def submit(form: forms.Form, service, /, *, actor, fields: tuple[str, ...] = (), **kwargs):
    """Run ``service`` for a submitted (bound) and valid form, as ``actor``, with the form's
    cleaned ``fields`` and ``kwargs``: the service's result, or None when the form was not
    submitted, is invalid, or the service refused (the refusal is then on the form)."""
    if not form.is_bound or not form.is_valid():
        return None
    values = {name: form.cleaned_data[name] for name in fields}
    return call_service(form, service, actor=actor, **values, **kwargs)


class EvaluationFilterForm(forms.Form):
    """The list's filters, read from the query string."""

    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *ProductCategory.choices],
    )
    status = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("", _("All stages")), *BaseEvaluation.Status.choices],
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *((y, str(y)) for y in years)]


class ApplyForm(forms.Form):
    """The supplier's application for a base's yearly evaluation."""

    base = forms.ModelChoiceField(
        label=_("Base"),
        queryset=None,
        empty_label=_("— choose one of your bases —"),
        help_text=_("Only your active bases appear."),
    )
    year = forms.TypedChoiceField(
        label=_("Year evaluated"),
        coerce=int,
        help_text=_("Each base is evaluated once a year."),
    )
    self_score = score_field(
        _("Self-assessment score"),
        help_text=_("0–100. It counts for 20% of the final score; the experts' score for 80%."),
    )
    self_assessment = text_field(
        _("Self-assessment"),
        rows=6,
        help_text=_(
            "How the base kept the four unified standards this year: quality standard, "
            "processing requirements, packaging marks, brand sales."
        ),
    )

    def __init__(self, *args, bases, as_of, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["base"].queryset = bases
        self.fields["year"].choices = [
            (year, str(year)) for year in (as_of.year, as_of.year - YEARS_BACK)
        ]


class MaterialReviewForm(forms.Form):
    score = score_field(
        _("Material review score"),
        help_text=_("0–100. Below 60 the evaluation stops here and the supplier is told why."),
    )
    note = text_field(
        _("Note"),
        required=False,
        help_text=_("What the material shows or lacks; required when it does not pass."),
    )
    confirm_stop = forms.BooleanField(
        label=_("I confirm: a score below 60 ends this year's evaluation of the base."),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        score = cleaned.get("score")
        if score is not None and score < MATERIAL_PASS_MARK and not cleaned.get("confirm_stop"):
            self.add_error(
                "confirm_stop",
                _("A score below 60 stops the evaluation: tick the box to confirm."),
            )
        return cleaned


class DrawForm(forms.Form):
    seed = forms.IntegerField(
        label=_("Seed of the draw"),
        required=False,
        min_value=0,
        max_value=SEED_MAX,
        help_text=_(
            "Leave blank for a random seed. The seed is kept and shown: the same seed and pool "
            "always draw the same experts, so anyone can check the draw."
        ),
    )


class SiteForm(forms.Form):
    """The drawn experts' scores, from their paper sheets, and the site findings."""

    site_verified_on = forms.DateField(
        label=_("Day of the site verification"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Required to complete the site verification; it may not be in the future."),
    )
    site_note = text_field(
        _("Site findings"),
        required=False,
        max_length=8000,
        rows=5,
        help_text=_("Required to complete the site verification."),
    )

    def __init__(self, *args, assignments, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment_fields = []
        for assignment in assignments:
            if assignment.conflict_declared:
                continue
            name = f"score_{assignment.pk}"
            self.fields[name] = score_field(
                _("Score of %(expert)s") % {"expert": assignment.expert.name}, required=False
            )
            self.initial.setdefault(name, assignment.score)
            self.assignment_fields.append((assignment, name))
        # The order on the page: the scores first, then the findings.
        self.order_fields([name for _a, name in self.assignment_fields])

    def scores(self) -> dict[int, Decimal | None]:
        return {a.pk: self.cleaned_data.get(name) for a, name in self.assignment_fields}


class PublishForm(forms.Form):
    note = text_field(
        _("Result review note"), required=False, help_text=_("Published with the result.")
    )
    confirm = confirm_field(
        _(
            "I confirm: the result is published for public disclosure and stands once the "
            "period passes without an upheld objection."
        ),
        refusal=_("Tick the box to confirm the publication."),
    )


class ScoreForm(forms.Form):
    score = score_field(
        _("Score"),
        help_text=format_lazy(
            _("0–100, at most 2 decimals; the experts' mean score weighs {weight} of the total."),
            weight=f"{EXPERT_WEIGHT:.0%}",
        ),
    )
    comment = text_field(_("Comment"), required=False)


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("Conflict of interest"),
        max_length=255,
        help_text=_(
            "E.g. a relative works for the supplier, a consultancy, shares held. The expert is "
            "never drawn for this supplier again and the next expert of the draw takes the place."
        ),
    )


class ExpertFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or organisation")}),
    )
    active = forms.ChoiceField(
        label=_("In the pool"),
        required=False,
        choices=[("", _("All")), ("1", _("In the pool")), ("0", _("Out of the pool"))],
    )


class ExpertForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=128,
        required=False,
        help_text=_("E.g. an agricultural university or a testing centre."),
    )
    title = forms.CharField(label=_("Professional title"), max_length=64, required=False)
    speciality = forms.ChoiceField(
        label=_("Speciality"),
        required=False,
        choices=[("", _("— none —")), *ProductCategory.choices],
    )
    user = forms.ModelChoiceField(
        label=_("Portal account"),
        queryset=None,
        required=False,
        empty_label=_("— none: the office enters the scores —"),
        help_text=_("A reviewer account lets the expert enter their own scores."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(membership__role=Role.REVIEWER, is_active=True, expert__isnull=True)
            .order_by("username")
        )


class ExpertConflictForm(ConflictForm):
    supplier = forms.ModelChoiceField(
        label=_("Supplier"),
        queryset=None,
        empty_label=_("— choose a supplier —"),
    )

    field_order = ["supplier", "reason"]

    def __init__(self, *args, suppliers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers


class SelfReportForm(forms.Form):
    """The supplier's report that its base no longer qualifies (主动申报退出)."""

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", _("— choose a reason —")), *ExitReason.choices],
    )
    note = text_field(
        _("What has changed"),
        max_length=2000,
        rows=5,
        help_text=_("Published with the notice: the public may object during the period."),
    )
    confirm = confirm_field(
        _(
            "I confirm: the base's exit is publicly disclosed and, once the period passes, the "
            "base exits the programme and its certificates are revoked."
        ),
        refusal=_("Tick the box to confirm the report."),
    )


class EmptyForm(forms.Form):
    """A step with nothing to type (taking up the material review, withdrawing)."""
