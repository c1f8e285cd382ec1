"""Admin for suppliers, their bases and products, the certification schemes, applications,
their documents and evaluations, and certificates.

Suppliers, bases, products, applications and certificates keep their audit trail (issue 7):
their admins are ``SimpleHistoryAdmin``, whose history pages only read it (reverting is
disabled by ``SIMPLE_HISTORY_REVERT_DISABLED``); no historical model is registered on its own.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from portal.admin import (
    UPLOAD_METADATA_FIELDS,
    CreatorStampMixin,
    MembershipInline,
    OrganisationKindForm,
    ProvinceListFilter,
    ReadOnlyAdmin,
    UploadedFileForm,
)
from portal.models import Organisation
from procurement.totals import totals_after_region_change

from .models import (
    ApplicationDocument,
    ApplicationEvent,
    BaseEvaluation,
    Certificate,
    CertificationApplication,
    CertificationScheme,
    Disclosure,
    Evaluation,
    ExitAction,
    Expert,
    ExpertAssignment,
    ExpertConflict,
    MonitoringRecord,
    Objection,
    Product,
    ProductPhoto,
    Supplier,
    SupplierBase,
)


class SupplierForm(OrganisationKindForm):
    organisation_kind = Organisation.Kind.SUPPLIER

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Optional for offices, but a supplier is known by its business licence.
        if "credit_code" in self.fields:
            self.fields["credit_code"].required = True


class SupplierBaseInline(admin.TabularInline):
    model = SupplierBase
    fields = ["name", "region", "category", "area_mu", "status"]
    autocomplete_fields = ["region"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region")


@admin.register(Supplier)
class SupplierAdmin(SimpleHistoryAdmin):
    form = SupplierForm
    exclude = ["kind"]
    list_display = [
        "name",
        "credit_code",
        "status",
        "region",
        "legal_representative",
        "contact_name",
        "contact_phone",
        "activated_at",
    ]
    list_filter = ["status", ("region", ProvinceListFilter)]
    search_fields = ["name", "credit_code", "legal_representative"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    readonly_fields = ["created_at"]
    inlines = [SupplierBaseInline, MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A new region of origin moves the supplier's sales in the running totals.
        totals_after_region_change(obj, changed=form.changed_data if change else ())


@admin.register(SupplierBase)
class SupplierBaseAdmin(SimpleHistoryAdmin):
    list_display = ["name", "supplier", "region", "category", "area_mu", "status", "created_at"]
    list_filter = ["status", "category", ("region", ProvinceListFilter)]
    search_fields = ["name", "supplier__name", "supplier__credit_code", "address"]
    list_select_related = ["supplier", "region"]
    autocomplete_fields = ["supplier", "region"]
    readonly_fields = ["created_at"]


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "supplier",
        "category",
        "region",
        "specification",
        "price",
        "price_unit",
        "supply_volume",
        "supply_unit",
        "season",
        "households_lifted",
        "status",
        "updated_at",
    ]
    list_filter = ["status", "category", ("region", ProvinceListFilter)]
    search_fields = ["name", "supplier__name", "supplier__credit_code"]
    list_select_related = ["supplier", "region"]
    autocomplete_fields = ["supplier", "base", "region"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(CertificationScheme)
class CertificationSchemeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "subject", "validity_months"]
    list_filter = ["subject"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # The code is the primary key that applications and certificates point to.
        return ["code"] if obj else []


class ApplicationDocumentInline(admin.TabularInline):
    model = ApplicationDocument
    form = UploadedFileForm
    creator_field = "uploaded_by"
    fields = [
        "kind",
        "file",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    readonly_fields = UPLOAD_METADATA_FIELDS
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


class EvaluationInline(admin.TabularInline):
    model = Evaluation
    fields = ["evaluated_on", "score", "findings", "evaluator", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["evaluator"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("evaluator")


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(ReadOnlyAdmin):
    """The steps of applications: a record, never edited."""

    list_display = ["at", "application", "action", "from_status", "to_status", "actor"]
    list_filter = ["action", "to_status"]
    list_select_related = ["application", "application__scheme", "actor"]
    search_fields = ["application__supplier__name", "comment"]
    readonly_fields = [
        "application",
        "action",
        "from_status",
        "to_status",
        "actor",
        "at",
        "comment",
    ]


@admin.register(CertificationApplication)
class CertificationApplicationAdmin(CreatorStampMixin, SimpleHistoryAdmin):
    creator_field = "created_by"
    list_display = [
        "id",
        "scheme",
        "supplier",
        "product",
        "base",
        "status",
        "households",
        "submitted_at",
        "reviewer",
        "decided_at",
    ]
    list_display_links = ["id", "scheme"]
    list_filter = ["status", "scheme", "submitted_at"]
    date_hierarchy = "submitted_at"
    search_fields = ["supplier__name", "supplier__credit_code", "product__name", "base__name"]
    list_select_related = ["scheme", "supplier", "product", "base", "reviewer"]
    autocomplete_fields = ["supplier", "product", "base", "reviewer"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [ApplicationDocumentInline, EvaluationInline]


@admin.register(ApplicationDocument)
class ApplicationDocumentAdmin(CreatorStampMixin, admin.ModelAdmin):
    form = UploadedFileForm
    creator_field = "uploaded_by"
    list_display = [
        "original_name",
        "application",
        "kind",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["kind", "application__scheme"]
    search_fields = ["original_name", "sha256__exact", "application__supplier__name"]
    list_select_related = ["application", "uploaded_by"]
    autocomplete_fields = ["application"]
    readonly_fields = UPLOAD_METADATA_FIELDS


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["application", "evaluated_on", "score", "evaluator", "created_at"]
    list_filter = ["application__scheme", "evaluated_on"]
    date_hierarchy = "evaluated_on"
    search_fields = ["application__supplier__name", "findings"]
    list_select_related = ["application", "evaluator"]
    autocomplete_fields = ["application", "evaluator"]
    readonly_fields = ["created_at"]


@admin.register(Certificate)
class CertificateAdmin(SimpleHistoryAdmin):
    list_display = [
        "number",
        "scheme",
        "supplier",
        "product",
        "base",
        "valid_from",
        "valid_until",
        "status",
    ]
    list_filter = ["status", "scheme", "valid_until"]
    date_hierarchy = "valid_from"
    search_fields = [
        "number",
        "supplier__name",
        "supplier__credit_code",
        "product__name",
        "base__name",
    ]
    list_select_related = ["scheme", "supplier", "product", "base"]
    autocomplete_fields = ["supplier", "product", "base", "application"]
    readonly_fields = ["issued_at"]


@admin.register(ProductPhoto)
class ProductPhotoAdmin(CreatorStampMixin, admin.ModelAdmin):
    form = UploadedFileForm
    creator_field = "uploaded_by"
    list_display = ["original_name", "product", "caption", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["original_name", "product__name", "product__supplier__name"]
    list_select_related = ["product", "uploaded_by"]
    autocomplete_fields = ["product"]
    readonly_fields = UPLOAD_METADATA_FIELDS


@admin.register(ExitAction)
class ExitActionAdmin(ReadOnlyAdmin):
    """Dynamic exit (动态退出) as recorded by the office's actions: a record, never edited."""

    list_display = ["at", "action", "certificate", "product", "base", "reason", "actor"]
    list_filter = ["action", "reason"]
    list_select_related = ["certificate", "product", "base", "actor"]
    search_fields = ["certificate__number", "product__name", "base__name", "note"]


