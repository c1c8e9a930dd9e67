"""Views of the interviews: import with speaker mapping, the transcript list and view."""

from collections import Counter
from dataclasses import dataclass
from html import escape

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interviews.access import (
    draft_for_importer,
    study_for_importer,
    study_for_lead,
    study_for_reader,
    transcript_for_reader,
)
from interviews.forms import InterviewForm, NameReview, NameWordForm, UploadForm, labels_clash, speaker_forms
from interviews.importers import ImporterError, check_name
from interviews.jobs import IMPORTS, TRANSCRIPTS, import_job_create
from interviews.models import (
    ImportDraft,
    InterviewFormat,
    NameWord,
    ParticipantField,
    ParticipantRole,
    Recording,
    Turn,
    speaking_pairs,
)
from interviews.names import name_words, occurrences, shipped_name_words
from interviews.rows import url_maker
from interviews.services import (
    NewParticipant,
    draft_gone_message,
    draft_transcript,
    drafts_purge,
    name_word_add,
    name_word_remove,
    suggest_mapping,
)
from planner.collation import name_key
from planner.filejobs import file_job_create, file_job_row, file_jobs_of, own_file_job, tell_ended
from planner.models import Document, FileJob
from planner.textindex import text_slice
from planner.uploads import refused_uploads


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request, slug):
    """The upload stores each file in a job for the task worker (interviews.jobs), which parses it into a
    draft; the page then polls the jobs and shows the drafts."""
    project, membership = study_for_importer(request, slug)
    form = UploadForm(request.POST or None, request.FILES or None)
    refused = refused_uploads(request)  # files past the limit were dropped as they streamed in
    for problem in refused:
        messages.error(request, _("Not imported: %(problem)s") % {"problem": problem})
    if request.method == "POST" and (form.is_valid() or refused):
        for upload in form.cleaned_data.get("files", []) if form.is_valid() else []:
            try:
                check_name(upload.name)
            except ImporterError as error:
                messages.error(request, _("Not imported: %(problem)s") % {"problem": error})
            else:
                with transaction.atomic():  # the job's row and its task are written together, or neither is
                    TRANSCRIPTS.start(file_job_create(project=project, user=request.user,
                                                      kind=FileJob.Kind.TRANSCRIPT, upload=upload))
        return redirect("interviews:import_start", slug=project.slug)
    file_jobs, imported = _file_jobs(request, project)
    if imported and not file_jobs and not project.import_drafts.filter(created_by=request.user).exists():
        # The last waiting file is imported: open it.
        return redirect("interviews:transcript_detail", slug=project.slug, document_id=imported.pk)
    return _import_page(request, project, membership, form, file_jobs=file_jobs)


@login_required
@require_GET
def import_job(request, slug, job_uuid):
    """One file being read or imported: polled by its row, each time a little later; once it has ended the
    page reloads and shows the draft, the transcript or the problem."""
    project, _membership = study_for_importer(request, slug)
    job = own_file_job(TRANSCRIPTS, project=project, user=request.user, job_uuid=job_uuid) or own_file_job(
        IMPORTS, project=project, user=request.user, job_uuid=job_uuid)
    if job is None:
        raise Http404
    return file_job_row(request, job, reverse("interviews:import_job", args=[project.slug, job.uuid]))


def _file_jobs(request, project):
    """The user's files still being read or imported, with a poll address each, and the last transcript
    imported; the jobs that ended are told once, as messages."""
    running, imported = [], None
    for kind in (TRANSCRIPTS, IMPORTS):
        pending, ended = file_jobs_of(kind, project=project, user=request.user)
        running += pending
        for job in ended:
            if not tell_ended(request, job, _("Not imported: %(problem)s")):
                continue
            if job.document:
                imported = job.document
                messages.success(request, _("%(name)s was imported as «%(title)s».") % {
                    "name": job.file_name, "title": job.document.title})
    for job in running:
        job.poll_url = reverse("interviews:import_job", args=[project.slug, job.uuid])
    return running, imported


def _import_page(request, project, membership, form, bound=None, word_form=None, file_jobs=None):
    """The import page, however reached: drafts older than a day are forgotten before any is shown; a draft
    being imported shows as its job."""
    drafts_purge()
    if file_jobs is None:
        file_jobs, _imported = _file_jobs(request, project)
    importing = {job.params.get("draft") for job in file_jobs if job.kind == FileJob.Kind.TRANSCRIPT_IMPORT}
    return render(request, "interviews/import_start.html", {
        "project": project, "membership": membership, "form": form, "file_jobs": file_jobs,
        "drafts": _draft_panels(project, request.user, bound=bound, lead=membership.is_lead, skip=importing),
        "word_form": word_form or NameWordForm(), "study_words": NameWord.objects.filter(project=project),
        "shipped_words": sorted((word.capitalize() for word in shipped_name_words()), key=name_key),
    })


