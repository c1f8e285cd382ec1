"""Admin for the special outlets (五专) and assistance centres, their status history, monthly
sales and inspections."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from portal.admin import (
    UPLOAD_METADATA_FIELDS,
    CityDistrictListFilter,
    CreatorStampMixin,
    ReadOnlyInline,
    UploadedFileForm,
)

from .models import (
    Inspection,
    InspectionPhoto,
    Outlet,
    OutletPhoto,
    OutletSalesReport,
    OutletStatusChange,
)


class OutletStatusChangeInline(ReadOnlyInline):
    model = OutletStatusChange
    fields = ["changed_at", "from_status", "to_status", "reason", "note", "changed_by"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class InspectionInline(admin.TabularInline):
    model = Inspection
    fields = ["inspected_on", "inspector_name", "inspector", "result", "findings"]
    autocomplete_fields = ["inspector"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("inspector")


@admin.register(Outlet)
class OutletAdmin(SimpleHistoryAdmin):
    """An outlet's status is shown, not edited, once it exists: suspension, reinstatement and
    exit (动态退出) go through the portal, which records each change with its reason. The
    History button shows its versions (read-only: reverting is disabled)."""

    list_display = ["name", "kind", "district", "venue", "operator", "status", "opened_on"]
    list_filter = ["kind", "status", "venue", ("district", CityDistrictListFilter)]
    search_fields = ["name", "address", "operator__name", "operator__credit_code"]
    list_select_related = ["district", "operator"]
    autocomplete_fields = ["district", "operator", "products"]
    inlines = [OutletStatusChangeInline, InspectionInline]

    def get_readonly_fields(self, request, obj=None):
        return ["status", "created_at"] if obj else ["created_at"]


@admin.register(OutletStatusChange)
class OutletStatusChangeAdmin(CreatorStampMixin, admin.ModelAdmin):
    creator_field = "changed_by"
    list_display = ["outlet", "from_status", "to_status", "reason", "changed_by", "changed_at"]
    list_filter = ["to_status", "reason", ("outlet__district", CityDistrictListFilter)]
    date_hierarchy = "changed_at"
    search_fields = ["outlet__name", "note"]
    list_select_related = ["outlet", "changed_by"]
    autocomplete_fields = ["outlet"]
    readonly_fields = ["changed_by"]


@admin.register(OutletSalesReport)
class OutletSalesReportAdmin(CreatorStampMixin, admin.ModelAdmin):
    creator_field = "reported_by"
    list_display = ["outlet", "year", "month", "amount", "reported_by", "reported_at"]
    list_filter = ["year", "month", ("outlet__district", CityDistrictListFilter), "outlet__kind"]
    search_fields = ["outlet__name"]
    list_select_related = ["outlet", "reported_by"]
    autocomplete_fields = ["outlet"]
    readonly_fields = ["reported_by", "reported_at"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["outlet", "inspected_on", "inspector_name", "result", "created_at"]
    list_filter = ["result", ("outlet__district", CityDistrictListFilter), "outlet__kind"]
    date_hierarchy = "inspected_on"
    search_fields = ["outlet__name", "inspector_name", "findings"]
    list_select_related = ["outlet"]
    autocomplete_fields = ["outlet", "inspector"]
    readonly_fields = ["created_at"]


@admin.register(OutletPhoto)
class OutletPhotoAdmin(CreatorStampMixin, admin.ModelAdmin):
    form = UploadedFileForm
    creator_field = "uploaded_by"
    list_display = ["original_name", "outlet", "caption", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["original_name", "outlet__name"]
    list_select_related = ["outlet", "uploaded_by"]
    autocomplete_fields = ["outlet"]
    readonly_fields = UPLOAD_METADATA_FIELDS


@admin.register(InspectionPhoto)
class InspectionPhotoAdmin(CreatorStampMixin, admin.ModelAdmin):
    form = UploadedFileForm
    creator_field = "uploaded_by"
    list_display = ["original_name", "inspection", "caption", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["original_name", "inspection__outlet__name"]
    list_select_related = ["inspection", "inspection__outlet", "uploaded_by"]
    autocomplete_fields = ["inspection"]
    readonly_fields = UPLOAD_METADATA_FIELDS
