"""The clerk's and approver's forms: they parse what was typed; the rules live in the services.

A form only turns the browser's strings into values (an amount typed as ``1,234.5``, a date,
a list of files); whether the purchase may be logged is decided by ``procurement.services``,
whose errors the views put back on these forms.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from portal.errors import ApplicationError
from portal.money import MONEY_MAX_DIGITS, ZERO
from portal.periods import QUARTERS
from products.selectors import product_for_user, supplier_for_user

from .models import Channel, ProcurementRecord, Purpose
from .quota import DEFAULT_QUOTA_RATIO
from .rules import MAX_RECORD_AMOUNT, RecordData
from .services import MAX_DECLARED_TOTAL

# What the voucher inputs offer: the PDF and the pictures ``portal.uploads`` accepts by content
# (PDF, JPEG, PNG). ``image/*`` lets a phone offer its camera and photo library; a picture of
# another kind (HEIC, WebP) is still refused by the server, and voucher.js warns on choosing it.
VOUCHER_ACCEPT = "application/pdf,.pdf,image/*"
# The camera input: pictures only. Phones open the back camera for ``capture``; desktop browsers
# ignore it and offer a picture file instead. A photo taken this way is a JPEG.
VOUCHER_CAMERA_ACCEPT = "image/*"
# The upload limit ``portal.uploads.inspect_upload`` applies, in MB, for the help texts.
UPLOAD_LIMIT_MB = settings.PORTAL_MAX_UPLOAD_BYTES // (1024 * 1024)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django docs, "Uploading multiple files"): a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class YuanField(forms.DecimalField):
    """An amount in yuan as people type it: ``1,234.5``, ``1234.50`` or ``¥1 234.50``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)
        self.error_messages["max_decimal_places"] = _(
            "Give the amount in yuan with at most 2 decimal places (fen)."
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = (
                value.strip()
                .replace(",", "")
                .replace("，", "")
                .replace(" ", "")
                .replace("¥", "")
                .replace("￥", "")
            )
        return super().to_python(value)

    def widget_attrs(self, widget):
        # A text input: the browser's number input refuses "1,234.5".
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return attrs


class SupplierChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} · {obj.credit_code}"


