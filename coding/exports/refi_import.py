"""Reading REFI-QDA files: a project (.qdpx) into a new study, a codebook (.qdc) into an existing one.

Real files differ from the specification (../shared/refi-qda/README.md, docs/formats.md), so the reader takes
project.qde or any single .qde; texts in sources/ or Sources/, inline (PlainTextContent) or by plainTextPath;
UTF-8 with or without a byte order mark; CRLF line ends. Positions are code points (end exclusive) into the text as
the file holds it; since Kodeverk stores texts with LF line ends and NFC, each position is carried onto the stored
text. NVivo writes UTF-16 code units instead of code points: where that reading lands selections on word
boundaries and the code-point reading does not, it is taken, and the report says so.

Reading (`read_project`) only parses and checks: a problem with the file is an ImporterError naming it, before
anything is stored. Storing (`store_project`) is one transaction. The report (`ImportReport`) lists what was
imported, what the file held that Kodeverk cannot store, and each selection that was moved or left out, and why.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime
import functools
import io
import posixpath
import re
import unicodedata
import uuid as uuidlib
import zipfile
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from lxml import etree

from coding.models import THEME_COLOURS, Change, Coding, Excerpt, ExchangeImport, Theme, ThemeSummary
from coding.quotes import display_names
from interviews.models import Interview, Participant, ParticipantField, ParticipantRole, Turn
from planner.models import County, Document, normalise_text
from planner.services import project_create
from planner.textfiles import ImporterError

# Variable names read as County, District share, Role and Field, in any case (other tools, other languages).
COUNTY_NAMES = {"county", "fylke", "fylkeskommune", "region"}
SHARE_NAMES = {"district share", "distriktsandel"}
ROLE_NAMES = {"role", "rolle"}
FIELD_NAMES = {"field", "fagfelt"}
UNSUPPORTED_SOURCES = {"PDFSource": "PDF", "PictureSource": "picture", "AudioSource": "audio",
                       "VideoSource": "video"}
MAX_XML_BYTES = 512 * 1024 * 1024


# --- The report --------------------------------------------------------------------------------------

@dataclass
class ImportReport:
    """What an import did. Plain data (stored as JSON with the study and shown on the report page)."""

    counts: dict = field(default_factory=dict)  # {"documents": 3, "themes": 12, …}
    not_stored: list = field(default_factory=list)  # what the file held that Kodeverk cannot store
    adjusted: list = field(default_factory=list)  # [{"source", "guid", "text", "reason"}]
    dropped: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # readings chosen (UTF-16 positions, a renamed theme …)

    def to_json(self):
        return asdict(self)

    @classmethod
    def from_json(cls, data):
        return cls(**{key: data.get(key, default) for key, default in asdict(cls()).items()})


# --- Parsing -------------------------------------------------------------------------------------------

def _local(element):
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element, name):
    return [child for child in element if _local(child) == name]


def _child(element, name):
    for child in element:
        if _local(child) == name:
            return child
    return None


def _child_text(element, name):
    child = _child(element, name)
    return (child.text or "") if child is not None else ""


def _guid(value):
    """A GUID as Kodeverk stores it (lower case, no braces), or None for a malformed one."""
    try:
        return str(uuidlib.UUID((value or "").strip().strip("{}")))
    except ValueError:
        return None


def parse_xml(data: bytes, what: str):
    """The root element, parsed without network access or entity expansion; ImporterError for broken XML."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ImporterError(_("%(file)s is not well-formed XML: %(error)s") % {"file": what, "error": error}) from error


@dataclass
class Package:
    """An opened .qdpx: the project XML, and the other members by lower-cased name."""

    xml: bytes
    qde_name: str
    members: dict


