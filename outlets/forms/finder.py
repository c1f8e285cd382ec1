"""The public outlet finder's filters, read from the query string by the list and its map alike,
so the two always show the same outlets."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Outlet

# The query-string keys kept when moving between the list, the map and an outlet's page.
FILTER_KEYS = ("q", "district", "kind", "view", "page")
# The keys that narrow the list (the view and the page only show it differently).
NARROWING_KEYS = ("q", "district", "kind")
MAP_VIEW = "map"


class FinderFilterForm(forms.Form):
    """Search and filters of the finder. ``districts`` are the city's districts
    (``portal.selectors.city_districts``): an outlet is always in one of them."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=64,
        strip=True,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, address or place, e.g. hospital")}
        ),
    )
    district = forms.ChoiceField(label=_("District"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Outlet.Kind.choices]
    )
    # The list or the map: kept through a filter change, never an error.
    view = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [
            ("", _("All districts")),
            *((district.code, district.name) for district in districts),
        ]

    def clean_view(self) -> str:
        return MAP_VIEW if self.cleaned_data.get("view") == MAP_VIEW else ""

    def filters(self) -> dict:
        """The selector's ``filters``: the valid narrowing ones only."""
        return {key: self.cleaned_data[key] for key in NARROWING_KEYS if self.cleaned_data[key]}
