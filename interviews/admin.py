from django.contrib import admin

from interviews.models import ImportDraft, Interview, NameWord, Participant, Recording, SpeakerChange, Turn


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["label", "project", "role", "field", "county"]
    list_filter = ["project", "role", "field"]
    list_select_related = ["project", "county"]
    search_fields = ["label"]


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = ["document", "format", "date"]
    list_filter = ["format"]
    list_select_related = ["document"]


@admin.register(Turn)
class TurnAdmin(admin.ModelAdmin):
    list_display = ["document", "position", "participant", "start", "end", "start_seconds"]
    list_select_related = ["document", "participant"]
    raw_id_fields = ["document", "participant"]


@admin.register(ImportDraft)
class ImportDraftAdmin(admin.ModelAdmin):
    list_display = ["file_name", "project", "created_by", "source_format", "created_at"]
    list_select_related = ["project", "created_by"]
    exclude = ["payload"]  # it holds the names found in the file


@admin.register(SpeakerChange)
class SpeakerChangeAdmin(admin.ModelAdmin):
    list_display = ["action", "project", "document", "user", "created_at"]
    list_filter = ["action"]
    list_select_related = ["project", "document", "user"]
    raw_id_fields = ["document"]


@admin.register(NameWord)
class NameWordAdmin(admin.ModelAdmin):
    list_display = ["word", "project"]
    list_select_related = ["project"]


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    # Read-only: the file is stored and removed by interviews.recordings.
    list_display = ["file_name", "interview", "kind", "size", "created_at"]
    list_select_related = ["interview__document"]
    readonly_fields = ["uuid", "interview", "file_name", "kind", "content_type", "size", "uploaded_by"]
