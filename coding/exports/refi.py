"""REFI-QDA exchange files: the codebook (.qdc) and the whole study (.qdpx), as QDA-XML 1.0.

What goes where (docs/formats.md has the table):
- Code ← Theme (its GUID, name, colour, description, nesting; archived themes isCodable="false"), its summary a
  Note referenced by the Code's NoteRef.
- User ← every member of the study, and every coder who no longer is one.
- TextSource ← Document: its text as UTF-8 `sources/<GUID>.txt`, referenced as internal://; one PlainTextSelection
  per Excerpt (code points, end exclusive, exactly Kodeverk's offsets) with one Coding per theme and its memo as a
  Note (NoteRef); one PlainTextSelection per speaker Turn, without codings, for the participants' Cases.
- Case ← County (its variable values, its documents as SourceRefs) and ← Participant (role, field, county; its turns
  as SelectionRefs). Variables: County, District share, Role, Field.

Every GUID is stored in the database (the uuid of Project, Membership, Theme, Document, Excerpt, Turn, County,
Participant, ThemeSummary) or derived by uuid5 from stored ones (a Coding from its excerpt and theme, a memo Note
from its excerpt, a Variable from the study), so two exports of an unchanged study name every element alike.
"""

from __future__ import annotations

import datetime
import io
import uuid
import zipfile
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _lazy
from lxml import etree

from coding.models import Coding, Excerpt, Theme, ThemeSummary
from coding.quotes import codebook_order, display_names
from interviews.models import Participant, ParticipantField, Turn
from planner.models import County, Document, Membership, Project

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = "Kodeverk"
SOURCES_FOLDER = "sources"
# Names of the variables Kodeverk writes (and the importer reads, in any case).
VARIABLE_COUNTY, VARIABLE_SHARE, VARIABLE_ROLE, VARIABLE_FIELD = "County", "District share", "Role", "Field"
VARIABLES = ((VARIABLE_COUNTY, "Text"), (VARIABLE_SHARE, "Integer"), (VARIABLE_ROLE, "Text"), (VARIABLE_FIELD, "Text"))


def derived_guid(owner: uuid.UUID | str, what: str) -> str:
    """A GUID made from a stored one and a name: the same in every export, unique per (owner, what)."""
    return str(uuid.uuid5(uuid.UUID(str(owner)), what))


def variable_guid(project: Project, name: str) -> str:
    return derived_guid(project.uuid, f"variable:{name}")


def coding_guid(excerpt_uuid, theme_uuid) -> str:
    return derived_guid(excerpt_uuid, f"coding:{theme_uuid}")


def memo_guid(excerpt_uuid) -> str:
    return derived_guid(excerpt_uuid, "memo")


def user_guid(project: Project, username: str) -> str:
    """A coder who is no longer a member: named by the study and the username."""
    return derived_guid(project.uuid, f"user:{username}")


def _utc(moment) -> str:
    """xsd:dateTime in UTC, to the second."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _sub(parent, tag, ns=PROJECT_NS, **attributes):
    return etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attributes.items() if v not in (None, "")})


def _text(parent, tag, value, ns=PROJECT_NS):
    element = _sub(parent, tag, ns)
    element.text = value
    return element


def hex_colour(colour: str) -> str:
    return colour.upper() if colour else ""


# --- The codebook ------------------------------------------------------------------------------------

def _codes(parent, themes, ns, summary_notes=None):
    """The themes as nested Codes (children inside their parent), in codebook order."""
    ordered = codebook_order(themes)
    elements = {}
    codes = _sub(parent, "Codes", ns)
    for theme in ordered:
        holder = elements.get(theme.parent_id, codes)
        code = _sub(holder, "Code", ns, guid=str(theme.uuid), name=theme.name,
                    isCodable="false" if theme.archived else "true", color=hex_colour(theme.colour))
        if theme.description:
            _text(code, "Description", theme.description, ns)
        if summary_notes and theme.pk in summary_notes:
            _sub(code, "NoteRef", ns, targetGUID=summary_notes[theme.pk])
        elements[theme.pk] = code
    return codes


NO_THEMES = _lazy("The codebook has no themes yet, and a .qdc file must hold at least one: there is nothing to "
                  "export. (A .qdpx project can be exported without themes.)")


def codebook_xml(project: Project) -> bytes:
    """The study's codebook as a .qdc file (urn:QDA-XML:codebook:1.0). A codebook without themes cannot be one
    (the schema asks for a Code at least): ValueError(NO_THEMES), which the page and the command check first."""
    themes = list(project.themes.in_codebook_order())
    if not themes:
        raise ValueError(str(NO_THEMES))
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS}, origin=ORIGIN)
    _codes(root, themes, CODEBOOK_NS)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


# --- The project -------------------------------------------------------------------------------------

@dataclass
class Produced:
    data: bytes
    documents: int
    excerpts: int


def _users(project, root):
    """{user id: GUID}: members by their membership's GUID, former coders by a derived one."""
    guids, names = {}, {}
    for membership in Membership.objects.filter(project=project).select_related("user").order_by("pk"):
        guids[membership.user_id] = str(membership.uuid)
        names[membership.user_id] = membership.user.get_username()
    coders = (Excerpt.objects.of_study(project).exclude(coder=None).exclude(coder__in=list(guids))
              .values_list("coder", flat=True).distinct())
    for user in get_user_model().objects.filter(pk__in=list(coders)).order_by("pk"):
        guids[user.pk] = user_guid(project, user.get_username())
        names[user.pk] = user.get_username()
    if guids:
        users = _sub(root, "Users")
        for user_id, guid in guids.items():
            _sub(users, "User", guid=guid, name=names[user_id])
    return guids


