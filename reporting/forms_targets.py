"""The quota policy's form on the targets page: it parses what the city office typed; the rules
live in ``reporting.targets.quota_policy_set``."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .targets import MAX_POLICY_NOTE, PolicyView

# A percentage as offices type it: 30, 30.5, 30%, 30 ％ (the sign may be left out). A minus sign
# is read so that the service can say why a negative share is refused.
PERCENT = re.compile(r"^-?\d+(?:\.\d+)?%?$")


class PercentField(forms.Field):
    """A share typed as a percentage (``30`` for 30%); cleaned to the percentage as a Decimal."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 6})
    default_error_messages = {
        "invalid": _("Give the required share as a percentage, e.g. 30."),
    }

    def to_python(self, value) -> Decimal | None:
        if value in self.empty_values:
            return None
        text = re.sub(r"\s", "", str(value)).replace("％", "%")
        if not PERCENT.match(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return Decimal(text.rstrip("%"))
        except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error


class QuotaPolicyForm(forms.Form):
    """The year's required share and year-on-year rule, named as ``quota_policy_set`` names
    them (``ratio``, ``growth_required``, ``note``)."""

    ratio = PercentField(
        label=_("Required share (%)"),
        help_text=_(
            "The share of a unit's declared farm-products total that must be assistance "
            "products, as a percentage above 0 and up to 100 with at most one decimal: 30 "
            "means 30%."
        ),
    )
    growth_required = forms.BooleanField(
        label=_("No lower than last year"),
        required=False,
        help_text=_(
            "A unit's assistance purchases of the year (rejected records aside) may not fall "
            "below last year's (Guangzhou measure 16)."
        ),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=MAX_POLICY_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=format_lazy(
            _(
                "Where the rule comes from, e.g. the document that sets it; up to {count} "
                "characters."
            ),
            count=MAX_POLICY_NOTE,
        ),
    )

    def __init__(self, *args, policy: PolicyView, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "ratio": f"{policy.percent:.1f}".removesuffix(".0"),
                "growth_required": policy.growth_required,
                "note": policy.note,
            },
        )
        super().__init__(*args, **kwargs)

    def values(self) -> dict:
        """The parsed policy, in the shape ``quota_policy_set`` takes (the share as 0.305)."""
        data = self.cleaned_data
        return {
            "ratio": data["ratio"].scaleb(-2),
            "growth_required": data["growth_required"],
            "note": data["note"],
        }
