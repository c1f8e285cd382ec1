"""The registry's forms: the list's filters, an outlet, its photos, an inspection and a change
of status. They parse what was typed; the rules live in ``outlets.services.registry``, whose
refusals the views put back on these forms."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.models import ExitReason, Organisation
from portal.periods import QUARTERS
from portal.roles import actor_of
from portal.selectors import city_districts, organisation_for_user
from procurement.forms import MultipleFileField
from products.forms.suppliers import NumberField
from products.models import Product, Supplier

from ..models import Inspection, Outlet
from ..reference_data import INSPECTION_CHECKLIST
from ..services.registry import CHECK_FAILED, CHECK_PASSED, OutletData

PHOTO_ACCEPT = ".jpg,.jpeg,.png,image/jpeg,image/png"


def districts_for(user):
    """The districts an office may choose: all the city's for the city office, its own for a
    district office."""
    actor = actor_of(user)
    districts = city_districts()
    if actor.is_district_office:
        return districts.filter(pk=actor.district_code)
    return districts


class RegistryFilterForm(forms.Form):
    """The registry's filters, read from the query string; ``year`` and ``quarter`` choose the
    period of the counts above the list."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=64,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, address or operator")}
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    venue = forms.ChoiceField(label=_("Host venue"), required=False)
    year = forms.TypedChoiceField(label=_("Counts for"), required=False, coerce=int)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, user, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *Outlet.Kind.choices]
        self.fields["status"].choices = [("", _("All statuses")), *Outlet.Status.choices]
        self.fields["venue"].choices = [("", _("All venues")), *Outlet.Venue.choices]
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["quarter"].choices = [("", _("The whole year"))] + [
            (q, format_lazy(_("Q{quarter}"), quarter=q)) for q in QUARTERS
        ]
        if actor_of(user).is_city_office:
            self.fields["district"].choices = [("", _("All districts"))] + [
                (d.pk, d.name) for d in city_districts()
            ]
        else:
            del self.fields["district"]


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} · {obj.get_kind_display()}"


class ProductChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return f"{obj.name} · {obj.supplier.name}"


class DistrictChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


def operator_options(user, *, keep: int | None = None):
    """Organisations that may run an outlet, as the user may see them: suppliers only while
    active (``keep``, the current operator, stays choosable whatever its standing)."""
    allowed = ~Q(kind=Organisation.Kind.SUPPLIER) | Q(supplier__status=Supplier.Status.ACTIVE)
    if keep is not None:
        allowed |= Q(pk=keep)
    return organisation_for_user(user).filter(allowed).order_by("kind", "name", "pk")


def product_options(outlet: Outlet | None):
    """Listed products of active suppliers, plus what the outlet carries already."""
    sellable = Q(status=Product.Status.LISTED, supplier__status=Supplier.Status.ACTIVE)
    if outlet is not None and outlet.pk:
        sellable |= Q(outlets=outlet)
    return (
        Product.objects.filter(sellable)
        .select_related("supplier")
        .distinct()
        .order_by("supplier__name", "name", "pk")
    )