def _value(parent, guid, kind, value):
    holder = _sub(parent, "VariableValue")
    _sub(holder, "VariableRef", targetGUID=guid)
    _text(holder, "IntegerValue" if kind == "Integer" else "TextValue", str(value))


def project_xml(project: Project, *, text_in_file=True, progress=None) -> tuple[bytes, list[tuple[str, str]], int]:
    """project.qde and the texts it refers to: (xml, [(guid, text)], excerpt count).

    `text_in_file` False puts each text inline (PlainTextContent) instead of in sources/.
    """
    # No modifiedDateTime of the export itself: two exports of an unchanged study are the same bytes.
    root = etree.Element(f"{{{PROJECT_NS}}}Project", nsmap={None: PROJECT_NS}, name=project.name, origin=ORIGIN,
                         creationDateTime=_utc(project.created_at))
    users = _users(project, root)

    themes = list(Theme.objects.filter(project=project).in_codebook_order())
    theme_guid = {theme.pk: str(theme.uuid) for theme in themes}
    summaries = list(ThemeSummary.objects.filter(project=project, county=None).select_related("theme")
                     .order_by("theme__position", "theme__name"))
    summary_notes = {summary.theme_id: str(summary.uuid) for summary in summaries}
    if themes:
        _codes(_sub(root, "CodeBook"), themes, PROJECT_NS, summary_notes)

    names = display_names("nb")
    counties = list(County.objects.filter(project=project).order_by("name"))
    participants = list(Participant.objects.filter(project=project).select_related("county").order_by("label"))
    variables = _sub(root, "Variables")
    for name, kind in VARIABLES:
        _sub(variables, "Variable", guid=variable_guid(project, name), name=name, typeOfVariable=kind)
    guid_of = {name: variable_guid(project, name) for name, _kind in VARIABLES}

    documents = list(Document.objects.filter(project=project).without_text().order_by("title", "pk"))
    turns = {}
    for turn_uuid, document_id, participant_id, start, end in (
            Turn.objects.filter(document__project=project).order_by("document", "position")
            .values_list("uuid", "document_id", "participant_id", "start", "end")):
        turns.setdefault(document_id, []).append((str(turn_uuid), participant_id, start, end))

    if counties or participants:
        cases = _sub(root, "Cases")
        documents_of = {}
        for document in documents:
            documents_of.setdefault(document.county_id, []).append(str(document.uuid))
        for county in counties:
            case = _sub(cases, "Case", guid=str(county.uuid), name=county.name)
            _value(case, guid_of[VARIABLE_COUNTY], "Text", county.name)
            _value(case, guid_of[VARIABLE_SHARE], "Integer", county.district_share)
            for guid in documents_of.get(county.pk, []):
                _sub(case, "SourceRef", targetGUID=guid)
        turns_of = {}
        for document_turns in turns.values():
            for guid, participant_id, start, end in document_turns:
                if end > start:  # an empty turn (speech erased to nothing) is no selection
                    turns_of.setdefault(participant_id, []).append(guid)
        for participant in participants:
            case = _sub(cases, "Case", guid=str(participant.uuid), name=participant.label)
            if participant.county_id:
                _value(case, guid_of[VARIABLE_COUNTY], "Text", participant.county.name)
            _value(case, guid_of[VARIABLE_ROLE], "Text", names["role"].get(participant.role, participant.role))
            field = (participant.field_other if participant.field == ParticipantField.OTHER and participant.field_other
                     else names["field"].get(participant.field, participant.field))
            _value(case, guid_of[VARIABLE_FIELD], "Text", field)
            for guid in turns_of.get(participant.pk, []):
                _sub(case, "SelectionRef", targetGUID=guid)

    codings = {}
    for excerpt_id, theme_id in (Coding.objects.filter(document__project=project)
                                 .order_by("excerpt_id", "theme_id").values_list("excerpt_id", "theme_id")):
        codings.setdefault(excerpt_id, []).append(theme_id)
    excerpts = {}
    for row in (Excerpt.objects.of_study(project).order_by("document", "start", "end", "pk")
                .values_list("pk", "uuid", "document_id", "start", "end", "coder_id", "memo", "created_at",
                             "updated_at")):
        excerpts.setdefault(row[2], []).append(row)

    memo_notes = []
    texts = []
    count = 0
    sources = _sub(root, "Sources") if documents else None
    texts_by_pk = Document.objects.filter(project=project).values_list("pk", "text").iterator(chunk_size=50)
    text_of = dict(texts_by_pk)
    for document in documents:
        guid = str(document.uuid)
        source = _sub(sources, "TextSource", guid=guid, name=document.title,
                      plainTextPath=f"internal://{guid}.txt" if text_in_file else None,
                      creatingUser=users.get(document.created_by_id), creationDateTime=_utc(document.created_at))
        text = text_of.pop(document.pk)
        if text_in_file:
            texts.append((guid, text))
        else:
            _text(source, "PlainTextContent", text)
        selections = []
        for pk, excerpt_uuid, _document_id, start, end, coder_id, memo, created, updated in excerpts.get(
                document.pk, []):
            selections.append((start, end, 0, excerpt_uuid, pk, coder_id, memo, created, updated))
        for turn_uuid, participant_id, start, end in turns.get(document.pk, []):
            if end > start:
                selections.append((start, end, 1, turn_uuid, None, participant_id, "", None, None))
        selections.sort(key=lambda s: (s[0], s[1], s[2], str(s[3])))
        for start, end, is_turn, sel_uuid, pk, who, memo, created, updated in selections:
            if is_turn:
                _sub(source, "PlainTextSelection", guid=sel_uuid, startPosition=str(start), endPosition=str(end))
                continue
            count += 1
            coder = users.get(who)
            selection = _sub(source, "PlainTextSelection", guid=str(sel_uuid), startPosition=str(start),
                             endPosition=str(end), creatingUser=coder, creationDateTime=_utc(created),
                             modifyingUser=coder, modifiedDateTime=_utc(updated))
            for theme_id in codings.get(pk, []):
                coding = _sub(selection, "Coding", guid=coding_guid(sel_uuid, theme_guid[theme_id]),
                              creatingUser=coder, creationDateTime=_utc(created))
                _sub(coding, "CodeRef", targetGUID=theme_guid[theme_id])
            if memo:
                note = memo_guid(sel_uuid)
                _sub(selection, "NoteRef", targetGUID=note)
                memo_notes.append((note, memo, coder, created))
        if progress:
            progress()

    if summaries or memo_notes:
        notes = _sub(root, "Notes")
        for summary in summaries:
            note = _sub(notes, "Note", guid=str(summary.uuid), name=summary.theme.name,
                        creatingUser=users.get(summary.updated_by_id), modifiedDateTime=_utc(summary.updated_at))
            _text(note, "PlainTextContent", summary.text)
        for guid, memo, coder, created in memo_notes:
            note = _sub(notes, "Note", guid=guid, creatingUser=coder, creationDateTime=_utc(created))
            _text(note, "PlainTextContent", memo)
    if project.description:
        _text(root, "Description", project.description)
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return xml, texts, count


def project_archive(project: Project, *, extra: dict[str, bytes] | None = None, progress=None) -> Produced:
    """The study as a .qdpx: project.qde, sources/<GUID>.txt (UTF-8), and any `extra` files (a backup's)."""
    xml, texts, count = project_xml(project, progress=progress)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("project.qde", xml)
        for guid, text in texts:
            archive.writestr(f"{SOURCES_FOLDER}/{guid}.txt", text.encode("utf-8"))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return Produced(buffer.getvalue(), len(texts), count)


def file_stem(project: Project) -> str:
    return project.slug
