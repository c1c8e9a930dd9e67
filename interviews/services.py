"""Turning a parsed transcript into a Document with anonymous participants and speaker turns."""

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from interviews.importers import UNKNOWN_SPEAKER, ParsedTranscript, Turn
from interviews.models import (
    DRAFT_MAX_AGE,
    ImportDraft,
    Interview,
    NameWord,
    Participant,
    ParticipantField,
    ParticipantRole,
    SpeakerChange,
)
from interviews.models import Turn as TurnRow
from interviews.names import NameMasker, name_forms, name_words, speech_of
from interviews.signals import participants_merged, speakers_named
from planner.bulk import insert_rows
from planner.models import Document, Project, normalise_text
from planner.services import TextEdit, document_text_replace

_INTERVIEWER_WORDS = {"i", "int", "intervjuer", "intervjuar", "interviewer", "moderator"}
_INFORMANT_LABEL = re.compile(r"^Informant (\d+)$")
INTERVIEWER_LABEL = "Intervjuer"


@dataclass
class NewParticipant:
    """A participant to create at import: the study label and what the report may say of them."""

    label: str
    role: str = ParticipantRole.ADVISOR
    field: str = ParticipantField.OTHER
    field_other: str = ""


def next_informant_number(project):
    numbers = [
        int(match.group(1))
        for label in Participant.objects.filter(project=project, label__startswith="Informant ").values_list(
            "label", flat=True
        )
        if (match := _INFORMANT_LABEL.match(label))
    ]
    return max(numbers, default=0) + 1


def suggest_mapping(*, project, speakers, interviewers=(), taken=frozenset()):
    """A first mapping of speaker names to participants: existing by label, else new ones.

    Interviewers (by the names given, or a speaker called «Intervjuer», «I», …) share the
    study's «Intervjuer»; «Ukjent» stays «Ukjent»; everyone else becomes the next «Informant N»
    whose label is neither in the study nor in `taken` (labels suggested for other files).
    """
    existing = {p.label: p for p in Participant.objects.filter(project=project)}
    interviewer_names = {name.casefold() for name in interviewers}
    number = next_informant_number(project)
    mapping = {}
    for speaker in speakers:
        folded = speaker.casefold()
        if folded in interviewer_names or folded in _INTERVIEWER_WORDS:
            label, role = INTERVIEWER_LABEL, ParticipantRole.INTERVIEWER
        elif speaker == UNKNOWN_SPEAKER:
            label, role = UNKNOWN_SPEAKER, ParticipantRole.OTHER
        elif speaker in existing:
            label, role = speaker, existing[speaker].role
        else:
            while f"Informant {number}" in taken:
                number += 1
            label, role = f"Informant {number}", ParticipantRole.ADVISOR
            number += 1
        mapping[speaker] = existing.get(label) or NewParticipant(label=label, role=role)
    return mapping


def drafts_purge():
    """Forget drafts nobody confirmed: they hold the speaker names found in the files."""
    ImportDraft.objects.filter(created_at__lt=timezone.now() - DRAFT_MAX_AGE).delete()


def draft_create(*, project, user, file_name, parsed):
    """Keep a parsed file until its speakers are mapped."""
    turns = [[t.speaker, t.text, t.start, t.end, t.labelled] for t in parsed.turns]
    return ImportDraft.objects.create(
        project=project, created_by=user, file_name=file_name[:255], source_format=parsed.format,
        title=parsed.title[:300], payload={"turns": turns},
    )


class DraftGoneError(Exception):
    """The draft was confirmed or discarded meanwhile: a second click, another tab, a retry after a crash."""


def draft_gone_message():
    return _("This file is no longer waiting: it was imported already, discarded, or forgotten after a day. "
             "It is not imported again.")


