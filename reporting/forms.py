"""The reporting pages' forms: they parse what was chosen; the rules (which quarter has ended,
which office may run which district) live in ``reporting.services``."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.periods import QUARTERS
from portal.selectors import city_districts

from .models import ReportRun
from .services import FIRST_REPORT_YEAR

QUARTER_CHOICES = [(q, format_lazy(_("Q{quarter}"), quarter=q)) for q in QUARTERS]
CITY_SCOPE = ""


class ReportRunForm(forms.Form):
    """Which report to build: a year, a quarter and, for the city office, the scope."""

    year = forms.TypedChoiceField(
        label=_("Year"),
        coerce=int,
        help_text=format_lazy(
            _("Reports exist from {first}, the first year of the programme."),
            first=FIRST_REPORT_YEAR,
        ),
    )
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        choices=QUARTER_CHOICES,
        help_text=_("Only a quarter that has ended can be reported: its figures are final."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        help_text=_(
            "The whole city's report has one sheet per district; a district's report "
            "covers that district's units only."
        ),
    )

    def __init__(self, *args, as_of, city_office: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [
            (year, str(year)) for year in range(as_of.year, FIRST_REPORT_YEAR - 1, -1)
        ]
        if city_office:
            self.fields["scope"].choices = [
                (CITY_SCOPE, _("Whole city")),
                *((region.pk, region.name) for region in city_districts()),
            ]
            self.fields["scope"].required = False
        else:
            del self.fields["scope"]

    @property
    def district(self) -> str | None:
        return self.cleaned_data.get("scope") or None


class PeriodFilterForm(forms.Form):
    """A year and a quarter to filter a list of quarters' documents by (runs, bulletins)."""

    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All quarters")), *QUARTER_CHOICES],
    )

    def offer_years(self, years) -> None:
        self.fields["year"].choices = [("", _("All years"))] + [(y, str(y)) for y in years]


class RunFilterForm(PeriodFilterForm):
    """The list's filters, read from the query string."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *ReportRun.Status.choices],
    )
    district = forms.ChoiceField(label=_("Scope"), required=False)

    def __init__(self, *args, as_of, city_office: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_years(range(as_of.year, FIRST_REPORT_YEAR - 1, -1))
        if city_office:
            self.fields["district"].choices = [
                ("", _("All scopes")),
                ("city", _("Whole city")),
                *((region.pk, region.name) for region in city_districts()),
            ]
        else:
            del self.fields["district"]

    def apply(self, runs):
        if not self.is_valid():
            return runs.none() if self.is_bound else runs
        chosen = self.cleaned_data
        if chosen["year"]:
            runs = runs.filter(year=chosen["year"])
        if chosen["quarter"]:
            runs = runs.filter(quarter=chosen["quarter"])
        if chosen["status"]:
            runs = runs.filter(status=chosen["status"])
        if chosen.get("district") == "city":
            runs = runs.filter(district__isnull=True)
        elif chosen.get("district"):
            runs = runs.filter(district_id=chosen["district"])
        return runs
