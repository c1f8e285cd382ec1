"""The forms of the bulletin and target pages: they parse what was typed; the rules live in
``reporting.services_bulletins`` and ``reporting.targets``."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.periods import QUARTERS, Quarter

from .forms import PeriodFilterForm
from .models import Bulletin
from .targets import CITY_FIELD, TargetSheet

QUARTER_CHOICES = [(q, format_lazy(_("Q{quarter}"), quarter=q)) for q in QUARTERS]

# An amount as offices write it: 110亿, 1.1 亿元, 12,000万, ¥1,234.5, 1234.50元.
SCALES = {"亿": Decimal(100_000_000), "万": Decimal(10_000), "": Decimal(1)}
AMOUNT = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<scale>亿|万)?元?$")


class BulletinFilterForm(PeriodFilterForm):
    """The archive's filters, read from the query string."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Bulletin.Status.choices],
    )

    def __init__(self, *args, years, with_status: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_years(years)
        if not with_status:
            del self.fields["status"]


class BulletinGenerateForm(forms.Form):
    """Which ended quarter to write the bulletin of."""

    period = forms.ChoiceField(
        label=_("Quarter"),
        help_text=_(
            "Only a quarter that has ended: the bulletin ranks the year to the end of that "
            "quarter against the same period of last year."
        ),
    )

    def __init__(self, *args, quarters: list[tuple[Quarter, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(str(q), label) for q, label in quarters]

    def clean_period(self) -> Quarter:
        year, quarter = self.cleaned_data["period"].split("Q")
        return Quarter(int(year), int(quarter))


class BulletinEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 30, "class": "bulletin-editor"}),
        help_text=_(
            "The text was written from the figures; adjust its wording as needed. The ranking "
            "tables below it stay as generated."
        ),
    )


class TargetAmountField(forms.Field):
    """A target as offices write it: in yuan (``1,234.5``, ``¥1234.50``) or with 万 or 亿
    (``12,000万``, ``110亿元``), so ¥11.0bn is simply ``110亿``."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    default_error_messages = {
        "invalid": _("Type an amount such as 1,234.50 (yuan), 12,000万 or 110亿."),
    }

    def to_python(self, value) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        text = re.sub(r"[\s,，¥￥]", "", str(value))
        if not text:
            return None
        match = AMOUNT.match(text)
        if not match:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            number = Decimal(match["number"])
        except InvalidOperation as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error
        return number * SCALES[match["scale"] or ""]


class TargetsForm(forms.Form):
    """The year's targets: the city's, each district's and each paired county's, one field a
    line, named after ``reporting.targets`` (``city``, ``district_<code>``, ``region_<code>``)."""

    def __init__(self, *args, sheet: TargetSheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        help_texts = {
            "city": _(
                "The amount the city's budget units are to buy in the year: a positive amount "
                "in yuan (or with 万/亿), to the fen; empty for no target."
            ),
            "district": _(
                "The district's part of the city's target: a positive amount in yuan (or with "
                "万/亿); empty for no target."
            ),
            "region": _(
                "The amount to buy from this paired county in the year: a positive amount in "
                "yuan (or with 万/亿); empty for no target."
            ),
        }
        for line in sheet.lines:
            self.fields[line.field] = TargetAmountField(
                label=line.name,
                required=False,
                help_text=help_texts[line.scope],
                initial=f"{line.amount:,.2f}" if line.amount is not None else None,
            )

    def amounts(self) -> dict:
        """The parsed amounts, in the shape ``annual_targets_set`` takes."""
        data = self.cleaned_data
        return {
            "city": data[CITY_FIELD],
            "districts": {line.code: data[line.field] for line in self.sheet.districts},
            "regions": {line.code: data[line.field] for line in self.sheet.regions},
        }