@admin.register(MonitoringRecord)
class MonitoringRecordAdmin(admin.ModelAdmin):
    list_display = ["performed_on", "kind", "product", "base", "result", "proposal", "agency"]
    list_filter = ["kind", "result", "proposal"]
    date_hierarchy = "performed_on"
    list_select_related = ["product", "base"]
    search_fields = ["product__name", "base__name", "agency", "findings"]
    autocomplete_fields = ["product", "base"]
    readonly_fields = ["recorded_by", "recorded_at", "handled_by", "handled_at"]


# --- Issue 10: base evaluation, public disclosure --------------------------------------------


class ExpertConflictInline(admin.TabularInline):
    model = ExpertConflict
    fields = ["supplier", "reason", "declared_at"]
    readonly_fields = ["declared_at"]
    autocomplete_fields = ["supplier"]
    extra = 0


@admin.register(Expert)
class ExpertAdmin(SimpleHistoryAdmin):
    """The evaluation's expert pool (专家库), with the conflicts of interest each declared."""

    list_display = ["name", "organisation", "title", "speciality", "active"]
    list_filter = ["active", "speciality"]
    search_fields = ["name", "organisation"]
    autocomplete_fields = ["user"]
    inlines = [ExpertConflictInline]


@admin.register(ExpertConflict)
class ExpertConflictAdmin(admin.ModelAdmin):
    list_display = ["expert", "supplier", "reason", "declared_at"]
    list_select_related = ["expert", "supplier"]
    search_fields = ["expert__name", "supplier__name", "reason"]
    autocomplete_fields = ["expert", "supplier"]


class ExpertAssignmentInline(admin.TabularInline):
    model = ExpertAssignment
    fields = ["position", "expert", "conflict_declared", "score", "scored_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BaseEvaluation)
class BaseEvaluationAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """A base's yearly evaluation: its stages are the services' (the evaluation pages), so
    the admin only reads it, with its history."""

    list_display = ["base", "year", "category", "status", "final_score"]
    list_filter = ["year", "category", "status"]
    list_select_related = ["base"]
    search_fields = ["base__name", "base__supplier__name"]
    inlines = [ExpertAssignmentInline]


@admin.register(ExpertAssignment)
class ExpertAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "position", "expert", "conflict_declared", "score"]
    list_select_related = ["evaluation__base", "expert"]
    search_fields = ["expert__name", "evaluation__base__name"]


class ObjectionInline(admin.TabularInline):
    model = Objection
    fields = ["submitted_at", "name", "status", "decided_by", "decided_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Disclosure)
class DisclosureAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Public disclosures (公示): opened by the decisions they publish, settled by the nightly
    job or by the office's decision on an objection; read only here."""

    list_display = ["pk", "kind", "status", "starts_on", "ends_on", "removal", "self_reported"]
    list_filter = ["kind", "status", "removal"]
    date_hierarchy = "starts_on"
    search_fields = ["certificate__number", "product__name", "base__name", "summary"]
    inlines = [ObjectionInline]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["disclosure", "name", "status", "submitted_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["disclosure"]
    search_fields = ["name", "contact", "text"]
