from django.urls import path

from interviews import participant_views, recording_views, views

app_name = "interviews"

urlpatterns = [
    path("s/<slug:slug>/interviews/", views.transcript_list, name="transcript_list"),
    path("s/<slug:slug>/interviews/import/", views.import_start, name="import_start"),
    path("s/<slug:slug>/interviews/import/files/<uuid:job_uuid>/", views.import_job, name="import_job"),
    path("s/<slug:slug>/interviews/import/<int:draft_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("s/<slug:slug>/interviews/import/<int:draft_id>/discard/", views.import_discard, name="import_discard"),
    path("s/<slug:slug>/interviews/import/name-words/", views.name_word_add_view, name="name_word_add"),
    path("s/<slug:slug>/interviews/import/name-words/<int:word_id>/remove/", views.name_word_remove_view,
         name="name_word_remove"),
    path("s/<slug:slug>/interviews/<int:document_id>/", views.transcript_detail, name="transcript_detail"),
    path("s/<slug:slug>/interviews/<int:document_id>/turns/", views.transcript_turns, name="transcript_turns"),
    path("s/<slug:slug>/interviews/<int:document_id>/recording/", recording_views.recording_file,
         name="recording_file"),
    path("s/<slug:slug>/interviews/<int:document_id>/recording/upload/", recording_views.recording_upload,
         name="recording_upload"),
    path("s/<slug:slug>/interviews/<int:document_id>/assign/", participant_views.turn_assign, name="turn_assign"),
    path("s/<slug:slug>/participants/", participant_views.participant_list, name="participant_list"),
    path("s/<slug:slug>/participants/<int:participant_id>/", participant_views.participant_detail,
         name="participant_detail"),
    path("s/<slug:slug>/participants/<int:participant_id>/edit/", participant_views.participant_edit,
         name="participant_edit"),
    path("s/<slug:slug>/participants/<int:participant_id>/merge/", participant_views.participant_merge,
         name="participant_merge"),
]
