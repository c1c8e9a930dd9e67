"""Turning a parsed transcript into a Document with anonymous participants and speaker turns."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interviews.importers import UNKNOWN_SPEAKER, ParsedTranscript, Turn
from interviews.models import DRAFT_MAX_AGE, ImportDraft, Interview, Participant, ParticipantField, ParticipantRole
from interviews.models import Turn as TurnRow
from interviews.signals import speakers_named
from planner.models import Document, normalise_text

# Speaker names that are study roles or tool labels, not people: never masked in the speech.
_GENERIC_SPEAKER = re.compile(
    r"^(?:speaker[ _]?\d+|spk[ _]?\d+|ukjent|unknown|i|int|intervjuer|intervjuar|interviewer|moderator|"
    r"informant(?: ?\d+)?|deltaker(?: ?\d+)?|respondent(?: ?\d+)?|person ?\d+)$",
    re.IGNORECASE,
)
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


def _real_names(speaker):
    """The names a speaker may be called by in speech: the whole name and its capitalised parts.

    Tool labels (SPEAKER_00, Intervjuer), affiliations in parentheses and abbreviations
    («Dr.») are not names of the person.
    """
    if _GENERIC_SPEAKER.match(speaker.strip()):
        return []
    person = re.sub(r"\([^)]*\)", " ", speaker)
    whole = " ".join(person.replace(",", " ").split())
    parts = [p for p in re.split(r"[\s,]+", person) if len(p) > 1 and p[0].isupper() and not p.endswith(".")]
    return [whole, *parts] if whole else parts


def name_masker(labels):
    """A function that replaces the speakers' real names in speech by «[Label]».

    A name part two speakers share («Kari») becomes «[navn]», since it could be either.
    """
    mask = {}
    for speaker, label in labels.items():
        for name in _real_names(speaker):
            mask[name] = f"[{label}]" if mask.get(name, f"[{label}]") == f"[{label}]" else "[navn]"
    if not mask:
        return lambda speech: speech
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(n) for n in sorted(mask, key=len, reverse=True)) + r")(?!\w)"
    )
    return lambda speech: pattern.sub(lambda match: mask[match.group(0)], speech)


def compose_text(turns, labels):
    """Document text, one paragraph «Label: speech» per turn, and each turn's offsets.

    A turn of a file without speakers (`labelled` False) is its speech alone: the speaker is
    assigned later, on the turn, and the text never changes. Real names of the speakers are
    replaced by their labels where they occur in speech.
    """
    mask = name_masker(labels)
    paragraphs, spans, offset = [], [], 0
    for turn in turns:
        speech = mask(' '.join(turn.text.split()))
        prefix = f"{labels[turn.speaker]}: " if turn.labelled else ""
        paragraph = f"{prefix}{speech}"
        spans.append((offset, offset + len(prefix), offset + len(paragraph)))
        paragraphs.append(paragraph)
        offset += len(paragraph) + 1
    text = "\n".join(paragraphs)
    if normalise_text(text) != text:
        raise ValidationError(_("The transcript text could not be normalised."))
    return text, spans


@transaction.atomic
def transcript_import(*, project, user, parsed, mapping, title, county=None, interview_format, date=None,
                      source_name="", record_real_names=False):
    """Store a transcript: participants for new speakers, the Document, its Interview and Turns.

    `mapping` maps every speaker name of `parsed` to a Participant of the study or a
    NewParticipant. The names themselves are not stored, unless `record_real_names` (the lead's
    choice; the view decides who may make it): then each speaker's real name goes privately on
    the study's watch list, through `speakers_named`, in this same transaction.
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
    text, spans = compose_text(parsed.turns, labels)
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
        if participant.role != ParticipantRole.INTERVIEWER and (found := _real_names(speaker))
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
