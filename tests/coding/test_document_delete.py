"""The lead deletes a document with everything made from it, after a confirmation naming what goes."""

from django.urls import reverse

from coding.exports.build import produce
from coding.exports.options import ExportOptions
from coding.models import Change, Excerpt, Theme
from coding.review.matrix import matrix
from coding.search import search
from planner.models import County, Document
from planner.services import membership_set, project_create
from tests.coding.test_participant_data import all_file_text
from tests.coding.test_revisions import code, interview


def test_the_lead_deletes_a_document_from_search_matrix_and_exports(client, lead, analyst):
    project = project_create(name="Sletting", lead=lead)
    membership_set(project=project, user=analyst, role="analyst")
    county = County.objects.create(project=project, name="Agder")
    theme = Theme.objects.create(project=project, name="Bosetting", colour="#0067A5", position=1)
    document = interview(project, lead)
    Document.objects.filter(pk=document.pk).update(county=county)
    kept = interview(project, lead)  # another interview, which stays
    Document.objects.filter(pk=kept.pk).update(county=county)
    code(document, "mer ressurser", analyst, theme)
    key = code(document, "bosetting av flyktninger", analyst, theme)
    Excerpt.objects.filter(pk=key.pk).update(is_key=True)
    code(kept, "Tilskuddene er for små", analyst, theme)
    assert matrix(project=project).value(theme.pk, county.pk) == 3
    assert "mer ressurser" in all_file_text(produce(project, ExportOptions(attribution="internal"), "csv").data)

    url = reverse("coding:document_delete", args=[project.slug, document.pk])
    client.force_login(analyst)
    assert client.get(url).status_code == 403
    client.force_login(lead)
    page = client.get(url).content.decode()
    assert "2 utdrag med temaer og notater" in page and "1 av dem et nøkkelsitat" in page
    stale = client.post(url, {"excerpts": 1, "key_quotes": 1, "turns": 4, "versions": 0, "recording": 0})
    assert "endret mens du bestemte deg" in stale.content.decode()
    assert Document.objects.filter(pk=document.pk).exists()
    response = client.post(url, {"excerpts": 2, "key_quotes": 1, "turns": 4, "versions": 0, "recording": 0})
    assert response.status_code == 302

    assert not Document.objects.filter(pk=document.pk).exists()
    assert matrix(project=project).value(theme.pk, county.pk) == 1
    assert sum(r.count for r in search(project=project, query="ressurser")) == 1  # the kept interview's turn
    assert "mer ressurser" not in all_file_text(produce(project, ExportOptions(attribution="internal"), "csv").data)
    record = Change.objects.get(action=Change.Action.DOCUMENT_DELETED)
    assert record.user == lead and record.before["title"] == "Intervju" and record.before["excerpts"] == 2
    assert sorted(e["passage"] for e in record.before["excerpt_list"]) == ["bosetting av flyktninger", "mer ressurser"]


def test_a_deleted_document_leaves_no_word_of_its_own_in_the_word_index(lead):
    from coding.revisions import document_delete
    from planner.models import IndexWord

    project = project_create(name="Sletting", lead=lead)
    gone = Document.objects.create(project=project, kind="other", title="Notat", text="Kvitebjørnsen og kommunen.")
    Document.objects.create(project=project, kind="other", title="Notat 2", text="Kommunen svarer.")
    document_delete(document=gone, user=lead)
    assert not IndexWord.objects.filter(word="kvitebjørnsen").exists()
    assert IndexWord.objects.filter(word="kommunen").exists()
    assert search(project=project, query="kvitebjørn") == [] and search(project=project, query="kommunen")
