"""Publication attribution of who speaks: the interviewer is «(Intervjuer)», never an informant, and a quote
whose speaker nobody has assigned («Ukjent») is left out unless the lead keeps it."""

import io

import docx
import pytest
from django.core.management import call_command
from django.urls import reverse

from coding.exports import anonymity
from coding.exports.build import produce
from coding.exports.options import ExportOptions
from coding.exports.quotes import collect
from coding.quotes import publication_attribution, speaker_kind
from coding.services import excerpt_create
from interviews.importers import UNKNOWN_SPEAKER, ParsedTranscript, Turn
from interviews.models import Participant
from interviews.models import Turn as TurnRow
from interviews.services import NewParticipant, transcript_import
from tests.coding.test_export_views import form_data

SOURCE_STYLE = "Kilde"


class SpeakerStudy:
    """One interview with an interviewer, an adviser and two speakerless segments (as Whisper writes them)."""

    def __init__(self, project, analyst):
        self.project = project
        self.theme = project.themes.order_by("position").first()
        parsed = ParsedTranscript(format="srt", turns=[
            Turn(speaker="Intervjuer", text="Hvordan er samarbeidet med kommunene?", start=1.0),
            Turn(speaker="Kari", text="Vi har et godt samarbeid med kommunene.", start=9.0),
            Turn(speaker=UNKNOWN_SPEAKER, text="Bosettingen går bedre enn før.", start=20.0, labelled=False),
            Turn(speaker=UNKNOWN_SPEAKER, text="Ingen vet hvem som sa dette.", start=31.5, labelled=False),
        ])
        self.document = transcript_import(
            project=project, user=analyst, parsed=parsed, title="Gruppeintervju Agder",
            county=project.counties.get(name="Agder"), interview_format="group_interview",
            mapping={"Intervjuer": NewParticipant(label="Intervjuer", role="interviewer"),
                     "Kari": NewParticipant(label="Informant 1", role="advisor", field="integration"),
                     UNKNOWN_SPEAKER: NewParticipant(label=UNKNOWN_SPEAKER, role="other")})
        text = self.document.text
        self.excerpts = {}
        for name, passage in [("asks", "samarbeidet med kommunene"), ("kari", "godt samarbeid"),
                              ("unknown", "Bosettingen går bedre"), ("nobody", "Ingen vet hvem")]:
            start = text.index(passage)
            self.excerpts[name] = excerpt_create(document=self.document, start=start, end=start + len(passage),
                                                 coder=analyst, themes=[self.theme])

    def quote(self, name):
        return next(q for q in collect(self.project, ExportOptions()) if q.excerpt_id == self.excerpts[name].pk)


@pytest.fixture
def study(project, analyst):
    return SpeakerStudy(project, analyst)


def signatures(data):
    """Each quote's text with the attribution line after it, from a produced .docx."""
    paragraphs = docx.Document(io.BytesIO(data)).paragraphs
    return {paragraphs[i - 1].text: p.text for i, p in enumerate(paragraphs) if p.style.name == SOURCE_STYLE}


def test_it_stores_speakerless_segments_without_a_label_in_the_text(study):
    assert "Ukjent:" not in study.document.text
    assert study.document.text.endswith("Bosettingen går bedre enn før.\nIngen vet hvem som sa dette.")
    turns = list(TurnRow.objects.filter(document=study.document).order_by("position"))
    assert [t.start_seconds for t in turns] == [1.0, 9.0, 20.0, 31.5]
    assert turns[2].speech_start == turns[2].start and turns[1].speech_start > turns[1].start


def test_it_tells_who_speaks_by_one_rule(study):
    assert [speaker_kind(study.quote(name)) for name in ("asks", "kari", "unknown", "nobody")] == [
        "interviewer", "informant", "unattributed", "unattributed"]


def test_it_signs_the_interviewer_as_interviewer_in_both_languages(study):
    assert publication_attribution(study.quote("asks")) == "(Intervjuer)"
    assert publication_attribution(study.quote("asks"), "en") == "(Interviewer)"
    assert publication_attribution(study.quote("kari")) == "(Rådgiver, integrering, fylkeskommune)"
    for name in ("unknown", "nobody"):
        for language in ("nb", "en"):
            assert "Informant" not in publication_attribution(study.quote(name), language)


def test_it_lists_unattributed_quotes_in_the_anonymity_review(study):
    found = {f.quote.excerpt_id: f for f in anonymity.findings(study.project, collect(study.project, ExportOptions()))}
    assert set(found) == {study.excerpts["unknown"].pk, study.excerpts["nobody"].pk}
    assert all(f.unattributed and f.default_choice == "drop" for f in found.values())


