from django.contrib import admin

from planner.models import (
    Chunk,
    County,
    Document,
    DocumentVersion,
    FileJob,
    IndexWord,
    Membership,
    Plan,
    Posting,
    Project,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role"]
    list_filter = ["role", "project"]
    list_select_related = ["user", "project"]
    raw_id_fields = ["user"]


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "municipalities", "district_municipalities", "district_share", "in_study"]
    list_filter = ["project", "in_study"]
    list_select_related = ["project"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "county", "plan_type", "year", "status"]
    list_filter = ["plan_type", "status", "county__project"]
    list_select_related = ["county"]
    search_fields = ["title", "notes"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "kind", "county", "source_format", "created_at"]
    list_filter = ["kind", "project"]
    list_select_related = ["project", "county"]
    search_fields = ["title"]
    readonly_fields = ["text", "checksum", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        # The text is immutable once stored; it can only be set when the row is created.
        return self.readonly_fields if obj else ["checksum", "created_at"]


@admin.register(Chunk)
class ChunkAdmin(admin.ModelAdmin):
    list_display = ["document", "position", "start", "end", "page"]
    list_select_related = ["document"]
    raw_id_fields = ["document"]
    readonly_fields = ["text"]


class DerivedAdmin(admin.ModelAdmin):
    """The word index is derived from the texts (planner.textindex): read only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IndexWord)
class IndexWordAdmin(DerivedAdmin):
    list_display = ["word"]
    search_fields = ["word"]


@admin.register(Posting)
class PostingAdmin(DerivedAdmin):
    list_display = ["document", "word", "count"]
    list_select_related = ["document", "word"]
    raw_id_fields = ["document", "word"]
    exclude = ["positions"]


@admin.register(FileJob)
class FileJobAdmin(admin.ModelAdmin):
    list_display = ["uuid", "kind", "file_name", "project", "created_by", "status", "attempts", "created_at"]
    list_filter = ["status", "kind", "project"]
    list_select_related = ["project", "created_by"]
    exclude = ["data"]
    readonly_fields = ["uuid", "kind", "file_name", "plan", "title", "document", "language", "warnings", "params",
                       "status", "done", "total", "message", "finished_at", "heartbeat_at", "attempts"]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(admin.ModelAdmin):
    # Read-only: a version is what a correction did; coding.revisions makes and undoes them.
    list_display = ["document", "number", "created_by", "created_at", "undone_at"]
    list_select_related = ["document", "created_by"]
    readonly_fields = ["document", "number", "note", "changes", "reverse", "restore", "checksum", "created_by",
                       "undone_at"]
