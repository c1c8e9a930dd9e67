"""Plan documents: the text of a PDF (page by page), Word or text file, or a pasted excerpt, stored as a
Document of its plan. Extraction knows nothing of the database; the services below store and index.
"""

import json
import math
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from planner import docxtext
from planner.models import Document, normalise_text
from planner.textfiles import MEGABYTE, ImporterError, check_size, decode_text

EXTENSIONS = (".pdf", ".docx", ".txt")
EXCERPT_FORMAT = "excerpt"
# Between two pages: a page's text ends before the next page starts, and no word runs into the next.
PAGE_SEPARATOR = "\n\n"

# Where `python -m planner.pdfchild` is found: the directory that holds the planner package.
_CODE_ROOT = Path(__file__).resolve().parent.parent

# Ligature characters some PDFs map their glyphs to; searching «fiskeri» must find «ﬁskeri».
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st"})
# A hyphen that ends a line inside a word: a soft hyphen, the typographic hyphen U+2010, a plain
# hyphen, or PDFium's own mark (U+FFFE, formerly U+0002) for a hyphen where it already joined the lines.
_PDFIUM_HYPHENS = "\ufffe\x02"
_LINE_END_HYPHEN = re.compile(r"(?:[\ufffe\x02]\n?|[\u00ad\u2010-][ \t]*\n[ \t]*)(?=([^\W\d_]+))")
# «fylkes- og kommuneplan»: the hyphen stays, with its space, before these words.
_CONJUNCTIONS = {"og", "eller", "samt", "til", "and", "or"}
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\uffff]")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass
class PlanText:
    """The text of one plan file: `page_starts` holds the offset of each page (PDF only)."""

    text: str
    format: str
    page_starts: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def plan_text(name, data, *, max_bytes=None, beat=None):
    """Extract the text of an uploaded plan file; ImporterError names the file and the problem. `beat()` is
    called every second or so while a PDF is read (the worker's heartbeat)."""
    extension = check_plan_file(name)
    check_size(name, len(data), max_bytes)
    if not data.strip():
        raise ImporterError(f"{name} er tom.")
    if extension == ".pdf":
        return pdf_text(data, name=name, beat=beat)
    if extension == ".docx":
        limit = max(8 * max_bytes, 50 * 1_048_576) if max_bytes else docxtext.DEFAULT_MAX_UNPACKED_BYTES
        lines, _title, warnings = docxtext.paragraphs(data, name=name, max_unpacked_bytes=limit)
        text, fmt = tidy("\n\n".join(line.strip() for line in lines if line.strip())), "docx"
    else:
        text, fmt, warnings = tidy(decode_text(data, name=name)), "txt", []
    if not text:
        raise ImporterError(f"{name} har ingen tekst.")
    check_length(name, text)
    return PlanText(text=normalise_text(text), format=fmt, warnings=warnings)


def check_plan_file(name):
    """The file's extension, lower case; ImporterError for a type a plan cannot hold."""
    extension = PurePath(name).suffix.lower()
    if extension not in EXTENSIONS:
        raise ImporterError(f"{name}: filtypen «{extension or 'uten endelse'}» kan ikke legges til en plan. "
                            "Bruk .pdf, .docx eller .txt.")
    return extension


def check_length(name, text):
    """Refuse a plan's text of more than KODEVERK_MAX_TEXT_CHARS characters, the most one document may hold."""
    if len(text) > settings.KODEVERK_MAX_TEXT_CHARS:
        raise ImporterError(_("%(name)s holds more than %(limit)s characters of text, the most one document may "
                              "hold. Attach the part of the plan you need.")
                            % {"name": name, "limit": settings.KODEVERK_MAX_TEXT_CHARS})


def pdf_text(data, *, name, beat=None):
    """The text of a PDF, page by page: each page's text followed by PAGE_SEPARATOR, except the last."""
    pages = [normalise_text(tidy(page)) for page in _pdf_pages(data, name, beat)]
    empty = [number for number, page in enumerate(pages, start=1) if not any(ch.isalpha() for ch in page)]
    if len(empty) == len(pages):
        raise ImporterError(
            f"{name} har ikke noe tekstlag (skannet?). Kjør tekstgjenkjenning (OCR) først, for eksempel med "
            "Adobe Acrobat eller ocrmypdf, og legg til den nye fila."
        )
    warnings = []
    if empty:
        warnings.append(f"{name}: {_pages_label(empty)} har ikke noe tekstlag (skannet eller bare bilder); "
                        "tekst derfra er ikke med.")
    page_starts, offset = [], 0
    for page in pages:
        page_starts.append(offset)
        offset += len(page) + len(PAGE_SEPARATOR)
    return PlanText(text=PAGE_SEPARATOR.join(pages), format="pdf", page_starts=page_starts, warnings=warnings)


