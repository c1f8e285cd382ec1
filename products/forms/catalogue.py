"""The public catalogue's filters, read from the query string by the page, its export and the
API alike, so the three always select the same products."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from ..models import CertificationScheme, ProductCategory

# The schemes that certify products (基地认定 certifies bases, which the catalogue does not list).
PRODUCT_SCHEMES = [
    (code.value, code.label)
    for code in (CertificationScheme.Code.RECOGNITION, CertificationScheme.Code.SZP)
]
SORTS = [
    ("name", _("Product name")),
    ("price", _("Price, lowest first")),
    ("-price", _("Price, highest first")),
    ("households", _("Households lifted, most first")),
]
# The query-string keys of the filters, kept when moving between the list and a product page.
FILTER_KEYS = ("q", "scheme", "category", "region", "season", "sort", "page")

division_code = RegexValidator(r"^\d{6}$", _("Enter a 6-digit division code."))


class CatalogueFilterForm(forms.Form):
    """Search and filters of the catalogue. ``regions`` is the page's region select (provinces
    with their cities, see ``catalogue_region_options``); without it (the API) any division
    code is accepted, counties included."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=64,
        strip=True,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Product, supplier or variety")}
        ),
    )
    scheme = forms.ChoiceField(
        label=_("Certification scheme"), required=False, choices=[("", _("All")), *PRODUCT_SCHEMES]
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *ProductCategory.choices],
    )
    region = forms.CharField(
        label=_("Region of origin"), required=False, max_length=6, validators=[division_code]
    )
    season = forms.TypedChoiceField(
        label=_("On the market in"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any month")), *MONTHS.items()],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_codes = None
        if regions is not None:
            choices: list = [("", _("All regions"))]
            self.region_codes = set()
            for province, cities in regions:
                group = [(province.code, _("All of %(name)s") % {"name": province.name})]
                group += [(city.code, city.name) for city in cities]
                choices.append((province.name, group))
                self.region_codes.update(code for code, _label in group)
            self.fields["region"].widget = forms.Select(choices=choices)

    def clean_region(self) -> str:
        code = self.cleaned_data["region"]
        if code and self.region_codes is not None and code not in self.region_codes:
            raise forms.ValidationError(
                _("No catalogue product comes from this region now; choose another.")
            )
        return code

    def filters(self) -> dict:
        """The selector's ``filters``: the valid ones only."""
        return {key: value for key, value in self.cleaned_data.items() if value}
