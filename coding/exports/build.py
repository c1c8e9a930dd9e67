"""Make the file of an export: select the quotes, apply the anonymity decisions, write .docx, .xlsx or .csv.

The one entry point for the export page's background job and the export_quotes command.
"""

from dataclasses import dataclass

from django.utils import timezone

from coding.exports import refi
from coding.exports.options import FORMATS
from coding.exports.quotes import collect, selected_themes
from coding.exports.sheets import write_csv, write_xlsx
from coding.exports.word import write_docx

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "qdpx": "application/zip",
    "qdc": "application/xml",
    "backup": "application/zip",
}
# The exchange files (coding/exports/refi.py) and the backup (coding/exports/backup.py): the whole study, no choices.
STUDY_FORMATS = ("qdpx", "qdc", "backup")
FILE_WORDS = {"nb": ("sitater", "publisering"), "en": ("quotes", "publication")}


@dataclass
class Produced:
    file_name: str
    content_type: str
    data: bytes
    quotes: int  # quotes written (after anonymity drops)


def produce_study(project, fmt, *, progress=None) -> Produced:
    """The study as a REFI-QDA project (.qdpx), its codebook (.qdc) or its backup (a .qdpx with kodeverk.json)."""
    stamp = timezone.localdate().isoformat()
    if fmt == "qdc":
        return Produced(file_name=f"{project.slug}-kodebok-{stamp}.qdc", content_type=CONTENT_TYPES[fmt],
                        data=refi.codebook_xml(project), quotes=0)
    total = project.documents.count()
    done = [0]

    def step():
        done[0] += 1
        if progress:
            progress(done[0], total)

    if fmt == "backup":
        from coding.exports.backup import backup_archive  # the backup builds on this module's neighbours

        produced = backup_archive(project, progress=step)
        name = f"{project.slug}-sikkerhetskopi-{stamp}.qdpx"
    else:
        produced = refi.project_archive(project, progress=step)
        name = f"{project.slug}-{stamp}.qdpx"
    return Produced(file_name=name, content_type=CONTENT_TYPES[fmt], data=produced.data, quotes=produced.excerpts)


def file_name(project, options, fmt):
    """integrering-sitater-2026-11-27.docx; publication exports say so: …-sitater-publisering-….docx."""
    stem, publication = FILE_WORDS[options.language]
    parts = [project.slug, stem] + ([publication] if options.attribution == "publication" else [])
    return f"{'-'.join(parts)}-{timezone.localdate().isoformat()}.{fmt}"


def produce(project, options, fmt, *, decisions=None, progress=None) -> Produced:
    """The export file. `decisions` ({excerpt id: "keep" | "mask" | "drop"}) are applied first when given;
    in a publication export, a watched name in a quote without a decision is masked and an unattributed
    quote without a decision is left out.
    progress(done, total) is called now and then while the file is written."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    themes = selected_themes(project, options)
    quotes = collect(project, options, themes=themes)
    if decisions is not None or options.attribution == "publication":
        from coding.exports import anonymity

        decisions = {int(pk): choice for pk, choice in (decisions or {}).items()}
        if options.attribution == "publication":
            # A quote nobody decided on (coded after the check was shown, say) is masked, or left out when
            # nobody has said who speaks in it; never let through.
            for finding in anonymity.findings(project, quotes):
                decisions.setdefault(finding.quote.excerpt_id, finding.default_choice)
        quotes = anonymity.apply(project, quotes, decisions)
    total = sum(len(q.theme_ids) for q in quotes)  # quotes under their theme headings
    if progress:
        progress(0, total)
    if fmt == "docx":
        data = write_docx(project, options, themes, quotes, progress=progress)
    elif fmt == "xlsx":
        data = write_xlsx(project, options, themes, quotes)
    else:
        data = write_csv(project, options, themes, quotes)
    if progress and fmt != "docx":
        progress(total, total)
    return Produced(file_name=file_name(project, options, fmt), content_type=CONTENT_TYPES[fmt], data=data,
                    quotes=len(quotes))
