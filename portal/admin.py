"""The Django admin for the city office's data stewards: regions, pairings, organisations and
memberships; and the pieces every app's admin shares (region filters, upload metadata, creator
stamps, read-only inlines)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db.models import BLANK_CHOICE_DASH, Count, Q
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import (
    ROLE_ORGANISATION_KIND,
    DistrictPairing,
    Membership,
    Notification,
    Organisation,
    Region,
    Role,
)
from .uploads import inspect_upload

admin.site.site_header = _("Consumption-assistance portal administration")
admin.site.site_title = _("Consumption-assistance portal")
admin.site.index_title = _("Data stewardship")


# --- Shared pieces ---------------------------------------------------------------------------


class CityDistrictListFilter(admin.RelatedFieldListFilter):
    """Filters a region foreign key by the city's own districts only (a dozen choices), instead
    of every region in the table; use as ``("budget_unit__region", CityDistrictListFilter)``."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = _("district")

    def field_choices(self, field, request, model_admin):
        districts = Region.objects.filter(parent_id=settings.PORTAL_CITY_CODE).order_by("code")
        return list(districts.values_list("code", "name"))


class ProvinceListFilter(admin.FieldListFilter):
    """Filters a region foreign key by province: a GB/T 2260 code begins with its province's two
    digits, so no join is needed (``region__code__startswith``)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_kwarg = f"{field_path}__code__startswith"
        self.lookup_val = params.get(self.lookup_kwarg)
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = _("province")
        provinces = Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")
        self.lookup_choices = [
            (code[:2], name) for code, name in provinces.values_list("code", "name")
        ]

    def expected_parameters(self):
        return [self.lookup_kwarg]

    def has_output(self):
        return bool(self.lookup_choices)

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {
            f"{prefix}__c": Count(pk_attname, filter=Q(**{self.lookup_kwarg: prefix}))
            for prefix, _name in self.lookup_choices
        }

    def choices(self, changelist):
        facet_counts = self.get_facet_queryset(changelist) if changelist.add_facets else None
        yield {
            "selected": self.lookup_val is None,
            "query_string": changelist.get_query_string(remove=[self.lookup_kwarg]),
            "display": _("All"),
        }
        for prefix, name in self.lookup_choices:
            display = f"{name} ({facet_counts[f'{prefix}__c']})" if facet_counts else name
            yield {
                "selected": self.lookup_val is not None and prefix in self.lookup_val,
                "query_string": changelist.get_query_string({self.lookup_kwarg: prefix}),
                "display": display,
            }


# What an uploaded file's model records about it, shown read-only beside the file.
UPLOAD_METADATA_FIELDS = (
    "original_name",
    "content_type",
    "size",
    "sha256",
    "uploaded_by",
    "uploaded_at",
)


class UploadedFileForm(forms.ModelForm):
    """For a model with ``file`` and its metadata (``original_name``, ``content_type``, ``size``,
    ``sha256``) shown read-only: a new upload is checked (PDF, JPEG or PNG by content; no larger
    than ``PORTAL_MAX_UPLOAD_BYTES``) and its metadata is taken from the file itself."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):
            return upload  # unchanged: the stored file keeps its recorded metadata
        for name, value in inspect_upload(upload).as_fields().items():
            setattr(self.instance, name, value)
        return upload


