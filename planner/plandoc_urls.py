"""URLs of plan documents, the plan page and the county page; planner/urls.py adds them to the
`planner` namespace, so they have no app_name of their own."""

from django.urls import path

from planner import plandoc_views as views

urlpatterns = [
    path("s/<slug:slug>/plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("s/<slug:slug>/plans/<int:plan_id>/documents/", views.plan_files_attach, name="plan_files_attach"),
    path("s/<slug:slug>/plans/<int:plan_id>/documents/<uuid:job_uuid>/", views.plan_file_job, name="plan_file_job"),
    path("s/<slug:slug>/plans/<int:plan_id>/excerpts/", views.plan_excerpt_add, name="plan_excerpt_add"),
    path("s/<slug:slug>/counties/<int:county_id>/", views.county_detail, name="county_detail"),
    path("s/<slug:slug>/documents/<int:document_id>/", views.document_detail, name="document_detail"),
    path("s/<slug:slug>/other-documents/", views.other_documents, name="other_documents"),
    path("s/<slug:slug>/other-documents/<uuid:job_uuid>/", views.other_file_job, name="other_file_job"),
]
