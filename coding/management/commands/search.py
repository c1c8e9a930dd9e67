"""Search a study's documents from the command line; one JSON object per hit and line."""

import json

from django.core.management.base import BaseCommand, CommandError

from coding.query import QueryError
from coding.search import add_context, search
from planner.commandline import command_county, command_project
from planner.models import Document


class Command(BaseCommand):
    help = ("Search a study: terms inside words (innv), ^innv at word starts, =innv whole words, quoted phrases "
            "(\"små kommuner\"), AND/OR/NOT, NEAR/n; prints JSON lines.")

    def add_arguments(self, parser):
        parser.add_argument("terms", nargs="+", help="Search terms; quote a phrase for the shell too")
        parser.add_argument("--study", required=True, help="The study's short name (slug)")
        parser.add_argument("--kind", choices=Document.Kind.values, default="")
        parser.add_argument("--county", help="Only documents of this county")
        parser.add_argument("--json", action="store_true", help="JSON lines (the only output format; for scripts)")

    def handle(self, *args, terms, study, kind, county, **options):
        project = command_project(study)
        county_row = command_county(project, county)
        # A term with a space was a quoted phrase on the shell's command line.
        query = " ".join(f'"{term}"' if " " in term.strip() else term for term in terms)
        try:
            results = search(project=project, query=query, kind=kind, county=county_row)
        except QueryError as error:
            raise CommandError(str(error)) from error
        add_context(results, shown_only=False)
        for result in results:
            document = result.document
            for hit in result.hits:
                self.stdout.write(json.dumps({
                    "document": document.pk, "title": document.title, "kind": document.kind,
                    "county": document.county.name if document.county else None, "page": hit.page,
                    "time": hit.time_code or None, "term": hit.term.label, "start": hit.start, "end": hit.end,
                    "match": hit.match, "context": f"{hit.before}{hit.match}{hit.after}",
                }, ensure_ascii=False))