def open_package(data: bytes) -> Package:
    """The .qde of a .qdpx (project.qde, else the one .qde it holds) and its other files."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError) as error:
        raise ImporterError(_("The file is not a REFI-QDA project (.qdpx): it is not a zip archive.")) from error
    qdes = [info for info in names if info.filename.lower().endswith(".qde") and "__macosx" not in
            info.filename.lower()]
    chosen = [info for info in qdes if posixpath.basename(info.filename).lower() == "project.qde"] or qdes
    if not chosen:
        raise ImporterError(_("The archive holds no project file (.qde)."))
    if len(chosen) > 1:
        raise ImporterError(_("The archive holds several project files (%(names)s); it should hold one.")
                            % {"names": ", ".join(info.filename for info in chosen)})
    total = sum(info.file_size for info in names)
    if total > settings.UPLOAD_MAX_MB * 1024 * 1024 * 20 or chosen[0].file_size > MAX_XML_BYTES:
        raise ImporterError(_("The archive unpacks to more than Kodeverk reads (%(mb)s MB).")
                            % {"mb": total // (1024 * 1024)})
    try:
        xml = archive.read(chosen[0])
        members = {info.filename.lower(): info for info in names}
        return Package(xml=xml, qde_name=chosen[0].filename, members={k: (archive, v) for k, v in members.items()})
    except (zipfile.BadZipFile, OSError, RuntimeError) as error:
        raise ImporterError(_("The archive is damaged: %(error)s") % {"error": error}) from error


def _source_bytes(package: Package, path: str):
    """A source's file: internal://name in sources/ or Sources/ (or beside the .qde), or a relative path."""
    if path.lower().startswith("internal://"):
        name = path[len("internal://"):]
        candidates = [f"sources/{name}", name]
    else:
        name = path.replace("\\", "/").lstrip("./")
        candidates = [name, f"sources/{posixpath.basename(name)}"]
    folder = posixpath.dirname(package.qde_name)
    for candidate in candidates:
        for key in (candidate.lower(), posixpath.join(folder, candidate).lower()):
            if key in package.members:
                archive, info = package.members[key]
                return archive.read(info)
    return None


def decode_text(data: bytes, name: str, notes: list) -> str:
    """A source file's text: UTF-8 (a byte order mark dropped), UTF-16 with its mark, else Windows-1252, noted."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append(_("«%(name)s» is not UTF-8; it was read as Windows-1252.") % {"name": name})
        return data.decode("cp1252", errors="replace")


# --- Positions ------------------------------------------------------------------------------------------

class Positions:
    """Carries positions in a source's text as the file holds it (`raw`) onto the text Kodeverk stores (`text`:
    LF line ends, NFC), for each way a tool may have counted them."""

    def __init__(self, raw: str):
        self.raw = raw
        self.lf = raw.replace("\r\n", "\n").replace("\r", "\n")
        self.text = normalise_text(raw)
        self._crlf = [i for i in range(len(raw) - 1) if raw[i] == "\r" and raw[i + 1] == "\n"] if "\r\n" in raw else []
        self._nfc = None if self.lf == self.text else _nfc_map(self.lf)

    def _from_raw(self, position):
        if position is None:
            return None
        return position - bisect.bisect_left(self._crlf, position)  # a \r\n before it counts once

    def _from_lf(self, position):
        if self._nfc is None or position is None:
            return position
        return self._nfc[position] if 0 <= position < len(self._nfc) else None

    def readings(self):
        """(name, function) for each way of counting that differs on this text, the standard's first."""
        readings = [("code points", lambda p: self._from_lf(self._from_raw(p)))]
        astral_raw, astral_lf = _astral(self.raw), _astral(self.lf)
        if astral_raw:
            readings.append(("UTF-16", lambda p: self._from_lf(self._from_raw(_u16_to_cp(astral_raw, p)))))
        if self._crlf:
            readings.append(("code points, CRLF as one", self._from_lf))
            if astral_lf:
                readings.append(("UTF-16, CRLF as one", lambda p: self._from_lf(_u16_to_cp(astral_lf, p))))
        return readings


ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def _astral(text):
    """The UTF-16 offsets at which characters outside the BMP start (each takes two units)."""
    return [match.start() + extra for extra, match in enumerate(ASTRAL.finditer(text))]


def _u16_to_cp(astral, position):
    if position is None:
        return None
    before = bisect.bisect_left(astral, position)
    if before and astral[before - 1] == position - 1:
        return None  # inside a surrogate pair: no character starts there
    return position - before


def _nfc_map(text):
    """Offsets in `text` → offsets in its NFC form, run by run (a run: a starter and the marks after it)."""
    mapping, out, run = [], 0, 0
    starts = [i for i, char in enumerate(text) if unicodedata.combining(char) == 0] + [len(text)]
    for start, end in zip(starts, starts[1:], strict=False):
        composed = len(unicodedata.normalize("NFC", text[start:end]))
        mapping.extend([out] * (end - start))
        out += composed
        run = end
    mapping.extend([out] * (len(text) - run + 1))
    return mapping


def _inside_word(text, position):
    return 0 < position < len(text) and text[position - 1].isalnum() and text[position].isalnum()


def choose_reading(positions: Positions, spans):
    """The reading that lands the most selections in the text and on word boundaries: the standard's (code points)
    unless another one does strictly better."""
    best = None
    for name, carry in positions.readings():
        bad = 0
        for start, end in spans:
            a, b = carry(start), carry(end)
            if a is None or b is None or not 0 <= a < b <= len(positions.text):
                bad += 2
            else:
                bad += _inside_word(positions.text, a) + _inside_word(positions.text, b)
        if best is None or bad < best[0]:
            best = (bad, name, carry)
    return best[1], best[2]


