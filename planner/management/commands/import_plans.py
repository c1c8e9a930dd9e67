"""Import the plan register of a study from an .xlsx or .csv file; all rows or none."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from planner.commandline import command_project
from planner.plan_io import PlanImportError, plans_import, read_plan_file
from planner.textfiles import MEGABYTE, ImporterError, read_bounded


class Command(BaseCommand):
    help = (
        "Import plans from .xlsx or .csv with the columns Fylke, Type, Tittel, År, Status, URL, Merknad. "
        "Rows matching a plan on county, type, title and year update it; others are created. "
        "With any problem, nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--study", required=True, help="The study's short name (slug)")

    def handle(self, *args, file, study, **options):
        project = command_project(study)
        try:
            data = read_bounded(file, settings.UPLOAD_MAX_MB * MEGABYTE)
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror or error}") from error
        except ImporterError as error:
            raise CommandError(f"Nothing was imported: {error}") from None
        try:
            rows = read_plan_file(file.name, data, max_bytes=settings.UPLOAD_MAX_MB * 1_048_576)
            summary = plans_import(project=project, rows=rows)
        except PlanImportError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"Nothing was imported from {file.name}: {len(error.problems)} problems.") from None
        self.stdout.write(f"{file.name}: {summary}")