@transaction.atomic
def draft_confirm(*, draft: ImportDraft, user, mapping: dict, title: str, county=None, interview_format: str,
                  date=None, record_real_names: bool = False, keep_words=frozenset()) -> Document:
    """Import a draft and delete it in the same transaction: a draft is imported exactly once.

    The draft row is locked first, so a second confirm at the same moment waits and then finds
    it gone (DraftGoneError), as does a confirm after a crash that followed the commit.
    """
    if not list(ImportDraft.objects.select_for_update().filter(pk=draft.pk).values_list("pk", flat=True)):
        raise DraftGoneError(draft.pk)
    document = transcript_import(
        project=draft.project, user=user, parsed=draft_transcript(draft), mapping=mapping, title=title,
        county=county, interview_format=interview_format, date=date, source_name=draft.file_name,
        record_real_names=record_real_names, keep_words=keep_words, fresh_labels=True,
    )
    ImportDraft.objects.filter(pk=draft.pk).delete()
    return document


def draft_transcript(draft):
    turns = [Turn(speaker=s, text=t, start=a, end=b, labelled=rest[0] if rest else True)
             for s, t, a, b, *rest in draft.payload["turns"]]
    return ParsedTranscript(format=draft.source_format, turns=turns, title=draft.title)


def compose_text(turns, labels, *, words=frozenset(), keep=frozenset()):
    """Document text, one paragraph «Label: speech» per turn, and each turn's offsets.

    A turn of a file without speakers (`labelled` False) is its speech alone: the speaker is
    assigned later, on the turn, and the text never changes. Every form of a speaker's name
    in speech is replaced by the label (interviews.names), except the lower-case ordinary
    words (`words`) whose occurrence key («turn:start») the person importing chose to keep.
    """
    masker = NameMasker(labels, words)
    kept = _kept_starts(keep)
    paragraphs, spans, offset = [], [], 0
    for position, turn in enumerate(turns):
        speech = masker.mask(speech_of(turn), kept.get(str(position), frozenset()))
        prefix = f"{labels[turn.speaker]}: " if turn.labelled else ""
        paragraph = f"{prefix}{speech}"
        spans.append((offset, offset + len(prefix), offset + len(paragraph)))
        paragraphs.append(paragraph)
        offset += len(paragraph) + 1
    text = "\n".join(paragraphs)
    if normalise_text(text) != text:
        raise ValidationError(_("The transcript text could not be normalised."))
    return text, spans


def compose_title(title, labels, *, words=frozenset(), keep=frozenset()):
    """The title with the speakers' names replaced, as in the speech («Møte med [Informant 1]»)."""
    return NameMasker(labels, words).mask(" ".join(title.split()), _kept_starts(keep).get("title", frozenset()))


def _kept_starts(keep):
    """{"3": {start, …}, "title": {…}} from occurrence keys «3:120», «title:9»."""
    kept = {}
    for key in keep:
        where, _colon, start = str(key).partition(":")
        if start.isdigit():
            kept.setdefault(where, set()).add(int(start))
    return kept


