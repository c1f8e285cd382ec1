"""The supplier's forms: signing up, the city office's refusal, the supplier's profile, bases,
products and photos. They parse what was typed; the rules live in
``products.services.suppliers``, whose refusals the views put back on these forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Region
from procurement.forms import YuanField

from ..models import Product, ProductCategory, Supplier, SupplierBase
from ..services.suppliers import Registration
from ..services.upkeep import BaseData, ProductData, editable_values

PHOTO_ACCEPT = ".jpg,.jpeg,.png,image/jpeg,image/png"


class RegionChoiceField(forms.ModelChoiceField):
    """A county (区/县) shown with its province and city, so 城区 of two cities differ."""

    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.full_name} · {obj.code}"


def county_regions():
    return (
        Region.objects.filter(level=Region.Level.COUNTY)
        .select_related("parent__parent")
        .order_by("code")
    )


class NumberField(forms.DecimalField):
    """A quantity as people type it: ``1,234.5`` or ``1234.50``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "").replace("，", "").replace(" ", "")
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return attrs


class RegistrationForm(forms.Form):
    """An organisation signs itself up as a supplier."""

    name = forms.CharField(
        label=_("Organisation name"),
        max_length=128,
        help_text=_("As on the business licence."),
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=24,
        help_text=_(
            "The 18-character code on the business licence (统一社会信用代码); its last "
            "character is a check character. One account per code."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    region = RegionChoiceField(
        label=_("Registered region"),
        queryset=None,
        empty_label=_("— choose a county or district —"),
        help_text=_("The county or district where the organisation is registered."),
    )
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=64)
    contact_name = forms.CharField(label=_("Contact person"), max_length=64)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("A telephone or mobile number: digits, spaces, +, - and brackets."),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("Where the city office tells you when your account is activated."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address = forms.CharField(label=_("Address"), max_length=255)
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("For signing in: letters, digits and @/./+/-/_ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_(
            "At least 8 characters, not only digits, not a common password, and unlike "
            "your username."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = county_regions()

    def clean(self):
        data = super().clean()
        first, again = data.get("password"), data.get("password_again")
        if first and again and first != again:
            self.add_error("password_again", _("The two passwords differ."))
        return data

    def registration(self) -> Registration:
        data = self.cleaned_data
        return Registration(
            name=data["name"],
            credit_code=data["credit_code"],
            region=data["region"],
            legal_representative=data["legal_representative"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            email=data["email"],
            address=data["address"],
            username=data["username"],
            password=data["password"],
        )


class SupplierFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Supplier.Status.choices],
    )
    q = forms.CharField(
        label=_("Name or credit code"),
        required=False,
        max_length=128,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent to the applicant: say what is wrong, e.g. the licence does not match."),
    )


class ProfileForm(forms.Form):
    """What a supplier changes itself; its name and credit code are its licence's."""

    legal_representative = forms.CharField(
        label=_("Legal representative"), max_length=64, required=False
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=64)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("A telephone or mobile number: digits, spaces, +, - and brackets."),
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)

    @staticmethod
    def initial_for(supplier: Supplier) -> dict:
        return {
            "legal_representative": supplier.legal_representative,
            "contact_name": supplier.contact_name,
            "contact_phone": supplier.contact_phone,
            "address": supplier.address,
        }


class BaseForm(forms.Form):
    name = forms.CharField(label=_("Base name"), max_length=128)
    region = RegionChoiceField(
        label=_("Region"),
        queryset=None,
        empty_label=_("— choose a county or district —"),
        help_text=_("The county or district where the base lies."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=ProductCategory.choices)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    area_mu = NumberField(
        label=_("Area (mu)"),
        required=False,
        max_digits=10,
        decimal_places=1,
        help_text=_("The area under production, in mu (亩), more than 0, e.g. 1,200.5."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = county_regions()

    def base_data(self) -> BaseData:
        data = self.cleaned_data
        return BaseData(
            name=data["name"],
            region=data["region"],
            category=data["category"],
            address=data.get("address", ""),
            area_mu=data.get("area_mu"),
        )

    @staticmethod
    def initial_for(base: SupplierBase) -> dict:
        return editable_values(base, BaseData)


class ProductForm(forms.Form):
    """A product's catalogue facts (名库: 品种, 价格, 供应量, 上市周期, 带贫能力)."""

    name = forms.CharField(
        label=_("Product name"),
        max_length=128,
        help_text=_("Each of your products has its own name, e.g. 田阳香芒 5斤装."),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("— choose a category —")), *ProductCategory.choices],
    )
    base = forms.ModelChoiceField(
        label=_("Base"),
        queryset=None,
        required=False,
        empty_label=_("— not from one of my bases —"),
        help_text=_("The base where it is grown or made, if it is one of yours."),
    )
    region = RegionChoiceField(
        label=_("Region of origin"),
        queryset=None,
        empty_label=_("— choose a county or district —"),
        help_text=_("Where it comes from: purchases count only from the paired regions."),
    )
    specification = forms.CharField(
        label=_("Specification"),
        max_length=64,
        required=False,
        help_text=_("E.g. 5斤/箱, 500g/袋."),
    )
    price = YuanField(
        label=_("Price (yuan)"),
        help_text=_(
            "The price the catalogue publishes, in yuan with at most 2 decimals (not "
            "negative), e.g. 1,234.50."
        ),
    )
    price_unit = forms.CharField(
        label=_("Price per"), max_length=16, initial="件", help_text=_("E.g. 件, 箱, 斤, kg.")
    )
    supply_volume = NumberField(
        label=_("Supply volume"),
        initial=0,
        help_text=_("How much you can supply, not negative, in the unit beside."),
    )
    supply_unit = forms.CharField(label=_("Supply unit"), max_length=16, initial="吨/年")
    season = forms.CharField(
        label=_("Market season"),
        max_length=64,
        required=False,
        help_text=_("上市周期: the months it is on the market, e.g. 6–9月 or 全年."),
    )
    households_lifted = forms.IntegerField(
        label=_("Households lifted"),
        initial=0,
        help_text=_(
            "带贫能力: the poor households whose income this product raises; the catalogue "
            "publishes it."
        ),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, supplier: Supplier, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = county_regions()
        self.fields["base"].queryset = SupplierBase.objects.filter(supplier=supplier).order_by(
            "name", "pk"
        )

    def product_data(self) -> ProductData:
        data = self.cleaned_data
        return ProductData(
            name=data["name"],
            category=data["category"],
            region=data["region"],
            price=data["price"],
            base=data.get("base"),
            specification=data.get("specification", ""),
            price_unit=data["price_unit"],
            supply_volume=data["supply_volume"],
            supply_unit=data["supply_unit"],
            season=data.get("season", ""),
            households_lifted=data["households_lifted"],
            description=data.get("description", ""),
        )

    @staticmethod
    def initial_for(product: Product) -> dict:
        return editable_values(product, ProductData)


class ProductFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name"), required=False, max_length=128, widget=forms.TextInput({"type": "search"})
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Product.Status.choices],
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *ProductCategory.choices],
    )


class PhotoForm(forms.Form):
    file = forms.FileField(
        label=_("Photo"),
        help_text=_("A JPEG or PNG picture, up to 10 MB: the catalogue page shows it."),
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
    )
    caption = forms.CharField(label=_("Caption"), max_length=128, required=False)