def test_a_publication_export_never_signs_an_interviewer_or_an_unassigned_speaker_as_an_informant(study):
    produced = produce(study.project, ExportOptions(attribution="publication"), "docx")
    signed = signatures(produced.data)
    assert sorted(signed.values()) == ["(Intervjuer)", "(Rådgiver, integrering, fylkeskommune)"]
    assert not any("Bosettingen" in text or "Ingen vet" in text for text in signed)
    assert produced.quotes == 2


def test_the_lead_may_keep_an_unattributed_quote_and_it_is_signed_as_nobody(study):
    kept = {study.excerpts["unknown"].pk: "keep"}
    signed = signatures(produce(study.project, ExportOptions(attribution="publication"), "docx",
                                decisions=kept).data)
    assert sorted(signed.values()) == ["(Intervjuer)", "(Rådgiver, integrering, fylkeskommune)", "(fylkeskommune)"]
    assert any("Bosettingen" in text for text in signed)
    assert not any("Ingen vet" in text for text in signed)


def test_a_quote_is_attributed_once_its_turn_has_a_participant(study):
    informant = Participant.objects.get(project=study.project, label="Informant 1")
    TurnRow.objects.filter(document=study.document, position=2).update(participant=informant)
    assert publication_attribution(study.quote("unknown")) == "(Rådgiver, integrering, fylkeskommune)"
    findings = anonymity.findings(study.project, collect(study.project, ExportOptions()))
    assert [f.quote.excerpt_id for f in findings] == [study.excerpts["nobody"].pk]


def _start(client, project, extra=()):
    data = form_data(project, attribution="publication", **dict(extra))
    return client.post(reverse("coding:export_start", args=[project.slug]), data)


def test_the_review_page_offers_keep_to_the_lead_only(client, study, lead, analyst):
    unknown = study.excerpts["unknown"].pk
    client.force_login(analyst)
    page = _start(client, study.project).content.decode()
    assert f'id="finding-{unknown}"' in page
    assert "Taler ikke tildelt" in page
    assert f'name="decision-{unknown}" value="keep"' not in page
    client.force_login(lead)
    page = _start(client, study.project).content.decode()
    assert f'name="decision-{unknown}" value="keep"' in page


def test_an_analyst_cannot_keep_an_unattributed_quote_by_a_forged_choice(client, study, analyst):
    client.force_login(analyst)
    ids = [study.excerpts[name].pk for name in ("unknown", "nobody")]
    response = _start(client, study.project, {f"decision-{pk}": "keep" for pk in ids})
    assert response.status_code == 303
    job = study.project.export_jobs.get()
    assert {job.decisions[str(pk)] for pk in ids} == {"drop"}


def test_the_lead_keeps_an_unattributed_quote_through_the_review(client, study, lead):
    client.force_login(lead)
    unknown, nobody = study.excerpts["unknown"].pk, study.excerpts["nobody"].pk
    assert _start(client, study.project, {f"decision-{unknown}": "keep", f"decision-{nobody}": "drop"}
                  ).status_code == 303
    assert study.project.export_jobs.get().decisions == {str(unknown): "keep", str(nobody): "drop"}


def test_the_command_leaves_unattributed_quotes_out_unless_asked(study, tmp_path, capsys):
    out = tmp_path / "sitater.docx"
    call_command("export_quotes", study=study.project.slug, fmt="docx", attribution="publication", output=out)
    assert "(fylkeskommune)" not in signatures(out.read_bytes()).values()
    assert "2 quotes from turns whose speaker is not assigned are left out" in capsys.readouterr().err
    call_command("export_quotes", study=study.project.slug, fmt="docx", attribution="publication", output=out,
                 keep_unattributed=True)
    assert list(signatures(out.read_bytes()).values()).count("(fylkeskommune)") == 2


def test_a_field_in_the_studys_own_words_signs_the_quote(study):
    Participant.objects.filter(project=study.project, label="Informant 1").update(
        field="other", field_other="samfunnsutvikling")
    assert publication_attribution(study.quote("kari")) == "(Rådgiver, samfunnsutvikling, fylkeskommune)"
    Participant.objects.filter(project=study.project, label="Informant 1").update(field_other="")
    assert publication_attribution(study.quote("kari")) == "(Rådgiver, fylkeskommune)"