def _draft_panels(project, user, bound=None, lead=False, skip=frozenset()):
    """Per waiting draft: its forms, the speakers, a preview and the names to review, labels suggested across drafts.
    Drafts in `skip` (being imported) are left out."""
    panels, taken = [], set()
    words = name_words(project)
    for draft in project.import_drafts.filter(created_by=user).exclude(pk__in=skip):
        if bound and bound["draft"].pk == draft.pk:
            panels.append(bound)
            continue
        parsed = draft_transcript(draft)
        mapping = suggest_mapping(project=project, speakers=parsed.speakers(), taken=taken)
        taken |= {t.label for t in mapping.values() if isinstance(t, NewParticipant)}
        initial = {"title": parsed.title or draft.file_name.rsplit(".", 1)[0]}
        panels.append({
            "draft": draft, "parsed": parsed, "preview": parsed.turns[:5],
            "interview_form": InterviewForm(prefix=f"d{draft.pk}", initial=initial, project=project,
                                            can_record_names=lead),
            "speaker_forms": speaker_forms(draft, parsed, mapping),
            "names": NameReview(occurrences(parsed.turns, parsed.speakers(), words, initial["title"]),
                                prefix=f"d{draft.pk}"),
        })
    return panels


@login_required
@require_POST
def import_confirm(request, slug, draft_id):
    drafts_purge()
    if not ImportDraft.objects.filter(pk=draft_id).exists():
        # Confirmed already (a second click, a retry after a crash) or discarded: say so, import nothing.
        return _draft_gone(request, study_for_importer(request, slug)[0])
    project, membership, draft = draft_for_importer(request, slug, draft_id)
    parsed = draft_transcript(draft)
    interview_form = InterviewForm(request.POST, prefix=f"d{draft.pk}", project=project,
                                   can_record_names=membership.is_lead)
    forms_ = speaker_forms(draft, parsed, suggest_mapping(project=project, speakers=parsed.speakers()), request.POST)
    valid = interview_form.is_valid() & all([f.is_valid() for f in forms_])
    title = interview_form.cleaned_data.get("title", "")
    names = NameReview(occurrences(parsed.turns, parsed.speakers(), name_words(project), title),
                       prefix=f"d{draft.pk}", data=request.POST)
    if valid and (clashes := labels_clash(forms_)):
        interview_form.add_error(None, _("Each new label names one person; used twice: %(labels)s.")
                                 % {"labels": ", ".join(sorted(clashes))})
        valid = False
    if valid:
        # Stored by the task worker (interviews.jobs): a transcript at the caps takes a second or two.
        data = interview_form.cleaned_data
        with transaction.atomic():  # the job's row and its task are written together, or neither is
            IMPORTS.start(import_job_create(
                draft=draft, user=request.user, mapping={f.speaker: f.target() for f in forms_},
                title=data["title"], county=data["county"], interview_format=data["format"], date=data["date"],
                record_real_names=membership.is_lead and data.get("record_names", False), keep_words=names.kept(),
            ))
        return redirect("interviews:import_start", slug=project.slug)
    bound = {"draft": draft, "parsed": parsed, "preview": parsed.turns[:5], "interview_form": interview_form,
             "speaker_forms": forms_, "names": names}
    return _import_page(request, project, membership, UploadForm(), bound=bound)


def _draft_gone(request, project):
    messages.info(request, draft_gone_message())
    return redirect("interviews:import_start", slug=project.slug)


@login_required
@require_POST
def import_discard(request, slug, draft_id):
    project, _membership, draft = draft_for_importer(request, slug, draft_id)
    draft.delete()
    messages.info(request, _("%(name)s was not imported.") % {"name": draft.file_name})
    return redirect("interviews:import_start", slug=project.slug)


@login_required
@require_POST
def name_word_add_view(request, slug):
    project, membership = study_for_lead(request, slug)
    form = NameWordForm(request.POST)
    if form.is_valid():
        try:
            name_word = name_word_add(project=project, word=form.cleaned_data["word"])
        except ValidationError as error:
            form.add_error("word", error)
        else:
            messages.success(request, _("«%(word)s» is on the list of names that are also words.")
                             % {"word": name_word.word})
            return redirect("interviews:import_start", slug=project.slug)
    return _import_page(request, project, membership, UploadForm(), word_form=form)