@transaction.atomic
def transcript_import(*, project, user, parsed, mapping, title, county=None, interview_format, date=None,
                      source_name="", record_real_names=False, keep_words=frozenset(), fresh_labels=False):
    """Store a transcript: participants for new speakers, the Document, its Interview and Turns.

    `mapping` maps every speaker name of `parsed` to a Participant of the study or a
    NewParticipant. The names themselves are not stored, unless `record_real_names` (the lead's
    choice; the view decides who may make it): then each speaker's real name goes privately on
    the study's watch list, through `speakers_named`, in this same transaction. Names in the
    speech and the title are replaced by labels; `keep_words` holds the keys of lower-case
    ordinary words (interviews.names.Occurrence.key) the person importing chose to keep.

    A NewParticipant whose label the study has names that participant (a label names one
    person). With `fresh_labels` (the import page, whose form offered only labels new to the
    study) such a label was taken by someone else meanwhile: a taken «Informant N» becomes the
    next free number, any other taken label is refused. New participants are made under a lock
    on the study's row, so two imports at once never meet on the unique label.
    """
    speakers = parsed.speakers()
    missing = [s for s in speakers if s not in mapping]
    if missing:
        raise ValidationError(_("No participant chosen for %(names)s.") % {"names": ", ".join(missing)})
    participants = {}
    if any(isinstance(mapping[speaker], NewParticipant) for speaker in speakers):
        _lock_study(project.pk)
    for speaker in speakers:
        target = mapping[speaker]
        if isinstance(target, NewParticipant):
            target = _participant_for(project, _fresh(project, target) if fresh_labels else target, county)
        elif target.project_id != project.id:
            raise ValidationError(_("The participant belongs to another study."))
        _not_erased(target)
        participants[speaker] = target
    labels = {speaker: participant.label for speaker, participant in participants.items()}
    words = name_words(project)
    text, spans = compose_text(parsed.turns, labels, words=words, keep=keep_words)
    title = compose_title(title, labels, words=words, keep=keep_words)
    document = Document(
        project=project, kind=Document.Kind.TRANSCRIPT, county=county, title=title[:300], text=text,
        source_name=source_name[:255], source_format=parsed.format, created_by=user,
    )
    # The values; not the uniqueness of a new uuid4 nor the kind's constraint, which this function sets (a
    # query each, for every transcript imported).
    document.full_clean(validate_unique=False, validate_constraints=False)
    document.save()
    Interview.objects.create(document=document, format=interview_format, date=date)
    # A row per turn, a thousand and more in a 3-hour interview: plain values, not a model instance each.
    insert_rows(TurnRow, ("document", "participant", "position", "start", "speech_start", "end", "start_seconds"), (
        (document.pk, participants[turn.speaker].pk, position, start, speech_start, end, turn.start)
        for position, (turn, (start, speech_start, end)) in enumerate(zip(parsed.turns, spans, strict=True))
    ))
    if record_real_names:
        speakers_named.send(sender=Participant, project=project, names=real_names_of(participants),
                            source_name=source_name)
    return document


def real_names_of(participants):
    """(participant, real name) for each speaker who is a person named in the file, not an interviewer."""
    return [
        (participant, found[0])
        for speaker, participant in participants.items()
        if participant.role != ParticipantRole.INTERVIEWER and (found := name_forms(speaker))
    ]


def _lock_study(project_id):
    """Lock the study's row while new participants get their labels.

    FOR NO KEY UPDATE on PostgreSQL: it makes label allocations wait for each other but not the
    rows that merely point at the study (history, themes), whose inserts take FOR KEY SHARE.
    """
    list(Project.objects.select_for_update(no_key=True).filter(pk=project_id).values_list("pk", flat=True))


def _fresh(project, new):
    """A NewParticipant whose label is still free in the study (see transcript_import's `fresh_labels`)."""
    label = _clean_label(new.label)
    if label in (INTERVIEWER_LABEL, UNKNOWN_SPEAKER) or not Participant.objects.filter(
            project=project, label=label).exists():
        return new
    if _INFORMANT_LABEL.match(label):
        return replace(new, label=f"Informant {next_informant_number(project)}")
    raise ValidationError(_("«%(label)s» was added to the study by someone else a moment ago. Choose it in the "
                            "list, or give another label.") % {"label": label})


def _participant_for(project, new, county):
    """The study's participant with this label (a label names one person), or a new one."""
    label = _clean_label(new.label)
    participant = Participant.objects.filter(project=project, label=label).first()
    if participant is None:
        participant = Participant(project=project, label=label, role=new.role, field=new.field, county=county,
                                  field_other=new.field_other if new.field == ParticipantField.OTHER else "")
        # The values (role and field among their choices, the label's length); the label is free, as just
        # read under the study's lock, and the database checks the constraints again on save.
        participant.full_clean(validate_unique=False, validate_constraints=False)
        participant.save()
    return participant


@transaction.atomic
def name_word_add(*, project, word: str) -> NameWord:
    """Add a name that is also an ordinary word to the study's list (on top of the shipped one)."""
    word = normalise_text(" ".join(word.split()))
    if word.casefold() in name_words(project):
        raise ValidationError(_("«%(word)s» is already on the list.") % {"word": word}, code="duplicate")
    name_word = NameWord(project=project, word=word)
    name_word.full_clean()
    name_word.save()
    return name_word