class RecordForm(forms.Form):
    """One purchase, as the clerk logs or corrects it."""

    supplier = SupplierChoiceField(
        label=_("Supplier"),
        queryset=None,
        empty_label=_("— choose a supplier —"),
        help_text=_(
            "Only suppliers whose products are recognised as assistance products count towards "
            "the quota: the supplier must have held a valid recognition on the purchase date."
        ),
    )
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=None,
        empty_label=_("— not specified —"),
        required=False,
        help_text=_("Optional: the recognised product bought, from the supplier's catalogue."),
    )
    purchased_on = forms.DateField(
        label=_("Purchase date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        # procurement.rules.check_records: OLDEST_YEAR_BACK (1) years back, from 1 January.
        help_text=_(
            "The date on the invoice: it decides the quarter the purchase is reported in. It "
            "may not be in the future nor before 1 January of last year, and its quarter must "
            "not have been submitted."
        ),
    )
    amount = YuanField(
        label=_("Amount (yuan)"),
        help_text=format_lazy(
            _(
                "What was paid, in yuan with at most 2 decimals, e.g. 1,234.50: more than "
                "¥0 and at most ¥{limit} for one purchase."
            ),
            limit=f"{MAX_RECORD_AMOUNT:,.0f}",
        ),
    )
    quantity = forms.DecimalField(
        label=_("Quantity"),
        required=False,
        max_digits=14,
        decimal_places=3,
        min_value=0,
        help_text=_("Optional: how much was bought, more than 0, with at most 3 decimals."),
    )
    unit = forms.CharField(
        label=_("Unit of measure"),
        required=False,
        max_length=16,
        help_text=_("E.g. 箱, 斤, kg."),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=Channel.choices,
        help_text=_(
            "Where it was bought: the national 832 platform, a special outlet (专柜/专馆/专区/"
            "专列/专站), the city's online mall, a direct purchase agreement or buying instead "
            "of donating. Every channel counts towards the main quota; a further quota rule "
            "may count only some channels."
        ),
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=Purpose.choices,
        help_text=_(
            "What it was bought for. Every purpose counts towards the main quota; canteen "
            "purchases also count towards canteen-food rules, union-welfare purchases towards "
            "union-welfare rules."
        ),
    )
    invoice_no = forms.CharField(
        label=_("Invoice number"),
        required=False,
        max_length=64,
        help_text=_(
            "The invoice's number (发票号码): an invoice of a supplier can be logged only once "
            "by your unit."
        ),
    )
    vouchers = MultipleFileField(
        label=_("Vouchers"),
        required=False,
        help_text=format_lazy(
            _(
                "The invoice (发票), contract or receipt backing the purchase: PDF, JPG or PNG "
                "(not HEIC), up to {limit} MB each. The coordination office checks reported "
                "purchases against them."
            ),
            limit=UPLOAD_LIMIT_MB,
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = (
            supplier_for_user(user).filter(status="active").order_by("name", "pk")
        )
        self.fields["product"].queryset = product_options(user, self._supplier_id())
        # htmx: choosing a supplier reloads the product select with that supplier's catalogue.
        self.fields["supplier"].widget.attrs.update(
            {
                "hx-get": reverse("procurement:supplier_products"),
                "hx-target": f"#{self['product'].auto_id}",
                "hx-trigger": "change",
                "aria-controls": self["product"].auto_id,
            }
        )
        # No ``capture`` here: on a phone it would open the camera only and hide the PDFs; the
        # template's "Take a photo" input carries it (same name, so both reach ``vouchers``).
        self.fields["vouchers"].widget.attrs.update(
            {
                "accept": VOUCHER_ACCEPT,
                "data-voucher-input": "",
            }
        )
        # For the template's camera input and voucher.js's warnings, read when the form is
        # made (the limit ``portal.uploads`` applies at that moment).
        self.voucher_max_bytes = settings.PORTAL_MAX_UPLOAD_BYTES
        self.voucher_limit_mb = settings.PORTAL_MAX_UPLOAD_BYTES // (1024 * 1024)
        self.voucher_camera_accept = VOUCHER_CAMERA_ACCEPT

    def _supplier_id(self):
        name = self.add_prefix("supplier")
        value = self.data.get(name) if self.is_bound else self.initial.get("supplier")
        value = getattr(value, "pk", value)
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def record_data(self) -> RecordData:
        data = self.cleaned_data
        return RecordData(
            purchased_on=data["purchased_on"],
            supplier=data["supplier"],
            amount=data["amount"],
            channel=data["channel"],
            purpose=data["purpose"],
            product=data.get("product"),
            quantity=data.get("quantity"),
            unit=data.get("unit", ""),
            invoice_no=data.get("invoice_no", "").strip(),
        )

    @staticmethod
    def initial_for(record: ProcurementRecord) -> dict:
        return {
            "supplier": record.supplier_id,
            "product": record.product_id,
            "purchased_on": record.purchased_on,
            "amount": record.amount,
            "quantity": record.quantity,
            "unit": record.unit,
            "channel": record.channel,
            "purpose": record.purpose,
            "invoice_no": record.invoice_no,
        }


def product_options(user, supplier_id: int | None):
    """The products a purchase from ``supplier_id`` may name, as the user may see them."""
    if supplier_id is None:
        return product_for_user(user).none()
    return product_for_user(user).filter(supplier_id=supplier_id).order_by("name", "pk")


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: a field's messages next to the field,
    anything else at the top."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            visible = name in form.fields and not form.fields[name].widget.is_hidden
            form.add_error(name if visible else None, messages)
    else:
        form.add_error(None, error.messages)


def call_service(form: forms.Form, service, /, **kwargs):
    """Run a service for a submitted form: its result, or None with the refusal put on the
    form (a field's messages beside the field, a broken rule at the top)."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        apply_service_errors(form, error)
    except ApplicationError as error:
        form.add_error(None, error.message)
    return None


class LedgerFilterForm(forms.Form):
    """The ledger's filters, read from the query string."""

    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All quarters"))]
        + [(q, format_lazy(_("Q{quarter}"), quarter=q)) for q in QUARTERS],
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    supplier = forms.TypedChoiceField(
        label=_("Supplier"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *ProcurementRecord.Status.choices],
    )

    def __init__(self, *args, years, suppliers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years"))] + [(y, str(y)) for y in years]
        self.fields["supplier"].choices = [("", _("All suppliers")), *suppliers]

    def clean(self):
        data = super().clean()
        if data.get("quarter") and not data.get("year"):
            self.add_error("year", _("Choose the year of the quarter."))
        return data


class DeclarationForm(forms.Form):
    """A quarter's declared totals: farm products (required), canteen food and union welfare
    (left empty: none)."""

    year = forms.IntegerField(widget=forms.HiddenInput)
    quarter = forms.TypedChoiceField(
        widget=forms.HiddenInput, coerce=int, choices=[(q, q) for q in QUARTERS]
    )
    agri_total = YuanField(
        label=_("Farm-products procurement total (yuan)"),
        help_text=format_lazy(
            _(
                "All farm and sideline products the unit bought in the quarter, assistance "
                "products included (0 to ¥{limit}). It is the quota's base: the year's "
                "assistance purchases ÷ the sum of its quarters' totals must reach the required "
                "share ({share} unless the city sets another)."
            ),
            limit=f"{MAX_DECLARED_TOTAL:,.0f}",
            share=f"{DEFAULT_QUOTA_RATIO:.0%}",
        ),
    )
    canteen_total = YuanField(
        label=_("Canteen-food procurement total (yuan)"),
        required=False,
        help_text=_(
            "Food bought for the unit's canteens in the quarter: the base of the canteen-food "
            "quota rules. Empty means 0."
        ),
    )
    union_welfare_total = YuanField(
        label=_("Union-welfare procurement total (yuan)"),
        required=False,
        help_text=_(
            "The union's collective-welfare spending in the quarter: the base of the "
            "union-welfare quota rules. Empty means 0."
        ),
    )

    BASES = ("agri_total", "canteen_total", "union_welfare_total")

    def bases(self) -> dict:
        """The three totals for ``declaration_set``; an empty optional one is zero."""
        return {name: self.cleaned_data.get(name) or ZERO for name in self.BASES}


def parse_year(value, default: int) -> int:
    """``?year=`` when it is a plausible year, else ``default``."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default
