"""REFI-QDA export: the codebook (.qdc) and the study (.qdpx) are valid against the official schemas, carry every
element with the GUID stored for it, count positions in code points (end exclusive), and name every element alike
in two exports of an unchanged study."""

import io
import re
import zipfile

from lxml import etree

from coding.exports.refi import codebook_xml, project_archive
from coding.models import Excerpt, Theme
from tests.coding.refi import assert_valid, demo_study

NS = {"q": "urn:QDA-XML:project:1.0", "c": "urn:QDA-XML:codebook:1.0"}
GUID = re.compile(r'guid="([0-9a-f-]{36})"')


def _open(data):
    archive = zipfile.ZipFile(io.BytesIO(data))
    return archive, archive.read("project.qde")


def test_the_codebook_is_valid_and_nested_with_colours_and_archived_themes_not_codable(lead):
    project = demo_study(lead)
    xml = codebook_xml(project)
    assert_valid(xml, "Codebook.xsd")
    root = etree.fromstring(xml)
    kommuner = root.find(".//c:Code[@name='Samarbeid']/c:Code[@name='Kommuner']", NS)
    assert kommuner.get("color") == "#F38400"
    assert kommuner.find("c:Code", NS).get("name") == "Små kommuner"
    assert root.find(".//c:Code[@name='Gammelt tema']", NS).get("isCodable") == "false"
    assert root.find(".//c:Code[@name='Samarbeid']/c:Description", NS).text == "Alt om 🤝"
    assert root.find(".//c:Code[@name='Samarbeid']", NS).get("guid") == str(Theme.objects.get(name="Samarbeid").uuid)


def test_the_project_is_valid_with_texts_in_sources_and_code_point_positions(lead, analyst):
    project = demo_study(lead, analyst)
    archive, xml = _open(project_archive(project).data)
    assert_valid(xml, "Project.xsd")
    root = etree.fromstring(xml)
    for excerpt in Excerpt.objects.of_study(project).select_related("document"):
        selection = root.find(f".//q:PlainTextSelection[@guid='{excerpt.uuid}']", NS)
        source = selection.getparent()
        assert source.get("plainTextPath") == f"internal://{excerpt.document.uuid}.txt"
        text = archive.read(f"sources/{excerpt.document.uuid}.txt").decode("utf-8")
        start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        assert text[start:end] == excerpt.text() and excerpt.text()
        assert {ref.get("targetGUID") for ref in selection.iterfind("q:Coding/q:CodeRef", NS)} == {
            str(theme.uuid) for theme in excerpt.themes.all()}
        if excerpt.memo:
            note = root.find(f".//q:Note[@guid='{selection.find('q:NoteRef', NS).get('targetGUID')}']", NS)
            assert note.find("q:PlainTextContent", NS).text == excerpt.memo
    emoji = Excerpt.objects.get(memo="Sitat fra plan")
    assert emoji.text() == "👍🏽 og mer"  # two code points for the emoji with its skin tone
    assert len(root.findall("q:Users/q:User", NS)) == 2
    county = root.find(".//q:Case[@name='Vestland']", NS)
    assert county.find("q:VariableValue/q:IntegerValue", NS).text == "70"
    informant = root.find(".//q:Case[@name='Informant 2']", NS)
    assert [v.text for v in informant.iterfind("q:VariableValue/q:TextValue", NS)] == ["Vestland", "Rådgiver",
                                                                                        "Kultur"]
    assert informant.findall("q:SelectionRef", NS)
    summary = root.find(".//q:Code[@name='Samarbeid']/q:NoteRef", NS).get("targetGUID")
    assert "🔁" in root.find(f".//q:Note[@guid='{summary}']/q:PlainTextContent", NS).text


def test_two_exports_of_an_unchanged_study_have_the_same_guids(lead):
    project = demo_study(lead)
    first = GUID.findall(_open(project_archive(project).data)[1].decode())
    second = GUID.findall(_open(project_archive(project).data)[1].decode())
    assert first == second and len(first) == len(set(first)) > 20
    assert GUID.findall(codebook_xml(project).decode()) == GUID.findall(codebook_xml(project).decode())


def test_the_command_and_the_export_page_make_the_same_files(client, lead, analyst, tmp_path):
    from django.core.management import call_command
    from django.urls import reverse

    from coding.models import ExportJob

    project = demo_study(lead, analyst)
    call_command("export_refi", "--study", project.slug, "-o", str(tmp_path / "a.qdpx"))
    call_command("export_refi", "--study", project.slug, "--codebook-only", "-o", str(tmp_path / "a.qdc"))
    assert_valid((tmp_path / "a.qdc").read_bytes(), "Codebook.xsd")
    client.force_login(analyst)
    page = client.get(reverse("coding:export", args=[project.slug])).content.decode()
    assert "study_export_start" not in page and reverse("coding:study_export_start", args=[project.slug]) in page
    assert reverse("coding:backup_start", args=[project.slug]) not in page  # the lead's only
    client.post(reverse("coding:study_export_start", args=[project.slug]), {"format": "qdpx"})
    job = ExportJob.objects.get(format="qdpx")
    assert job.status == "done" and job.file_name.endswith(".qdpx")
    download = client.get(reverse("coding:export_download", args=[project.slug, job.uuid]))
    assert _open(download.content)[1] == _open((tmp_path / "a.qdpx").read_bytes())[1]


def test_a_study_without_themes_exports_a_valid_project_and_no_codebook(client, lead, tmp_path):
    import pytest
    from django.core.management import CommandError, call_command
    from django.urls import reverse

    from coding.models import ExportJob
    from planner.services import project_create

    project = project_create(name="Uten temaer", lead=lead)
    assert_valid(_open(project_archive(project).data)[1], "Project.xsd")
    with pytest.raises(ValueError, match="ingen temaer"):
        codebook_xml(project)
    with pytest.raises(CommandError, match="ingen temaer"):
        call_command("export_refi", "--study", project.slug, "--codebook-only", "-o", str(tmp_path / "a.qdc"))
    assert not (tmp_path / "a.qdc").exists()
    client.force_login(lead)
    response = client.post(reverse("coding:study_export_start", args=[project.slug]), {"format": "qdc"}, follow=True)
    assert "Kodeboken har ingen temaer ennå" in response.content.decode()
    assert not ExportJob.objects.exists()
