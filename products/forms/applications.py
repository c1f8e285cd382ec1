"""The forms of the certification journey: the supplier's application and documents, the
reviewer's evaluation and decisions, and the list's filters. They parse what was typed; the
rules (what a scheme needs, who may do what when) live in ``products.services.applications``,
whose refusals the views put back on these forms.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.errors import ApplicationError
from portal.models import Region

from ..models import ApplicationDocument, CertificationApplication, CertificationScheme
from ..services.applications import REQUIREMENTS
from ..services.review import checklist_of

DOCUMENT_ACCEPT = ".pdf,.jpg,.jpeg,.png"
Status = CertificationApplication.Status


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: a field's messages beside the field, anything
    else at the top."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            visible = name in form.fields and not form.fields[name].widget.is_hidden
            form.add_error(name if visible else None, messages)
    else:
        form.add_error(None, error.messages)


def call_service(form: forms.Form, service, /, **kwargs):
    """Run a service for a submitted form: its result, or None with the refusal on the form."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        apply_service_errors(form, error)
    except ApplicationError as error:
        form.add_error(None, error.message)
    return None


def _needed_for_submission(scheme_code: str, field: str) -> bool:
    return field in REQUIREMENTS.get(scheme_code, ())


class ApplicationForm(forms.Form):
    """The facts of an application; the subject (product or base) is chosen once, when the
    draft is made. A draft may be saved incomplete: the scheme's needs are checked on
    submission."""

    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=None,
        empty_label=_("— choose one of your products —"),
        help_text=_(
            "Only your listed products appear; a product already holding or applying for this "
            "certification cannot apply again until that application is closed."
        ),
    )
    base = forms.ModelChoiceField(
        label=_("Base"),
        queryset=None,
        empty_label=_("— choose one of your bases —"),
        help_text=_("Only your active bases appear."),
    )
    standard_claimed = forms.CharField(
        label=_("Standard claimed"),
        required=False,
        max_length=128,
        help_text=_(
            "The standard the product or base is produced to, e.g. 《“圳品”评价规范》: the "
            "reviewers evaluate it on site against this standard."
        ),
    )
    poverty_link = forms.CharField(
        label=_("Poverty-reduction link"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "How the product lifts poor households of the paired regions (保底收购, 订单农业, "
            "分红, 务工…): recognition as an assistance product rests on this link."
        ),
    )
    households = forms.IntegerField(
        label=_("Households linked"),
        required=False,
        min_value=0,
        max_value=10_000_000,
        help_text=_(
            "The number of poor households the product or base helps (带贫户数); recognition "
            "needs more than 0."
        ),
    )

    def __init__(self, *args, scheme: CertificationScheme, subjects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        if scheme.subject == CertificationScheme.Subject.BASE:
            del self.fields["product"]
            subject_field = "base"
        else:
            del self.fields["base"]
            subject_field = "product"
        if subjects is None:
            del self.fields[subject_field]
        else:
            self.fields[subject_field].queryset = subjects
        for name in ("standard_claimed", "poverty_link", "households"):
            if _needed_for_submission(scheme.code, name):
                field = self.fields[name]
                field.help_text = format_lazy(
                    "{} {}", field.help_text, _("Needed before you submit.")
                )

    def clean_households(self):
        return self.cleaned_data.get("households") or 0

    @property
    def subject_field(self):
        for name in ("product", "base"):
            if name in self.fields:
                return self[name]
        return None


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of document"),
        choices=[("", _("— choose —")), *ApplicationDocument.Kind.choices],
        help_text=_(
            "The business licence (营业执照) is needed for recognition and base certification, "
            "a quality test report of the product for 圳品; anything else is “Other”. The "
            "scheme's list is ticked by this kind."
        ),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=format_lazy(
            _(
                "A PDF, JPG or PNG (not HEIC) of up to {limit} MB. Scans and phone photos are "
                "fine if legible."
            ),
            limit=settings.PORTAL_MAX_UPLOAD_BYTES // (1024 * 1024),
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = DOCUMENT_ACCEPT


class EvaluationForm(forms.Form):
    """An on-site evaluation: one score per item of the scheme's checklist; the total is their
    sum, computed on submission."""

    evaluated_on = forms.DateField(
        label=_("Date of the on-site evaluation"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day the reviewers visited; it may not be in the future."),
    )
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was seen on site, especially anything below the standard."),
    )

    def __init__(self, *args, scheme_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = checklist_of(scheme_code)
        for code, label, maximum in self.checklist:
            self.fields[f"item_{code}"] = forms.DecimalField(
                label=format_lazy(_("{label} (max. {max})"), label=label, max=maximum),
                min_value=Decimal(0),
                max_value=Decimal(maximum),
                max_digits=5,
                decimal_places=1,
                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
            )

    def item_fields(self):
        return [self[f"item_{code}"] for code, _label, _max in self.checklist]

    def items(self) -> dict[str, Decimal]:
        return {code: self.cleaned_data[f"item_{code}"] for code, _label, _max in self.checklist}

    def apply_errors(self, error: ValidationError) -> None:
        """The service names checklist problems under ``items``: show them at the top."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class StepForm(forms.Form):
    """The confirmation of a step, with the text some steps require (the request for more
    material, the reasons of a rejection) or allow (an approval's comment)."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, label=None, help_text=None, required=False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["comment"]
        if label:
            field.label = label
        if help_text:
            field.help_text = help_text
        field.required = required


QUEUE = "queue"


class ApplicationFilterForm(forms.Form):
    """The list's filters, read from the query string."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    scheme = forms.ChoiceField(
        label=_("Scheme"),
        required=False,
        choices=[("", _("All schemes")), *CertificationScheme.Code.choices],
    )
    province = forms.ChoiceField(label=_("Region of origin"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=64,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Supplier, product, base or credit code")}
        ),
    )

    def __init__(self, *args, reviewing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = [("", _("All statuses"))]
        if reviewing:
            statuses.append((QUEUE, _("To review (submitted or under review)")))
        self.fields["status"].choices = [*statuses, *Status.choices]
        if reviewing:
            self.fields["province"].choices = [
                ("", _("All regions")),
                *Region.objects.filter(level=Region.Level.PROVINCE).values_list("code", "name"),
            ]
        else:
            del self.fields["province"]
            del self.fields["q"]
