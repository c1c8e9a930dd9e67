"""The review pages' URLs, part of the `coding` namespace (coding/urls.py adds them)."""

from django.urls import path

from coding.review import collection_views, matrix_views, overview_views

urlpatterns = [
    path("s/<slug:slug>/review/cooccurrence/", overview_views.cooccurrence, name="cooccurrence"),
    path("s/<slug:slug>/review/cooccurrence/cell/", overview_views.cooccurrence_cell, name="cooccurrence_cell"),
    path("s/<slug:slug>/review/charts/", overview_views.charts, name="charts"),
    path("s/<slug:slug>/review/matrix/", matrix_views.matrix_view, name="matrix"),
    path("s/<slug:slug>/review/matrix.xlsx", matrix_views.matrix_download, {"fmt": "xlsx"}, name="matrix_xlsx"),
    path("s/<slug:slug>/review/matrix.csv", matrix_views.matrix_download, {"fmt": "csv"}, name="matrix_csv"),
    path("s/<slug:slug>/review/themes/", collection_views.theme_collections, name="theme_collections"),
    path("s/<slug:slug>/review/themes/<int:theme_id>/", collection_views.theme_collection, name="theme_collection"),
    path("s/<slug:slug>/review/themes/<int:theme_id>/summary/", collection_views.summary_show, name="theme_summary"),
    path("s/<slug:slug>/review/themes/<int:theme_id>/summary/edit/", collection_views.summary_edit,
         name="theme_summary_edit"),
    path("s/<slug:slug>/review/themes/<int:theme_id>/summary/review/", collection_views.summary_review_view,
         name="theme_summary_review"),
    path("s/<slug:slug>/review/themes/<int:theme_id>/counties/<int:county_id>/note/", collection_views.summary_show,
         name="county_note"),
    path("s/<slug:slug>/review/themes/<int:theme_id>/counties/<int:county_id>/note/edit/",
         collection_views.summary_edit, name="county_note_edit"),
    path("s/<slug:slug>/review/themes/<int:theme_id>/counties/<int:county_id>/note/review/",
         collection_views.summary_review_view, name="county_note_review"),
    path("s/<slug:slug>/review/excerpts/<int:excerpt_id>/key/", collection_views.excerpt_key, name="excerpt_key"),
]
