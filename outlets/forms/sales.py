"""The sales pages' forms: which month to show, one outlet's amount, and the import upload.
They parse what was typed; the rules (which months, which amounts) live in
``outlets.services.sales``."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from procurement.forms import YuanField

from ..selectors import Month

# How far back the month picker reaches: corrections of older months go through the office.
YEARS_BACK = 5
MONTH_CHOICES = list(MONTHS.items())


def year_choices(as_of: datetime.date) -> list[tuple[int, str]]:
    return [(y, str(y)) for y in range(as_of.year, as_of.year - YEARS_BACK - 1, -1)]


class MonthFields(forms.Form):
    """A year and a month that has begun by ``as_of``."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    month = forms.TypedChoiceField(label=_("Month"), coerce=int, choices=MONTH_CHOICES)

    def __init__(self, *args, as_of: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.as_of = as_of
        self.fields["year"].choices = year_choices(as_of)

    def clean(self):
        data = super().clean()
        year, month = data.get("year"), data.get("month")
        if year and month and Month(year, month) > Month.of(self.as_of):
            self.add_error(
                "month", _("This month has not begun yet: choose this month or an earlier one.")
            )
        return data

    def chosen_month(self) -> Month:
        return Month(self.cleaned_data["year"], self.cleaned_data["month"])


class SalesFilterForm(MonthFields):
    """The sales page's filters: the month, and for offices the district and which outlets."""

    SHOW_CHOICES = [
        ("", _("All outlets")),
        ("missing", _("Not reported")),
        ("reported", _("Reported")),
    ]

    district = forms.ChoiceField(label=_("District"), required=False)
    show = forms.ChoiceField(label=_("Report status"), required=False, choices=SHOW_CHOICES)

    def __init__(self, *args, districts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if districts:
            self.fields["district"].choices = [("", _("All districts")), *districts]
        else:
            del self.fields["district"]


class SalesAmountForm(forms.Form):
    """One outlet's sales in one month, from its row of the sales page."""

    outlet = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(widget=forms.HiddenInput, min_value=2000, max_value=2100)
    month = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=12)
    amount = YuanField(
        label=_("Sales (yuan)"),
        help_text=_("Sales of assistance products in the month, in yuan; 0 when nothing sold."),
    )

    def __init__(self, *args, outlet_pk: int, **kwargs):
        kwargs.setdefault("auto_id", f"id_o{outlet_pk}_%s")
        super().__init__(*args, **kwargs)
        self.fields["amount"].widget.attrs.update(
            {"data-testid": f"sales-amount-{outlet_pk}", "size": 12}
        )


class SalesImportForm(MonthFields):
    """A month's sales of many outlets, from the template filled in."""

    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_(
            "An .xlsx workbook, or a CSV file in UTF-8 or GB18030/GBK, with the template's "
            "header row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