@transaction.atomic
def name_word_remove(*, name_word: NameWord) -> None:
    name_word.delete()


def _not_erased(participant):
    """Speech given to a participant whose data was deleted would be theirs again, not deleted."""
    if participant.erased_at:
        raise ValidationError(_("The data of «%(label)s» was deleted: choose another participant.") % {
            "label": participant.label})


def _clean_label(label):
    return normalise_text(" ".join(label.split()))


def _label_taken(project_id, label, *, but=None):
    if Participant.objects.filter(project_id=project_id, label=label).exclude(pk=but).exists():
        raise ValidationError({"label": _("«%(label)s» is already a participant of the study. To make them one "
                                          "person, merge the participants.") % {"label": label}})


def _snapshot(participant):
    """What the history keeps of a participant: enough to say who it was after a merge or a rename."""
    return {"participant": participant.pk, "label": participant.label, "role": participant.role,
            "field": participant.field, "field_other": participant.field_other,
            "county": participant.county.name if participant.county_id else ""}


@transaction.atomic
def participant_update(*, participant: Participant, user, label: str, role: str, field: str,
                       field_other: str = "", county=None) -> Participant:
    """Change what the study says of a participant; the label stays unique in the study.

    Recorded as a SpeakerChange «participant_changed» (before and after), unless nothing changed.
    """
    locked = Participant.objects.select_for_update(of=("self",)).select_related("county").get(pk=participant.pk)
    if county is not None and county.project_id != locked.project_id:
        raise ValidationError(_("The county belongs to another study."))
    before = _snapshot(locked)
    locked.label, locked.role, locked.field, locked.county = _clean_label(label), role, field, county
    # Free text only says something for «other»; kept for another field it would sign quotes wrongly.
    locked.field_other = " ".join(field_other.split()) if field == ParticipantField.OTHER else ""
    _label_taken(locked.project_id, locked.label, but=locked.pk)
    locked.full_clean()
    after = _snapshot(locked)
    if after != before:
        locked.save()
        SpeakerChange.objects.create(project_id=locked.project_id, user=user,
                                     action=SpeakerChange.Action.PARTICIPANT_CHANGED, before=before, after=after)
    return locked


@transaction.atomic
def participants_merge(*, source: Participant, target: Participant, user) -> int:
    """Make two participants one person: every turn of `source` moves to `target`, `source` is deleted.

    The target keeps its label, role, field and county. One SpeakerChange per document whose turns
    moved (one without a document when the source had no turns). Returns the number of turns moved.
    Text already stored keeps whatever «Label: » it was imported with; the turn's participant is
    what attribution reads.
    """
    if source.pk == target.pk:
        raise ValidationError(_("A participant cannot be merged into itself."))
    if source.project_id != target.project_id:
        raise ValidationError(_("Participants of different studies cannot be merged."))
    # Both rows locked in one order, so two merges of the same pair cannot deadlock.
    locked = {p.pk: p for p in Participant.objects.select_for_update(of=("self",)).select_related("county")
              .filter(pk__in=[source.pk, target.pk]).order_by("pk")}
    if len(locked) != 2:
        raise ValidationError(_("The participant no longer exists; reload the page."))
    source, target = locked[source.pk], locked[target.pk]
    _not_erased(target)
    documents = Counter(TurnRow.objects.select_for_update().filter(participant=source)
                        .values_list("document_id", flat=True))
    moved = TurnRow.objects.filter(participant=source).update(participant=target)
    before = {"source": _snapshot(source), "target": _snapshot(target)}
    SpeakerChange.objects.bulk_create([
        SpeakerChange(project_id=target.project_id, document_id=document_id, user=user,
                      action=SpeakerChange.Action.PARTICIPANTS_MERGED, before=before,
                      after={**_snapshot(target), "turns": count})
        for document_id, count in (sorted(documents.items()) or [(None, 0)])
    ])
    participants_merged.send(sender=Participant, source=source, target=target)
    source.delete()
    return moved


