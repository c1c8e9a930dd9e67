"""The coding view of a document: excerpts created, opened, changed, deleted and undone in place.

Writes answer with the excerpt panel and, out of band, the paragraphs the change touched
(htmx swaps them by id); other analysts' changes arrive through the poll in `document_changes`.
"""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from coding.access import (
    document_for_coder,
    document_for_reader,
    excerpt_for_user,
    own_excerpts_only,
    study_for_reader,
)
from coding.forms import ExcerptEditForm
from coding.models import Change, DoubleCoding, Theme
from coding.quotes import (
    TurnsAround,
    panel_themes,
    quote_text,
    shown_text,
    speech_span,
    speech_start,
    theme_checkboxes,
    turn_starts,
    turns_over,
)
from coding.rendering import Pages, document_window, paragraph_window, rows_in, window_rows
from coding.services import ConflictError, change_undo, excerpt_create, excerpt_delete, excerpt_update, last_undoable
from coding.templatetags.places import place_url
from interviews.models import Recording, SpeakerChange, format_seconds
from planner.models import Chunk, Document
from planner.textindex import slices


def _turns_for(document, around=None):
    """Per paragraph start: where the speech starts, the time code and, for a turn whose text carries no
    «Label: » (a file without speakers), the participant's label to show beside it (transcripts only).

    `around`: the turns the caller has read (TurnsAround), used where they cover the paragraphs."""
    if document.kind != "transcript":
        return None

    def turns(start, end):
        return {a: {"speech_start": b, "time": format_seconds(s), "seconds": s, "speaker": label if a == b else "",
                    "label": label}
                for a, b, s, label in turn_starts(document, start, end, turns=around)}

    return turns


def _last_change_id(document):
    return Change.objects.filter(document=document).aggregate(last=Max("id"))["last"] or 0


# Changes of the text itself (coding.revisions), after which a page's offsets are stale.
TEXT_ACTIONS = (Change.Action.TEXT_CORRECTED, Change.Action.TEXT_RESTORED)

TEXT_CORRECTED = _lazy("Someone corrected this text a moment ago; the page loads it again. Select the passage "
                       "once more.")

# What a selection of labels, time codes or line breaks alone is told (coding.quotes.speech_span).
NO_SPEECH = _lazy("The selection holds no speech: select words someone says, not a speaker's label or a time code.")

# A link to a place opens its window this many characters early, so the reader sees what leads up to it.
CONTEXT_CHARS = 1500


@login_required
@require_GET
def document_code(request, slug, document_id):
    project, membership, document = document_for_reader(request, slug, document_id, with_text=False)
    at = _int(request.GET.get("at"), 0)
    own = own_excerpts_only(membership, document.pk)
    window = document_window(document, _turns_for(document), at=max(0, at - CONTEXT_CHARS), coder_id=own)
    themes = project.themes.active().in_codebook_order()
    excerpts = document.excerpts.all() if own is None else document.excerpts.filter(coder_id=own)
    return render(request, "coding/document_code.html", {
        "project": project, "membership": membership, "document": document, "themes": themes,
        "window": window, "since": _last_change_id(document), "excerpt_count": excerpts.count(),
        "poll_seconds": settings.KODEVERK_CHANGES_POLL_SECONDS, "blind": own is not None,
        "compare": membership.is_lead and DoubleCoding.objects.unrevealed().filter(document=document).exists(),
        "recording": Recording.objects.filter(interview_id=document.pk).first()
        if document.kind == Document.Kind.TRANSCRIPT else None,
    })


@login_required
@require_GET
def document_rows(request, slug, document_id):
    """A window of the coding view: `from` a paragraph start on, `upto` the one before it, or `at` an offset."""
    project, membership, document = document_for_reader(request, slug, document_id, with_text=False)
    turns, own = _turns_for(document), own_excerpts_only(membership, document.pk)
    if "upto" in request.GET:
        window = document_window(document, turns, upto=_int(request.GET["upto"]), coder_id=own)
        window.later = False  # the page already holds what follows
    elif "from" in request.GET:
        window = document_window(document, turns, at=_int(request.GET["from"]), coder_id=own)
        window.earlier = False
    else:  # a jump to a place not loaded: this window replaces the page's rows
        window = document_window(document, turns, at=max(0, _int(request.GET.get("at")) - CONTEXT_CHARS),
                                 coder_id=own)
    return render(request, "coding/_rows_window.html", {"project": project, "document": document,
                                                        "window": window})