@login_required
@require_POST
def name_word_remove_view(request, slug, word_id):
    project, _membership = study_for_lead(request, slug)
    name_word = get_object_or_404(NameWord, project=project, pk=word_id)
    name_word_remove(name_word=name_word)
    messages.success(request, _("«%(word)s» was removed from the list of names that are also words.")
                     % {"word": name_word.word})
    return redirect("interviews:import_start", slug=project.slug)


def transcript_rows(project):
    """The interview list's transcripts with their number of turns, never their text: a 3-hour transcript's
    text is 650,000 characters, and a join grouped by every column selected (and on SQLite sorted) it
    (tests/test_bench_short.py). Turns are numbered 0, 1, 2 … in each transcript (interviews.services keeps
    them so), so the count is the last number plus one: one probe of the (document, position) index per
    transcript, where a COUNT reads every turn (140,000 in a study of 220 interviews; issue 15)."""
    last = Turn.objects.filter(document=OuterRef("pk")).order_by("-position").values("position")[:1]
    return (
        Document.objects.filter(project=project, kind=Document.Kind.TRANSCRIPT)
        .select_related("county", "interview").only(
            "pk", "title", "source_name", "county__name", "interview__format", "interview__date")
        .annotate(turn_count=Coalesce(Subquery(last) + 1, 0))
        .order_by("county__name", "title")
    )


def transcript_list_rows(project, documents):
    """The list's rows as HTML, made here rather than in the template: there each of 220 rows cost two URL
    reversals, a translation, the format's display and the date filter (30 of the page's 80 ms; issue 15).
    Every value is escaped (html.escape, as Django's escape)."""
    speakers = Counter(document for _participant, document in speaking_pairs(project.pk))
    detail = url_maker("interviews:transcript_detail", project.slug)
    code = url_maker("coding:document_code", project.slug)
    formats = {key: escape(str(label)) for key, label in InterviewFormat.choices}
    code_text = escape(_("Code"))
    rows = []
    for doc in documents:
        interview = getattr(doc, "interview", None)
        when = interview and interview.date
        rows.append(mark_safe(  # noqa: S308 - every value below is escaped
            f'\n    <tr>\n      <th scope="row"><a href="{detail(doc.pk)}">{escape(doc.title)}</a></th>'
            f'\n      <td>{escape(doc.county.name) if doc.county else "–"}</td>'
            f'\n      <td>{formats.get(interview.format, "") if interview else ""}</td>'
            f'\n      <td>{f"{when.day:02}.{when.month:02}.{when.year:04}" if when else "–"}</td>'
            f'\n      <td class="num">{speakers[doc.pk]}</td>\n      <td class="num">{doc.turn_count}</td>'
            f'\n      <td class="muted">{escape(doc.source_name)}</td>'
            f'\n      <td><a class="button small" href="{code(doc.pk)}">{code_text}</a></td>\n    </tr>'))
    return rows


@login_required
@require_GET
def transcript_list(request, slug):
    project, membership = study_for_reader(request, slug)
    documents = list(transcript_rows(project))
    return render(request, "interviews/transcript_list.html", {
        "project": project, "membership": membership, "documents": documents,
        "rows": transcript_list_rows(project, documents)})


# Turns per window of the transcript page: a 3-hour interview has some 4,000, and the first page
# must stay small; the next windows load as the reader scrolls (templates/interviews/_turn_rows.html).
TURN_WINDOW = 150


@dataclass
class TurnWindow:
    turns: list  # (turn, speech)
    earlier: bool
    later: bool

    @property
    def first(self):
        return self.turns[0][0].position if self.turns else 0

    @property
    def next(self):
        return self.turns[-1][0].position + 1 if self.turns else 0


def _turn_window(document, first, last=None):
    """The turns from position `first` (to `last`, exclusive) with their speech, read from the chunks."""
    last = first + TURN_WINDOW if last is None else last
    turns = list(Turn.objects.filter(document=document, position__gte=first, position__lte=last)
                 .select_related("participant").order_by("position"))
    later = len(turns) > last - first
    turns = turns[:last - first]
    text = text_slice(document.pk, turns[0].start, turns[-1].end) if turns else ""
    base = turns[0].start if turns else 0
    return TurnWindow(turns=[(t, text[t.speech_start - base:t.end - base]) for t in turns], earlier=first > 0,
                      later=later)