def _runs(rows):
    """[(position, participant id, label)] in position order as runs: {first, last, participant, label}."""
    runs = []
    for position, participant_id, label in rows:
        if runs and runs[-1]["participant"] == participant_id and runs[-1]["last"] == position - 1:
            runs[-1]["last"] = position
        else:
            runs.append({"first": position, "last": position, "participant": participant_id, "label": label})
    return runs


@transaction.atomic
def turns_assign(*, document: Document, first: int, last: int, participant: Participant | NewParticipant,
                 user) -> int:
    """Give the turns at positions first..last (Turn.position, both included) of a transcript to a participant.

    `participant` is one of the study's, or a NewParticipant created here (its label must be new
    to the study). Text and time codes stay as they are. Recorded as a SpeakerChange
    «turns_assigned» whose before holds, as runs of positions, each turn's former participant id
    and label. Returns the number of turns that changed speaker.
    """
    if first < 0 or last < first:
        raise ValidationError(_("The last turn must come after the first."))
    if isinstance(participant, NewParticipant):
        label = _clean_label(participant.label)
        _lock_study(document.project_id)
        _label_taken(document.project_id, label)
        participant = _participant_for(document.project, NewParticipant(
            label=label, role=participant.role, field=participant.field, field_other=participant.field_other),
            document.county)
    elif participant.project_id != document.project_id:
        raise ValidationError(_("The participant belongs to another study."))
    # Participant first, then turns: the order a merge locks them in too.
    participant = Participant.objects.select_for_update(of=("self",)).filter(pk=participant.pk).first()
    if participant is None:
        raise ValidationError(_("The participant no longer exists; reload the page."))
    _not_erased(participant)
    # No join in the locking query: on PostgreSQL a row another assignment changed meanwhile is
    # re-read alone, and a join to its former participant would silently drop it.
    locked = list(TurnRow.objects.select_for_update().filter(
        document=document, position__gte=first, position__lte=last).order_by("position").values_list(
        "position", "participant_id"))
    labels = dict(Participant.objects.filter(pk__in={pk for _position, pk in locked}).values_list("pk", "label"))
    rows = [(position, pk, labels.get(pk, "?")) for position, pk in locked]
    if len(rows) != last - first + 1:
        count = TurnRow.objects.filter(document=document).count()
        raise ValidationError(_("The transcript has turns 1 to %(count)s.") % {"count": count})
    if all(participant_id == participant.pk for _position, participant_id, _label in rows):
        return 0
    changed = TurnRow.objects.filter(document=document, position__gte=first, position__lte=last).exclude(
        participant=participant).update(participant=participant)
    SpeakerChange.objects.create(
        project_id=document.project_id, document=document, user=user, action=SpeakerChange.Action.TURNS_ASSIGNED,
        before={"turns": _runs(rows)},
        after={"participant": participant.pk, "label": participant.label,
               "turns": [{"first": first, "last": last, "participant": participant.pk, "label": participant.label}]},
    )
    return changed


# What stands in the text where an erased participant's speech was.
ERASED_SPEECH = "[slettet]"


@dataclass
class SpeechErasure:
    """A participant's data being deleted: the locked participant and where their turns were.

    `turns` maps each document they speak in to the (start, speech_start, end) of their turns,
    in the text as it was; `edits` the TextEdit of each document once the speech is replaced.
    """

    participant: Participant
    turns: dict[int, list[tuple[int, int, int]]]
    edits: dict[int, TextEdit] = field(default_factory=dict)