def _rows_response(request, membership, document, spans, *, panel_template="coding/_excerpt_panel.html",
                   context=None, window=None, turns=None):
    """The panel, with the rows of every touched span swapped out of band (for `membership`: a member who
    codes blind sees only their own excerpts there).

    `window`: (offset, text) of whole paragraphs the caller has read (rendering.paragraph_window), whose rows
    are rendered for a span inside it without reading the text again; `turns`: the turns read around it."""
    rows = {}
    own, pages = own_excerpts_only(membership, document.pk), Pages.of(document)
    turns_for = _turns_for(document, around=turns)
    for start, end in spans:  # a colleague's batch (every hit of a search coded) brings hundreds
        if window is not None and window[0] <= start and end <= window[0] + len(window[1]):
            touched = rows_in(document.pk, *window, turns_for, pages, coder_id=own)
        else:
            touched = window_rows(document.pk, start, end, turns_for, document.length, pages, coder_id=own)
        for row_start, html in touched:
            rows[row_start] = html.replace('<div class="row"', '<div class="row" hx-swap-oob="true"', 1)
    return render(request, panel_template, {"rows": rows.values(), **(context or {})})


def _panel_context(project, membership, excerpt, form=None, message=None, chosen=None, passage=None,
                   active=None, turns=None):
    """The excerpt panel; reads the passage alone, never the whole text of the document.

    `active`: the study's panel_themes, and `turns`, the turns around the excerpt (TurnsAround), when the
    caller has read them."""
    if excerpt is None:
        return {"project": project, "membership": membership, "message": message}
    if chosen is None:
        chosen = {int(pk) for pk in form["themes"].value() or []} if form is not None else set(
            excerpt.codings.values_list("theme_id", flat=True))
    if form is None:
        form = ExcerptEditForm(project=project, can_mark_key=membership.is_lead, initial={
            "version": excerpt.version, "memo": excerpt.memo, "is_key": excerpt.is_key})
    themes = theme_checkboxes(project, chosen, active)
    # The panel shows the quote as every list and file will (coding/quotes.py). A passage across speaker
    # turns is allowed, and said to be one.
    speech, inside = turns_over(excerpt.document, excerpt.start, excerpt.end, turns=turns)
    if passage is None:
        passage = quote_text(excerpt.document, excerpt.start, excerpt.end, speech=speech)
    else:
        passage = shown_text(passage[speech_start(excerpt.start, excerpt.end, speech) - excerpt.start:],
                             excerpt.document.kind)
    turns = 1 + inside
    return {"project": project, "membership": membership, "excerpt": excerpt, "form": form, "message": message,
            "passage": passage, "page": excerpt.document.page_at(excerpt.start), "themes": themes, "turns": turns}


def _theme(project, pk, name, colour):
    """An active theme of `project` as read by panel_themes, made a model instance without reading it again."""
    known = {"id": pk, "project_id": project.pk, "name": name, "colour": colour, "archived": False}
    fields = [field.attname for field in Theme._meta.concrete_fields if field.attname in known]  # from_db's order
    theme = Theme.from_db(Theme.objects.db, fields, [known[attname] for attname in fields])
    theme.project = project
    return theme


