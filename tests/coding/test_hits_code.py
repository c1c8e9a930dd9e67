"""Coding a search's hits at once: units, skipped hits, one history entry, one undo."""

import pytest
from django.urls import reverse

from coding.models import Change, Excerpt
from coding.search import search
from coding.services import ConflictError, excerpt_update, hits_code, hits_code_undo, hits_plan
from tests.coding.test_search import VTT, plan_document, transcript

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


def _hits(project, query):
    return [(r.document.pk, h.start, h.end) for r in search(project=project, query=query) for h in r.hits]


def test_each_unit_makes_its_passage(project, analyst):
    plan = plan_document(project, pages=["Innvandring øker. Mange bosetter seg.\nI distriktene.\n\nNytt avsnitt."])
    talk = transcript(project, analyst, VTT)
    theme = project.themes.first()

    def passages(unit, query):
        made = hits_plan(project=project, hits=_hits(project, query), themes=[theme], unit=unit)
        return sorted(made.passages)

    hit = plan.text.index("Innvandring")
    assert passages("hit", "innv AND NOT flykt") == [(plan.pk, hit, hit + 11)]
    assert passages("paragraph", "distrikt") == [
        (plan.pk, 0, plan.text.index("distriktene.") + 12),
        (talk.pk, talk.text.index("Distriktskommuner"), len(talk.text))]
    speech = talk.text.index("Vi snakker")
    assert passages("turn", "innv AND NOT =distriktene") == [(talk.pk, speech, talk.text.index("\n"))]
    assert passages("sentence", "flykt") == [(talk.pk, talk.text.index("Distriktskommuner"), len(talk.text))]


def test_the_batch_is_one_history_entry_and_undone_in_one_step_unless_changed(project, analyst, lead):
    plan_document(project)
    themes = list(project.themes.all()[:2])
    plan = hits_plan(project=project, hits=_hits(project, "innv OR distrikt"), themes=themes, unit="sentence")
    assert (plan.count, plan.skipped) == (2, 0)  # two hits in one sentence make one excerpt
    change = hits_code(project=project, plan=plan, coder=analyst, query="innv OR distrikt")
    assert Excerpt.objects.count() == 2 and Change.objects.count() == 1
    again = hits_plan(project=project, hits=_hits(project, "innv OR distrikt"), themes=themes, unit="sentence")
    assert (again.count, again.skipped) == (0, 3)
    with pytest.raises(ConflictError):
        hits_code_undo(change=change, user=lead)  # not the lead's batch
    excerpt = Excerpt.objects.first()
    excerpt_update(excerpt_id=excerpt.pk, user=analyst, version=excerpt.version, memo="Endret")
    with pytest.raises(ConflictError):
        hits_code_undo(change=change, user=analyst)
    assert Excerpt.objects.count() == 2
    excerpt.delete()
    assert hits_code_undo(change=change, user=analyst) == 1
    assert not Excerpt.objects.exists()
    assert Change.objects.get(action=Change.Action.HITS_UNCODED).undoes == change


def test_the_view_previews_then_codes_the_ticked_hits(client, project, analyst):
    document = plan_document(project)
    client.force_login(analyst)
    theme = project.themes.first()
    first = _hits(project, "innv")[0]
    page = client.get(reverse("coding:search", args=[project.slug]), {"q": "innv"}).content.decode()
    assert f'name="checksum" value="{document.pk}:{document.checksum}"' in page
    data = {"q": "innv", "themes": [theme.pk], "unit": "hit", "scope": "ticked", "hit": [":".join(map(str, first))],
            "checksum": [f"{document.pk}:{document.checksum}"]}
    url = reverse("coding:hits_code", args=[project.slug])
    response = client.post(url, data)
    assert response.context["plan"].count == 1 and not Excerpt.objects.exists()
    client.post(url, {**data, "confirm": "1"})
    assert [(e.document_id, e.start, e.end) for e in Excerpt.objects.all()] == [first] and first[0] == document.pk
    response = client.post(url, {**data, "hit": ["1:2"]})
    assert "kunne ikke leses" in response.content.decode()
    # A hit ticked on a page shown before the text was corrected: its offsets may point at other words now.
    stale = client.post(url, {**data, "checksum": [f"{document.pk}:{'0' * 64}"], "confirm": "1"})
    assert "ble rettet etter at du søkte" in stale.content.decode() and Excerpt.objects.count() == 1
