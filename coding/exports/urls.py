"""The export pages' URLs, part of the `coding` namespace (coding/urls.py adds them)."""

from django.urls import path

from coding.exports import refi_views
from coding.exports import views as export_views

urlpatterns = [
    path("studies/import/", refi_views.project_import, name="refi_import"),
    path("s/<slug:slug>/codebook/file.<str:fmt>", refi_views.codebook_download, name="codebook_download"),
    path("s/<slug:slug>/codebook/import/", refi_views.codebook_import, name="codebook_import"),
    path("s/<slug:slug>/exchange/import/<uuid:job_uuid>/", refi_views.project_import_job, name="refi_import_job"),
    path("s/<slug:slug>/exchange/reports/<uuid:report_uuid>/", refi_views.import_report,
         name="refi_import_report"),
    path("s/<slug:slug>/export/", export_views.export_page, name="export"),
    path("s/<slug:slug>/export/count/", export_views.export_count, name="export_count"),
    path("s/<slug:slug>/export/start/", export_views.export_start, name="export_start"),
    path("s/<slug:slug>/export/study/", export_views.study_export_start, name="study_export_start"),
    path("s/<slug:slug>/export/backup/", export_views.backup_start, name="backup_start"),
    path("s/<slug:slug>/export/jobs/<uuid:job_uuid>/", export_views.export_job, name="export_job"),
    path("s/<slug:slug>/export/jobs/<uuid:job_uuid>/download/", export_views.export_download,
         name="export_download"),
]
