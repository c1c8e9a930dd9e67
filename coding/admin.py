from django.contrib import admin

from coding.models import (
    Change,
    Coding,
    DoubleCoding,
    Excerpt,
    ExchangeImport,
    ExportJob,
    Memo,
    SavedSearch,
    Settlement,
    Theme,
    ThemeSummary,
    WatchName,
)


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "position", "colour", "shortcut_key", "archived"]
    list_filter = ["project", "archived"]
    list_select_related = ["project"]
    search_fields = ["name", "description"]



class CodingInline(admin.TabularInline):
    model = Coding
    extra = 0
    raw_id_fields = ["theme"]


@admin.register(Excerpt)
class ExcerptAdmin(admin.ModelAdmin):
    list_display = ["__str__", "document", "start", "end", "coder", "is_key", "updated_at"]
    list_filter = ["is_key", "document__project"]
    list_select_related = ["document", "coder"]
    raw_id_fields = ["document", "coder"]
    readonly_fields = ["uuid", "version", "created_at", "updated_at"]
    inlines = [CodingInline]

    def get_readonly_fields(self, request, obj=None):
        # An excerpt never moves to another document: its codings carry the document (Coding.document).
        return [*self.readonly_fields, "document"] if obj else self.readonly_fields


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ["action", "object_uuid", "user", "document", "created_at", "undone_at"]
    list_filter = ["action", "project"]
    list_select_related = ["user", "document"]

    def has_change_permission(self, request, obj=None):
        return False  # history is a record, not something to edit


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ["query", "kind", "project", "created_by"]
    list_select_related = ["project", "created_by"]


@admin.register(Coding)
class CodingAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "theme", "created_at"]
    list_select_related = ["excerpt", "theme"]
    raw_id_fields = ["excerpt", "theme"]


@admin.register(ThemeSummary)
class ThemeSummaryAdmin(admin.ModelAdmin):
    list_display = ["theme", "county", "status", "updated_by", "updated_at"]
    list_filter = ["status", "project"]
    list_select_related = ["theme", "county", "updated_by"]
    raw_id_fields = ["theme", "county", "updated_by", "reviewed_by"]
    readonly_fields = ["version", "updated_at", "reviewed_at"]


@admin.register(WatchName)
class WatchNameAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "project", "source"]
    list_filter = ["kind", "project"]
    list_select_related = ["project"]
    raw_id_fields = ["participant"]
    search_fields = ["name"]


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["uuid", "format", "project", "created_by", "status", "done", "total", "attempts", "created_at"]
    list_filter = ["status", "format", "project"]
    list_select_related = ["project", "created_by"]
    exclude = ["content"]
    readonly_fields = ["uuid", "options", "decisions", "status", "done", "total", "message", "file_name",
                       "finished_at", "heartbeat_at", "attempts"]


class SettlementInline(admin.TabularInline):
    model = Settlement
    raw_id_fields = ["theme", "kept_coder", "excerpt", "decided_by"]
    extra = 0


@admin.register(DoubleCoding)
class DoubleCodingAdmin(admin.ModelAdmin):
    # Read-mostly: setting, settling and revealing go through coding.services, which record history.
    list_display = ["document", "project", "created_by", "created_at", "revealed_at"]
    list_filter = ["project"]
    list_select_related = ["document", "project", "created_by"]
    raw_id_fields = ["document", "created_by", "revealed_by"]
    readonly_fields = ["uuid", "snapshot", "revealed_at", "revealed_by"]
    inlines = [SettlementInline]


@admin.register(Settlement)
class SettlementAdmin(admin.ModelAdmin):
    list_display = ["double_coding", "theme", "start", "end", "kept_coder", "decided_by", "decided_at"]
    list_select_related = ["double_coding__document", "theme", "kept_coder", "decided_by"]
    raw_id_fields = ["double_coding", "theme", "kept_coder", "excerpt", "decided_by"]


@admin.register(Memo)
class MemoAdmin(admin.ModelAdmin):
    list_display = ["__str__", "project", "kind", "author", "created_at"]
    list_filter = ["project", "kind"]
    list_select_related = ["project", "author"]
    raw_id_fields = ["document", "participant", "county", "author"]


@admin.register(ExchangeImport)
class ExchangeImportAdmin(admin.ModelAdmin):
    # The report of a REFI-QDA import, as its report page shows it.
    list_display = ["file_name", "kind", "project", "created_by", "created_at"]
    list_filter = ["kind", "project"]
    list_select_related = ["project", "created_by"]
    readonly_fields = ["uuid", "report", "created_at"]