class CreatorStampMixin:
    """Records the signed-in steward in ``creator_field`` of what they add, on the model admin
    itself and on the inlines that declare a ``creator_field`` too."""

    creator_field: str | None = None

    def save_model(self, request, obj, form, change):
        if not change and self.creator_field:
            setattr(obj, self.creator_field, request.user)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        creator_fields = {
            inline.model: getattr(inline, "creator_field", None) for inline in self.inlines
        }
        creator_field = creator_fields.get(formset.model)
        if not creator_field:
            super().save_formset(request, form, formset, change)
            return
        instances = formset.save(commit=False)
        for obj in formset.new_objects:
            setattr(obj, creator_field, request.user)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            obj.save()
        formset.save_m2m()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the portal's services write (a step with its actor and time, a running total):
    to look at only, so that no change escapes the service's rules and records."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """An inline that shows history: nothing is added, changed or removed through it."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Regions and pairings --------------------------------------------------------------------


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["^code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    ordering = ["code"]

    def get_readonly_fields(self, request, obj=None):
        # The code is the primary key: changing it would create a second region.
        return ["code"] if obj else []


@admin.register(DistrictPairing)
class DistrictPairingAdmin(admin.ModelAdmin):
    list_display = ["district", "region", "since_year"]
    list_filter = [("district", CityDistrictListFilter), "since_year"]
    search_fields = ["district__name", "^district__code", "region__name", "^region__code"]
    list_select_related = ["district", "region"]
    autocomplete_fields = ["district", "region"]


# --- Organisations and memberships -----------------------------------------------------------


def role_kind_error(role: str, kind: str) -> str:
    """The same words ``Membership.clean`` uses."""
    return _("A %(role)s must belong to a %(kind)s.") % {
        "role": Role(role).label,
        "kind": Organisation.Kind(kind).label,
    }


class MembershipInlineFormSet(BaseInlineFormSet):
    """Checks each member's role against the organisation being edited: ``Membership.clean``
    cannot, while a new organisation has no primary key yet."""

    def clean(self):
        super().clean()
        kind = self.instance.kind
        for form in self.forms:
            if not form.is_bound or self._should_delete_form(form):
                continue
            role = form.cleaned_data.get("role")
            if not role or not kind:
                continue
            expected = ROLE_ORGANISATION_KIND[Role(role)]
            if kind != expected:
                form.add_error("role", role_kind_error(role, expected))


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipInlineFormSet
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class OrganisationKindForm(forms.ModelForm):
    """For the admins of the organisation tables that extend ``Organisation`` (suppliers, budget
    units): the kind follows from the table, so it is set here rather than chosen."""

    organisation_kind: str = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.kind = self.organisation_kind


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """Every organisation of every kind. Suppliers and budget units are added and edited in full
    through their own admins; here one adds the city and district offices."""

    list_display = [
        "name",
        "kind",
        "credit_code",
        "region",
        "contact_name",
        "contact_phone",
        "created_at",
        "details_link",
    ]
    list_filter = ["kind", ("region", CityDistrictListFilter)]
    search_fields = ["name", "credit_code"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    inlines = [MembershipInline]

    # The kinds whose rows extend into a table of their own, and the admin that edits them.
    SPECIALISED_ADMINS = {
        Organisation.Kind.SUPPLIER: "admin:products_supplier_change",
        Organisation.Kind.BUDGET_UNIT: "admin:procurement_budgetunit_change",
    }

    def get_readonly_fields(self, request, obj=None):
        # A kind change would orphan the supplier or budget-unit row and its members' roles.
        return ["kind", "created_at"] if obj else ["created_at"]

    def save_model(self, request, obj, form, change):
        # Imported here: the shared app's admin must not load the procurement app's modules.
        from procurement.totals import totals_after_region_change

        super().save_model(request, obj, form, change)
        # A budget unit's or supplier's new region moves its purchases in the running totals.
        totals_after_region_change(obj, changed=form.changed_data if change else ())

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            kwargs["choices"] = BLANK_CHOICE_DASH + [
                (kind.value, kind.label)
                for kind in Organisation.Kind
                if kind not in self.SPECIALISED_ADMINS
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    @admin.display(description=_("details"))
    def details_link(self, obj: Organisation) -> str:
        url_name = self.SPECIALISED_ADMINS.get(obj.kind)
        if not url_name:
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse(url_name, args=[obj.pk]), obj.get_kind_display()
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """The role is checked against the organisation's kind by ``Membership.clean``, which the
    admin's model form runs."""

    list_display = ["user", "organisation", "organisation_kind", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
        "organisation__name",
        "organisation__credit_code",
    ]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]
    readonly_fields = ["created_at"]

    @admin.display(description=_("kind"), ordering="organisation__kind")
    def organisation_kind(self, obj: Membership) -> str:
        return obj.organisation.get_kind_display()


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "title", "read_at"]
    list_filter = ["read_at"]
    search_fields = ["title", "recipient__username"]
    list_select_related = ["recipient"]
    autocomplete_fields = ["recipient"]
    readonly_fields = ["created_at"]
