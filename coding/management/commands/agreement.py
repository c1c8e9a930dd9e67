"""Print the inter-coder agreement report of a study as CSV or JSON: the table of the agreement page."""

import json
from fractions import Fraction

from django.core.management.base import BaseCommand, CommandError

from coding.agreement import as_json, report_table, table_values
from planner.commandline import command_project
from planner.spreadsheets import csv_bytes


class Command(BaseCommand):
    help = ("Print the agreement of two coders (percent, on coded characters, Cohen's kappa, Krippendorff's alpha, "
            "segments) per theme and pooled; a third coder or more adds alpha of them all.")

    def add_arguments(self, parser):
        parser.add_argument("--study", required=True, help="The study's short name (slug)")
        parser.add_argument("--coders", required=True, help="User names, comma-separated: A,B[,C…]")
        parser.add_argument("--documents", nargs="*", type=int,
                            help="Document ids (default: the documents double-coded by all the coders)")
        parser.add_argument("--overlap", default="0",
                            help="Segments: the least overlap that matches, a fraction from 0 to 1 (0: any overlap)")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, study, coders, documents, overlap, format, **options):
        project = command_project(study)
        names = [name.strip() for name in coders.split(",") if name.strip()]
        if len(set(names)) < 2 or len(set(names)) != len(names):
            raise CommandError("--coders needs two different user names or more, e.g. --coders kari,ola")
        users = []
        for name in names:
            membership = project.memberships.select_related("user").filter(user__username=name).first()
            if membership is None:
                raise CommandError(f"{name!r} is not a member of the study.")
            users.append(membership.user)
        try:
            threshold = Fraction(overlap)
        except (ValueError, ZeroDivisionError) as error:
            raise CommandError(f"--overlap: {overlap!r} is not a number") from error
        if not 0 <= threshold <= 1:
            raise CommandError("--overlap lies between 0 and 1")
        if documents:
            known = set(project.documents.filter(pk__in=documents).values_list("pk", flat=True))
            missing = [pk for pk in documents if pk not in known]
            if missing:
                raise CommandError(f"Document {missing[0]} is not a document of the study.")
        table = report_table(project, users, documents or None, threshold=threshold)
        if format == "json":
            self.stdout.write(json.dumps(as_json(table), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(csv_bytes(table_values(table, "not applicable", "Pooled")).decode("utf-8-sig"),
                              ending="")
