"""REFI-QDA import: a Kodeverk export comes back whole, and hand-built files in the forms real exporters write
(Sources/, another .qde name, inline text, a BOM, CRLF, UTF-16 positions) land every selection on its characters."""

import io
import zipfile

import pytest
from django.utils import translation

from coding.exports.refi import project_archive
from coding.exports.refi_import import import_project
from coding.models import Excerpt, Theme, ThemeSummary
from interviews.models import Participant, Turn
from planner.models import County, Document
from planner.textfiles import ImporterError
from tests.coding.refi import demo_study


def snapshot(project):
    """Everything the round trip must keep, without ids or GUIDs."""
    themes = {t.pk: t for t in Theme.objects.filter(project=project)}
    return {
        "texts": sorted((d.title, d.text, d.county.name if d.county else None)
                        for d in Document.objects.filter(project=project).select_related("county")),
        "themes": sorted((t.name, t.colour.upper(), t.description, t.archived,
                          themes[t.parent_id].name if t.parent_id else None) for t in themes.values()),
        "excerpts": sorted((e.document.title, e.start, e.end, e.text(), e.memo, e.coder.username if e.coder else None,
                            tuple(sorted(t.name for t in e.themes.all())))
                           for e in Excerpt.objects.of_study(project).select_related("document", "coder")),
        "summaries": sorted((s.theme.name, s.text) for s in ThemeSummary.objects.filter(project=project, county=None)),
        "counties": sorted((c.name, c.district_share) for c in County.objects.filter(project=project)
                           if c.documents.exists() or c.participants.exists()),
        "participants": sorted((p.label, p.role, p.field, p.field_other, p.county.name if p.county else None)
                               for p in Participant.objects.filter(project=project).select_related("county")),
        "turns": sorted((t.document.title, t.start, t.speech_start, t.end, t.participant.label)
                        for t in Turn.objects.filter(document__project=project).select_related("document",
                                                                                               "participant")),
    }


def test_a_study_comes_back_whole_from_its_export(lead, analyst):
    project = demo_study(lead, analyst)
    data = project_archive(project).data
    copy, report = import_project(data, name="Kopi", lead=lead)
    assert copy.pk != project.pk and copy.name == "Kopi"
    before, after = snapshot(project), snapshot(copy)
    for key in before:
        assert after[key] == before[key], key
    assert report.counts["excerpts"] == 5 and not report.dropped and not report.adjusted
    assert not [n for n in report.notes if "UTF-16" in n]
    assert "😀" in after["excerpts"][0][3] + after["excerpts"][1][3] + after["excerpts"][2][3]


