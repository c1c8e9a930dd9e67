from django.urls import path

from interviews import views

app_name = "interviews"

urlpatterns = [
    path("s/<slug:slug>/interviews/", views.transcript_list, name="transcript_list"),
    path("s/<slug:slug>/interviews/import/", views.import_start, name="import_start"),
    path("s/<slug:slug>/interviews/import/<int:draft_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("s/<slug:slug>/interviews/import/<int:draft_id>/discard/", views.import_discard, name="import_discard"),
    path("s/<slug:slug>/interviews/<int:document_id>/", views.transcript_detail, name="transcript_detail"),
    path("s/<slug:slug>/interviews/<int:document_id>/turns/", views.transcript_turns, name="transcript_turns"),
    path("s/<slug:slug>/participants/", views.participant_list, name="participant_list"),
]