def participant_erasure_begin(*, participant: Participant) -> SpeechErasure:
    """Lock a participant and every turn of the documents they speak in; say where their turns are.

    Call inside the caller's transaction, which then calls participant_erasure_finish: the locks
    hold until it commits. The order (participant, then turns) is a merge's and an assignment's.
    """
    locked = Participant.objects.select_for_update(of=("self",)).filter(pk=participant.pk).first()
    if locked is None:
        raise ValidationError(_("The participant no longer exists; reload the page."))
    documents = set(TurnRow.objects.filter(participant=locked).values_list("document_id", flat=True))
    turns = {}
    for document_id, participant_id, start, speech_start, end in TurnRow.objects.select_for_update().filter(
            document_id__in=documents).order_by("document_id", "position").values_list(
            "document_id", "participant_id", "start", "speech_start", "end"):
        if participant_id == locked.pk:
            turns.setdefault(document_id, []).append((start, speech_start, end))
    return SpeechErasure(participant=locked, turns=turns)


def participant_erasure_finish(*, erasure: SpeechErasure, user, counts: dict[int | None, dict]) -> None:
    """Replace the participant's speech by ERASED_SPEECH, move every turn after it, forget what the
    study said of them, and record the deletion (who, when, how much; never what) per document.

    `counts` adds the caller's numbers to each document's record (None: to all of them), for example
    the excerpts removed. The participant keeps their label: it stands before each «[slettet]» and
    the other speakers may use it. Earlier history rows of the participant lose role, field and county.
    """
    participant = erasure.participant
    for document_id, turns in sorted(erasure.turns.items()):
        # A turn without speech has nothing to erase (and an empty span has no inside to keep offsets in).
        spans = [(speech_start, end) for _start, speech_start, end in turns if speech_start < end]
        edit = erasure.edits[document_id] = document_text_replace(
            document_id=document_id, spans=spans, replacement=ERASED_SPEECH)
        _move_turns(document_id, participant, edit)
    _forget_history(participant)
    Participant.objects.filter(pk=participant.pk).update(
        role=ParticipantRole.OTHER, field=ParticipantField.OTHER, field_other="", county=None,
        erased_at=timezone.now())
    SpeakerChange.objects.bulk_create([
        SpeakerChange(project_id=participant.project_id, document_id=document_id, user=user,
                      action=SpeakerChange.Action.PARTICIPANT_ERASED,
                      after={"participant": participant.pk, "label": participant.label,
                             "turns": len(erasure.turns.get(document_id, ())), **counts.get(None, {}),
                             **counts.get(document_id, {})})
        for document_id in (sorted(erasure.turns) or [None])
    ])


def _move_turns(document_id, participant, edit):
    """Every turn follows the erasure; the participant's own turns then end where their «[slettet]» does."""
    turns_follow_edit(document_id=document_id, edit=edit)
    TurnRow.objects.filter(document_id=document_id, participant=participant, speech_start__lt=F("end")).update(
        end=F("speech_start") + len(ERASED_SPEECH))


# Added to positions while turns are renumbered, so that no two turns share one for a moment.
_MOVING = 2 ** 30
# Above this many stretches between changes, turns_follow_edit writes turn by turn instead of stretch by stretch.
_STRETCHES_BY_STATEMENT = 16


