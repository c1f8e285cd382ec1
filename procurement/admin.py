"""Admin for budget units, the quota policy, its rules and targets, declarations, procurement
records and their vouchers, quarter submissions and their returns, integrity flags and the 832
platform's orders.

Procurement records and vouchers run to 10^6 rows a year: their changelists skip the unfiltered
total count and facet counts, and they never list a whole related table in a filter or widget.
"""

from django.contrib import admin
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal.admin import (
    UPLOAD_METADATA_FIELDS,
    CityDistrictListFilter,
    CreatorStampMixin,
    MembershipInline,
    OrganisationKindForm,
    ReadOnlyAdmin,
    ReadOnlyInline,
    UploadedFileForm,
)
from portal.models import Organisation

from .models import (
    AnnualTarget,
    BudgetUnit,
    Declaration,
    IntegrityFlag,
    MonthlyTotal,
    OrderImport,
    OriginMonthlyTotal,
    PlatformOrder,
    ProcurementRecord,
    PurposeMonthlyTotal,
    QuarterReturn,
    QuarterSubmission,
    QuotaPolicy,
    QuotaRule,
    ReturnComment,
    Voucher,
)
from .totals import counted, totals_after_region_change, totals_apply


class BudgetUnitForm(OrganisationKindForm):
    organisation_kind = Organisation.Kind.BUDGET_UNIT


