"""Write a study's backup: a REFI-QDA project (.qdpx) that also holds kodeverk.json. Quiet unless it fails, so that
cron mails only problems."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coding.exports.backup import backup_archive
from coding.exports.management.commands.export_quotes import _write_atomically
from planner.commandline import command_project, file_problem


class Command(BaseCommand):
    help = ("Write the study's backup (.qdpx with kodeverk.json: everything of the study, restorable with "
            "restore_study). The file is written whole or not at all; nothing is printed unless -v 2.")

    def add_arguments(self, parser):
        parser.add_argument("--study", required=True, help="The study's short name (slug)")
        parser.add_argument("-o", "--output", required=True, type=Path, help="The file to write")

    def handle(self, *args, study, output, verbosity=1, **rest):
        project = command_project(study)
        produced = backup_archive(project)
        try:
            _write_atomically(output, produced.data)
        except OSError as error:
            raise CommandError(file_problem(error, output)) from error
        if verbosity > 1:
            self.stdout.write(f"Wrote the backup of {project.name!r} ({len(produced.data)} bytes) to {output}.")
