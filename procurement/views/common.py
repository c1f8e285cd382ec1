"""What the procurement pages share: the roles that read them, the acting user's unit, and
the filters of the offices' year lists (compliance, projection, quarterly submissions)."""

from __future__ import annotations

import datetime
from collections.abc import Collection

from django import forms
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Role
from portal.roles import actor_of
from portal.selectors import city_districts

from ..models import BudgetUnit
from ..selectors import own_budget_unit

CITY, DISTRICT = Role.CITY_OFFICE, Role.DISTRICT_OFFICE
CLERK, APPROVER = Role.UNIT_CLERK, Role.UNIT_APPROVER
READERS = (CLERK, APPROVER, CITY, DISTRICT)
# The year lists go back this many years before this one.
YEARS_BACK = 5


def own_unit_or_404(user) -> BudgetUnit:
    unit = own_budget_unit(user)
    if unit is None:
        raise Http404
    return unit


class YearListFilterForm(forms.Form):
    """The filters every office year list has, read from the query string: the year (this one
    and ``YEARS_BACK`` before), the district (the city office only: a district office sees its
    own, a unit itself) and, when the list sorts (``sorts``: the keys ``?sort=`` takes, "-" in
    front for descending), the sort. A value that does not parse falls back to its default
    (``chosen``)."""

    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False)
    district = forms.ChoiceField(label=gettext_lazy("District"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    sorts: Collection[str] = ()

    def __init__(self, data, *, user, as_of: datetime.date, **kwargs):
        super().__init__(data or None, **kwargs)
        self.as_of = as_of
        years = range(as_of.year, as_of.year - YEARS_BACK - 1, -1)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.district_names: dict[str, str] = {}
        if actor_of(user).is_city_office:
            self.district_names = dict(city_districts().values_list("code", "name"))
            self.fields["district"].choices = [
                ("", _("All districts")),
                *self.district_names.items(),
            ]
        else:
            del self.fields["district"]
        if not self.sorts:
            del self.fields["sort"]

    def clean_sort(self) -> str:
        sort = self.cleaned_data.get("sort") or ""
        return sort if sort.removeprefix("-") in self.sorts else ""

    def chosen(self) -> dict:
        """The values that parse, with the year defaulting to this one."""
        values = dict(self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {}))
        values["year"] = values.get("year") or self.as_of.year
        values["district"] = values.get("district") or ""
        values["district_name"] = self.district_names.get(values["district"], "")
        values["sort"] = values.get("sort") or ""
        return values


def sort_links(
    request: HttpRequest, current: str, keys: Collection[str], *, largest_first=()
) -> dict[str, dict]:
    """For each sortable column: the query string that sorts by it (toggling the direction
    when it is the current sort; the columns of ``largest_first`` start descending) and its
    aria-sort state."""
    links = {}
    for key in keys:
        params = request.GET.copy()
        params.pop("page", None)
        if current == key:
            params["sort"], state = f"-{key}", "ascending"
        elif current == f"-{key}":
            params["sort"], state = key, "descending"
        else:
            params["sort"], state = (f"-{key}" if key in largest_first else key), "none"
        links[key] = {"query": params.urlencode(), "state": state}
    return links