def qdpx(files, *, qde_name="project.qde"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(qde_name if name == "qde" else name, data)
    return buffer.getvalue()


CODES = """<CodeBook><Codes><Code guid="11111111-1111-4111-8111-111111111111" name="Arbeid" isCodable="true"
 color="#abc"><Code guid="22222222-2222-4222-8222-222222222222" name="Lønn" isCodable="true"/></Code></Codes>
 </CodeBook>"""


def project_xml(source):
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Fra NVivo">{CODES}<Sources>{source}</Sources></Project>"""


def selection(guid, start, end, code="22222222-2222-4222-8222-222222222222"):
    return (f'<PlainTextSelection guid="{guid}" startPosition="{start}" endPosition="{end}"><Coding '
            f'guid="{guid[:-3]}999"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>')


GUID_A, GUID_B = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaa001", "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaa002"
TEXT = "Først 😀 kom lønna.\r\nSå kom 👍🏽 arbeidet med ære."


def _selected(project):
    return sorted((e.text(), sorted(t.name for t in e.themes.all())) for e in Excerpt.objects.of_study(project))


def _cp(text, phrase):
    start = text.index(phrase)
    return start, start + len(phrase)


def _u16(text, phrase):
    start = len(text[:text.index(phrase)].encode("utf-16-le")) // 2
    return start, start + len(phrase.encode("utf-16-le")) // 2


@pytest.mark.parametrize("variant", ["Sources folder and another .qde name", "inline text", "BOM", "CRLF",
                                     "UTF-16 positions"])
def test_hand_built_files_land_every_selection_on_its_characters(lead, variant):
    text, qde_name, folder, encoded, inline = TEXT, "Mitt prosjekt.qde", "Sources", None, False
    measure = _u16 if variant == "UTF-16 positions" else _cp
    if variant == "BOM":
        encoded = b"\xef\xbb\xbf" + text.encode()
    if variant == "inline text":
        inline = True
    if variant != "CRLF":
        pass  # TEXT has one CRLF line end in every variant; this variant also has several
    else:
        text = "A\r\nB\r\n" + TEXT
    if variant != "Sources folder and another .qde name":
        qde_name, folder = "project.qde", "sources"
    a, b = measure(text, "lønna"), measure(text, "arbeidet med ære")
    body = selection(GUID_A, *a) + selection(GUID_B, *b, code="11111111-1111-4111-8111-111111111111")
    from xml.sax.saxutils import escape

    if inline:
        source = (f'<TextSource guid="bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb" name="Intervju"><PlainTextContent>'
                  f'{escape(text).replace(chr(13), "&#13;")}</PlainTextContent>{body}</TextSource>')
        files = {"qde": project_xml(source)}
    else:
        source = (f'<TextSource guid="bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb" name="Intervju" '
                  f'plainTextPath="internal://bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb.txt">{body}</TextSource>')
        files = {"qde": project_xml(source),
                 f"{folder}/bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb.txt": encoded or text.encode()}
    project, report = import_project(qdpx(files, qde_name=qde_name), name=variant, lead=lead)
    assert _selected(project) == [("arbeidet med ære", ["Arbeid"]), ("lønna", ["Lønn"])]
    document = project.documents.get()
    assert "\r" not in document.text and not document.text.startswith("\ufeff")
    assert Theme.objects.get(project=project, name="Arbeid").colour == "#AABBCC"
    assert Theme.objects.get(project=project, name="Lønn").parent.name == "Arbeid"
    assert not report.dropped
    assert any("UTF-16" in note for note in report.notes) == (variant == "UTF-16 positions")


def test_what_kodeverk_cannot_store_is_reported_and_bad_selections_dropped_with_a_reason(lead):
    source = ('<TextSource guid="bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb" name="T"><PlainTextContent>Hei på deg.'
              '</PlainTextContent>' + selection(GUID_A, 0, 3) + selection(GUID_B, 4, 99)
              + '<PlainTextSelection guid="aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaa003" startPosition="40" endPosition="50"/>'
              '</TextSource><AudioSource guid="cccccccc-cccc-4ccc-8ccc-cccccccccccc" path="internal://x.mp3"/>')
    xml = project_xml(source).replace("</Sources>", "</Sources><Sets><Set guid=\"dddddddd-dddd-4ddd-8ddd-"
                                                    "dddddddddddd\" name=\"S\"/></Sets>")
    with translation.override("en"):
        project, report = import_project(qdpx({"qde": xml}), name="Rapport", lead=lead)
    assert _selected(project) == [("Hei", ["Lønn"]), ("på deg.", ["Lønn"])]
    assert [d["guid"] for d in report.adjusted] == [GUID_B]
    assert len(report.dropped) == 1 and "aaa003" in report.dropped[0]["guid"]
    assert any("audio" in item for item in report.not_stored) and any("sets" in item for item in report.not_stored)


@pytest.mark.parametrize(("data", "problem"), [
    (b"not a zip", "zip"), (qdpx({"a.txt": b"x"}), ".qde"), (qdpx({"qde": b"<Project"}), "XML"),
    (qdpx({"qde": b"<x/>"}), "root element"),
    (qdpx({"qde": project_xml('<TextSource guid="bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb" '
                              'plainTextPath="internal://missing.txt"/>')}), "not in the archive"),
])
def test_a_broken_file_is_refused_by_name_and_nothing_is_stored(lead, data, problem):
    from planner.models import Project

    before = Project.objects.count()
    with translation.override("en"), pytest.raises(ImporterError, match=problem):
        import_project(data, name="X", lead=lead)
    assert Project.objects.count() == before


def test_the_import_page_reads_the_file_in_the_worker_and_shows_the_report(client, lead, analyst):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from coding.models import ExchangeImport
    from planner.models import FileJob, Project

    data = project_archive(demo_study(lead, analyst)).data
    client.force_login(analyst)
    response = client.post(reverse("coding:refi_import"), {
        "name": "Fra fil", "file": SimpleUploadedFile("studie.qdpx", data)}, follow=True)
    project = Project.objects.get(name="Fra fil")
    assert project.memberships.get().user == analyst and project.memberships.get().role == "lead"
    report = ExchangeImport.objects.get(project=project)
    assert response.redirect_chain[-1][0] == reverse("coding:refi_import_report", args=[project.slug, report.uuid])
    page = response.content.decode()
    assert "Intervju Vestland 🙂" in page and "?at=" in page and not FileJob.objects.exists()
    # A file that is no .qdpx is refused on the form; one that fails in the worker leaves no empty study.
    bad = client.post(reverse("coding:refi_import"), {"name": "Feil", "file": SimpleUploadedFile("x.qdpx", b"zip?")})
    assert "zip" in bad.content.decode() and not Project.objects.filter(name="Feil").exists()
    broken = qdpx({"qde": project_xml('<TextSource guid="bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb" '
                                      'plainTextPath="internal://missing.txt"/>')})
    failed = client.post(reverse("coding:refi_import"), {"name": "Halv", "file": SimpleUploadedFile("h.qdpx", broken)},
                         follow=True)
    assert "missing.txt" in failed.content.decode() and not Project.objects.filter(name="Halv").exists()


def test_the_commands_export_and_import_a_study_and_a_codebook(lead, analyst, tmp_path):
    from django.core.management import CommandError, call_command

    from planner.models import Project

    project = demo_study(lead, analyst)
    call_command("export_refi", "--study", project.slug, "-o", str(tmp_path / "s.qdpx"))
    out = io.StringIO()
    call_command("import_refi", str(tmp_path / "s.qdpx"), "--name", "Kommando", "--lead", lead.username, stdout=out)
    copy = Project.objects.get(name="Kommando")
    assert "excerpts: 5" in out.getvalue() and snapshot(copy) == snapshot(project)
    # The codebook into the copy: nothing changes; renamed in the file, the theme is matched by its GUID.
    call_command("export_refi", "--study", project.slug, "--codebook-only", "-o", str(tmp_path / "k.qdc"))
    text = (tmp_path / "k.qdc").read_text().replace('name="Kvalifisering"', 'name="Kvalifisering og kompetanse"')
    (tmp_path / "k.qdc").write_text(text)
    out = io.StringIO()
    call_command("import_refi", str(tmp_path / "k.qdc"), "--study", project.slug, "--lead", lead.username,
                 stdout=out)
    assert "0 themes added, 1 changed" in out.getvalue()
    assert project.themes.filter(name="Kvalifisering og kompetanse").exists()
    with pytest.raises(CommandError, match="zip"):
        (tmp_path / "x.qdpx").write_bytes(b"nope")
        call_command("import_refi", str(tmp_path / "x.qdpx"), "--lead", lead.username)


def test_the_report_page_reads_the_same_number_of_rows_whatever_the_study_holds(client, lead,
                                                                               django_assert_num_queries):
    from django.urls import reverse

    from coding.models import ExchangeImport

    project = demo_study(lead)
    small, _report = import_project(project_archive(project).data, name="Liten", lead=lead)
    Document.objects.create(project=project, kind="transcript", title="Ekstra", text="Mer tekst her.")
    large, _report = import_project(project_archive(project).data, name="Stor", lead=lead)
    client.force_login(lead)
    for study in (small, large):
        url = reverse("coding:refi_import_report", args=[study.slug, ExchangeImport.objects.get(project=study).uuid])
        with django_assert_num_queries(5):
            assert client.get(url).status_code == 200


def test_cases_become_counties_and_participants_whatever_their_variables_are_called(lead):
    variables = ('<Variables><Variable guid="eeeeeeee-eeee-4eee-8eee-eeeeeeeeee01" name="Fylke" typeOfVariable="Text"/>'
                 '<Variable guid="eeeeeeee-eeee-4eee-8eee-eeeeeeeeee02" name="rolle" typeOfVariable="Text"/>'
                 '<Variable guid="eeeeeeee-eeee-4eee-8eee-eeeeeeeeee03" name="Field" typeOfVariable="Text"/>'
                 '<Variable guid="eeeeeeee-eeee-4eee-8eee-eeeeeeeeee04" name="Kjønn" typeOfVariable="Text"/>'
                 '</Variables>')

    def value(n, text):
        return (f'<VariableValue><VariableRef targetGUID="eeeeeeee-eeee-4eee-8eee-eeeeeeeeee0{n}"/>'
                f'<TextValue>{text}</TextValue></VariableValue>')

    cases = ('<Cases><Case guid="ffffffff-ffff-4fff-8fff-fffffffff001" name="Nordland">' + value(1, "Nordland")
             + '<SourceRef targetGUID="bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"/></Case>'
             '<Case guid="ffffffff-ffff-4fff-8fff-fffffffff002" name="P1">' + value(1, "Nordland")
             + value(2, "Leder") + value(3, "Public health") + '</Case>'
             '<Case guid="ffffffff-ffff-4fff-8fff-fffffffff003" name="P2">' + value(2, "Adviser") + value(3, "Kultur")
             + '</Case><Case guid="ffffffff-ffff-4fff-8fff-fffffffff004" name="Kvinner">' + value(4, "K")
             + '</Case></Cases>')
    source = ('<TextSource guid="bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb" name="T"><PlainTextContent>Hei.'
              '</PlainTextContent></TextSource>')
    xml = project_xml(source).replace("<Sources>", variables + cases + "<Sources>")
    with translation.override("en"):
        project, report = import_project(qdpx({"qde": xml}), name="Variabler", lead=lead)
    assert project.documents.get().county.name == "Nordland"
    people = {p.label: (p.role, p.field, p.field_other, p.county.name if p.county else None)
              for p in Participant.objects.filter(project=project)}
    assert people == {"P1": ("leader", "public_health", "", "Nordland"), "P2": ("advisor", "other", "Kultur", None)}
    assert any("Kvinner" in item for item in report.not_stored)
