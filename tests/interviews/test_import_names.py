"""No speaker's name anywhere after import (issue 11): a Teams transcript through the web import and the
command line, into text, title, turns, search chunks and every export; names that are ordinary words."""

import datetime
import io
import re
import uuid
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from coding.exports.build import produce
from coding.exports.options import ExportOptions
from coding.services import excerpt_create
from interviews.models import ImportDraft, NameWord, Turn
from planner.models import Chunk, Document

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")

SPEAKERS = {"interviewer": "Ola Olsen", "kari": "Kari H. Nordmann", "per": "Per Hansen"}
# Every part of every speaker's name, in any case, with or without a genitive.
NAME_PARTS = re.compile(r"(?<!\w)(?:kari|nordmann|per|hansen|ola|olsen)(?:s|['’]s)?(?!\w)", re.IGNORECASE)
# Where «per» is the ordinary word the person importing keeps.
ORDINARY = "ti flyktninger per år"


def teams_vtt():
    """A Teams .vtt as Teams writes it: WEBVTT with the meeting title, GUID cue ids, <v Full Name> voice tags."""
    meeting = uuid.UUID("0f3c6b2e-8a41-4c5e-9d2b-7e6f1a3c5d90")
    cues = [
        ("Ola Olsen", "Velkommen alle sammen. Hva tenker du,"),
        ("Ola Olsen", "kari?"),
        ("Kari H. Nordmann", "Takk, Ola. Jeg synes Pers forslag er godt."),
        ("Ola Olsen", "Og du, per? Hva mener du om karis poeng og Nordmanns plan?"),
        ("Per Hansen", f"Vi bosetter {ORDINARY}, sa hansen i fjor. Kari's idé er god, og KARI NORDMANN vet det."),
        ("Kari H. Nordmann", "Ja, kari h. nordmann har skrevet om det. Olsens spørsmål er viktig."),
    ]
    lines = ["WEBVTT - Møte med Kari Nordmann og Per Hansen", ""]
    for index, (speaker, text) in enumerate(cues):
        start = 3 + index * 7
        lines += [f"{meeting}/{12 + index // 2}-{index % 2}",
                  f"00:00:{start:02d}.120 --> 00:00:{start + 6:02d}.480",
                  f"<v {speaker}>{text}</v>", ""]
    return "\n".join(lines).encode("utf-8")


def names_left(text):
    """The name parts in a text, leaving out the ordinary word kept on purpose."""
    return NAME_PARTS.findall(text.replace(ORDINARY, ""))


def _upload(client, project, name, data):
    url = reverse("interviews:import_start", args=[project.slug])
    return client.post(url, {"files": [SimpleUploadedFile(name, data)]}, follow=True)


def _confirm_data(draft, **extra):
    prefix = f"d{draft.pk}"
    return {
        f"{prefix}-title": draft.title, f"{prefix}-format": "group_interview",
        f"{prefix}-s0-participant": "new", f"{prefix}-s0-label": "Intervjuer", f"{prefix}-s0-role": "interviewer",
        f"{prefix}-s1-participant": "new", f"{prefix}-s1-label": "Informant 3",
        f"{prefix}-s2-participant": "new", f"{prefix}-s2-label": "Informant 4",
        **extra,
    }


