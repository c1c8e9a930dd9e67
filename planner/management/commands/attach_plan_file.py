"""Attach files (PDF, Word, text) to a plan of the register from the command line."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from planner.commandline import command_project, command_user, file_problem
from planner.models import Plan
from planner.plandocs import plan_file_attach
from planner.textfiles import ImporterError, read_bounded


class Command(BaseCommand):
    help = (
        "Attach one or more files (.pdf with a text layer, .docx, .txt) to a plan of the register, found by its "
        "county and title (case does not matter); --type and --year pick one of several plans with that title."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--study", required=True, help="The study's short name (slug)")
        parser.add_argument("--county", required=True, help="County of the plan")
        parser.add_argument("--title", required=True, help="Title of the plan as in the register")
        parser.add_argument("--type", dest="plan_type", help=f"Plan type: {', '.join(Plan.PlanType.values)}")
        parser.add_argument("--year", type=int, help="Year of the plan")
        parser.add_argument("--document-title", default="", help="Title of the document (default: the plan's "
                            "title and the file name)")
        parser.add_argument("--user", help="User recorded as the one who attached it (default: the study's lead)")

    def handle(self, *args, files, study, county, title, plan_type, year, document_title, user, **options):
        project = command_project(study)
        plan = self._plan(project, county, title, plan_type, year)
        importer = command_user(project, user)
        limit = settings.UPLOAD_MAX_MB * 1_048_576
        failures = 0
        for path in files:
            try:
                document, warnings = plan_file_attach(
                    plan=plan, user=importer, name=path.name, data=read_bounded(path, limit), max_bytes=limit,
                    title=f"{document_title} ({path.name})" if document_title and len(files) > 1 else document_title,
                )
            except (ImporterError, ValidationError, OSError) as error:
                failures += 1
                self.stderr.write(f"NOT attached: {file_problem(error, path)}")
            else:
                for warning in warnings:
                    self.stderr.write(f"Warning: {warning}")
                pages = f"{len(document.page_starts)} pages, " if document.page_starts else ""
                self.stdout.write(f"Attached {path.name} to «{plan.title}» ({plan.county}, {plan.year}) as "
                                  f"«{document.title}»: {pages}{len(document.text)} characters")
        if failures:
            raise CommandError(f"{failures} of {len(files)} files were not attached.")

    def _plan(self, project, county, title, plan_type, year):
        # Matched in Python: SQLite compares case-insensitively only for ASCII, and «Ø» must match «ø».
        wanted_county, wanted_title = county.casefold().strip(), " ".join(title.split()).casefold()
        plans = [
            plan for plan in Plan.objects.filter(county__project=project).select_related("county")
            if plan.county.name.casefold() == wanted_county and " ".join(plan.title.split()).casefold() == wanted_title
        ]
        if not plans:
            if not any(c.name.casefold() == wanted_county for c in project.counties.all()):
                raise CommandError(f"The study has no county called {county!r}.")
            raise CommandError(f"{county} has no plan titled {title!r} in the register.")
        chosen = [
            p for p in plans
            if (not plan_type or plan_type.casefold() in (p.plan_type, str(p.get_plan_type_display()).casefold()))
            and (not year or p.year == year)
        ]
        if len(chosen) != 1:
            found = "; ".join(f"--type {p.plan_type} --year {p.year}" for p in plans)
            picked = "; none of them has the type and year given" if not chosen else ""
            raise CommandError(f"{len(plans)} plans of {county} are titled {title!r} ({found}){picked}. Give --type "
                               "or --year to pick one.")
        return chosen[0]

