"""Memos on documents, participants, counties and the study: written by analysts and the lead, listed and
filtered for every member."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding.models import Memo
from coding.services import memo_create
from interviews.models import Participant
from planner.models import County
from planner.services import membership_set, project_create
from tests.coding.test_revisions import interview


def test_memos_are_written_listed_and_filtered(client, lead, analyst, viewer, django_assert_num_queries):
    project = project_create(name="Notater", lead=lead)
    other = project_create(name="Annen studie", lead=lead)
    membership_set(project=project, user=analyst, role="analyst")
    membership_set(project=project, user=viewer, role="viewer")
    county = County.objects.create(project=project, name="Agder")
    document = interview(project, lead)
    url = reverse("coding:memo_list", args=[project.slug])
    client.force_login(analyst)
    client.post(url, {"kind": "document", "document": document.pk, "text": "Guiden ble fulgt tett."})
    client.post(url, {"kind": "study", "text": "Metodekapittelet må nevne Whisper."})
    client.post(url, {"kind": "county", "county": county.pk, "text": "Agder har egen integreringsplan."})
    missing = client.post(url, {"kind": "participant", "text": "Uten deltaker."})
    assert "Velg hva notatet gjelder" in missing.content.decode()
    memo_create(project=project, author=lead, kind="participant", text="Leder, ikke rådgiver.",
                target=Participant.objects.get(project=project, label="Informant 1"))
    with pytest.raises(ValidationError):
        memo_create(project=other, author=lead, kind="county", text="Feil studie.", target=county)
    assert Memo.objects.filter(project=project).count() == 4

    client.force_login(viewer)
    assert client.post(url, {"kind": "study", "text": "Leser"}).status_code == 403
    with django_assert_num_queries(5):
        page = client.get(url).content.decode()
    assert page.count("<tr><td>") == 4 and "Intervju</a>" in page
    assert client.get(url, {"kind": "county"}).content.decode().count("<tr><td>") == 1
    assert client.get(url, {"author": lead.pk}).content.decode().count("<tr><td>") == 1
    assert client.get(url, {"q": "whisper"}).content.decode().count("<tr><td>") == 1
    assert client.get(url, {"since": "2099-01-01"}).content.decode().count("<tr><td>") == 0


def test_memos_go_into_an_internal_word_export_when_chosen(lead):
    from coding.exports.build import produce
    from coding.exports.options import ExportOptions
    from tests.coding.test_participant_data import all_file_text

    project = project_create(name="Notater i Word", lead=lead)
    memo_create(project=project, author=lead, kind="study", text="Metodekapittelet må nevne Whisper.")
    chosen = all_file_text(produce(project, ExportOptions(attribution="internal", study_memos=True), "docx").data)
    assert "Metodekapittelet må nevne Whisper." in chosen and "Notater" in chosen
    left_out = all_file_text(produce(project, ExportOptions(attribution="internal"), "docx").data)
    assert "Metodekapittelet" not in left_out
    publication = all_file_text(produce(project, ExportOptions(attribution="publication", study_memos=True),
                                        "docx").data)
    assert "Metodekapittelet" not in publication
