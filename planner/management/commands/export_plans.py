"""Export the plan register of a study to .xlsx or .csv, in the columns import_plans reads."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from planner.commandline import command_project
from planner.models import Plan
from planner.plan_io import WRITERS, plan_rows


class Command(BaseCommand):
    help = "Write a study's plan register to an .xlsx or .csv file (the format follows the file name)."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, type=Path, help="FILE.xlsx or FILE.csv")
        parser.add_argument("--study", required=True, help="The study's short name (slug)")

    def handle(self, *args, output, study, **options):
        project = command_project(study)
        writer = WRITERS.get(output.suffix.lower().lstrip("."))
        if writer is None:
            raise CommandError(f"Cannot tell the format of {output.name}; name it .xlsx or .csv.")
        plans = Plan.objects.filter(county__project=project).select_related("county")
        plans = plans.order_by("county__name", "plan_type", "title")
        try:
            output.write_bytes(writer(plan_rows(plans)))
        except OSError as error:
            raise CommandError(f"{output}: {error.strerror or error}") from error
        self.stdout.write(f"Wrote {len(plans)} plans to {output}.")
