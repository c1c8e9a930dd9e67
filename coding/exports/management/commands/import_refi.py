"""Import a REFI-QDA project (.qdpx) as a new study, or a codebook (.qdc) into an existing one."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coding.exports.refi_import import (
    codebook_apply,
    codebook_report,
    import_project,
    read_codebook,
    report_keep,
)
from planner.commandline import command_project, file_problem
from planner.textfiles import ImporterError


class Command(BaseCommand):
    help = ("Import a REFI-QDA project (.qdpx) as a new study led by --lead, or with --study a codebook (.qdc) into "
            "that study (themes matched by GUID, then by name). Prints the import report.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--name", default="", help="The new study's name (default: the name in the file)")
        parser.add_argument("--lead", required=True, metavar="USERNAME", help="The new study's project lead")
        parser.add_argument("--study", default="", help="A codebook (.qdc): the short name of the study it goes to")

    def handle(self, *args, file, name, lead, study, **rest):
        user = get_user_model().objects.filter(username=lead).first()
        if user is None:
            raise CommandError(f"No user is called {lead!r}.")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(file_problem(error, file)) from error
        try:
            if study or file.suffix.lower() == ".qdc":
                if not study:
                    raise CommandError("A codebook (.qdc) goes into an existing study: name it with --study.")
                self._codebook(command_project(study), data, user, file.name)
                return
            project, report = import_project(data, name=name, lead=user, file_name=file.name)
        except ImporterError as error:
            raise CommandError(f"{file.name}: {error.message}") from error
        self.stdout.write(f"Imported {file.name} as the study {project.name!r} (short name {project.slug}).")
        self._report(report)

    def _codebook(self, project, data, user, file_name):
        with transaction.atomic():
            planned = codebook_apply(project, read_codebook(data), user=user)
            report = codebook_report(planned)
            report_keep(project, report, user=user, file_name=file_name, kind="codebook")
        self.stdout.write(f"Codebook of {project.name!r}: {report.counts['added']} themes added, "
                          f"{report.counts['changed']} changed.")
        self._report(report)

    def _report(self, report):
        for key, value in report.counts.items():
            self.stdout.write(f"  {key}: {value}")
        for note in report.notes:
            self.stdout.write(f"  note: {note}")
        for item in report.not_stored:
            self.stdout.write(f"  not stored: {item}")
        for item in report.adjusted:
            self.stdout.write(f"  moved: «{item['text']}» in {item['source']}: {item['reason']}")
        for item in report.dropped:
            self.stdout.write(f"  left out: «{item['text']}» in {item['source']}: {item['reason']}")