# --- Reading a project ------------------------------------------------------------------------------------

@dataclass
class ReadCode:
    guid: str | None
    name: str
    colour: str
    description: str
    codable: bool | None  # None: the file does not say (a sheet)
    parent: int | None  # index into the list
    notes: list


@dataclass
class ReadSelection:
    guid: str | None
    start: int
    end: int
    codes: list  # code GUIDs
    notes: list  # note GUIDs
    user: str | None
    created: datetime.datetime | None


@dataclass
class ReadSource:
    guid: str | None
    name: str
    raw: str
    selections: list
    user: str | None
    created: datetime.datetime | None


@dataclass
class ReadProject:
    name: str
    description: str
    users: dict  # guid → name
    codes: list
    variables: dict  # guid → name
    cases: list  # dicts: guid, name, values {variable name lower: value}, sources [guid], selections [guid]
    sources: list
    notes: dict  # guid → (name, text)
    report: ImportReport


def _colour(value):
    value = (value or "").strip()
    if len(value) == 4 and value.startswith("#"):
        value = "#" + "".join(c * 2 for c in value[1:])
    if len(value) == 7 and value.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in value[1:]):
        return value.upper()
    return ""


def _when(value):
    moment = parse_datetime((value or "").strip()) if value else None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def _int(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def read_codes(parent_element, report) -> list[ReadCode]:
    """The Codes of a CodeBook (either namespace), parents before their children."""
    codes = []

    def walk(element, parent):
        for code in _children(element, "Code"):
            name = (code.get("name") or "").strip() or _("Unnamed theme")
            codes.append(ReadCode(
                guid=_guid(code.get("guid")), name=name[:120], colour=_colour(code.get("color")),
                description=_child_text(code, "Description"),
                codable=(code.get("isCodable") or "true").strip().lower() not in ("false", "0"),
                parent=parent, notes=[_guid(ref.get("targetGUID")) for ref in _children(code, "NoteRef")]))
            walk(code, len(codes) - 1)

    holder = _child(parent_element, "Codes")
    if holder is not None:
        walk(holder, None)
    sets = _child(parent_element, "Sets")
    if sets is not None and len(sets):
        report.not_stored.append(_("%(n)s sets of codes") % {"n": len(sets)})
    return codes


def read_project(data: bytes) -> ReadProject:
    """Parse a .qdpx; ImporterError names what is wrong with it. Nothing is stored."""
    package = open_package(data)
    root = parse_xml(package.xml, package.qde_name)
    if _local(root) != "Project":
        raise ImporterError(_("%(file)s is not a REFI-QDA project: its root element is <%(tag)s>.")
                            % {"file": package.qde_name, "tag": _local(root)})
    report = ImportReport()
    users = {}
    for user in _children(_child(root, "Users") if _child(root, "Users") is not None else root, "User"):
        if _guid(user.get("guid")):
            users[_guid(user.get("guid"))] = (user.get("name") or user.get("id") or "").strip()
    codebook = _child(root, "CodeBook")
    codes = read_codes(codebook, report) if codebook is not None else []
    variables = {}
    holder = _child(root, "Variables")
    for variable in _children(holder, "Variable") if holder is not None else []:
        variables[_guid(variable.get("guid"))] = (variable.get("name") or "").strip()
    cases = []
    holder = _child(root, "Cases")
    for case in _children(holder, "Case") if holder is not None else []:
        values = {}
        for value in _children(case, "VariableValue"):
            ref = _child(value, "VariableRef")
            name = variables.get(_guid(ref.get("targetGUID")) if ref is not None else None)
            content = [child for child in value if _local(child) != "VariableRef"]
            if name and content:
                values[name.lower()] = (content[0].text or "").strip()
        cases.append({"guid": _guid(case.get("guid")), "name": (case.get("name") or "").strip(), "values": values,
                      "sources": [_guid(r.get("targetGUID")) for r in _children(case, "SourceRef")],
                      "selections": [_guid(r.get("targetGUID")) for r in _children(case, "SelectionRef")],
                      "codes": len(_children(case, "CodeRef"))})
    notes = {}
    holder = _child(root, "Notes")
    for note in _children(holder, "Note") if holder is not None else []:
        text = _child_text(note, "PlainTextContent")
        if not text and note.get("plainTextPath"):
            raw = _source_bytes(package, note.get("plainTextPath"))
            text = decode_text(raw, note.get("name") or "", report.notes) if raw is not None else ""
        notes[_guid(note.get("guid"))] = ((note.get("name") or "").strip(), normalise_text(text).strip())
    sources = []
    holder = _child(root, "Sources")
    unsupported = {}
    for source in holder if holder is not None else []:
        kind = _local(source)
        if kind in UNSUPPORTED_SOURCES:
            unsupported[UNSUPPORTED_SOURCES[kind]] = unsupported.get(UNSUPPORTED_SOURCES[kind], 0) + 1
            continue
        if kind != "TextSource":
            continue
        sources.append(_read_source(package, source, report))
    for kind, n in unsupported.items():
        report.not_stored.append(_("%(n)s %(kind)s sources (Kodeverk codes text only)") % {"n": n, "kind": kind})
    for name, what in (("Links", _("links")), ("Graphs", _("graphs")), ("Sets", _("sets"))):
        element = _child(root, name)
        if element is not None and len(element):
            report.not_stored.append(_("%(n)s %(what)s") % {"n": len(element), "what": what})
    return ReadProject(name=(root.get("name") or "").strip(), description=_child_text(root, "Description"),
                       users=users, codes=codes, variables=variables, cases=cases, sources=sources, notes=notes,
                       report=report)


def _read_source(package, source, report):
    name = (source.get("name") or "").strip() or _("Untitled text")
    inline = _child(source, "PlainTextContent")
    path = source.get("plainTextPath")
    if inline is not None and inline.text:
        raw = inline.text
    elif path:
        data = _source_bytes(package, path)
        if data is None:
            raise ImporterError(_("The text of «%(name)s» (%(path)s) is not in the archive.")
                                % {"name": name, "path": path})
        raw = decode_text(data, name, report.notes)
    else:
        raw = ""
    if raw.startswith("\ufeff"):
        raw = raw[1:]
    selections = []
    for selection in _children(source, "PlainTextSelection"):
        start, end = _int(selection.get("startPosition")), _int(selection.get("endPosition"))
        codes = [_guid(ref.get("targetGUID")) for coding in _children(selection, "Coding")
                 for ref in _children(coding, "CodeRef")]
        notes = [_guid(ref.get("targetGUID")) for ref in _children(selection, "NoteRef")]
        notes += [_guid(ref.get("targetGUID")) for coding in _children(selection, "Coding")
                  for ref in _children(coding, "NoteRef")]
        selections.append(ReadSelection(
            guid=_guid(selection.get("guid")), start=start, end=end, codes=codes, notes=notes,
            user=_guid(selection.get("creatingUser")), created=_when(selection.get("creationDateTime"))))
    if _children(source, "Coding"):
        report.not_stored.append(_("«%(name)s»: codings of the whole text (Kodeverk codes passages)")
                                 % {"name": name})
    return ReadSource(guid=_guid(source.get("guid")), name=name[:300], raw=raw, selections=selections,
                      user=_guid(source.get("creatingUser")), created=_when(source.get("creationDateTime")))


# --- Storing a project --------------------------------------------------------------------------------------

@contextlib.contextmanager
def stored_times(*models):
    """Rows written with the times they are given: the models' auto_now and auto_now_add set nothing meanwhile.

    It changes the field objects, which the process shares: call it only where nothing else writes those models
    at the same time (a task in the worker, a command), as the importer and the backup's restore do."""
    switched = []
    for model in models:
        for model_field in model._meta.concrete_fields:
            if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
                switched.append((model_field, model_field.auto_now, model_field.auto_now_add))
                model_field.auto_now = model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field, auto_now, auto_now_add in switched:
            model_field.auto_now, model_field.auto_now_add = auto_now, auto_now_add


def _free(model, guid, taken):
    """The file's GUID if no row of `model` has it yet, else a new one (a study imported twice)."""
    if guid and guid not in taken:
        return guid
    return str(uuidlib.uuid4())


def _taken(model, guids):
    guids = [g for g in guids if g]
    found = set()
    for at in range(0, len(guids), 5000):
        found |= {str(u) for u in model.objects.filter(uuid__in=guids[at:at + 5000]).values_list("uuid", flat=True)}
    return found


def _choice(value, choices, names):
    """A role or field from its code or its display name in Norwegian or English; None if unknown."""
    text = (value or "").strip().lower()
    for code, _label in choices:
        if text == code or any(text == table.get(code, "").lower() for table in names):
            return code
    return None


def _users_for(read, lead, report):
    """{user GUID: Django user}: the lead by name, else an existing account of that username, else a new
    account without a password (it cannot log in until someone sets one)."""
    User = get_user_model()
    found, made = {}, []
    for guid, name in read.users.items():
        username = (name or "").strip()[:150]
        if not username:
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username)
            user.set_unusable_password()
            user.save()
            made.append(username)
        found[guid] = user
    if made:
        report.notes.append(_("Accounts without a password were made for the coders %(names)s; they cannot log in "
                              "until an administrator sets a password.") % {"names": ", ".join(made)})
    others = sorted({user.get_username() for user in found.values() if user != lead})
    if others:
        report.notes.append(_("The coders %(names)s keep their excerpts but are not members of the new study; add "
                              "them on the members page if they are to work in it.") % {"names": ", ".join(others)})
    return found