def turns_follow_edit(*, document_id: int, edit: TextEdit,
                      text: str | None = None) -> tuple[list[list], dict[int, list[int]]]:
    """Move a document's turns with a change of its text (planner.services.TextEdit).

    A turn's label and speech start stay before words inserted at them and its end after, so words
    typed at the end of a speech belong to it. Given the new `text`, a turn that no longer starts a
    paragraph (the line break before it was deleted: an edit that joins two turns) joins the turn
    before it; one left with no text at all goes. Turns that only
    shift are moved by one UPDATE per stretch between two changes (4,000 turns of a 3-hour interview) or, when
    there are many stretches, read once and written by one statement run for each, as the rest are.
    Returns what an undo needs to put them back: the removed turns as [position, participant id, start,
    speech start, end, seconds] and the turns that did more than shift as {pk: [start, speech start, end]},
    both in the old offsets.
    """
    if not edit.spans:
        return [], {}
    turns = TurnRow.objects.filter(document_id=document_id)
    first, last = edit.spans[0][0], edit.spans[-1][1]
    columns = ("pk", "position", "participant_id", "start", "speech_start", "end", "start_seconds")
    # Only the turns around the changed stretches (and the one before them, which a joined turn joins) can
    # do more than move with their stretch; the others are not read.
    rows = list(turns.filter(start__lte=last + 1, end__gte=max(0, first - 1)).order_by("position").values_list(
        *columns))
    if rows and rows[0][1] > 0:
        rows = list(turns.filter(position=rows[0][1] - 1).values_list(*columns)) + rows
    # Every turn is first moved with the stretch between changes its start lies in: one UPDATE per stretch.
    segments = [(a, b, shift) for a, b, shift in edit.segments() if shift]
    froms = [a for a, _b, _shift in segments]
    moved, removed, old, exact = {}, [], {}, []
    previous = None
    for pk, position, participant_id, start, speech_start, end, seconds in rows:
        old[pk] = [start, speech_start, end]
        new = (edit.position(start, side="left"), edit.position(speech_start, side="left"), edit.position(end))
        joined = text is not None and 0 < new[0] <= len(text) and text[new[0] - 1] != "\n"
        if previous is not None and (joined or (start < end and new[0] == new[2])):
            removed.append([position, participant_id, start, speech_start, end, seconds])
            moved[previous[0]] = (*moved.get(previous[0], previous[1])[:2], new[2])
            continue
        if new != (start, speech_start, end):
            moved[pk] = new
        previous = (pk, moved.get(pk, new))
    for pk, new in moved.items():
        index = bisect.bisect_right(froms, old[pk][0]) - 1
        segment = segments[index] if index >= 0 else None
        shift = segment[2] if segment and (segment[1] is None or old[pk][0] < segment[1]) else 0
        if list(new) != [value + shift for value in old[pk]]:
            exact.append(pk)  # a turn a change reaches into: put where it belongs after the stretches moved
    placed = [(*moved[pk], pk) for pk in exact]
    if len(segments) > _STRETCHES_BY_STATEMENT:
        # Many stretches (an erasure's hundreds of turns): one UPDATE each cost more than reading the
        # document's turns once and writing each one that moves, by one statement run for all of them.
        exact = set(exact)
        for pk, start, speech_start, end in turns.values_list("pk", "start", "speech_start", "end"):
            index = bisect.bisect_right(froms, start) - 1
            segment = segments[index] if index >= 0 else None
            shift = segment[2] if segment and (segment[1] is None or start < segment[1]) else 0
            if shift and pk not in exact:
                placed.append((start + shift, speech_start + shift, end + shift, pk))
    else:
        apart = len(segments) > 1  # stretches moved one after another must not land in one still to move
        for a, b, shift in segments:
            stretch = turns.filter(start__gte=a, start__lt=_MOVING if b is None else b)
            shift += _MOVING if apart else 0
            stretch.update(start=F("start") + shift, speech_start=F("speech_start") + shift, end=F("end") + shift)
        if apart:
            turns.filter(start__gte=_MOVING).update(start=F("start") - _MOVING,
                                                    speech_start=F("speech_start") - _MOVING, end=F("end") - _MOVING)
    if placed:
        table, quote = TurnRow._meta.db_table, connection.ops.quote_name
        with connection.cursor() as cursor:  # one statement run for many rows (an erasure's hundreds of turns)
            cursor.executemany(
                f"UPDATE {quote(table)} SET {quote('start')} = %s, {quote('speech_start')} = %s, {quote('end')} = %s "
                f"WHERE {quote('id')} = %s", placed)
    if removed:
        turns.filter(position__in=[row[0] for row in removed]).delete()
        _renumber(document_id)
    return removed, {pk: old[pk] for pk in moved}


