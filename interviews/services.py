"""Turning a parsed transcript into a Document with anonymous participants and speaker turns."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
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
)
from interviews.models import Turn as TurnRow
from interviews.names import NameMasker, name_forms, name_words, speech_of
from interviews.signals import speakers_named
from planner.models import Document, normalise_text

_INTERVIEWER_WORDS = {"i", "int", "intervjuer", "intervjuar", "interviewer", "moderator"}
_INFORMANT_LABEL = re.compile(r"^Informant (\d+)$")
INTERVIEWER_LABEL = "Intervjuer"


@dataclass
class NewParticipant:
    """A participant to create at import: the study label and what the report may say of them."""

    label: str
    role: str = ParticipantRole.ADVISOR
    field: str = ParticipantField.OTHER


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
                      source_name="", record_real_names=False, keep_words=frozenset()):
    """Store a transcript: participants for new speakers, the Document, its Interview and Turns.

    `mapping` maps every speaker name of `parsed` to a Participant of the study or a
    NewParticipant. The names themselves are not stored, unless `record_real_names` (the lead's
    choice; the view decides who may make it): then each speaker's real name goes privately on
    the study's watch list, through `speakers_named`, in this same transaction. Names in the
    speech and the title are replaced by labels; `keep_words` holds the keys of lower-case
    ordinary words (interviews.names.Occurrence.key) the person importing chose to keep.
    """
    speakers = parsed.speakers()
    missing = [s for s in speakers if s not in mapping]
    if missing:
        raise ValidationError(_("No participant chosen for %(names)s.") % {"names": ", ".join(missing)})
    participants = {}
    for speaker in speakers:
        target = mapping[speaker]
        if isinstance(target, NewParticipant):
            target = _participant_for(project, target, county)
        elif target.project_id != project.id:
            raise ValidationError(_("The participant belongs to another study."))
        participants[speaker] = target
    labels = {speaker: participant.label for speaker, participant in participants.items()}
    words = name_words(project)
    text, spans = compose_text(parsed.turns, labels, words=words, keep=keep_words)
    title = compose_title(title, labels, words=words, keep=keep_words)
    document = Document(
        project=project, kind=Document.Kind.TRANSCRIPT, county=county, title=title[:300], text=text,
        source_name=source_name[:255], source_format=parsed.format, created_by=user,
    )
    document.full_clean()
    document.save()
    Interview.objects.create(document=document, format=interview_format, date=date)
    TurnRow.objects.bulk_create(
        TurnRow(document=document, participant=participants[turn.speaker], position=position, start=start,
                speech_start=speech_start, end=end, start_seconds=turn.start)
        for position, (turn, (start, speech_start, end)) in enumerate(zip(parsed.turns, spans, strict=True))
    )
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


def _participant_for(project, new, county):
    """The study's participant with this label (a label names one person), or a new one."""
    label = normalise_text(" ".join(new.label.split()))
    participant = Participant.objects.filter(project=project, label=label).first()
    if participant is None:
        participant = Participant(project=project, label=label, role=new.role, field=new.field, county=county)
        participant.full_clean()
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