@transaction.atomic
def store_project(read: ReadProject, *, project, lead, progress=None) -> ImportReport:
    """The read project into `project`, a new and empty study led by `lead`. One transaction."""
    report = read.report
    if read.description and not project.description:
        project.description = read.description
        project.save(update_fields=["description"])
    users = _users_for(read, lead, report)
    themes = _store_codes(project, read.codes, report, lead)
    theme_by_guid = {code.guid: theme for code, theme in zip(read.codes, themes, strict=True) if code.guid}
    # Summaries: the notes a Code refers to.
    summaries = []
    for code, theme in zip(read.codes, themes, strict=True):
        texts = [read.notes[g][1] for g in code.notes if g in read.notes and read.notes[g][1]]
        if texts:
            summary_guid = next(g for g in code.notes if g in read.notes and read.notes[g][1])
            summaries.append((summary_guid, ThemeSummary(project=project, theme=theme, text="\n\n".join(texts),
                                                         updated_by=lead)))
    taken = _taken(ThemeSummary, [g for g, _s in summaries])
    for guid, summary in summaries:
        summary.uuid = _free(ThemeSummary, guid, taken)
    ThemeSummary.objects.bulk_create([s for _g, s in summaries])
    used_notes = {g for code in read.codes for g in code.notes}

    counties, participants, source_county, turn_owner = _store_cases(project, read, report)
    names_taken = {}
    documents_taken = _taken(Document, [s.guid for s in read.sources])
    excerpts_taken = _taken(Excerpt, [sel.guid for s in read.sources for sel in s.selections])
    turns_taken = _taken(Turn, list(turn_owner))
    n_excerpts = n_codings = 0
    for source in read.sources:
        document, excerpts, codings, turns, used = _store_source(
            project, source, report, users=users, themes=theme_by_guid, notes=read.notes, county=source_county.get(
                source.guid), turn_owner=turn_owner, documents_taken=documents_taken,
            excerpts_taken=excerpts_taken, turns_taken=turns_taken, titles=names_taken, lead=lead)
        used_notes |= used
        n_excerpts += excerpts
        n_codings += codings
        if progress:
            progress()
    unattached = [g for g in read.notes if g not in used_notes]
    if unattached:
        report.not_stored.append(_("%(n)s notes not attached to a theme or a selection") % {"n": len(unattached)})
    report.counts = {"documents": len(read.sources), "themes": len(themes), "excerpts": n_excerpts,
                     "codings": n_codings, "summaries": len(summaries), "counties": len(counties),
                     "participants": len(participants), "users": len(users)}
    return report


