"""The dashboard's filters (year, quarter, and the district for the city office), read from
the query string; the page, its export and the API read them the same way."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.periods import QUARTERS
from portal.roles import actor_of
from portal.selectors import city_districts

# How many past years the year filter offers (the compliance page offers as many).
YEARS_BACK = 5


class DashboardFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Leave empty for the whole year."),
    )
    district = forms.ChoiceField(label=_("District"), required=False)

    def __init__(self, *args, user, as_of: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        years = range(as_of.year, as_of.year - YEARS_BACK - 1, -1)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["quarter"].choices = [
            ("", _("Whole year")),
            *[(q, _("Quarter %(quarter)s") % {"quarter": q}) for q in QUARTERS],
        ]
        if actor_of(user).is_city_office:
            self.fields["district"].choices = [
                ("", _("Whole city")),
                *city_districts().values_list("code", "name"),
            ]
        else:
            # A district office reads its own district only: no choice to offer.
            del self.fields["district"]
        self.as_of = as_of

    def chosen(self) -> dict:
        """The valid choices, each falling back to its default (this year, the whole year,
        the whole city) when absent or not one of the choices."""
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        return {
            "year": data.get("year") or self.as_of.year,
            "quarter": data.get("quarter") or None,
            "district": data.get("district") or None,
        }
