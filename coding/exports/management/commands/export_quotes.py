"""Export a study's coded quotes to Word (.docx), .xlsx or .csv: what the export page does, from the command line."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coding.exports.build import produce
from coding.exports.options import ATTRIBUTIONS, FORMATS, GROUPINGS, LANGUAGES, SOURCES, ExportOptions
from coding.exports.quotes import collect
from planner.commandline import command_county, command_project, file_problem

NAME_CHOICES = ("keep", "mask", "drop")


class Command(BaseCommand):
    help = ("Write a study's coded quotes, grouped by theme and county, to a Word, .xlsx or .csv file. A publication "
            "export whose quotes hold a watched name or a participant label writes nothing until --names says what "
            "to do with them.")

    def add_arguments(self, parser):
        parser.add_argument("--study", required=True, help="The study's short name (slug)")
        parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
        parser.add_argument("--attribution", required=True, choices=ATTRIBUTIONS,
                            help="internal: role, field, county, interview, time code; publication: as the report "
                                 "signs quotes, «(Rådgiver, integrering, fylkeskommune)»")
        parser.add_argument("-o", "--output", required=True, type=Path, help="The file to write")
        parser.add_argument("--theme", action="append", default=[], metavar="NAME",
                            help="Only this theme (and its sub-themes); repeat for several. Default: every theme")
        parser.add_argument("--county", action="append", default=[], metavar="NAME",
                            help="Only this county; repeat for several. Default: every county")
        parser.add_argument("--sources", choices=SOURCES, default="both")
        parser.add_argument("--key-only", action="store_true", help="Only the key quotes")
        parser.add_argument("--coder", default="", metavar="USERNAME", help="Only this user's excerpts")
        parser.add_argument("--grouping", choices=GROUPINGS, default="theme",
                            help="theme: theme, then county; county: county, then theme")
        parser.add_argument("--no-summaries", action="store_true", help="Leave out theme summaries and county notes")
        parser.add_argument("--memos", action="store_true", help="Memos as Word comments on their quotes")
        parser.add_argument("--plan-tables", action="store_true", help="Add the plan overview and plan excerpt tables")
        parser.add_argument("--empty-themes", action="store_true",
                            help="Word: a heading also for each chosen theme without quotes (left out by default)")
        parser.add_argument("--language", choices=LANGUAGES, default="nb")
        parser.add_argument("--names", choices=NAME_CHOICES,
                            help="What to do with quotes that hold a watched name or a participant label: keep "
                                 "them, mask the names («[fylke]», «[kommune]», «[navn]») or drop the quotes")
        parser.add_argument("--keep-unattributed", action="store_true",
                            help="Keep quotes from turns whose speaker nobody has assigned («Ukjent»), signed "
                                 "«(fylkeskommune)»; without it a publication export leaves them out")

    def handle(self, *args, study, fmt, attribution, output, theme, county, sources, key_only, coder, grouping,
               no_summaries, memos, plan_tables, empty_themes, language, names, keep_unattributed, **rest):
        project = command_project(study)
        options = ExportOptions(
            themes=tuple(_theme(project, name).pk for name in theme),
            counties=tuple(command_county(project, name).pk for name in county),
            sources=sources, key_only=key_only, coder=_coder(project, coder), grouping=grouping,
            attribution=attribution, summaries=not no_summaries, memos=memos, plan_tables=plan_tables,
            empty_themes=empty_themes, language=language,
        )
        decisions = self._decisions(project, options, names, keep_unattributed)
        produced = produce(project, options, fmt, decisions=decisions)
        try:
            _write_atomically(output, produced.data)
        except OSError as error:
            raise CommandError(file_problem(error, output)) from error
        self.stdout.write(f"Wrote {produced.quotes} quotes to {output}.")

    def _decisions(self, project, options, names, keep_unattributed=False):
        """The anonymity choices: a publication export with names in quotes needs --names; a quote nobody has
        attributed is dropped unless --keep-unattributed; otherwise none."""
        if options.attribution != "publication" and not names:
            return None
        from coding.exports import anonymity  # written alongside; imported late so the command stands alone

        found = anonymity.findings(project, collect(project, options))
        named = [finding for finding in found if finding.matches]
        decisions = {}
        unattributed = [finding for finding in found if finding.unattributed]
        for finding in unattributed:
            decisions[finding.quote.excerpt_id] = (names or "keep") if keep_unattributed else "drop"
        if unattributed and not keep_unattributed:
            self.stderr.write(f"{len(unattributed)} quotes from turns whose speaker is not assigned are left out "
                              f"(--keep-unattributed keeps them).")
        named = [finding for finding in named if finding.quote.excerpt_id not in decisions]
        if named and not names:
            for finding in named:
                quote = finding.quote
                matched = ", ".join(dict.fromkeys(match.name for match in finding.matches))
                self.stderr.write(f"excerpt {quote.excerpt_id}: {matched} (in «{quote.document_title}»)")
            raise CommandError(
                f"{len(named)} quotes hold a watched name or a participant label (listed above); nothing was "
                f"written. Choose what to do with them: --names keep, --names mask or --names drop.")
        return decisions | {finding.quote.excerpt_id: names for finding in named}


def _theme(project, name):
    theme = project.themes.filter(name__iexact=name.strip()).first()
    if theme is None:
        raise CommandError(f"The study has no theme called {name!r}.")
    return theme


def _coder(project, username):
    if username and not project.memberships.filter(user__username=username).exists() and not \
            project.documents.filter(excerpts__coder__username=username).exists():
        raise CommandError(f"{username!r} has coded nothing in the study and is not a member of it.")
    return username


def _write_atomically(path, data):
    """Write to a temporary file beside `path`, then rename it: the file is whole or not there at all."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