def turns_replace(*, document_id: int, parsed: ParsedTranscript, spans: list[tuple[int, int, int]]) -> list[list]:
    """A replacement file's turns instead of the document's (compose_text's spans; every speaker a participant
    label of the study). Returns the turns it replaced as [participant id, start, speech start, end, seconds],
    for an undo (turns_put_back)."""
    project_id = Document.objects.values_list("project_id", flat=True).get(pk=document_id)
    people = dict(Participant.objects.filter(project_id=project_id).values_list("label", "pk"))
    turns = TurnRow.objects.filter(document_id=document_id)
    old = [list(row) for row in turns.order_by("position").values_list(
        "participant_id", "start", "speech_start", "end", "start_seconds")]
    turns.delete()
    TurnRow.objects.bulk_create(
        TurnRow(document_id=document_id, participant_id=people[turn.speaker], position=position, start=start,
                speech_start=speech_start, end=end, start_seconds=turn.start)
        for position, (turn, (start, speech_start, end)) in enumerate(zip(parsed.turns, spans, strict=True)))
    return old


def turns_put_back(*, document_id: int, rows: list[list]) -> None:
    """Undo of a replacement: the turns as turns_replace returned them."""
    TurnRow.objects.filter(document_id=document_id).delete()
    TurnRow.objects.bulk_create(
        TurnRow(document_id=document_id, participant_id=participant_id, position=position, start=start,
                speech_start=speech_start, end=end, start_seconds=seconds)
        for position, (participant_id, start, speech_start, end, seconds) in enumerate(rows))


def _renumber(document_id):
    """Positions 0, 1, 2 … in text order again, after turns were removed or put back: one UPDATE per distance
    moved, through positions no turn has (the unique position is checked row by row)."""
    turns = TurnRow.objects.filter(document_id=document_id)
    by_shift = {}
    for index, (pk, position) in enumerate(turns.order_by("start", "position").values_list("pk", "position")):
        if index != position:
            by_shift.setdefault(index - position, []).append(pk)
    TurnRow.objects.filter(pk__in=[pk for pks in by_shift.values() for pk in pks]).update(
        position=F("position") + _MOVING)
    for shift, pks in by_shift.items():
        TurnRow.objects.filter(pk__in=pks).update(position=F("position") - _MOVING + shift)


def turns_restore(*, document_id: int, removed: list[list], spans: dict[int, list[int]]) -> None:
    """Undo of a correction: put removed turns back and give turns their spans before it (pk: [start,
    speech start, end]); the other turns have moved back with the text already."""
    turns = TurnRow.objects.filter(document_id=document_id)
    for pk, (start, speech_start, end) in spans.items():
        turns.filter(pk=pk).update(start=start, speech_start=speech_start, end=end)
    if removed:
        # Positions no turn has (below _MOVING, above any real one) until _renumber gives the real ones.
        TurnRow.objects.bulk_create(
            TurnRow(document_id=document_id, participant_id=participant_id, position=_MOVING - 1 - i,
                    start=start, speech_start=speech_start, end=end, start_seconds=seconds)
            for i, (_position, participant_id, start, speech_start, end, seconds) in enumerate(removed))
        _renumber(document_id)


# What a history snapshot says of a participant beyond the label.
_DESCRIBED = ("role", "field", "field_other", "county")


def _forget_history(participant):
    """Earlier edits and merges of the participant keep who and when, not role, field and county."""
    pk = participant.pk
    rows = SpeakerChange.objects.filter(project_id=participant.project_id, action__in=[
        SpeakerChange.Action.PARTICIPANT_CHANGED, SpeakerChange.Action.PARTICIPANTS_MERGED])
    for row in rows:
        if _mentions(row.before, pk) or _mentions(row.after, pk):
            row.before, row.after = _blank(row.before), _blank(row.after)
            row.save(update_fields=["before", "after"])


def _mentions(snapshot, pk):
    if isinstance(snapshot, dict):
        return snapshot.get("participant") == pk or any(_mentions(value, pk) for value in snapshot.values())
    return False


def _blank(snapshot):
    if isinstance(snapshot, dict):
        return {key: ("" if key in _DESCRIBED else _blank(value)) for key, value in snapshot.items()}
    return snapshot
