"""Restore a study from its backup (backup_study, or the export page's backup) into this installation."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from coding.exports.backup import restore_study
from planner.commandline import file_problem
from planner.textfiles import ImporterError


class Command(BaseCommand):
    help = ("Restore a study from its backup (.qdpx with kodeverk.json): every row as it was, with the same GUIDs. "
            "--lead becomes (or stays) its project lead. Refused if the study is here already.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--lead", required=True, metavar="USERNAME")

    def handle(self, *args, file, lead, **rest):
        user = get_user_model().objects.filter(username=lead).first()
        if user is None:
            raise CommandError(f"No user is called {lead!r}.")
        try:
            restored = restore_study(file.read_bytes(), lead=user)
        except OSError as error:
            raise CommandError(file_problem(error, file)) from error
        except ImporterError as error:
            raise CommandError(f"{file.name}: {error.message}") from error
        self.stdout.write(f"Restored {restored.project.name!r} (short name {restored.project.slug}, "
                          f"{restored.rows} rows).")