class OutletForm(forms.Form):
    """An outlet as an office registers or corrects it."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("— choose a kind —")), *Outlet.Kind.choices],
        help_text=_(
            "专柜 a counter in a shop, 专馆 a hall of its own, 专区 a zone in a supermarket, "
            "专列 a train, 专站 a station; or a “1+10” assistance centre: at most 11 in the "
            "city, one city centre and one per district."
        ),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=128,
        help_text=_("As on the signage; unique in its district."),
    )
    district = DistrictChoiceField(
        label=_("District"),
        queryset=None,
        empty_label=_("— choose a district —"),
        help_text=_("The district office of this district manages the outlet."),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=255,
        help_text=_("Where the public finds the outlet; the finder shows and searches it."),
    )
    venue = forms.ChoiceField(
        label=_("Host venue"),
        choices=Outlet.Venue.choices,
        initial=Outlet.Venue.OTHER,
        help_text=_("Where the outlet sits: the finder groups outlets by their venue."),
    )
    operator = OrganisationChoiceField(
        label=_("Operator"),
        queryset=None,
        required=False,
        empty_label=_("— not recorded —"),
        help_text=_(
            "Who runs the outlet: a supplier (active suppliers only) or another organisation. "
            "A supplier operator reports its monthly sales and hears of any suspension."
        ),
    )
    opened_on = forms.DateField(
        label=_("Opening date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Not in the future. The counts by period start from this day; an exited outlet "
            "stays counted in the periods it was open."
        ),
    )
    floor_area = NumberField(
        label=_("Floor area (m²)"),
        required=False,
        max_digits=9,
        decimal_places=1,
        help_text=_("Optional: more than 0 m², with at most one decimal."),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("With the longitude, places the outlet on the finder's map, e.g. 22.543096."),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("E.g. 114.057865."),
    )
    products = ProductChoiceField(
        label=_("Products carried"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_(
            "Only listed products of active suppliers: the finder shows them on the outlet's "
            "page. Hold Ctrl (⌘ on a Mac) to choose several."
        ),
    )

    def __init__(self, *args, user, outlet: Outlet | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        districts = districts_for(user)
        self.fields["district"].queryset = districts
        if actor_of(user).is_district_office:
            self.fields["district"].empty_label = None
            self.fields["district"].help_text = _(
                "A district office registers outlets in its own district."
            )
        self.fields["operator"].queryset = operator_options(
            user, keep=outlet.operator_id if outlet is not None else None
        )
        self.fields["products"].queryset = product_options(outlet)

    @staticmethod
    def initial_for(outlet: Outlet) -> dict:
        return {
            "kind": outlet.kind,
            "name": outlet.name,
            "district": outlet.district_id,
            "address": outlet.address,
            "venue": outlet.venue,
            "operator": outlet.operator_id,
            "opened_on": outlet.opened_on,
            "floor_area": outlet.floor_area,
            "latitude": outlet.latitude,
            "longitude": outlet.longitude,
            "products": [p.pk for p in outlet.products.all()],
        }

    def outlet_data(self) -> OutletData:
        data = self.cleaned_data
        return OutletData(
            kind=data["kind"],
            name=data["name"],
            district=data["district"],
            address=data["address"],
            venue=data["venue"],
            operator=data.get("operator"),
            opened_on=data.get("opened_on"),
            floor_area=data.get("floor_area"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
        )


class OutletPhotoForm(forms.Form):
    file = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG or PNG, up to 10 MB: the counter, its signage or its shelves."),
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
    )
    caption = forms.CharField(label=_("Caption"), required=False, max_length=128)


CHECK_CHOICES = [(CHECK_PASSED, _("Passed")), (CHECK_FAILED, _("Failed"))]


class InspectionForm(forms.Form):
    """An inspection: the date, who inspected, each checklist item, the findings, the result
    and photos. The checklist's items are fields named ``check_<code>``."""

    inspected_on = forms.DateField(
        label=_("Inspection date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day of the visit; not in the future."),
    )
    inspector_name = forms.CharField(
        label=_("Inspector"),
        max_length=64,
        help_text=_("Who inspected: the record backs any suspension that follows."),
    )
    result = forms.ChoiceField(
        label=_("Result"),
        choices=Inspection.Result.choices,
        widget=forms.RadioSelect,
        help_text=_("An inspection with a failed item cannot pass."),
    )
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What failed and what must be put right; required when an item failed."),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_("JPEG or PNG, up to 10 MB each and 8 in all: evidence of the findings."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in INSPECTION_CHECKLIST:
            self.fields[f"check_{code}"] = forms.ChoiceField(
                label=label, choices=CHECK_CHOICES, widget=forms.RadioSelect
            )
        self.fields["photos"].widget.attrs.update({"accept": PHOTO_ACCEPT})
        # The checklist comes right after who and when, as the inspector fills it in.
        order = ["inspected_on", "inspector_name"]
        order += [f"check_{code}" for code, _label in INSPECTION_CHECKLIST]
        self.order_fields([*order, "result", "findings", "photos"])

    def check_fields(self):
        return [self[f"check_{code}"] for code, _label in INSPECTION_CHECKLIST]

    def inspection_values(self) -> dict:
        data = self.cleaned_data
        return {
            "inspected_on": data["inspected_on"],
            "inspector_name": data["inspector_name"],
            "checklist": {code: data[f"check_{code}"] for code, _label in INSPECTION_CHECKLIST},
            "result": data["result"],
            "findings": data.get("findings", ""),
            "photos": data.get("photos") or [],
        }


class OutletStatusForm(forms.Form):
    """The reason and note of a suspension, reinstatement or exit."""

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", _("— choose a reason —")), *ExitReason.choices],
        help_text=_(
            "The ground of the decision, from the programme's list: it is recorded in the "
            "outlet's history and sent to a supplier operator."
        ),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The facts behind the decision (inspection, complaint, rectification). Required "
            "when the reason is “Other”."
        ),
    )