def _pdf_pages(data, name, beat=None):
    """The raw text of each page, read by PDFium in a child process (planner.pdfchild) under the limits of
    the settings: memory (KODEVERK_PDF_MEMORY_MB), time (KODEVERK_PDF_SECONDS), pages
    (KODEVERK_PDF_MAX_PAGES) and characters (KODEVERK_MAX_TEXT_CHARS). Past any of them: ImporterError."""
    seconds = settings.KODEVERK_PDF_SECONDS
    command = [sys.executable, "-m", "planner.pdfchild", str(settings.KODEVERK_PDF_MAX_PAGES),
               str(settings.KODEVERK_MAX_TEXT_CHARS), str(settings.KODEVERK_PDF_MEMORY_MB * MEGABYTE),
               str(math.ceil(seconds))]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=_CODE_ROOT)
    deadline = time.monotonic() + seconds
    try:
        stdout = _wait_for(child, data, deadline, beat)
    finally:
        if child.poll() is None:
            child.kill()  # past the time limit, or the job was handed on (Superseded from beat)
            child.wait()
    if stdout is None:
        raise _too_slow(name)
    try:
        result = json.loads(stdout) if child.returncode == 0 else None
    except ValueError:
        result = None
    if result is None:
        raise _child_failed(name, child)
    if "pages" in result:
        return result["pages"]
    raise _pdf_refusal(name, result)


def _wait_for(child, data, deadline, beat):
    """The child's output, or None when it is still running at the deadline; `beat()` about every second."""
    send = data
    while True:
        try:
            stdout, _stderr = child.communicate(send, timeout=max(0.05, min(1.0, deadline - time.monotonic())))
            return stdout
        except subprocess.TimeoutExpired:
            send = None  # the input went with the first call
            if time.monotonic() >= deadline:
                return None
            if beat:
                beat()


def _too_slow(name):
    return ImporterError(_("%(name)s was not read: reading its text took longer than %(seconds)s seconds, "
                           "the limit. The file may be made to overload the server; if it is a real plan, "
                           "save it again as PDF (print to PDF) and attach that.")
                         % {"name": name, "seconds": settings.KODEVERK_PDF_SECONDS})


def _child_failed(name, child):
    """The child died: out of memory (PDFium aborts or segfaults when an allocation fails), out of CPU time, or
    a crash. All three are a file PDFium cannot read within the limits."""
    if child.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return _too_slow(name)
    return ImporterError(_("%(name)s was not read: reading its text needed more than %(mb)s MB of memory, the "
                           "limit (a stream in it may unpack to gigabytes: a «PDF bomb»), or PDFium could not "
                           "read it. If it is a real plan, save it again as PDF (print to PDF) and attach that.")
                         % {"name": name, "mb": settings.KODEVERK_PDF_MEMORY_MB})


def _pdf_refusal(name, result):
    error = result["error"]
    if error == "not_pdf":
        return ImporterError(f"{name} er ikke en PDF-fil (den begynner ikke slik en PDF gjør).")
    if error == "password":
        return ImporterError(f"{name} er passordbeskyttet. Åpne den med passordet, lagre en kopi uten passord og "
                             "legg til den.")
    if error == "incomplete":
        return ImporterError(f"{name} er ikke en gyldig PDF-fil: den er ufullstendig (avbrutt nedlasting?). "
                             "Last den ned på nytt.")
    if error == "page":
        return ImporterError(f"{name}: side {result['page']} kan ikke leses; fila er skadet.")
    if error == "pages":
        return ImporterError(_("%(name)s has %(count)s pages; at most %(limit)s pages are read. Attach the part "
                               "of the plan you need (split the PDF), or paste excerpts by hand.")
                             % {"name": name, "count": result["count"], "limit": settings.KODEVERK_PDF_MAX_PAGES})
    if error == "chars":
        return ImporterError(_("%(name)s holds more than %(limit)s characters of text (passed on page %(page)s), "
                               "the most one document may hold. Attach the part of the plan you need.")
                             % {"name": name, "limit": settings.KODEVERK_MAX_TEXT_CHARS, "page": result["page"]})
    return ImporterError(f"{name} er ikke en gyldig PDF-fil: fila er skadet og kan ikke leses.")


