"""Admin for the quarterly report runs Celery builds: mostly to see what ran, how long it took
and why it failed."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin import CityDistrictListFilter, CreatorStampMixin

from .models import Bulletin, ReportRun


@admin.register(ReportRun)
class ReportRunAdmin(CreatorStampMixin, admin.ModelAdmin):
    creator_field = "requested_by"
    list_display = [
        "id",
        "year",
        "quarter",
        "scope",
        "status",
        "progress",
        "requested_by",
        "created_at",
        "finished_at",
        "duration",
    ]
    list_display_links = ["id", "year"]
    list_filter = ["status", "year", "quarter", ("district", CityDistrictListFilter)]
    date_hierarchy = "created_at"
    search_fields = ["task_id", "checksum__exact", "error"]
    list_select_related = ["district", "requested_by"]
    autocomplete_fields = ["district"]
    # What the build writes: shown, never typed in.
    readonly_fields = [
        "requested_by",
        "task_id",
        "created_at",
        "started_at",
        "finished_at",
        "duration",
        "progress",
        "error",
        "xlsx",
        "pdf",
        "checksum",
    ]

    @admin.display(description=_("scope"), ordering="district")
    def scope(self, obj: ReportRun) -> str:
        return str(obj.district) if obj.district_id else _("Whole city")

    @admin.display(description=_("duration"))
    def duration(self, obj: ReportRun):
        return obj.duration


@admin.register(Bulletin)
class BulletinAdmin(CreatorStampMixin, admin.ModelAdmin):
    creator_field = "created_by"
    list_display = ["title", "year", "quarter", "status", "published_at", "created_by"]
    list_filter = ["status", "year", "quarter"]
    search_fields = ["title", "body"]
    list_select_related = ["created_by"]
    readonly_fields = ["created_by", "created_at", "updated_at", "published_by", "published_at"]
