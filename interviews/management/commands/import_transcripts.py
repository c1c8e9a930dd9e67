"""Import a batch of transcript files into a study from the command line."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from interviews.importers import ImporterError, parse_file
from interviews.models import InterviewFormat, Participant, ParticipantField, ParticipantRole
from interviews.names import TITLE, name_words, occurrences
from interviews.services import NewParticipant, drafts_purge, suggest_mapping, transcript_import
from planner.commandline import command_county, command_project, command_user, file_problem
from planner.textfiles import MEGABYTE, read_bounded

# The words the team uses, as well as the codes.
FORMATS = {
    "gruppeintervju": InterviewFormat.GROUP_INTERVIEW,
    "arbeidsmøte": InterviewFormat.WORKSHOP,
    "arbeidsmote": InterviewFormat.WORKSHOP,
    "innledende-intervju": InterviewFormat.INITIAL_INTERVIEW,
    "innledende intervju": InterviewFormat.INITIAL_INTERVIEW,
    **{value: value for value in InterviewFormat.values},
}
# Roles and fields of new speakers, in the report's words as well as the codes.
ROLES = {"rådgiver": ParticipantRole.ADVISOR, "radgiver": ParticipantRole.ADVISOR, "leder": ParticipantRole.LEADER,
         **{value: value for value in (ParticipantRole.ADVISOR, ParticipantRole.LEADER)}}
FIELDS = {
    "integrering": ParticipantField.INTEGRATION, "næring": ParticipantField.BUSINESS,
    "naering": ParticipantField.BUSINESS, "kompetanse": ParticipantField.COMPETENCE,
    "inkludering": ParticipantField.INCLUSION, "plan": ParticipantField.PLANNING,
    "regional utvikling og plan": ParticipantField.PLANNING, "folkehelse": ParticipantField.PUBLIC_HEALTH,
    "annet": ParticipantField.OTHER, **{value: value for value in ParticipantField.values},
}


class Command(BaseCommand):
    help = (
        "Import transcripts (.docx, .txt, .vtt, .srt, Whisper .json/.tsv). Speakers become new participants "
        "«Informant N»; the names given with --interviewer share the study's «Intervjuer»."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--study", required=True, help="The study's short name (slug)")
        parser.add_argument("--county", help="County of the interviews")
        parser.add_argument("--format", default="gruppeintervju", help="gruppeintervju, arbeidsmøte or "
                            "innledende-intervju")
        parser.add_argument("--date", type=datetime.date.fromisoformat, help="Date of the interview (YYYY-MM-DD)")
        parser.add_argument("--interviewer", action="append", default=[], help="Speaker name of an interviewer")
        parser.add_argument("--user", help="User recorded as the importer (default: the study's first lead)")
        parser.add_argument(
            "--names", choices=["replace", "review"], default="replace",
            help="replace (default): every form of a speaker's name in speech becomes the label, also names that "
                 "are ordinary words written in lower case («per», «liv»); review: list those and store nothing",
        )
        parser.add_argument("--speaker", action="append", default=[], metavar="NAME=LABEL",
                            help="Map a speaker of the files to an existing participant, e.g. "
                            "\"Kari Nordmann=Informant 3\" (repeatable)")
        parser.add_argument("--role", default="rådgiver", help="Role of new speakers: rådgiver or leder")
        parser.add_argument("--field", default="annet", help="Field of new speakers: integrering, næring, "
                            "kompetanse, inkludering, plan, folkehelse or annet")

    def handle(self, *args, files, study, county, format, date, interviewer, user, speaker, role, field, **options):
        drafts_purge()  # drafts of the web import hold real names: none outlives a day
        project = command_project(study)
        if options["names"] == "review":
            return self._review(project, files)
        interview_format = FORMATS.get(format.lower())
        if interview_format is None:
            raise CommandError(f"Unknown format {format!r}; use gruppeintervju, arbeidsmøte or innledende-intervju.")
        self.speakers, self.used = _speaker_map(project, speaker), set()
        self.role, self.field = ROLES.get(role.lower()), FIELDS.get(" ".join(field.lower().split()))
        if self.role is None:
            raise CommandError(f"Unknown role {role!r}; use rådgiver or leder.")
        if self.field is None:
            raise CommandError(f"Unknown field {field!r}; use integrering, næring, kompetanse, inkludering, plan, "
                               "folkehelse or annet.")
        county_row = command_county(project, county)
        importer = command_user(project, user)
        failures = 0
        for path in files:
            try:
                document = self._import_one(project, importer, path, county_row, interview_format, date, interviewer)
            except (ImporterError, ValidationError, OSError) as error:
                failures += 1
                self.stderr.write(f"NOT imported: {file_problem(error, path)}")
            else:
                labels = document.turns.values_list("participant__label", flat=True)
                self.stdout.write(f"Imported {path.name}: {len(labels)} turns ({', '.join(sorted(set(labels)))})")
        for name in sorted(set(self.speakers) - self.used):
            self.stderr.write(f"--speaker: no file has a speaker called {name!r}.")
        if failures:
            raise CommandError(f"{failures} of {len(files)} files were not imported.")

    def _import_one(self, project, user, path, county, interview_format, date, interviewers):
        limit = settings.UPLOAD_MAX_MB * MEGABYTE
        parsed = parse_file(path.name, read_bounded(path, limit), max_bytes=limit)
        # Speakers named with --speaker take no «Informant N» number from the others.
        given = {name: self.speakers[name] for name in parsed.speakers() if name in self.speakers}
        self.used |= set(given)
        mapping = suggest_mapping(project=project, speakers=[s for s in parsed.speakers() if s not in given],
                                  interviewers=interviewers)
        for target in mapping.values():
            if isinstance(target, NewParticipant) and target.role == ParticipantRole.ADVISOR:
                target.role, target.field = self.role, self.field
        mapping |= given
        return transcript_import(
            project=project, user=user, parsed=parsed, mapping=mapping, title=parsed.title or path.stem,
            county=county, interview_format=interview_format, date=date, source_name=path.name,
        )

    def _review(self, project, files):
        """List the names that are also words, in lower case, per file, turn and context; store nothing."""
        words, found, failures = name_words(project), 0, 0
        for path in files:
            try:
                limit = settings.UPLOAD_MAX_MB * MEGABYTE
                parsed = parse_file(path.name, read_bounded(path, limit), max_bytes=limit)
            except (ImporterError, OSError) as error:
                failures += 1
                self.stderr.write(f"NOT read: {file_problem(error, path)}")
                continue
            for occurrence in occurrences(parsed.turns, parsed.speakers(), words, parsed.title or path.stem):
                where = "title" if occurrence.turn == TITLE else f"turn {occurrence.turn + 1}"
                self.stdout.write(f"{path.name}, {where}: …{occurrence.before}[{occurrence.found}]{occurrence.after}… "
                                  f"(name of {occurrence.speaker})")
                found += 1
        self.stdout.write(
            f"Review only: nothing was stored. {found} name(s) that are also ordinary words occur in lower case. "
            "Import with --names replace to replace every one, or import in the browser to keep those that are "
            "the ordinary word."
        )
        if failures:
            raise CommandError(f"{failures} of {len(files)} files could not be read.")


def _speaker_map(project, pairs):
    """--speaker "Name=Label" options as {speaker name: the study's participant with that label}."""
    participants = {p.label: p for p in Participant.objects.filter(project=project)}
    mapping = {}
    for pair in pairs:
        name, sep, label = (part.strip() for part in pair.partition("="))
        if not sep or not name or not label:
            raise CommandError(f"--speaker {pair!r}: write it as \"Name=Informant 3\".")
        label = " ".join(label.split())
        if label not in participants:
            raise CommandError(f"--speaker {pair!r}: the study has no participant «{label}».")
        mapping[name] = participants[label]
    return mapping