def _pages_label(numbers):
    shown = ", ".join(str(n) for n in numbers[:10]) + (" …" if len(numbers) > 10 else "")
    return f"side {shown}" if len(numbers) == 1 else f"sidene {shown}"


def tidy(text):
    """Extracted text as people read it: ligatures spelt out, words hyphenated at line ends joined,
    control characters dropped, no trailing spaces or runs of blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\t", " ")
    text = _LINE_END_HYPHEN.sub(_join_hyphenated, text.translate(_LIGATURES))
    for mark in _PDFIUM_HYPHENS:  # the hyphens left are not inside words («2020-2024»): shown as hyphens
        text = text.replace(mark, "-")
    text = _CONTROLS.sub("", text)
    text = _BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub("\n", text))
    return text.strip()


def _join_hyphenated(match):
    hyphen, following = match.group(0)[0], match.group(1)
    if not match.string[match.start() - 1:match.start()].isalpha():
        return match.group(0)  # a dash that starts a line or follows a number is no hyphenation
    if following.lower() in _CONJUNCTIONS:
        return "- "
    if following[0].islower():
        return ""
    return "-" if hyphen in "\u00ad" + _PDFIUM_HYPHENS else hyphen


# --- Storing -----------------------------------------------------------------------------------------


@transaction.atomic
def plan_document_create(*, plan, user, title, text, source_name="", source_format="", page_starts=(),
                         first_page=1):
    """Store a Document of the plan (and its county) and index it, in one transaction."""
    document = Document(
        project=plan.county.project, kind=Document.Kind.PLAN, county=plan.county, plan=plan, title=title[:300],
        text=text, source_name=source_name[:255], source_format=source_format, page_starts=list(page_starts),
        first_page=first_page, created_by=user,
    )
    if normalise_text(text) != text:
        # Offsets in page_starts count code points of exactly this text.
        raise ValidationError(_("The document text could not be normalised."))
    document.full_clean()
    document.save()
    return document


def plan_file_attach(*, plan, user, name, data, title="", max_bytes=None):
    """Extract a plan file and store it as a Document of the plan; returns it and any warnings."""
    extracted = plan_text(name, data, max_bytes=max_bytes)
    return plan_file_store(plan=plan, user=user, name=name, extracted=extracted, title=title), extracted.warnings


def plan_file_store(*, plan, user, name, extracted: PlanText, title="") -> Document:
    """Store the extracted text of a plan file as a Document of the plan."""
    return plan_document_create(
        plan=plan, user=user, title=title or f"{plan.title} ({name})", text=extracted.text, source_name=name,
        source_format=extracted.format, page_starts=extracted.page_starts,
    )


def other_document_store(*, project, user, name, extracted: PlanText, title="", county=None) -> Document:
    """Store the text of another document of the study («annet»: an interview guide, meeting notes)."""
    document = Document(project=project, kind=Document.Kind.OTHER, county=county, title=(title or name)[:300],
                        text=extracted.text, source_name=name[:255], source_format=extracted.format,
                        page_starts=list(extracted.page_starts), created_by=user)
    document.full_clean()
    document.save()
    return document


def plan_excerpt_attach(*, plan, user, text, page, title=""):
    """Store an excerpt pasted by hand, from page `page` of the plan."""
    text = normalise_text(tidy(text))
    if not text:
        raise ValidationError(_("The excerpt is empty."))
    default = _("%(plan)s, excerpt p. %(page)s") % {"plan": plan.title, "page": page}
    return plan_document_create(plan=plan, user=user, title=title or default, text=text,
                                source_format=EXCERPT_FORMAT, page_starts=[0], first_page=page)


def document_pages(document):
    """The pages of a document as (page number, start offset, text); one unnumbered page without pages."""
    text, starts = document.text, document.page_starts
    if not starts:
        return [(None, 0, text)]
    bounds = [*starts, len(text)]
    return [(document.first_page + i, bounds[i], text[bounds[i]:bounds[i + 1]].rstrip("\n"))
            for i in range(len(starts))]
