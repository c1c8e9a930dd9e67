"""Print a study's theme × county matrix as CSV or JSON: the numbers of the matrix page."""

import json

from django.core.management.base import BaseCommand, CommandError

from coding.review.matrix import COUNTS, ORDERS, SOURCES, as_json, matrix, write_csv
from planner.commandline import command_project


class Command(BaseCommand):
    help = "Print the theme × county matrix of a study (distinct excerpts, informants or documents) to stdout."

    def add_arguments(self, parser):
        parser.add_argument("--study", required=True, help="The study's short name (slug)")
        parser.add_argument("--count", choices=list(COUNTS), default="excerpts")
        parser.add_argument("--sources", choices=list(SOURCES), default="both")
        parser.add_argument("--coder", help="Only this user's excerpts (user name)")
        parser.add_argument("--order", choices=list(ORDERS), default="name", help="Order of the county columns")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, study, count, sources, coder, order, format, **options):
        project = command_project(study)
        coder_user = None
        if coder:
            membership = project.memberships.select_related("user").filter(user__username=coder).first()
            if membership is None:
                raise CommandError(f"{coder!r} is not a member of the study.")
            coder_user = membership.user
        # The command line sees what the project lead sees: one coder's count holds their blind coding too.
        result = matrix(project=project, count=count, sources=sources, coder=coder_user, county_order=order,
                        with_blind=True)
        if format == "json":
            self.stdout.write(json.dumps(as_json(result), ensure_ascii=False, indent=2))
        else:
            # Without the byte order mark: that is for Excel opening a file, not for a pipe.
            self.stdout.write(write_csv(result).decode("utf-8-sig"), ending="")