def _store_codes(project, codes, report, lead):
    taken = _taken(Theme, [c.guid for c in codes])
    names, themes = set(), []
    colours = iter(THEME_COLOURS * (len(codes) // len(THEME_COLOURS) + 1))
    for position, code in enumerate(codes, start=1):
        name, n = code.name, 2
        while name.lower() in names:
            name, n = f"{code.name[:110]} ({n})", n + 1
        if name != code.name:
            report.notes.append(_("Two themes are called «%(name)s»; the second is now «%(new)s».")
                                % {"name": code.name, "new": name})
        names.add(name.lower())
        theme = Theme(project=project, uuid=_free(Theme, code.guid, taken), name=name, description=code.description,
                      colour=code.colour or next(colours), position=position, archived=not code.codable,
                      parent=themes[code.parent] if code.parent is not None else None)
        theme.save()
        themes.append(theme)
    Change.objects.bulk_create(Change(project=project, user=lead, action=Change.Action.THEME_CREATED,
                                      object_uuid=theme.uuid, after={"name": theme.name, "imported": True})
                               for theme in themes)
    return themes


def _store_cases(project, read, report):
    """Counties and participants from the Cases: a case with a role, a field or selections is a participant, one
    with a county value (or SourceRefs and a district share) a county. Returns the counties by name, the
    participants, the county of each source GUID and the participant of each selection GUID."""
    names_nb, names_en = display_names("nb"), display_names("en")
    counties = {}

    def county(name, share=None):
        name = name.strip()[:100]
        if not name:
            return None
        key = name.lower()
        if key not in counties:
            counties[key] = County.objects.create(project=project, name=name, district_share=min(share or 0, 100))
        elif share is not None and not counties[key].district_share:
            counties[key].district_share = min(share, 100)
            counties[key].save(update_fields=["district_share"])
        return counties[key]

    def value(case, names):
        return next((v for k, v in case["values"].items() if k in names), None)

    participants, source_county, turn_owner, labels = [], {}, {}, set()
    taken = _taken(Participant, [c["guid"] for c in read.cases])
    taken_counties = _taken(County, [c["guid"] for c in read.cases])
    for case in read.cases:
        role, field_text = value(case, ROLE_NAMES), value(case, FIELD_NAMES)
        county_name, share = value(case, COUNTY_NAMES), _int(value(case, SHARE_NAMES))
        if role is not None or field_text is not None or case["selections"]:
            label = (case["name"] or _("Participant"))[:60]
            n = 2
            while label.lower() in labels:
                label, n = f"{case['name'][:55]} ({n})", n + 1
            labels.add(label.lower())
            field_code = _choice(field_text, ParticipantField.choices, (names_nb["field"], names_en["field"]))
            participant = Participant.objects.create(
                project=project, uuid=_free(Participant, case["guid"], taken), label=label,
                role=_choice(role, ParticipantRole.choices, (names_nb["role"], names_en["role"]))
                or ParticipantRole.OTHER,
                field=field_code or ParticipantField.OTHER,
                field_other="" if field_code or not field_text else field_text[:100],
                county=county(county_name) if county_name else None)
            participants.append(participant)
            for guid in case["selections"]:
                turn_owner[guid] = participant
        elif county_name or (share is not None and case["sources"]):
            made = county(county_name or case["name"], share)
            if case["guid"] and case["guid"] not in taken_counties and made.uuid != case["guid"] and \
                    not County.objects.filter(uuid=case["guid"]).exists():
                made.uuid = case["guid"]
                made.save(update_fields=["uuid"])
            for guid in case["sources"]:
                source_county[guid] = made
        else:
            report.not_stored.append(_("the case «%(name)s» (Kodeverk keeps counties and participants as cases)")
                                     % {"name": case["name"]})
    return counties, participants, source_county, turn_owner


def _store_source(project, source, report, *, users, themes, notes, county, turn_owner, documents_taken,
                  excerpts_taken, turns_taken, titles, lead):
    positions = Positions(source.raw)
    text = positions.text
    title, n = source.name, 2
    while title.lower() in titles:
        title, n = f"{source.name[:290]} ({n})", n + 1
    titles[title.lower()] = True
    document = Document(project=project, kind=Document.Kind.TRANSCRIPT, county=county, title=title, text=text,
                        source_name=f"{source.name}.txt"[:255], source_format="refi-qda",
                        created_by=users.get(source.user), uuid=_free(Document, source.guid, documents_taken))
    document.save()
    if source.created:
        Document.objects.filter(pk=document.pk).update(created_at=source.created)
    Interview.objects.create(document=document)
    spans = [(s.start, s.end) for s in source.selections if s.start is not None and s.end is not None]
    reading, carry = choose_reading(positions, spans)
    if reading != "code points":
        report.notes.append(_("«%(name)s»: positions were counted as %(reading)s, not in code points as the "
                              "standard says; they were converted.") % {"name": title, "reading": reading})
    excerpts, turns, used_notes, now = [], [], set(), timezone.now()
    for selection in source.selections:
        start = carry(selection.start) if selection.start is not None else None
        end = carry(selection.end) if selection.end is not None else None
        label = {"source": title, "guid": selection.guid or "",
                 "text": text[start:end][:80] if start is not None and end is not None else ""}
        if start is None or end is None or start >= end or start < 0 or end > len(text):
            if end is not None and start is not None and start < len(text) < end:
                label["reason"] = _("it ran past the end of the text; it now ends there")
                report.adjusted.append(label)
                end = len(text)
            else:
                report.dropped.append({**label, "reason": _("its positions (%(start)s–%(end)s) are not in the text "
                                                            "(%(length)s characters)")
                                       % {"start": selection.start, "end": selection.end, "length": len(text)}})
                continue
        owner = turn_owner.get(selection.guid)
        if owner is not None and not selection.codes:
            turns.append((start, end, owner, selection.guid))
            continue
        piece = text[start:end]
        if not piece.strip():
            report.dropped.append({**label, "reason": _("it holds only white space")})
            continue
        trimmed_start = start + len(piece) - len(piece.lstrip())
        trimmed_end = end - (len(piece) - len(piece.rstrip()))
        codes = [themes[g] for g in dict.fromkeys(selection.codes) if g in themes]
        if not codes:
            used_notes |= set(selection.notes)
            report.dropped.append({**label, "reason": _("it has no code (an excerpt in Kodeverk has at least one "
                                                        "theme)") if not selection.codes else
                                   _("its codes are not in the codebook")})
            continue
        if (trimmed_start, trimmed_end) != (start, end):
            report.adjusted.append({**label, "reason": _("white space at its ends was left out")})
        memo = "\n\n".join(notes[g][1] for g in dict.fromkeys(selection.notes) if g in notes and notes[g][1])
        used_notes |= set(selection.notes)
        if len(memo) > settings.KODEVERK_MAX_NOTE_CHARS:
            memo = memo[:settings.KODEVERK_MAX_NOTE_CHARS]
            report.adjusted.append({**label, "reason": _("its memo was cut to the length Kodeverk allows")})
        guid = _free(Excerpt, selection.guid, excerpts_taken)
        excerpts_taken.add(guid)
        coder = users.get(selection.user)
        excerpts.append((guid, trimmed_start, trimmed_end, coder.pk if coder else None, memo,
                         selection.created or now, [t.pk for t in codes]))
    # Rows straight to the table (insert_rows): a study of 100,000 excerpts is read in well under a minute, where
    # building a model instance for each excerpt, coding and history row took several.
    insert_rows(Excerpt, ["uuid", "document", "start", "end", "coder", "memo", "is_key", "version", "created_at",
                          "updated_at"],
                [(g, document.pk, a, b, c, m, False, 1, t, t) for g, a, b, c, m, t, _codes in excerpts])
    ids = {str(guid): pk for guid, pk in Excerpt.objects.filter(document=document).values_list("uuid", "pk")}
    rows = [(ids[g], theme, document.pk, now) for g, *_rest, codes in excerpts for theme in codes]
    insert_rows(Coding, ["excerpt", "theme", "document", "created_at"], rows)
    insert_rows(Change, ["project", "document", "user", "action", "object_uuid", "before", "after", "created_at"], [
        (project.pk, document.pk, lead.pk, Change.Action.EXCERPT_CREATED, g, None,
         {"uuid": g, "document": document.pk, "start": a, "end": b, "coder": c, "memo": m, "is_key": False,
          "version": 1, "themes": sorted(codes), "imported": True}, now)
        for g, a, b, c, m, _t, codes in excerpts])
    _store_turns(document, text, turns, turns_taken)
    return document, len(excerpts), len(rows), turns, used_notes


def insert_rows(model, names, rows, batch=5000):
    """INSERT the rows (tuples of values of the fields `names`) in batches, each value prepared by its field as the
    ORM would; no model instances, no signals. A field not named gets its default (a field added later, such as
    an excerpt's «text changed» flag, needs no change here); one without a default must be named."""
    db = connections[router.db_for_write(model)]  # the connection itself, not the proxy: read once, not per value
    fields = [model._meta.get_field(name) for name in names]
    defaulted = [f for f in model._meta.concrete_fields
                 if not f.primary_key and f not in fields and f.has_default()]
    if defaulted:
        fields += defaulted
        extra = tuple(f.get_default() for f in defaulted)
        rows = [(*row, *extra) for row in rows]
    quote = db.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    plain = (models.IntegerField, models.BooleanField, models.CharField, models.TextField, models.ForeignKey)
    prepare = [None if isinstance(f, plain) else functools.lru_cache(maxsize=64)(
        lambda value, f=f: f.get_db_prep_save(value, db)) if isinstance(f, models.DateTimeField) else
        (lambda value, f=f: f.get_db_prep_save(value, db)) for f in fields]
    with db.cursor() as cursor:
        if db.vendor == "postgresql":  # COPY: one stream instead of a statement per row
            columns = ", ".join(quote(f.column) for f in fields)
            with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([v if p is None or v is None else p(v) for p, v in zip(prepare, row, strict=True)])
            return
        for at in range(0, len(rows), batch):
            cursor.executemany(sql, [[v if p is None or v is None else p(v) for p, v in zip(prepare, row, strict=True)]
                                     for row in rows[at:at + batch]])


def _store_turns(document, text, turns, taken):
    """Speaker turns from the participants' selections, in text order; «Label: » at a turn's start is its label."""
    rows = []
    for position, (start, end, participant, guid) in enumerate(sorted(turns, key=lambda t: (t[0], t[1]))):
        speech = start
        head = f"{participant.label}:"
        if text.startswith(head, start):
            speech = start + len(head)
            while speech < end and text[speech] == " ":
                speech += 1
        rows.append(Turn(document=document, participant=participant, position=position, start=start,
                         speech_start=min(speech, end), end=end, uuid=_free(Turn, guid, taken)))
    Turn.objects.bulk_create(rows, batch_size=5000)


@transaction.atomic
def import_project(data: bytes, *, name: str, lead, slug=None, file_name=""):
    """Read and store a .qdpx as a new study, with its report kept beside it: (study, report)."""
    read = read_project(data)
    project = project_create(name=name or read.name or _("Imported study"), lead=lead, slug=slug)
    report = store_project(read, project=project, lead=lead)
    report_keep(project, report, user=lead, file_name=file_name)
    return project, report


def report_keep(project, report, *, user, file_name="", kind="project", uuid=None):
    """The report as a row of the study (ExchangeImport), for its report page."""
    row = ExchangeImport(project=project, created_by=user, kind=kind, file_name=file_name[:255],
                         report=report.to_json())
    if uuid:
        row.uuid = uuid
    row.save()
    return row


# --- A codebook into an existing study ------------------------------------------------------------------------

@dataclass
class CodebookChange:
    action: str  # "add" | "change" | "same"
    name: str
    details: list
    code: ReadCode
    theme_id: int | None = None


def read_codebook(data: bytes) -> list[ReadCode]:
    """The codes of a .qdc (or of the CodeBook in a .qde)."""
    root = parse_xml(data, "codebook")
    if _local(root) == "Project":
        root = _child(root, "CodeBook")
    if root is None or _local(root) != "CodeBook":
        raise ImporterError(_("The file is not a REFI-QDA codebook (.qdc)."))
    return read_codes(root, ImportReport())


def codebook_changes(project, codes: list[ReadCode]) -> list[CodebookChange]:
    """What importing `codes` would do: each matched by GUID, then by name (any case), else added."""
    themes = list(project.themes.all())
    by_guid = {str(t.uuid): t for t in themes}
    by_name = {t.name.lower(): t for t in themes}
    planned, target = [], []
    for code in codes:
        theme = by_guid.get(code.guid) or by_name.get(code.name.lower())
        target.append(theme)
        if theme is None:
            planned.append(CodebookChange("add", code.name, [], code))
            continue
        details = []
        if theme.name != code.name:
            details.append(_("name «%(old)s» → «%(new)s»") % {"old": theme.name, "new": code.name})
        if code.colour and theme.colour.upper() != code.colour:
            details.append(_("colour %(old)s → %(new)s") % {"old": theme.colour, "new": code.colour})
        if code.description and code.description != theme.description:
            details.append(_("new description"))
        if code.codable is not None and theme.archived == code.codable:
            details.append(_("restored") if code.codable else _("archived"))
        parent = codes[code.parent].name if code.parent is not None else None
        current_parent = theme.parent.name if theme.parent_id else None
        if (parent or "").lower() != (current_parent or "").lower():
            details.append(_("now under «%(parent)s»") % {"parent": parent} if parent else _("now a main theme"))
        planned.append(CodebookChange("change" if details else "same", code.name, details, code, theme.pk))
    return planned


@transaction.atomic
def codebook_apply(project, codes: list[ReadCode], *, user) -> list[CodebookChange]:
    """Add and change themes as codebook_changes says, through the codebook services (recorded in history)."""
    from coding.services import theme_create, theme_update

    planned = codebook_changes(project, codes)
    made = {}
    for index, change in enumerate(planned):
        code = change.code
        parent = made.get(code.parent) if code.parent is not None else None
        if change.action == "add":
            name, n = code.name, 2
            while project.themes.filter(name__iexact=name).exists():
                name, n = f"{code.name[:110]} ({n})", n + 1
            theme = theme_create(project=project, user=user, name=name, colour=code.colour,
                                 description=code.description, parent=parent)
            if code.codable is False:
                theme = theme_update(theme=theme, user=user, archived=True)
        else:
            theme = Theme.objects.get(pk=change.theme_id)
            if change.action == "change":
                fields = {"name": code.name, "parent": parent}
                if code.codable is not None:  # a sheet says nothing of it: the theme stays as it is
                    fields["archived"] = not code.codable
                if code.colour:
                    fields["colour"] = code.colour
                if code.description:
                    fields["description"] = code.description
                theme = theme_update(theme=theme, user=user, **fields)
        made[index] = theme
    return planned


def codebook_report(planned: list[CodebookChange]) -> ImportReport:
    """What a codebook import did, for its report page and the command's output."""
    return ImportReport(counts={"added": sum(c.action == "add" for c in planned),
                                "changed": sum(c.action == "change" for c in planned)},
                        notes=[f"{c.name}: {'; '.join(c.details)}" for c in planned if c.details])