@login_required
@require_POST
def excerpt_create_view(request, slug, document_id):
    project, membership, document = document_for_coder(request, slug, document_id, with_text=False)
    document.project = project
    if request.POST.get("checksum", document.checksum) != document.checksum:
        # The text was corrected since the page was loaded: its offsets point elsewhere now.
        response = render(request, "coding/_excerpt_panel.html", {"message": TEXT_CORRECTED, "error": True})
        response["HX-Refresh"] = "true"
        return response
    # The study's active themes, read once: the chosen ones to code with, all of them for the panel.
    active = panel_themes(project)
    posted = set(request.POST.getlist("themes"))
    themes = [_theme(project, pk, name, colour) for pk, name, colour in active if str(pk) in posted]
    start, end = _int(request.POST.get("start")), _int(request.POST.get("end"))
    window = turns = None
    if 0 <= start < end <= document.length:  # any other selection is the service's to refuse, with its message
        # The paragraphs around the selection and their turns, read once: the span is snapped and trimmed
        # in them, and they are the rows the answer renders again (the excerpt lies inside them).
        window = paragraph_window(document.pk, start, end, document.length)
        if document.kind == Document.Kind.TRANSCRIPT:
            turns = TurnsAround(document, window[0], window[0] + len(window[1]))
        span = speech_span(document, start, end, turns=turns)
        if span is None:
            return render(request, "coding/_excerpt_panel.html", {"message": NO_SPEECH, "error": True})
        start, end = span
    try:
        excerpt = excerpt_create(document=document, start=start, end=end, coder=request.user, themes=themes,
                                 memo=request.POST.get("memo", ""), around=window)
    except ValidationError as error:
        return render(request, "coding/_excerpt_panel.html", {"message": " ".join(error.messages), "error": True})
    excerpt.document = document
    return _rows_response(request, membership, document, [(excerpt.start, excerpt.end)], window=window,
                          turns=turns, context=_panel_context(project, membership, excerpt,
                                                              chosen={t.pk for t in themes}, passage=excerpt.passage,
                                                              active=active, turns=turns))


@login_required
@require_GET
def excerpt_panel(request, slug, excerpt_id):
    project, membership, excerpt = excerpt_for_user(request, slug, excerpt_id)
    if excerpt is None:
        return render(request, "coding/_excerpt_panel.html", {"message": _("This excerpt no longer exists."),
                                                               "error": True})
    return render(request, "coding/_excerpt_panel.html", _panel_context(project, membership, excerpt))


@login_required
@require_POST
def excerpt_update_view(request, slug, excerpt_id):
    project, membership, excerpt = excerpt_for_user(request, slug, excerpt_id, write=True)
    if excerpt is None:
        return render(request, "coding/_excerpt_panel.html", {
            "message": _("Someone else deleted this excerpt a moment ago."), "error": True})
    form = ExcerptEditForm(request.POST, project=project, can_mark_key=membership.is_lead)
    if not form.is_valid():
        return render(request, "coding/_excerpt_panel.html", _panel_context(project, membership, excerpt, form))
    data = form.cleaned_data
    if "is_key" in form.changed_data and not membership.is_lead:
        raise PermissionDenied
    document, before = excerpt.document, (excerpt.start, excerpt.end)
    if (data["start"] is not None and data["end"] is not None and (data["start"], data["end"]) != before
            and data["start"] < data["end"] <= document.length):
        span = speech_span(document, data["start"], data["end"])
        if span is None:
            return render(request, "coding/_excerpt_panel.html", {
                **_panel_context(project, membership, excerpt, form, message=NO_SPEECH), "error": True})
        data["start"], data["end"] = span
    try:
        excerpt = excerpt_update(
            excerpt_id=excerpt.pk, user=request.user, version=data["version"], themes=data["themes"],
            memo=data["memo"], is_key=data["is_key"] if membership.is_lead else None,
            start=data["start"], end=data["end"],
        )
        message, error = _("Saved."), False
    except (ConflictError, ValidationError) as problem:
        message, error = (problem.messages[0] if isinstance(problem, ValidationError) else str(problem)), True
        # Show the excerpt as it is now (or that it is gone), never the user's stale copy.
        excerpt = excerpt_for_user(request, slug, excerpt_id)[2]
    spans = [before] + ([(excerpt.start, excerpt.end)] if excerpt else [])
    context = _panel_context(project, membership, excerpt) if excerpt else {}
    return _rows_response(request, membership, document, spans, context={**context, "message": message, "error": error})


