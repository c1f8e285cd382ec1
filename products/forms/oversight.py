"""The forms of the certificates pages, dynamic exit (动态退出) and monitoring. They parse what
was typed; whether the step may be taken is decided by ``products.services.oversight``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import ExitReason

from ..models import Certificate, CertificationScheme, MonitoringRecord


class CertificateFilterForm(forms.Form):
    """The certificate list's filters, read from the query string."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=64,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, product, base or supplier")}
        ),
    )
    scheme = forms.ChoiceField(label=_("Scheme"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Certificate.Status.choices],
    )
    expiring = forms.BooleanField(label=_("Expiring within 60 days"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].choices = [("", _("All schemes")), *CertificationScheme.Code.choices]


class ExitForm(forms.Form):
    """The reason and note of a change of standing (suspend, revoke, exit, reinstate)."""

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", _("— choose a reason —")), *ExitReason.choices],
        help_text=_(
            "The ground of the decision, from the programme's list: it is recorded in the "
            "history and sent to the supplier."
        ),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The facts behind the decision (test report number, complaint, inspection). "
            "Required when the reason is “Other”."
        ),
    )


class MonitoringForm(forms.Form):
    """A sample test or an inspection of a product or a base."""

    kind = forms.ChoiceField(label=_("Kind"), choices=MonitoringRecord.Kind.choices)
    performed_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day the sample was taken or the inspection made; not in the future."),
    )
    agency = forms.CharField(
        label=_("Testing agency or inspector"),
        max_length=128,
        help_text=_("Who tested or inspected: the record backs any suspension that follows."),
    )
    result = forms.ChoiceField(
        label=_("Result"),
        choices=MonitoringRecord.Result.choices,
        widget=forms.RadioSelect,
        help_text=_("A failed test or inspection proposes a suspension to the city office."),
    )
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was found; required when it failed."),
    )


class ProposalDecisionForm(forms.Form):
    """The city office's note when it accepts or dismisses a proposed suspension."""

    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("dismiss", _("Dismiss"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to dismiss: say why the failure does not call for a suspension."),
    )


class VerifyForm(forms.Form):
    """The public verification: a certificate number, as printed on the certificate."""

    number = forms.CharField(
        label=_("Certificate number"),
        max_length=32,
        widget=forms.TextInput(attrs={"placeholder": "RZ-2026-000001", "autocomplete": "off"}),
        help_text=_("As printed on the certificate, e.g. RZ-2026-000001."),
    )
