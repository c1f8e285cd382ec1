"""The forms of the public disclosures (公示): the list's filters, the public's objection and the
city office's decision on it. They parse what was typed; whether an objection may still be made
or decided is ``products.services.disclosure``'s to say."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from ..models import Disclosure, Objection
from ..services.disclosure import OBJECTION_TEXT_MAX

# A mainland mobile (13812345678), a landline with its area code (0755-83456789) or a number
# with the country code (+86 138 1234 5678): 7 to 15 digits, with spaces, dashes and brackets.
PHONE = re.compile(r"^\+?[\d\s()\-]{7,24}$")
PHONE_DIGITS = (7, 15)


class _FilterForm(forms.Form):
    def filters(self) -> dict:
        """The filters chosen, as keyword arguments of the list's selector."""
        return {key: value for key, value in self.cleaned_data.items() if value}


class DisclosureFilterForm(_FilterForm):
    """The list's filters, read from the query string by the page, its export and the API."""

    kind = forms.ChoiceField(
        label=_("What"),
        required=False,
        choices=[("", _("All kinds")), *Disclosure.Kind.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Disclosure.Status.choices],
    )


class ObjectionFilterForm(_FilterForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All objections")), *Objection.Status.choices],
    )


class ObjectionForm(forms.Form):
    """Anyone's objection (异议) during the period: who they are, how to reach them, and what
    they object to. None of it is published."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("Objections are examined by the city office; your name is not published."),
    )
    contact = forms.CharField(
        label=_("Phone or e-mail"),
        max_length=128,
        widget=forms.TextInput(attrs={"autocomplete": "email"}),
        help_text=_("So that the office can ask you for details and tell you its decision."),
    )
    text = forms.CharField(
        label=_("Your objection"),
        max_length=OBJECTION_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": OBJECTION_TEXT_MAX}),
        help_text=_(
            "What you object to and the facts behind it (dates, places, documents you hold)."
        ),
    )

    def clean_contact(self) -> str:
        contact = self.cleaned_data["contact"].strip()
        if "@" in contact:
            try:
                validate_email(contact)
            except ValidationError:
                raise ValidationError(
                    _("Enter a valid e-mail address, e.g. name@example.com."), code="email"
                ) from None
            return contact
        digits = sum(ch.isdigit() for ch in contact)
        low, high = PHONE_DIGITS
        if not PHONE.match(contact) or not low <= digits <= high:
            raise ValidationError(
                _("Enter a phone number (e.g. 13812345678 or 0755-83456789) or an e-mail address."),
                code="contact",
            )
        return contact


class ObjectionDecisionForm(forms.Form):
    """The city office's reasons for upholding or dismissing an objection."""

    note = forms.CharField(
        label=_("Reasons"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Recorded with the decision and sent to the supplier when the objection is upheld; "
            "never shown on the public page."
        ),
    )
