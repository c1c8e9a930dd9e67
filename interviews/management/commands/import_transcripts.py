"""Import a batch of transcript files into a study from the command line."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from interviews.importers import ImporterError, parse_file
from interviews.models import InterviewFormat
from interviews.names import TITLE, name_words, occurrences
from interviews.services import drafts_purge, suggest_mapping, transcript_import
from planner.commandline import command_county, command_project, command_user, file_problem

# The words the team uses, as well as the codes.
FORMATS = {
    "gruppeintervju": InterviewFormat.GROUP_INTERVIEW,
    "arbeidsmøte": InterviewFormat.WORKSHOP,
    "arbeidsmote": InterviewFormat.WORKSHOP,
    "innledende-intervju": InterviewFormat.INITIAL_INTERVIEW,
    "innledende intervju": InterviewFormat.INITIAL_INTERVIEW,
    **{value: value for value in InterviewFormat.values},
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

    def handle(self, *args, files, study, county, format, date, interviewer, user, **options):
        drafts_purge()  # drafts of the web import hold real names: none outlives a day
        project = command_project(study)
        if options["names"] == "review":
            return self._review(project, files)
        interview_format = FORMATS.get(format.lower())
        if interview_format is None:
            raise CommandError(f"Unknown format {format!r}; use gruppeintervju, arbeidsmøte or innledende-intervju.")
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
        if failures:
            raise CommandError(f"{failures} of {len(files)} files were not imported.")

    def _import_one(self, project, user, path, county, interview_format, date, interviewers):
        data = path.read_bytes()
        parsed = parse_file(path.name, data, max_bytes=settings.UPLOAD_MAX_MB * 1_048_576)
        mapping = suggest_mapping(project=project, speakers=parsed.speakers(), interviewers=interviewers)
        return transcript_import(
            project=project, user=user, parsed=parsed, mapping=mapping, title=parsed.title or path.stem,
            county=county, interview_format=interview_format, date=date, source_name=path.name,
        )


    def _review(self, project, files):
        """List the names that are also words, in lower case, per file, turn and context; store nothing."""
        words, found, failures = name_words(project), 0, 0
        for path in files:
            try:
                parsed = parse_file(path.name, path.read_bytes(), max_bytes=settings.UPLOAD_MAX_MB * 1_048_576)
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