@login_required
@require_POST
def excerpt_delete_view(request, slug, excerpt_id):
    project, membership, excerpt = excerpt_for_user(request, slug, excerpt_id, write=True)
    if excerpt is None:
        return render(request, "coding/_excerpt_panel.html", {
            "message": _("Someone else deleted this excerpt a moment ago."), "error": True})
    try:
        before = excerpt_delete(excerpt_id=excerpt.pk, user=request.user, version=_int(request.POST.get("version"),
                                                                                      None))
    except ConflictError as error:
        return _rows_response(request, membership, excerpt.document, [(excerpt.start, excerpt.end)], context={
            **_panel_context(project, membership, excerpt_for_user(request, slug, excerpt_id)[2]),
            "message": str(error), "error": True})
    return _rows_response(request, membership, excerpt.document, [(before["start"], before["end"])], context={
        "message": _("The excerpt was deleted. Ctrl+Z or «Undo» brings it back.")})


@login_required
@require_POST
def document_undo(request, slug, document_id):
    project, membership, document = document_for_coder(request, slug, document_id, with_text=False)
    change = last_undoable(document=document, user=request.user)
    if change is None:
        return render(request, "coding/_excerpt_panel.html", {"message": _("Nothing to undo."), "error": True})
    try:
        change_undo(change=change, user=request.user)
    except ConflictError as error:
        return render(request, "coding/_excerpt_panel.html", {"message": str(error), "error": True})
    spans = [(s["start"], s["end"]) for s in (change.before, change.after) if s]
    response = _rows_response(request, membership, document, spans, context={
        "message": _("Undone: %(action)s.") % {"action": change.get_action_display().lower()}})
    # The place may lie in a window the page has not loaded: static/js/coding/windows.js loads it and scrolls there.
    start, end = spans[0]
    response["HX-Trigger"] = json.dumps({"kodeverk:show": {"start": start, "end": end}})
    return response


@login_required
@require_GET
def document_changes(request, slug, document_id):
    """What colleagues changed since `since`: the touched rows, and the poll's new position."""
    project, membership, document = document_for_reader(request, slug, document_id, with_text=False)
    since = _int(request.GET.get("since"), 0)
    changes = list(Change.objects.filter(document=document, id__gt=since).order_by("id").values(
        "id", "action", "before", "after"))
    if not changes:
        return HttpResponse(status=204)
    if any(c["action"] in TEXT_ACTIONS for c in changes):
        # The text itself changed: every offset on the page may be stale, so the page loads again.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    spans = [(s["start"], s["end"]) for c in changes for s in (c["before"], c["after"]) if s and "start" in s]
    return _rows_response(request, membership, document, spans, panel_template="coding/_poller.html", context={
        "project": project, "document": document, "since": changes[-1]["id"],
        "poll_seconds": settings.KODEVERK_CHANGES_POLL_SECONDS})


@login_required
@require_GET
def document_history(request, slug, document_id):
    project, membership, document = document_for_reader(request, slug, document_id, with_text=False)
    changes = Change.objects.filter(document=document)
    own = own_excerpts_only(membership, document.pk)
    if own is not None:  # coded blind: the member's own changes only
        changes = changes.filter(user_id=own)
    changes = list(changes.select_related("user").order_by("-id")[:500])
    names = dict(project.themes.values_list("id", "name"))
    base = reverse("coding:document_code", args=[project.slug, document.pk])
    passages = _passages(document, changes)
    for change in changes:
        change.before_text, change.after_text = (
            _describe(s, names, passages.get((change.pk, side))) for side, s in (("before", change.before),
                                                                                  ("after", change.after)))
        change.before_href, change.after_href = (
            place_url(project.slug, document.pk, s["start"], s["end"], base=base) if s and "start" in s else ""
            for s in (change.before, change.after))
    speaker_changes = list(SpeakerChange.objects.filter(document=document).select_related("user")[:500])
    for change in speaker_changes:
        change.before_text, change.after_text = _describe_speakers(change)
    return render(request, "coding/document_history.html", {
        "project": project, "membership": membership, "document": document, "changes": changes,
        "speaker_changes": speaker_changes})


