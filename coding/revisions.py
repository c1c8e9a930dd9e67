"""Corrections of a document's text: each makes a new text version (planner.DocumentVersion), and every
excerpt, speaker turn, search chunk and history entry is carried to its words through the diff.

An excerpt whose words are untouched moves with them; one whose words changed keeps its new span and
is marked «text changed» for its coder; one whose words were all deleted goes, and is kept in history
(Change «excerpt_orphaned», with its passage) and listed for the lead. Undo of the last correction puts
the text, the turns and every excerpt's span back.
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.models import Change, Coding, Excerpt, Theme
from coding.services import ConflictError, excerpt_snapshot, history_follow_edits
from interviews.importers import ImporterError, parse_file
from interviews.models import Participant, Recording, Turn
from interviews.services import compose_text, turns_follow_edit, turns_put_back, turns_replace, turns_restore
from planner.models import Document, DocumentVersion, normalise_text, text_checksum
from planner.plandocs import check_plan_file, plan_text
from planner.services import TextEdit, document_text_replace, text_changes
from planner.textfiles import MEGABYTE
from planner.textindex import document_index, purge_words


@dataclass
class Revision:
    """What a correction did: the new version and the excerpts moved, marked changed and orphaned."""

    version: DocumentVersion | None
    moved: int = 0
    changed: list[int] = field(default_factory=list)
    orphaned: list[dict[str, Any]] = field(default_factory=list)


def editable_span(document: Document, at: int) -> tuple[int, int] | None:
    """The stretch a correction at offset `at` replaces: the speech of the turn holding it (a transcript),
    else the paragraph (line) holding it; None outside the text."""
    if not 0 <= at <= document.length:
        return None
    if document.kind == Document.Kind.TRANSCRIPT:
        turn = Turn.objects.holding(at, document=document).values_list("speech_start", "end").first()
        if turn is not None:
            return turn
    text = document.text
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return start, len(text) if end == -1 else end


@transaction.atomic
def text_correct(*, document: Document, start: int, end: int, text: str, checksum: str,
                 user: AbstractBaseUser) -> Revision:
    """Replace the speech of a turn (or a plan's paragraph), [start, end) of the text, by `text`.

    `checksum` is that of the text the user corrected: a text changed since is refused, not overwritten.
    """
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.checksum != checksum:
        raise ConflictError(_("Someone else corrected this text a moment ago. Its new text is shown; make your "
                              "correction again if it is still needed."))
    if editable_span(locked, start) != (start, end):
        raise ValidationError(_("Only the speech of one turn, or one paragraph, can be corrected at a time."))
    text = normalise_text(text)
    if "\n" in text:
        raise ValidationError(_("A correction cannot hold a line break: each paragraph is corrected on its own."))
    return document_revise(document=locked, text=locked.text[:start] + text + locked.text[end:], user=user,
                           note=_("Text at %(start)s corrected") % {"start": start})


@transaction.atomic
def document_revise(*, document: Document, text: str, user: AbstractBaseUser, note: str = "",
                    page_starts: list[int] | None = None, turns: tuple | None = None) -> Revision:
    """Make `text` the document's text, carrying everything that points into it; a new DocumentVersion.

    A replacement file brings its own `page_starts` and `turns` (its ParsedTranscript and compose_text's
    spans) instead of the old ones moved through the diff.
    """
    document = Document.objects.select_for_update().get(pk=document.pk)
    old = document.text
    changes = text_changes(old, text)
    if not changes and page_starts is None and turns is None:
        return Revision(version=None)
    edit = document_text_replace(document_id=document.pk, spans=changes)
    text = normalise_text(text)
    extra = {}
    if page_starts is not None and page_starts != [edit.position(p) for p in document.page_starts]:
        extra["page_starts"] = document.page_starts
        document.text, document.page_starts = text, page_starts
        Document.objects.filter(pk=document.pk).update(page_starts=page_starts)
        document_index(document)
    if turns is None:
        removed_turns, turn_spans = turns_follow_edit(document_id=document.pk, edit=edit, text=text)
    else:
        removed_turns, turn_spans = [], {}
        extra["all_turns"] = turns_replace(document_id=document.pk, parsed=turns[0], spans=turns[1])
    result, restore = _excerpts_follow(document, edit, old, text, user)
    restore.update(extra)
    reverse, shift = [], 0
    for start, end, new in changes:
        reverse.append([start + shift, start + shift + len(new), old[start:end]])
        shift += len(new) - (end - start)
    number = (DocumentVersion.objects.filter(document=document).aggregate(last=Max("number"))["last"] or 0) + 1
    result.version = DocumentVersion.objects.create(
        document=document, number=number, note=note[:200], changes=[list(span) for span in changes],
        reverse=reverse, checksum=text_checksum(text), created_by=user,
        restore={**restore, "turns": {str(pk): span for pk, span in turn_spans.items()},
                 "removed_turns": removed_turns})
    Change.objects.create(project_id=document.project_id, document=document, user=user,
                          action=Change.Action.TEXT_CORRECTED, object_uuid=document.uuid, after={
                              "version": number, "moved": result.moved, "changed": len(result.changed),
                              "orphaned": len(result.orphaned)})
    return result


def _excerpts_follow(document, edit: TextEdit, old: str, text: str, user) -> tuple[Revision, dict[str, Any]]:
    """Carry every excerpt of the document through `edit` (old text `old`, new `text`).

    Excerpts that only shift move by one UPDATE per distance; the touched ones are trimmed to the words
    they now hold and marked, or, with no words left, removed into history. Returns the result and what an
    undo needs: the touched excerpts' spans and flags before, and the removed ones' snapshots.
    """
    rows = list(Excerpt.objects.select_for_update().filter(document=document).values_list(
        "pk", "uuid", "start", "end", "text_changed"))
    shifted, changed, orphaned, before = {}, [], [], {}
    for pk, uuid, start, end, flag in rows:
        new_start, new_end = edit.position(start), edit.position(end, side="left")
        if not edit.touches(start, end):
            if new_start != start:
                shifted.setdefault(new_start - start, []).append(pk)
            continue
        before[str(uuid)] = [start, end, flag]
        piece = text[new_start:new_end]
        words = piece.strip()
        if not words:
            orphaned.append(pk)
            continue
        new_start += len(piece) - len(piece.lstrip())
        changed.append((pk, new_start, new_start + len(words)))
    now = timezone.now()
    excerpts = Excerpt.objects.filter(document=document)
    for shift, pks in shifted.items():
        excerpts.filter(pk__in=pks).update(start=F("start") + shift, end=F("end") + shift,
                                           version=F("version") + 1, updated_at=now)
    for pk, start, end in changed:
        excerpts.filter(pk=pk).update(start=start, end=end, text_changed=True, version=F("version") + 1,
                                      updated_at=now)
    history_follow_edits({document.pk: edit})
    snapshots = []
    for excerpt in excerpts.filter(pk__in=orphaned).prefetch_related("codings"):
        snapshot = excerpt_snapshot(excerpt, [c.theme_id for c in excerpt.codings.all()])
        snapshot["passage"] = old[excerpt.start:excerpt.end]
        snapshots.append(snapshot)
        at = edit.position(excerpt.start)
        Change.objects.create(project_id=document.project_id, document=document, user=user,
                              action=Change.Action.EXCERPT_ORPHANED, object_uuid=excerpt.uuid,
                              before={**snapshot, "start": at, "end": at})
    excerpts.filter(pk__in=orphaned).delete()
    result = Revision(version=None, moved=sum(len(pks) for pks in shifted.values()),
                      changed=[pk for pk, _start, _end in changed], orphaned=snapshots)
    return result, {"excerpts": before, "orphaned": snapshots}


def last_version(document: Document) -> DocumentVersion | None:
    """The correction an undo would take back: the newest not undone."""
    return DocumentVersion.objects.filter(document=document, undone_at__isnull=True).order_by("-number").first()


@transaction.atomic
def text_correction_undo(*, document: Document, user: AbstractBaseUser, is_lead: bool) -> DocumentVersion:
    """Take back the document's last correction: its text, turns and every excerpt's span and mark.

    Only its author or the lead may, and only while the text is the one it made.
    """
    document = Document.objects.select_for_update().get(pk=document.pk)
    version = last_version(document)
    if version is None:
        raise ConflictError(_("There is no correction to undo."))
    if version.created_by_id != user.pk and not is_lead:
        raise ConflictError(_("Only the one who made a correction, or the project lead, can undo it."))
    if version.checksum != document.checksum:
        raise ConflictError(_("The text has changed since this correction; it was not undone."))
    old = document.text
    edit = document_text_replace(document_id=document.pk, spans=[tuple(span) for span in version.reverse])
    text = Document.objects.values_list("text", flat=True).get(pk=document.pk)
    restore = version.restore
    if "all_turns" in restore:  # a replacement file's turns go, the old ones come back
        turns_put_back(document_id=document.pk, rows=restore["all_turns"])
    else:
        turns_follow_edit(document_id=document.pk, edit=edit, text=text)
        turns_restore(document_id=document.pk, removed=restore.get("removed_turns", []),
                      spans={int(pk): span for pk, span in restore.get("turns", {}).items()})
    if "page_starts" in restore:
        Document.objects.filter(pk=document.pk).update(page_starts=restore["page_starts"])
        document.text, document.page_starts = text, restore["page_starts"]
        document_index(document)
    _excerpts_follow(document, edit, old, text, user)
    now = timezone.now()
    for uuid, (start, end, flag) in restore.get("excerpts", {}).items():
        Excerpt.objects.filter(uuid=uuid, document=document).update(start=start, end=end, text_changed=flag,
                                                                    version=F("version") + 1, updated_at=now)
    _put_back(document, restore.get("orphaned", []))
    version.undone_at = now
    version.save(update_fields=["undone_at"])
    Change.objects.create(project_id=document.project_id, document=document, user=user,
                          action=Change.Action.TEXT_RESTORED, object_uuid=document.uuid,
                          after={"version": version.number})
    return version


def _put_back(document, snapshots):
    """The excerpts a correction removed, as they were (same uuid), with the themes that still exist."""
    themes = set(Theme.objects.filter(project_id=document.project_id).values_list("pk", flat=True))
    for snapshot in snapshots:
        if Excerpt.objects.filter(uuid=snapshot["uuid"]).exists():
            continue
        excerpt = Excerpt.objects.create(
            uuid=snapshot["uuid"], document=document, start=snapshot["start"], end=snapshot["end"],
            coder_id=snapshot["coder"], memo=snapshot["memo"], is_key=snapshot["is_key"],
            version=snapshot["version"] + 1)
        Coding.objects.bulk_create(Coding(excerpt=excerpt, theme_id=pk, document_id=document.pk)
                                   for pk in snapshot["themes"] if pk in themes)


def document_delete_counts(document: Document) -> dict[str, int]:
    """What deleting the document takes with it (the confirmation page lists it)."""
    excerpts = Excerpt.objects.filter(document=document)
    return {"excerpts": excerpts.count(), "key_quotes": excerpts.filter(is_key=True).count(),
            "turns": Turn.objects.filter(document=document).count(),
            "versions": DocumentVersion.objects.filter(document=document).count(),
            "recording": int(Recording.objects.filter(interview_id=document.pk).exists())}


@transaction.atomic
def document_delete(*, document: Document, user: AbstractBaseUser, expected: dict[str, int] | None = None) -> dict:
    """Delete a document with everything derived from it: excerpts and their themes, turns, search chunks,
    text versions, its word index, the recording (its file once this commits). Finished exports keep their files.

    `expected` is what the lead confirmed: when it changed since (a colleague coded one more passage), nothing
    is deleted. The study's history keeps who deleted what: the title, kind and counts, and each excerpt's
    passage, themes and coder (the document's own history goes with it).
    """
    document = Document.objects.select_for_update().select_related("project").get(pk=document.pk)
    counts = document_delete_counts(document)
    if expected is not None and expected != counts:
        raise ValidationError(_("The document changed while you were deciding. Check the numbers and confirm "
                                "again."), code="changed")
    excerpts = list(Excerpt.objects.select_for_update().filter(document=document).prefetch_related("codings"))
    text = document.text
    gone = [{**excerpt_snapshot(excerpt, [c.theme_id for c in excerpt.codings.all()]),
             "passage": text[excerpt.start:excerpt.end]} for excerpt in excerpts]
    Change.objects.create(project=document.project, document=None, user=user, action=Change.Action.DOCUMENT_DELETED,
                          object_uuid=document.uuid, before={
                              "title": document.title, "kind": document.kind, "county": document.county_id,
                              **counts, "excerpt_list": gone})
    words = list(document.postings.values_list("word_id", flat=True))
    Excerpt.objects.filter(document=document).delete()
    document.delete()
    purge_words(words)  # a name only this document held does not stay in the word index's vocabulary
    return counts


@transaction.atomic
def document_replace(*, document: Document, name: str, data: bytes, user: AbstractBaseUser) -> Revision:
    """The lead replaces a document's file by a new file of the same kind: its text becomes the document's
    through the same diff as a correction (a new version, excerpts moved, marked or reported, undoable).

    A plan document takes a .docx or .txt (a PDF is read by the task worker: attach it to the plan as a new
    document); a transcript takes any transcript format whose speakers are the study's participants by
    label (a file with other speakers is a new interview, with its speakers mapped on import).
    """
    limit = settings.UPLOAD_MAX_MB * MEGABYTE
    try:
        if document.kind == Document.Kind.PLAN:
            if check_plan_file(name) == ".pdf":
                raise ValidationError(_("A PDF cannot replace a document here: attach it to the plan as a new "
                                        "document, or replace with a .docx or .txt file."))
            extracted = plan_text(name, data, max_bytes=limit)
            return document_revise(document=document, text=extracted.text, user=user, page_starts=extracted.page_starts,
                                   note=_("Replaced by %(name)s") % {"name": name})
        parsed = parse_file(name, data, max_bytes=limit)
    except ImporterError as error:
        raise ValidationError(str(error)) from error
    labels = set(Participant.objects.filter(project_id=document.project_id, erased_at__isnull=True).values_list(
        "label", flat=True))
    unknown = [speaker for speaker in parsed.speakers() if speaker not in labels]
    if unknown or not parsed.turns or not all(turn.labelled for turn in parsed.turns):
        raise ValidationError(_("Every speaker of a replacement transcript must be a participant of the study by "
                                "label (not: %(names)s). Import a file with other speakers as a new interview.")
                              % {"names": ", ".join(unknown) or "–"})
    text, spans = compose_text(parsed.turns, {speaker: speaker for speaker in parsed.speakers()})
    return document_revise(document=document, text=text, user=user, turns=(parsed, spans),
                           note=_("Replaced by %(name)s") % {"name": name})
