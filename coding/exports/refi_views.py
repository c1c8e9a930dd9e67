"""Importing a REFI-QDA project as a new study, following it while the worker reads it, and its report.

Anyone signed in may start a study (as on the new-study page), so anyone may import one: they become its lead.
The report page is the study's: its members read it, outsiders get 404.
"""

from dataclasses import asdict

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from coding.access import study_for_codebook_manager, study_for_reader
from coding.exports.build import CONTENT_TYPES
from coding.exports.codebook_files import codebook_docx, codebook_xlsx, read_codebook_xlsx
from coding.exports.refi_import import (
    ImportReport,
    ReadCode,
    codebook_apply,
    codebook_changes,
    codebook_report,
    open_package,
    read_codebook,
    report_keep,
)
from coding.exports.refi_jobs import REFI_IMPORTS, discard_empty_study
from coding.models import Excerpt, ExchangeImport
from coding.quotes import language_of
from planner.filejobs import file_job_create, file_job_row, own_file_job
from planner.models import FileJob
from planner.services import project_create
from planner.textfiles import ImporterError
from planner.uploads import refused_uploads


class ProjectImportForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the new study"), max_length=200)
    file = forms.FileField(label=gettext_lazy("REFI-QDA project file (.qdpx)"),
                           help_text=gettext_lazy("Exported from NVivo, ATLAS.ti, MAXQDA, QualCoder or Kodeverk."))


@login_required
@require_http_methods(["GET", "POST"])
def project_import(request):
    form = ProjectImportForm(request.POST or None, request.FILES or None)
    for problem in refused_uploads(request):
        form.add_error("file", problem)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            open_package(upload.read())  # a zip with a .qde: anything else is refused before a study is made
            upload.seek(0)
        except ImporterError as error:
            form.add_error("file", f"{upload.name}: {error.message}")
        else:
            with transaction.atomic():  # the study, the job and its task together, or none of them
                project = project_create(name=form.cleaned_data["name"], lead=request.user)
                job = file_job_create(project=project, user=request.user, kind=FileJob.Kind.REFI_IMPORT,
                                      upload=upload)
                REFI_IMPORTS.start(job)
            return redirect("coding:refi_import_job", slug=project.slug, job_uuid=job.uuid)
    return render(request, "coding/refi_import.html", {"form": form})


@login_required
@require_GET
def project_import_job(request, slug, job_uuid):
    """The import being read (polled), then its report; a failed import's empty study is removed."""
    project, _membership = study_for_codebook_manager(request, slug)
    job = own_file_job(REFI_IMPORTS, project=project, user=request.user, job_uuid=job_uuid)
    if job is None:
        if ExchangeImport.objects.filter(project=project, uuid=job_uuid).exists():
            return redirect("coding:refi_import_report", slug=slug, report_uuid=job_uuid)
        raise Http404
    if job.status == FileJob.Status.DONE:
        FileJob.objects.filter(pk=job.pk).delete()
        return _to_report(request, slug, job_uuid)
    if job.status == FileJob.Status.FAILED:
        FileJob.objects.filter(pk=job.pk).delete()
        messages.error(request, _("%(name)s could not be imported: %(problem)s")
                       % {"name": job.file_name, "problem": _(job.message)})
        discard_empty_study(project)
        return redirect("coding:refi_import")
    job.poll_url = request.path
    if request.headers.get("HX-Request"):
        return file_job_row(request, job, request.path)
    return render(request, "coding/refi_import_job.html", {"project": project, "job": job})


def _to_report(request, slug, job_uuid):
    url = reverse("coding:refi_import_report", args=[slug, job_uuid])
    if request.headers.get("HX-Request"):
        return HttpResponse(headers={"HX-Redirect": url})
    return redirect(url)


@login_required
@require_GET
def import_report(request, slug, report_uuid):
    project, membership = study_for_reader(request, slug)
    row = get_object_or_404(ExchangeImport, project=project, uuid=report_uuid)
    report = ImportReport.from_json(row.report)
    # Each document with its first excerpt, to open in the coding view: one query, whatever the study's size.
    first = Excerpt.objects.filter(document=OuterRef("pk")).order_by("start", "end")
    documents = list(project.documents.without_text().annotate(
        first_start=Subquery(first.values("start")[:1]), first_end=Subquery(first.values("end")[:1]))
        .order_by("title"))
    return render(request, "coding/refi_import_report.html", {
        "project": project, "membership": membership, "row": row, "report": report, "documents": documents,
    })


@login_required
@require_GET
def codebook_download(request, slug, fmt):
    """The codebook as .xlsx or as a Word table, for a report's method appendix (small: made in the request)."""
    project, _membership = study_for_reader(request, slug)
    language = language_of(request.LANGUAGE_CODE)
    if fmt == "xlsx":
        data, kind = codebook_xlsx(project, language), CONTENT_TYPES["xlsx"]
    elif fmt == "docx":
        data, kind = codebook_docx(project, language), CONTENT_TYPES["docx"]
    else:
        raise Http404
    response = HttpResponse(data, content_type=kind)
    name = f"{project.slug}-{'kodebok' if language == 'nb' else 'codebook'}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


class CodebookImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Codebook file (.qdc or .xlsx)"),
                           help_text=gettext_lazy("A REFI-QDA codebook from another tool, or a sheet with the columns "
                                                  "Tema, Beskrivelse, Farge and Overordnet tema."))


SIGNING_SALT = "coding.exports.codebook_import"


@login_required
@require_http_methods(["GET", "POST"])
def codebook_import(request, slug):
    """Upload a codebook, see what it would change, then confirm: the lead only."""
    project, membership = study_for_codebook_manager(request, slug)
    context = {"project": project, "membership": membership}
    if request.method == "POST" and "plan" in request.POST:
        try:
            codes = [ReadCode(**code) for code in signing.loads(request.POST["plan"], salt=SIGNING_SALT,
                                                                 max_age=3600)]
        except (signing.BadSignature, TypeError):
            messages.error(request, _("The preview is too old or was changed. Upload the file again."))
            return redirect("coding:codebook_import", slug=slug)
        planned = codebook_apply(project, codes, user=request.user)
        row = report_keep(project, codebook_report(planned), user=request.user, kind="codebook",
                          file_name=request.POST.get("file_name", ""))
        return redirect("coding:refi_import_report", slug=slug, report_uuid=row.uuid)
    form = CodebookImportForm(request.POST or None, request.FILES or None)
    for problem in refused_uploads(request):
        form.add_error("file", problem)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = upload.read()
            codes = read_codebook_xlsx(data) if upload.name.lower().endswith(".xlsx") else read_codebook(data)
            if not codes:
                raise ImporterError(_("The file holds no themes."))
        except ImporterError as error:
            form.add_error("file", f"{upload.name}: {error.message}")
        else:
            context |= {"planned": codebook_changes(project, codes), "file_name": upload.name,
                        "plan": signing.dumps([asdict(code) for code in codes], salt=SIGNING_SALT, compress=True)}
    return render(request, "coding/codebook_import.html", {**context, "form": form})