def _describe_speakers(change):
    """Before and after of a SpeakerChange: turns by number (from 1, as the transcript shows them) and labels."""
    if change.action == SpeakerChange.Action.PARTICIPANTS_MERGED:
        source = change.before["source"]["label"]
        return (_("%(label)s (%(turns)s turns)") % {"label": source, "turns": change.after.get("turns", 0)},
                change.after["label"])
    if change.action == SpeakerChange.Action.PARTICIPANT_ERASED:
        return "", _("%(label)s: %(turns)s turns replaced by «[slettet]», %(excerpts)s excerpts removed") % {
            "label": change.after["label"], "turns": change.after.get("turns", 0),
            "excerpts": change.after.get("excerpts", 0)}
    return _runs(change.before), _runs(change.after)


def _runs(snapshot):
    """«1–40: Ukjent · 41: Informant 2» from runs of positions (counted from 0)."""
    spans = []
    for run in (snapshot or {}).get("turns", []):
        first, last = run["first"] + 1, run["last"] + 1
        spans.append(f"{first}: {run['label']}" if first == last else f"{first}–{last}: {run['label']}")
    return " · ".join(spans)


HISTORY_WORDS = (8, 4)  # a longer passage shows its first and last words around «…»


def _passages(document, changes):
    """{(change id, "before" | "after"): the passage's words} in one query, from the search chunks."""
    spans = [((change.pk, side), document.pk, snapshot["start"], snapshot["end"])
             for change in changes for side, snapshot in (("before", change.before), ("after", change.after))
             if snapshot and "start" in snapshot]
    if not spans:
        return {}
    chunks = Chunk.objects.filter(document_id=document.pk, start__lt=max(s[3] for s in spans),
                                  end__gt=min(s[2] for s in spans))
    return {key: _words(text) for key, text in slices(chunks, spans).items()}


def _words(text):
    """The passage as people read it in a list: one line, long ones cut in the middle."""
    words = text.split()
    first, last = HISTORY_WORDS
    if len(words) > first + last + 1:
        words = [*words[:first], "…", *words[-last:]]
    return " ".join(words)


def _describe(snapshot, names, passage):
    """«The passage's words»: themes · «memo», for one side of a change in the history."""
    if not snapshot:
        return ""
    if "themes" not in snapshot:
        if "version" in snapshot:  # a text correction's row says its version only
            return _("Version %(number)s") % {"number": snapshot["version"]}
        return _describe_double_coding(snapshot, names)  # double coding set, settled or revealed
    passage = snapshot.get("passage", passage)  # an excerpt a correction removed keeps its words here
    themes = ", ".join(names.get(pk, "?") for pk in snapshot["themes"])
    memo = f" · «{snapshot['memo'][:60]}»" if snapshot["memo"] else ""
    return f"«{passage or ''}»: {themes}{memo}"


def _describe_double_coding(snapshot, names):
    if "coders" in snapshot:
        return _("Coders: %(coders)s") % {"coders": ", ".join(snapshot["coders"])}
    if "from" in snapshot:
        kept = (_("kept %(coder)s's coding") % {"coder": snapshot["kept"]} if snapshot["kept"]
                else _("consensus excerpt"))
        return f"{names.get(snapshot['theme'], '?')} {snapshot['from']}–{snapshot['to']}: {kept}"
    return _("%(removed)s excerpts removed, %(trimmed)s changed; %(disagreements)s of %(stretches)s stretches "
             "disagreed") % snapshot


@login_required
@require_GET
def picker_themes(request, slug):
    """The themes the picker offers, fetched when it opens, so codebook changes show at once."""
    project, _membership = study_for_reader(request, slug)
    themes = project.themes.active().in_codebook_order().values(
        "id", "name", "colour", "shortcut_key", "description")
    return JsonResponse({"themes": list(themes)})


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