def turn_rows(project, document, window, *, can_write, recording=None):
    """The window's turns as HTML, made here rather than in the template: through it each turn cost some
    60 template lookups and translations (a 3-hour interview's page, 150 turns: most of its 120 ms under
    load; issue 15). Every value is escaped (html.escape, as Django's escape). With a recording, a turn's
    time code is a button that plays from there; a member who may write gets «assign from here» and
    «correct» on each turn."""
    roles = {key: str(label) for key, label in ParticipantRole.choices}
    fields = {key: str(label) for key, label in ParticipantField.choices}
    assign = correct = ""
    if can_write:
        assign = escape(reverse("interviews:turn_assign", args=[project.slug, document.pk]))
        assign_text = escape(_("assign from here"))
        correct = escape(reverse("coding:text_edit", args=[project.slug, document.pk]))
        correct_text = escape(_("correct"))
    play_text = escape(_("Play from here"))
    rows = []
    for turn, speech in window.turns:
        person = turn.participant
        n = turn.position + 1
        head = f'<span class="turn-no">{n}</span>\n      <span class="speaker">{escape(person.label)}</span>'
        if person.is_informant:
            field = person.field_other if person.field == ParticipantField.OTHER and person.field_other else (
                fields.get(person.field, person.field))
            role = escape(roles.get(person.role, person.role))
            head += f'\n      <span class="badge">{role}, {escape(field.lower())}</span>'
        time_code = turn.time_code
        if time_code and recording:
            head += (f'\n      <button type="button" class="time time-seek small" title="{play_text}">'
                     f'<time>{escape(time_code)}</time></button>')
        elif time_code:
            head += f'\n      <time class="time">{escape(time_code)}</time>'
        if assign:
            head += f'\n      <a class="assign-from" href="{assign}?first={n}">{assign_text}</a>'
        if correct:
            head += f'\n      <a class="correct-turn" href="{correct}?at={turn.speech_start}">{correct_text}</a>'
        interviewer = " interviewer" if person.role == ParticipantRole.INTERVIEWER else ""
        seconds = "" if turn.start_seconds is None else repr(float(turn.start_seconds))
        rows.append(mark_safe(  # noqa: S308 - every value above is escaped
            f'\n  <li class="turn{interviewer}" id="turn-{turn.position}" data-start="{turn.start}" '
            f'data-seconds="{seconds}">\n'
            f'    <div class="turn-head">\n      {head}\n    </div>\n    <p>{escape(speech)}</p>\n  </li>'))
    return rows


def _number(value):
    return int(value) if value and value.isdigit() else None


@login_required
@require_GET
def transcript_detail(request, slug, document_id):
    """The first window of turns, or with `?at=OFFSET` the window from a little before the turn holding it."""
    project, membership, document = transcript_for_reader(request, slug, document_id)
    first, at = 0, _number(request.GET.get("at"))
    if at is not None:
        holder = Turn.objects.holding(at, document=document).first()
        first = max(0, holder.position - 2) if holder else 0
    window = _turn_window(document, first)
    recording = Recording.objects.filter(interview_id=document.pk).first()
    return render(request, "interviews/transcript_detail.html", {
        "project": project, "membership": membership, "document": document,
        "turn_count": Turn.objects.filter(document=document).count(), "window": window,
        "rows": turn_rows(project, document, window, can_write=membership.can_write, recording=recording),
        "recording": recording, "recording_limit": settings.KODEVERK_RECORDING_MAX_MB})


@login_required
@require_GET
def transcript_turns(request, slug, document_id):
    """A further window of turns: `from` a position on, or `upto` the window before a position."""
    project, membership, document = transcript_for_reader(request, slug, document_id)
    upto = _number(request.GET.get("upto"))
    if upto is not None:
        window = _turn_window(document, max(0, upto - TURN_WINDOW), upto)
        window.later = False  # the page already holds what follows
    else:
        window = _turn_window(document, _number(request.GET.get("from")) or 0)
        window.earlier = False
    recording = Recording.objects.filter(interview_id=document.pk).first()
    return render(request, "interviews/_turn_rows.html", {
        "project": project, "membership": membership, "document": document, "window": window,
        "rows": turn_rows(project, document, window, can_write=membership.can_write, recording=recording),
        "recording": recording})