@admin.register(BudgetUnit)
class BudgetUnitAdmin(admin.ModelAdmin):
    form = BudgetUnitForm
    exclude = ["kind"]
    list_display = ["name", "credit_code", "category", "district", "contact_name", "contact_phone"]
    list_filter = ["category", ("region", CityDistrictListFilter)]
    search_fields = ["name", "credit_code"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    readonly_fields = ["created_at"]
    inlines = [MembershipInline]

    @admin.display(description=_("district"), ordering="region")
    def district(self, obj: BudgetUnit):
        return obj.region

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        totals_after_region_change(obj, changed=form.changed_data if change else ())


@admin.register(QuotaPolicy)
class QuotaPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["year", "ratio", "growth_required", "note"]
    list_filter = ["growth_required"]
    search_fields = ["year"]


@admin.register(AnnualTarget)
class AnnualTargetAdmin(SimpleHistoryAdmin):
    list_display = ["year", "district", "region", "amount"]
    list_filter = ["year", ("district", CityDistrictListFilter)]
    list_select_related = ["district", "region"]
    autocomplete_fields = ["district", "region"]


@admin.register(Declaration)
class DeclarationAdmin(CreatorStampMixin, SimpleHistoryAdmin):
    creator_field = "declared_by"
    list_display = ["budget_unit", "year", "quarter", "agri_total", "declared_by", "declared_at"]
    list_filter = ["year", "quarter", ("budget_unit__region", CityDistrictListFilter)]
    search_fields = ["budget_unit__name", "budget_unit__credit_code"]
    list_select_related = ["budget_unit", "declared_by"]
    autocomplete_fields = ["budget_unit"]
    readonly_fields = ["declared_by", "declared_at"]


class VoucherInline(ReadOnlyInline):
    model = Voucher
    fields = [
        "original_name",
        "file",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


class HasVoucherFilter(admin.SimpleListFilter):
    title = _("vouchers")
    parameter_name = "voucher"

    def lookups(self, request, model_admin):
        return [("yes", _("With vouchers")), ("no", _("Without vouchers"))]

    def queryset(self, request, queryset):
        has_voucher = Exists(Voucher.objects.filter(record=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(has_voucher)
        if self.value() == "no":
            return queryset.filter(~has_voucher)
        return queryset


@admin.register(ProcurementRecord)
class ProcurementRecordAdmin(CreatorStampMixin, SimpleHistoryAdmin):
    creator_field = "created_by"
    list_display = [
        "purchased_on",
        "budget_unit",
        "supplier",
        "product",
        "amount",
        "channel",
        "purpose",
        "invoice_no",
        "status",
        "has_vouchers",
    ]
    list_display_links = ["purchased_on", "budget_unit"]
    list_filter = [
        "status",
        "channel",
        "purpose",
        ("budget_unit__region", CityDistrictListFilter),
        HasVoucherFilter,
    ]
    date_hierarchy = "purchased_on"
    # Exact matches on invoice numbers and credit codes (they can use an index); names by part.
    search_fields = [
        "invoice_no__exact",
        "budget_unit__credit_code__exact",
        "supplier__credit_code__exact",
        "budget_unit__name",
        "supplier__name",
    ]
    list_select_related = ["budget_unit", "supplier", "product"]
    autocomplete_fields = ["budget_unit", "supplier", "product"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    inlines = [VoucherInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_has_vouchers=Exists(Voucher.objects.filter(record=OuterRef("pk"))))
        )

    # A steward's change of a purchase moves the running totals as the services' do: the
    # purchase as stored (read under its row lock) comes out, the purchase as saved goes in.

    @staticmethod
    def _stored(pks) -> list[ProcurementRecord]:
        return list(ProcurementRecord.objects.select_for_update().filter(pk__in=pks).order_by())

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = counted(self._stored([obj.pk])) if change else []
            super().save_model(request, obj, form, change)
            totals_apply(removed=before, added=counted([obj]))

    def delete_model(self, request, obj):
        with transaction.atomic():
            before = counted(self._stored([obj.pk]))
            super().delete_model(request, obj)
            totals_apply(removed=before)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            before = counted(self._stored(queryset.values("pk")))
            super().delete_queryset(request, queryset)
            totals_apply(removed=before)

    @admin.display(description=_("vouchers"), boolean=True, ordering="_has_vouchers")
    def has_vouchers(self, obj: ProcurementRecord) -> bool:
        return obj._has_vouchers


@admin.register(Voucher)
class VoucherAdmin(CreatorStampMixin, admin.ModelAdmin):
    form = UploadedFileForm
    creator_field = "uploaded_by"
    list_display = ["original_name", "record", "content_type", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["sha256__exact", "record__invoice_no__exact", "original_name"]
    list_select_related = ["record__budget_unit", "uploaded_by"]
    raw_id_fields = ["record"]
    # Newest first by primary key: ``Meta.ordering`` (uploaded_at) has no index to sort 10^6 rows.
    ordering = ["-id"]
    readonly_fields = UPLOAD_METADATA_FIELDS
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


@admin.register(QuarterSubmission)
class QuarterSubmissionAdmin(SimpleHistoryAdmin):
    list_display = [
        "budget_unit",
        "year",
        "quarter",
        "status",
        "submitted_by",
        "submitted_at",
        "reopened_by",
        "reopened_at",
    ]
    list_filter = ["status", "year", "quarter", ("budget_unit__region", CityDistrictListFilter)]
    search_fields = ["budget_unit__name", "budget_unit__credit_code"]
    list_select_related = ["budget_unit", "submitted_by", "reopened_by"]
    autocomplete_fields = ["budget_unit", "submitted_by", "reopened_by"]


class ServiceWrittenAdmin(ReadOnlyAdmin):
    """Rows the procurement services write, by the hundred thousand (the running totals) or
    with each step's actor and time (returns, integrity decisions, the 832 platform's
    orders): read-only, without the full count and facet counts of a long table."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


class RunningTotalAdmin(ServiceWrittenAdmin):
    """The running totals, to look at only: the services keep them and ``totals_rebuild``
    recomputes them; a hand-made change would make every compliance figure wrong."""

    date_hierarchy = "month"


@admin.register(MonthlyTotal)
class MonthlyTotalAdmin(RunningTotalAdmin):
    list_display = ["month", "budget_unit", "channel", "amount", "records"]
    list_filter = ["channel", ("budget_unit__region", CityDistrictListFilter)]
    search_fields = ["budget_unit__name", "budget_unit__credit_code__exact"]
    list_select_related = ["budget_unit"]
    ordering = ["-month", "budget_unit_id", "channel"]


@admin.register(PurposeMonthlyTotal)
class PurposeMonthlyTotalAdmin(RunningTotalAdmin):
    list_display = ["month", "budget_unit", "channel", "purpose", "amount", "records"]
    list_filter = ["channel", "purpose", ("budget_unit__region", CityDistrictListFilter)]
    search_fields = ["budget_unit__name", "budget_unit__credit_code__exact"]
    list_select_related = ["budget_unit"]
    ordering = ["-month", "budget_unit_id", "channel", "purpose"]


@admin.register(OriginMonthlyTotal)
class OriginMonthlyTotalAdmin(RunningTotalAdmin):
    list_display = ["month", "district", "origin", "amount", "records"]
    search_fields = ["=district", "=origin"]
    ordering = ["-month", "district", "origin"]


@admin.register(QuotaRule)
class QuotaRuleAdmin(SimpleHistoryAdmin):
    list_display = ["name", "policy", "base", "ratio", "channels", "categories", "position"]
    list_filter = ["base", "policy__year"]
    search_fields = ["name"]
    list_select_related = ["policy"]


@admin.register(QuarterReturn)
class QuarterReturnAdmin(ServiceWrittenAdmin):
    list_display = ["submission", "number", "returned_by", "returned_at", "resubmitted_at"]
    list_select_related = ["submission__budget_unit", "returned_by"]
    search_fields = ["submission__budget_unit__name"]


@admin.register(ReturnComment)
class ReturnCommentAdmin(ServiceWrittenAdmin):
    list_display = ["quarter_return", "record_label", "comment"]
    list_select_related = ["quarter_return__submission__budget_unit"]


@admin.register(IntegrityFlag)
class IntegrityFlagAdmin(ServiceWrittenAdmin):
    list_display = ["kind", "budget_unit", "record", "status", "found_at", "decided_by"]
    list_filter = ["kind", "status"]
    list_select_related = ["budget_unit", "record", "decided_by"]
    search_fields = ["budget_unit__name"]


@admin.register(OrderImport)
class OrderImportAdmin(ServiceWrittenAdmin):
    list_display = ["original_name", "budget_unit", "uploaded_by", "uploaded_at", "orders"]
    list_select_related = ["budget_unit", "uploaded_by"]


@admin.register(PlatformOrder)
class PlatformOrderAdmin(ServiceWrittenAdmin):
    list_display = ["order_no", "ordered_at", "buyer_name", "supplier_name", "amount", "record"]
    list_select_related = ["budget_unit", "record"]
    search_fields = ["=order_no", "buyer_name"]
