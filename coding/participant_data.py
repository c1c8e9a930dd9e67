"""Data protection for one participant: delete their data (the lead's erasure) and gather everything the
study holds about them (a subject-access file).

Erasure is the one write that changes a stored document's text: each turn of theirs keeps its
«Label: » and gets «[slettet]» for speech, every later offset (turns, excerpts, history, search
chunks) moves with it, and every excerpt that touches one of their turns goes, with its history.
"""

import bisect
import json
from collections import defaultdict
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.models import Change, Excerpt, ExportJob, WatchName
from coding.services import history_follow_edits
from interviews.models import Participant, SpeakerChange, Turn, format_seconds
from interviews.services import participant_erasure_begin, participant_erasure_finish
from planner.models import Document, DocumentVersion


def _touches(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of the sorted, separate stretches `spans`."""
    index = bisect.bisect_left(spans, (end,))
    return index > 0 and spans[index - 1][1] > start


def _turn_spans(turns: dict[int, list[tuple[int, int, int]]]) -> dict[int, list[tuple[int, int]]]:
    """Each document's whole turns of the participant, label included: an excerpt touching the
    «Label: » of their turn is signed with their name too."""
    return {document_id: [(start, end) for start, _speech, end in rows] for document_id, rows in turns.items()}


def _their_excerpts(spans: dict[int, list[tuple[int, int]]], rows) -> list[tuple]:
    """The rows (pk, document_id, start, end, …) of excerpts that touch a turn of theirs: an excerpt
    that runs from a colleague's turn into theirs goes too, since it holds their words."""
    return [row for row in rows if _touches(spans.get(row[1], []), row[2], row[3])]


def erasure_counts(participant: Participant) -> dict[str, int]:
    """What deleting the participant's data would remove (the confirmation page names it)."""
    turns = defaultdict(list)
    for document_id, start, speech_start, end in Turn.objects.filter(participant=participant).order_by(
            "document_id", "start").values_list("document_id", "start", "speech_start", "end"):
        turns[document_id].append((start, speech_start, end))
    rows = Excerpt.objects.filter(document_id__in=turns).values_list("pk", "document_id", "start", "end")
    return {
        "documents": len(turns), "turns": sum(len(rows) for rows in turns.values()),
        "excerpts": len(_their_excerpts(_turn_spans(turns), rows)),
        "watch_names": WatchName.objects.filter(participant=participant).count(),
    }


@transaction.atomic
def participant_erase(*, participant: Participant, user: AbstractBaseUser,
                      expected: dict[str, int] | None = None) -> dict[str, int]:
    """Delete a participant's data; returns the counts of what went (erasure_counts' keys).

    `expected` is what the lead confirmed: when the data changed since (a colleague coded one
    more of their passages), nothing is deleted and the lead is asked again. Locks the
    participant, the turns of their documents, and those documents' excerpts, in that order.
    """
    erasure = participant_erasure_begin(participant=participant)
    participant = erasure.participant
    spans = _turn_spans(erasure.turns)
    rows = list(Excerpt.objects.select_for_update().filter(document_id__in=spans).order_by("pk").values_list(
        "pk", "document_id", "start", "end", "uuid"))
    removed = _their_excerpts(spans, rows)
    watch_names = WatchName.objects.filter(participant=participant)
    counts = {"documents": len(spans), "turns": sum(len(s) for s in spans.values()), "excerpts": len(removed),
              "watch_names": watch_names.count()}
    if expected is not None and expected != counts:
        raise ValidationError(_("The participant's data changed while you were deciding. Check the numbers "
                                "and confirm again."), code="changed")
    per_document = defaultdict(int)
    for row in removed:
        per_document[row[1]] += 1
    _forget_changes(spans, {row[4] for row in removed})
    Excerpt.objects.filter(pk__in=[row[0] for row in removed]).delete()
    participant_erasure_finish(erasure=erasure, user=user, counts={
        None: {"watch_names": counts["watch_names"]},
        **{document_id: {"excerpts": per_document[document_id]} for document_id in spans}})
    _move_excerpts(erasure.edits)
    history_follow_edits(erasure.edits)
    watch_names.delete()
    # Finished exports hold the old quotes, and one running now read them: the study's exports go.
    ExportJob.objects.filter(project_id=participant.project_id).delete()
    # Text versions hold the words each correction replaced (and could put them back): those of their
    # documents go. The erasure's new text could not be undone by them anyway.
    DocumentVersion.objects.filter(document_id__in=spans).delete()
    return counts


def _excerpt_changes(document_ids):
    return Change.objects.filter(document_id__in=document_ids, action__startswith="excerpt_")


def _forget_changes(spans, uuids):
    """History of the removed excerpts, and of any former state inside their turns, goes: its memos
    and passages are the person's data, and undoing it would put the passage back."""
    doomed = [change.pk for change in _excerpt_changes(spans).only("pk", "document_id", "object_uuid", "before",
                                                                   "after")
              if change.object_uuid in uuids or any(
                  snapshot and _touches(spans[change.document_id], snapshot["start"], snapshot["end"])
                  for snapshot in (change.before, change.after))]
    Change.objects.filter(pk__in=doomed).delete()


def _move_excerpts(edits):
    """The excerpts after a replaced turn move with the text; a changed one gets a new version, so an
    edit from a page showing the old text is refused as a conflict instead of landing elsewhere."""
    now = timezone.now()
    for document_id, edit in edits.items():
        moved = []
        for excerpt in Excerpt.objects.filter(document_id=document_id).only("start", "end", "version"):
            start, end = edit.position(excerpt.start), edit.position(excerpt.end)
            if (start, end) != (excerpt.start, excerpt.end):
                excerpt.start, excerpt.end, excerpt.version, excerpt.updated_at = start, end, excerpt.version + 1, now
                moved.append(excerpt)
        Excerpt.objects.bulk_update(moved, ["start", "end", "version", "updated_at"], batch_size=500)


# The subject-access file

def subject_access(participant: Participant) -> dict[str, Any]:
    """Everything the study holds about one participant, as plain data (the JSON of the file).

    Reads each document's text once; the queries do not grow with the number of turns or excerpts.
    """
    turns = list(Turn.objects.filter(participant=participant).order_by("document_id", "position").values_list(
        "document_id", "position", "start", "speech_start", "end", "start_seconds"))
    documents = {d.pk: d for d in Document.objects.filter(pk__in={t[0] for t in turns}).select_related(
        "county", "interview").only("title", "text", "county__name", "interview__format", "interview__date")}
    spans = defaultdict(list)
    for document_id, _position, start, _speech, end, _seconds in turns:
        spans[document_id].append((start, end))
    excerpts = Excerpt.objects.filter(document_id__in=documents).prefetch_related("themes").select_related(
        "coder").order_by("document_id", "start")
    watch_names = WatchName.objects.filter(participant=participant).order_by("name")
    history = SpeakerChange.objects.filter(project_id=participant.project_id).filter(
        Q(after__participant=participant.pk) | Q(before__participant=participant.pk)
        | Q(before__target__participant=participant.pk)).select_related("user", "document").order_by("created_at")
    return {
        "participant": {
            "label": participant.label, "role": participant.get_role_display(), "field": participant.field_name,
            "county": participant.county.name if participant.county_id else "",
            "created": participant.created_at.isoformat(),
            "data_deleted": participant.erased_at.isoformat() if participant.erased_at else None,
        },
        "interviews": [_interview(documents[document_id], [t for t in turns if t[0] == document_id])
                       for document_id in sorted(documents, key=lambda pk: documents[pk].title)],
        "excerpts": [{
            "document": documents[e.document_id].title, "time": _time_at(turns, e.document_id, e.start),
            "text": e.text(documents[e.document_id].text), "themes": sorted(t.name for t in e.themes.all()),
            "memo": e.memo, "key_quote": e.is_key, "coder": e.coder.get_username() if e.coder else "",
            "created": e.created_at.isoformat(),
        } for e in excerpts if _touches(spans[e.document_id], e.start, e.end)],
        "watch_list": [{"name": w.name, "kind": w.get_kind_display(), "source": w.source,
                        "added": w.created_at.isoformat()} for w in watch_names],
        "history": [{"when": h.created_at.isoformat(), "by": h.user.get_username() if h.user else "",
                     "what": h.get_action_display(), "document": h.document.title if h.document_id else ""}
                    for h in history],
    }


def _interview(document, turns):
    return {
        "title": document.title,
        "format": document.interview.get_format_display() if hasattr(document, "interview") else "",
        "date": document.interview.date.isoformat() if hasattr(document, "interview") and document.interview.date
        else None,
        "county": document.county.name if document.county_id else "",
        "turns": [{"number": position + 1, "time": format_seconds(seconds), "text": document.text[speech:end]}
                  for _document, position, _start, speech, end, seconds in turns],
    }


def _time_at(turns, document_id, position):
    """The time code of the participant's turn holding `position` ("" when unknown)."""
    held = [seconds for d, _p, start, _s, end, seconds in turns if d == document_id and start <= position < end]
    return format_seconds(held[0]) if held else ""


def subject_access_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def subject_access_text(data: dict[str, Any]) -> str:
    """The same data as a plain text a person can read without tools (the file's default form)."""
    person = data["participant"]
    lines = [_("Everything the study holds about %(label)s") % {"label": person["label"]}, "",
             f"{_('Role')}: {person['role']}", f"{_('Field')}: {person['field']}",
             f"{_('County')}: {person['county'] or '–'}", f"{_('Created')}: {person['created']}"]
    if person["data_deleted"]:
        lines.append(f"{_('Data deleted')}: {person['data_deleted']}")
    lines += ["", f"== {_('Speech in interviews')} =="]
    for interview in data["interviews"]:
        about = ", ".join(filter(None, [interview["format"], interview["date"], interview["county"]]))
        lines += ["", f"{interview['title']} ({about})"]
        lines += [f"[{turn['number']}{' ' + turn['time'] if turn['time'] else ''}] {turn['text']}"
                  for turn in interview["turns"]]
    lines += ["", f"== {_('Coded excerpts')} =="]
    for excerpt in data["excerpts"]:
        lines += ["", f"{excerpt['document']} {excerpt['time']}".rstrip(), f"«{excerpt['text']}»",
                  f"{_('Themes')}: {', '.join(excerpt['themes'])}"]
        if excerpt["memo"]:
            lines.append(f"{_('Memo')}: {excerpt['memo']}")
    lines += ["", f"== {_('Watch list')} =="]
    lines += [f"{w['name']} ({w['kind']}, {w['source']})" for w in data["watch_list"]] or ["–"]
    lines += ["", f"== {_('History')} =="]
    lines += [f"{h['when']} {h['by']}: {h['what']} {h['document']}".rstrip() for h in data["history"]] or ["–"]
    return "\n".join(lines) + "\n"
