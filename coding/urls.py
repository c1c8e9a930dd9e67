from django.urls import path

from coding import (
    codebook_views,
    document_views,
    memo_views,
    participant_data_views,
    revision_views,
    views,
    watchlist_views,
)
from coding.exports.urls import urlpatterns as export_patterns
from coding.review.urls import urlpatterns as review_patterns

app_name = "coding"

urlpatterns = [
    path("s/<slug:slug>/codebook/", codebook_views.theme_list, name="theme_list"),
    path("s/<slug:slug>/codebook/new/", codebook_views.theme_create_view, name="theme_create"),
    path("s/<slug:slug>/codebook/merge/", codebook_views.theme_merge_view, name="theme_merge"),
    path("s/<slug:slug>/codebook/<int:theme_id>/edit/", codebook_views.theme_edit, name="theme_edit"),
    path("s/<slug:slug>/codebook/<int:theme_id>/move/", codebook_views.theme_move_view, name="theme_move"),
    path("s/<slug:slug>/search/", views.search_view, name="search"),
    path("s/<slug:slug>/progress/", views.progress, name="progress"),
    path("s/<slug:slug>/plans/<int:plan_id>/coded/", views.plan_excerpts, name="plan_excerpts"),
    path("s/<slug:slug>/counties/<int:county_id>/coded/", views.county_excerpts, name="county_excerpts"),
    path("s/<slug:slug>/search/documents/<int:document_id>/", views.search_document, name="search_document"),
    path("s/<slug:slug>/search/saved/", views.saved_search_create, name="saved_search_create"),
    path("s/<slug:slug>/search/saved/<int:search_id>/delete/", views.saved_search_delete, name="saved_search_delete"),
    path("s/<slug:slug>/documents/<int:document_id>/code-hit/", views.hit_code, name="hit_code"),
    path("s/<slug:slug>/documents/<int:document_id>/code/", document_views.document_code, name="document_code"),
    path("s/<slug:slug>/documents/<int:document_id>/code/rows/", document_views.document_rows, name="document_rows"),
    path("s/<slug:slug>/documents/<int:document_id>/excerpts/", document_views.excerpt_create_view,
         name="excerpt_create"),
    path("s/<slug:slug>/documents/<int:document_id>/undo/", document_views.document_undo, name="document_undo"),
    path("s/<slug:slug>/documents/<int:document_id>/changes/", document_views.document_changes,
         name="document_changes"),
    path("s/<slug:slug>/documents/<int:document_id>/history/", document_views.document_history,
         name="document_history"),
    path("s/<slug:slug>/documents/<int:document_id>/text/edit/", revision_views.text_edit, name="text_edit"),
    path("s/<slug:slug>/documents/<int:document_id>/text/versions/", revision_views.document_versions,
         name="document_versions"),
    path("s/<slug:slug>/documents/<int:document_id>/text/undo/", revision_views.text_undo, name="text_undo"),
    path("s/<slug:slug>/documents/<int:document_id>/delete/", revision_views.document_delete_view,
         name="document_delete"),
    path("s/<slug:slug>/documents/<int:document_id>/replace/", revision_views.document_replace_view,
         name="document_replace"),
    path("s/<slug:slug>/excerpts/<int:excerpt_id>/", document_views.excerpt_panel, name="excerpt_panel"),
    path("s/<slug:slug>/excerpts/<int:excerpt_id>/update/", document_views.excerpt_update_view,
         name="excerpt_update"),
    path("s/<slug:slug>/excerpts/<int:excerpt_id>/delete/", document_views.excerpt_delete_view,
         name="excerpt_delete"),
    path("s/<slug:slug>/memos/", memo_views.memo_list, name="memo_list"),
    path("s/<slug:slug>/codebook/picker.json", document_views.picker_themes, name="picker_themes"),
]

urlpatterns += review_patterns + export_patterns

urlpatterns += [
    path("s/<slug:slug>/watch-list/", watchlist_views.watch_list, name="watch_list"),
    path("s/<slug:slug>/watch-list/add/", watchlist_views.watch_name_add_view, name="watch_name_add"),
    path("s/<slug:slug>/watch-list/<int:name_id>/remove/", watchlist_views.watch_name_remove_view,
         name="watch_name_remove"),
    path("s/<slug:slug>/watch-list/municipalities/", watchlist_views.watch_municipalities_load,
         name="watch_municipalities_load"),
    path("s/<slug:slug>/participants/<int:participant_id>/delete-data/",
         participant_data_views.participant_erase_view, name="participant_erase"),
    path("s/<slug:slug>/participants/<int:participant_id>/data-export/",
         participant_data_views.participant_data_export, name="participant_data_export"),
]