def _docx_text(data):
    """Every text of a Word file, from each XML part (body, headers, footers, comments, properties)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return " ".join(re.sub(r"<[^>]+>", " ", archive.read(name).decode("utf-8"))
                        for name in archive.namelist() if name.endswith(".xml"))


def _exports_text(project):
    produced = produce(project, ExportOptions(attribution="internal"), "docx")
    texts = [_docx_text(produced.data)]
    sheet = openpyxl.load_workbook(io.BytesIO(produce(project, ExportOptions(), "xlsx").data)).active
    texts.append(" ".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None))
    texts.append(produce(project, ExportOptions(), "csv").data.decode("utf-8-sig"))
    return texts


def assert_no_name_anywhere(project, analyst, document, label="Informant 3"):
    """No part of a speaker's name in the document's text, title, turns, chunks or any export of it."""
    assert names_left(document.text) == [], document.text
    assert names_left(document.title) == [], document.title
    for turn in Turn.objects.filter(document=document).select_related("participant"):
        assert names_left(turn.speech(document.text)) == []
        assert names_left(turn.participant.label) == []
    chunks = list(Chunk.objects.filter(document=document))
    assert chunks and all(names_left(c.text) == [] for c in chunks)
    assert names_left(" ".join(document.postings.values_list("word__word", flat=True))) == []
    theme = project.themes.first()
    for turn in Turn.objects.filter(document=document):
        excerpt_create(document=document, start=turn.speech_start, end=turn.end, coder=analyst, themes=[theme])
    for text in _exports_text(project):
        assert label in text  # the export holds the quotes …
        assert names_left(text) == [], text  # … and no name


def test_the_preview_lists_the_ordinary_word_in_lower_case_with_its_context(client, project, analyst):
    client.force_login(analyst)
    page = _upload(client, project, "møte.vtt", teams_vtt()).content.decode()
    draft = ImportDraft.objects.get()
    rows = re.findall(r'<td class="context">(.*?)</td>', page, re.S)
    assert rows == [
        "…Og du, <mark>per</mark>? Hva mener du om karis poeng…",
        "…Vi bosetter ti flyktninger <mark>per</mark> år, sa hansen i fjor. Kari&#x27;s…",
    ]
    offered = re.search(rf'name="d{draft.pk}-offered" value="([^"]*)"', page).group(1).split()
    assert len(offered) == 2
    for key in offered:  # each is ticked: replaced unless the person unticks it
        assert re.search(rf'name="d{draft.pk}-replace" value="{key}" checked', page)
    assert "kari?" in page  # a name that is not an ordinary word is not listed: it is always replaced
    assert page.count(f'name="d{draft.pk}-replace"') == 2


def test_a_teams_transcript_leaves_no_name_anywhere(client, project, analyst):
    client.force_login(analyst)
    _upload(client, project, "møte.vtt", teams_vtt())
    draft = ImportDraft.objects.get()
    assert draft.title == "Møte med Kari Nordmann og Per Hansen"
    page = client.get(reverse("interviews:import_start", args=[project.slug])).content.decode()
    offered = re.search(rf'name="d{draft.pk}-offered" value="([^"]*)"', page).group(1).split()
    # «Og du, per?» is the name: keep it ticked; «per år» is the word: untick it.
    name_key, word_key = offered
    data = _confirm_data(draft, **{f"d{draft.pk}-offered": " ".join(offered), f"d{draft.pk}-replace": [name_key]})
    response = client.post(reverse("interviews:import_confirm", args=[project.slug, draft.pk]), data)
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.title == "Møte med [Informant 3] og [Informant 4]"
    assert document.text.split("\n") == [
        "Intervjuer: Velkommen alle sammen. Hva tenker du, [Informant 3]?",
        "Informant 3: Takk, [Intervjuer]. Jeg synes [Informant 4]s forslag er godt.",
        "Intervjuer: Og du, [Informant 4]? Hva mener du om [Informant 3]s poeng og [Informant 3]s plan?",
        "Informant 4: Vi bosetter ti flyktninger per år, sa [Informant 4] i fjor. [Informant 3]'s idé er god, "
        "og [Informant 3] vet det.",
        "Informant 3: Ja, [Informant 3] har skrevet om det. [Intervjuer]s spørsmål er viktig.",
    ]
    assert word_key.startswith("3:")
    assert not ImportDraft.objects.exists()  # the raw names went with the draft
    assert_no_name_anywhere(project, analyst, document)


def test_a_forged_keep_of_a_real_name_is_replaced_all_the_same(client, project, analyst):
    client.force_login(analyst)
    _upload(client, project, "møte.vtt", teams_vtt())
    draft = ImportDraft.objects.get()
    # «kari?» in turn 0 and «Kari» in the title are not ordinary words: no choice to keep them exists.
    speech = " ".join(draft.payload["turns"][0][1].split())
    forged = f"0:{speech.index('kari')} title:{draft.title.index('Kari')}"
    data = _confirm_data(draft, **{f"d{draft.pk}-offered": forged})
    client.post(reverse("interviews:import_confirm", args=[project.slug, draft.pk]), data)
    document = Document.objects.get()
    assert NAME_PARTS.findall(document.text) == [] and NAME_PARTS.findall(document.title) == []
    assert "[Informant 4] år" in document.text  # not offered, so not kept: replaced


def test_a_word_the_lead_added_is_listed_for_review(client, project, analyst, lead):
    client.force_login(lead)
    response = client.post(reverse("interviews:name_word_add", args=[project.slug]), {"word": " Sjø "})
    assert response.status_code == 302
    assert list(NameWord.objects.values_list("word", flat=True)) == ["Sjø"]
    assert client.post(reverse("interviews:name_word_add", args=[project.slug]), {"word": "per"}).status_code == 200
    assert NameWord.objects.count() == 1  # already shipped
    client.force_login(analyst)
    page = _upload(client, project, "a.txt", "Kari Sjø: Hei.\nOla: Ved sjø og Sjø, kari.".encode()).content.decode()
    assert page.count('name="d') and len(re.findall(r'-replace" value="1:\d+" checked', page)) == 1
    assert client.post(reverse("interviews:name_word_add", args=[project.slug]), {"word": "Bukt"}).status_code == 403
    client.force_login(lead)
    word = NameWord.objects.get()
    client.post(reverse("interviews:name_word_remove", args=[project.slug, word.pk]))
    assert not NameWord.objects.exists()


def test_drafts_live_a_day_and_the_confirm_and_the_command_purge_them(client, project, analyst, tmp_path):
    client.force_login(analyst)
    _upload(client, project, "a.txt", b"Kari: Hei.")
    _upload(client, project, "b.txt", b"Kari: Hei.")
    old, young = ImportDraft.objects.order_by("pk")
    ImportDraft.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    response = client.post(reverse("interviews:import_confirm", args=[project.slug, old.pk]), {})
    # Gone before it could be read: said so, nothing imported.
    assert response.status_code == 302 and not Document.objects.exists()
    assert "venter ikke lenger" in client.get(response["Location"]).content.decode()
    assert list(ImportDraft.objects.all()) == [young]
    ImportDraft.objects.update(created_at=timezone.now() - datetime.timedelta(hours=24, minutes=1))
    path = tmp_path / "c.txt"
    path.write_text("Kari: Hei.", encoding="utf-8")
    call_command("import_transcripts", "--study", project.slug, "--names", "review", str(path))
    assert not ImportDraft.objects.exists()


# --- The command line ----------------------------------------------------------------------------------------


def test_the_command_replaces_every_name_by_default(project, analyst, tmp_path, capsys):
    path = tmp_path / "møte.vtt"
    path.write_bytes(teams_vtt())
    call_command("import_transcripts", "--study", project.slug, "--interviewer", "Ola Olsen", str(path))
    document = Document.objects.get()
    assert NAME_PARTS.findall(document.text) == []  # «per år» too: replace means every occurrence
    assert "[Informant 2] år" in document.text
    assert document.title == "Møte med [Informant 1] og [Informant 2]"
    assert_no_name_anywhere(project, analyst, document, label="Informant 1")


def test_the_command_in_review_mode_lists_the_words_and_stores_nothing(project, tmp_path, capsys):
    path = tmp_path / "møte.vtt"
    path.write_bytes(teams_vtt())
    call_command("import_transcripts", "--study", project.slug, "--names", "review", str(path))
    out = capsys.readouterr().out
    listed = [line for line in out.splitlines() if line.startswith("møte.vtt")]
    assert listed == [
        "møte.vtt, turn 3: …Og du, [per]? Hva mener du om karis poeng… (name of Per Hansen)",
        "møte.vtt, turn 4: …Vi bosetter ti flyktninger [per] år, sa hansen i fjor. Kari's… (name of Per Hansen)",
    ]
    assert "Review only: nothing was stored. 2 name(s)" in out
    assert (Document.objects.count(), Turn.objects.count(), ImportDraft.objects.count()) == (0, 0, 0)
    assert not project.participants.exists()


def test_the_command_refuses_an_unknown_names_mode(project, tmp_path):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_transcripts", "--study", project.slug, "--names", "keep", str(tmp_path / "a.txt"))
