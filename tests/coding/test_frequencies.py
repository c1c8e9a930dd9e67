"""Word list and code frequencies: counts, stop words, filters, and their .xlsx."""

import io

import openpyxl
import pytest
from django.urls import reverse

from coding.frequencies import code_frequencies, word_frequencies
from coding.services import excerpt_create
from interviews.models import Participant
from planner.models import Document
from planner.services import project_create
from tests.coding.test_search import VTT, plan_document, transcript

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


def test_the_word_list_counts_words_and_documents_without_stop_words(project, analyst):
    plan_document(project, title="A",
                  pages=["Kommunene og kommunene i distriktene. The municipalities and the region."])
    plan_document(project, title="B", pages=["Kommunene har små budsjett."])
    words = {w.word: (w.count, w.documents) for w in word_frequencies(Document.objects.filter(project=project))}
    assert words["kommunene"] == (3, 2) and words["distriktene"] == (1, 1) and words["municipalities"] == (1, 1)
    assert "og" not in words and "the" not in words and "har" not in words  # stop words
    assert words["små"] == (1, 1)
    few = word_frequencies(Document.objects.filter(project=project), min_length=11, skip_stop_words=False)
    assert [w.word for w in few] == ["distriktene", "municipalities"]
    assert [w.word for w in word_frequencies(Document.objects.filter(project=project), contains="KOMMUN")] == [
        "kommunene"]


def test_the_word_list_page_and_its_xlsx(client, project, viewer):
    plan_document(project, pages=["Innvandring og innvandring i distriktene."])
    client.force_login(viewer)
    url = reverse("coding:word_list", args=[project.slug])
    response = client.get(url, {"kind": "plan", "min_length": 3, "stop_words": "on"})
    assert [(w.word, w.count) for w in response.context["words"]] == [("innvandring", 2), ("distriktene", 1)]
    data = client.get(url, {"kind": "plan", "min_length": 3, "stop_words": "on", "format": "xlsx"}).content
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows == [("Ord", "Forekomster", "Dokumenter"), ("innvandring", 2, 1), ("distriktene", 1, 1)]


def test_the_word_list_of_every_document_is_one_aggregate_of_the_word_index(client, project, viewer,
                                                                            django_assert_num_queries):
    """No limit on how much text: the counts come from the postings, never from the texts."""
    for n in range(3):
        plan_document(project, pages=["Innvandring og innvandring i distriktene."], title=f"Plan {n}")
    client.force_login(viewer)
    url = reverse("coding:word_list", args=[project.slug])
    client.get(url, {"min_length": 3})
    with django_assert_num_queries(6):  # session, user, membership, the form's counties, its documents, the words
        response = client.get(url, {"min_length": 3, "stop_words": "on"})
    assert [(w.word, w.count, w.documents) for w in response.context["words"]] == [
        ("innvandring", 6, 3), ("distriktene", 3, 3)]


def test_code_frequencies_per_document_participant_and_role(client, project, analyst, viewer,
                                                           django_assert_num_queries):
    talk = transcript(project, analyst, VTT)
    kari, ola = Participant.objects.filter(turns__document=talk).order_by("turns__start").distinct()
    Participant.objects.filter(pk=kari.pk).update(role="advisor", field="integration")
    Participant.objects.filter(pk=ola.pk).update(role="advisor", field="integration")
    theme, other = list(project.themes.order_by("position")[:2])
    for word, themes in (("INNVANDRERE", [theme, other]), ("flyktninger", [theme])):
        start = talk.text.index(word)
        excerpt_create(document=talk, start=start, end=start + len(word), coder=analyst, themes=themes)
    per_document = code_frequencies(project, "document")
    assert [(label, total) for label, _counts, total in per_document.rows] == [("Intervju Troms", 3)]
    assert per_document.rows[0][1][:2] == [2, 1]
    assert [(label, counts[:2]) for label, counts, _t in code_frequencies(project, "participant").rows] == [
        (kari.label, [1, 1]), (ola.label, [1, 0])]
    assert [(label, total) for label, _c, total in code_frequencies(project, "role").rows] == [
        ("Rådgiver, Integrering", 3)]
    client.force_login(viewer)
    url = reverse("coding:code_frequency", args=[project.slug])
    client.get(url, {"by": "participant"})
    with django_assert_num_queries(6):  # session, user, membership, themes, excerpts by speaker, participants
        page = client.get(url, {"by": "participant"}).content.decode()
    assert kari.label in page
    data = client.get(url, {"by": "role", "format": "xlsx"}).content
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Rolle og fagfelt" and rows[1][0] == "Rådgiver, Integrering" and rows[1][-1] == 3


def test_the_matrix_drills_down_to_one_countys_code_frequencies(client, project, analyst, viewer):
    talk = transcript(project, analyst, VTT)  # in Troms
    plan = plan_document(project)  # in Agder
    theme = project.themes.order_by("position").first()
    for document, word in ((talk, "INNVANDRERE"), (talk, "flyktninger"), (plan, "innvandring")):
        start = document.text.index(word)
        excerpt_create(document=document, start=start, end=start + len(word), coder=analyst, themes=[theme])
    troms, agder = project.counties.get(name="Troms"), project.counties.get(name="Agder")
    assert [(label, total) for label, _c, total in code_frequencies(project, "document", troms).rows] == [
        ("Intervju Troms", 2)]
    assert [(label, total) for label, _c, total in code_frequencies(project, "document", agder).rows] == [
        ("Regionplan Agder 2030", 1)]
    assert code_frequencies(project, "participant", agder).rows == []  # a plan has no speakers
    client.force_login(viewer)
    matrix_page = client.get(reverse("coding:matrix", args=[project.slug])).content.decode()
    url = reverse("coding:code_frequency", args=[project.slug])
    assert f'href="{url}?county={troms.pk}"' in matrix_page
    page = client.get(url, {"county": troms.pk, "by": "participant"})
    assert "Kodefrekvenser i Troms" in page.content.decode() and "Regionplan" not in page.content.decode()
    assert f"?by=document&amp;county={troms.pk}" in page.content.decode()  # the tabs keep the county
    data = client.get(url, {"county": troms.pk, "format": "xlsx"})
    assert "kodefrekvens-document" in data["Content-Disposition"] and "troms" in data["Content-Disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(data.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["Intervju Troms"]
    other = project_create(name="Annen", lead=viewer, template="integrering")
    assert client.get(url, {"county": other.counties.first().pk}).status_code == 404
