"""Write a study as a REFI-QDA project (.qdpx) or its codebook (.qdc), for NVivo, ATLAS.ti, MAXQDA, QualCoder …"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coding.exports.build import produce_study
from coding.exports.management.commands.export_quotes import _write_atomically
from coding.exports.refi import NO_THEMES
from planner.commandline import command_project, file_problem


class Command(BaseCommand):
    help = ("Write the whole study as a REFI-QDA project (.qdpx: texts, themes, excerpts, memos, summaries, cases, "
            "variables), or with --codebook-only its codebook (.qdc). Identifiers stay the same between exports.")

    def add_arguments(self, parser):
        parser.add_argument("--study", required=True, help="The study's short name (slug)")
        parser.add_argument("-o", "--output", required=True, type=Path, help="The file to write")
        parser.add_argument("--codebook-only", action="store_true", help="Only the codebook, as a .qdc file")

    def handle(self, *args, study, output, codebook_only, **rest):
        project = command_project(study)
        if codebook_only and not project.themes.exists():
            raise CommandError(str(NO_THEMES))
        produced = produce_study(project, "qdc" if codebook_only else "qdpx")
        try:
            _write_atomically(output, produced.data)
        except OSError as error:
            raise CommandError(file_problem(error, output)) from error
        if codebook_only:
            self.stdout.write(f"Wrote the codebook ({project.themes.count()} themes) to {output}.")
        else:
            self.stdout.write(f"Wrote {project.documents.count()} documents and {produced.quotes} excerpts to "
                              f"{output}.")
