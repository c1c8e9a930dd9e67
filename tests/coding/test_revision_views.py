"""The pages of text corrections: correcting a turn or a plan's paragraph, the versions, undo."""

import pytest
from django.urls import reverse

from coding.models import Change, Excerpt, Theme
from interviews.models import Turn as TurnRow
from planner.models import County, Document, DocumentVersion
from planner.plandocs import plan_excerpt_attach
from planner.services import membership_set, plan_create, project_create
from tests.coding.test_revisions import TURNS, code, interview

TURNS_TEXT = "\n".join(f"{label}: {speech}" for label, speech in TURNS)


def passage_of(excerpt, text):
    return Excerpt.objects.get(pk=excerpt.pk).text(text)


@pytest.fixture
def study(lead, analyst, viewer):
    project = project_create(name="Rettesider", lead=lead)
    membership_set(project=project, user=analyst, role="analyst")
    membership_set(project=project, user=viewer, role="viewer")
    theme = Theme.objects.create(project=project, name="Bosetting", colour="#0067A5", position=1)
    return project, theme


def test_it_corrects_a_turn_and_says_what_moved(client, study, analyst):
    project, theme = study
    document = interview(project, analyst)
    excerpt = code(document, "trenger veiledning", analyst, theme)
    turn = TurnRow.objects.get(document=document, position=2)
    url = reverse("coding:text_edit", args=[project.slug, document.pk])
    client.force_login(analyst)
    page = client.get(url, {"at": turn.speech_start + 4})
    assert page.status_code == 200
    assert "Kommunene trenger veiledning og mer ressurser." in page.content.decode()
    response = client.post(url, {"at": turn.speech_start, "checksum": document.checksum,
                                 "text": "Kommunene trenger god veiledning og mer ressurser."}, follow=True)
    assert response.redirect_chain[0][0].endswith(f"?at={turn.speech_start}#row-{turn.speech_start}")
    assert "Lagret som versjon 1" in response.content.decode()
    excerpt = Excerpt.objects.get(pk=excerpt.pk)
    assert excerpt.text(Document.objects.get(pk=document.pk).text) == "trenger god veiledning"
    assert 'class="excerpt-chip text-changed"' in response.content.decode()
    # The same form again holds the old checksum: refused, the new text shown.
    stale = client.post(url, {"at": turn.speech_start, "checksum": document.checksum, "text": "Noe annet."})
    assert stale.status_code == 200 and "Noen andre rettet" in stale.content.decode()
    assert DocumentVersion.objects.count() == 1


def test_a_plan_paragraph_is_the_leads_to_correct(client, study, lead, analyst):
    project, _theme = study
    county = County.objects.create(project=project, name="Agder")
    plan = plan_create(county=county, plan_type="strategy", title="Planstrategi", year=2024)
    document = plan_excerpt_attach(plan=plan, user=lead, text="Første avsnitt.\nAndre avsnitt her.", page=3)
    url = reverse("coding:text_edit", args=[project.slug, document.pk])
    client.force_login(analyst)
    assert client.get(url, {"at": 20}).status_code == 403
    client.force_login(lead)
    response = client.post(url, {"at": 20, "checksum": document.checksum, "text": "Andre avsnitt, rettet."})
    assert response.status_code == 302
    assert Document.objects.get(pk=document.pk).text == "Første avsnitt.\nAndre avsnitt, rettet."


def test_versions_list_undo_and_the_poll_reloads_open_pages(client, study, lead, analyst, viewer,
                                                          django_assert_num_queries):
    project, theme = study
    document = interview(project, analyst)
    code(document, "mer ressurser", analyst, theme)
    url = reverse("coding:text_edit", args=[project.slug, document.pk])
    versions = reverse("coding:document_versions", args=[project.slug, document.pk])
    client.force_login(analyst)
    for old, new in ((" og mer ressurser", ""), ("veiledning", "god veiledning")):
        document.refresh_from_db()
        turn = TurnRow.objects.get(document=document, position=2)
        speech = document.text[turn.speech_start:turn.end]
        client.post(url, {"at": turn.speech_start, "checksum": document.checksum, "text": speech.replace(old, new)})
    poll = client.get(reverse("coding:document_changes", args=[project.slug, document.pk]), {"since": 0})
    assert poll["HX-Refresh"] == "true"
    client.force_login(viewer)
    with django_assert_num_queries(7):  # the membership, the study and the document in one statement (issue 15)
        page = client.get(versions)
    body = page.content.decode()
    assert "«mer ressurser»" in body and "Bosetting" in body  # the excerpt whose words went, for the lead
    assert 'id="text-undo"' not in body  # a viewer undoes nothing
    assert client.post(reverse("coding:text_undo", args=[project.slug, document.pk])).status_code == 403
    client.force_login(lead)
    assert client.post(reverse("coding:text_undo", args=[project.slug, document.pk])).status_code == 302
    client.post(reverse("coding:text_undo", args=[project.slug, document.pk]))
    assert Excerpt.objects.get().text(Document.objects.get(pk=document.pk).text) == "mer ressurser"
    assert DocumentVersion.objects.filter(undone_at__isnull=False).count() == 2


def test_the_lead_replaces_a_transcript_file_with_the_same_report(client, study, lead, analyst):
    from django.core.files.uploadedfile import SimpleUploadedFile

    project, theme = study
    document = interview(project, analyst)
    same = code(document, "bosetting av flyktninger", analyst, theme)
    changed = code(document, "trenger veiledning", analyst, theme)
    moved = code(document, "Tilskuddene er for små", analyst, theme)
    url = reverse("coding:document_replace", args=[project.slug, document.pk])
    corrected = ("Intervjuer: Velkommen, hva jobber dere med?\n"
                 "Informant 1: Tilskuddene er for små for de minste kommunene.\n"
                 "Informant 2: Kommunene trenger mye veiledning og mer ressurser.\n"
                 "Informant 1: Vi jobber med bosetting av flyktninger i distriktene.\n")
    client.force_login(analyst)
    assert client.get(url).status_code == 403
    client.force_login(lead)
    refused = client.post(url, {"file": SimpleUploadedFile("ny.txt", b"Kari Nordmann: Hei.\n")})
    assert "ikke: Kari Nordmann" in refused.content.decode()
    response = client.post(url, {"file": SimpleUploadedFile("rettet.txt", corrected.encode())}, follow=True)
    body = response.content.decode()
    assert "Lagret som versjon 1" in body
    text = Document.objects.get(pk=document.pk).text
    assert text == corrected.strip()
    # Each excerpt is on its words in the new text, or (a paragraph moved: deleted here, inserted there)
    # listed as one whose words went; never anywhere else.
    # (The diff keeps the longest paragraph in place, here «Vi jobber … distriktene», and deletes and inserts
    # what moved around it.)
    words = {same.pk: "bosetting av flyktninger", changed.pk: "trenger mye veiledning",
             moved.pk: "Tilskuddene er for små"}
    orphaned = {c.object_uuid for c in Change.objects.filter(action=Change.Action.EXCERPT_ORPHANED)}
    kept = 0
    for excerpt in (same, changed, moved):
        current = Excerpt.objects.filter(pk=excerpt.pk).first()
        if current is None:
            assert excerpt.uuid in orphaned and f"«{excerpt.text(TURNS_TEXT)}»" in body
        else:
            assert current.text(text) == words[excerpt.pk]
            kept += 1
    assert kept == 1 and len(orphaned) == 2 and passage_of(same, text) == "bosetting av flyktninger"
    turns = list(TurnRow.objects.filter(document=document).select_related("participant").order_by("position"))
    assert [t.participant.label for t in turns] == ["Intervjuer", "Informant 1", "Informant 2", "Informant 1"]
    assert turns[1].speech(text) == "Tilskuddene er for små for de minste kommunene."
    client.post(reverse("coding:text_undo", args=[project.slug, document.pk]))
    text = Document.objects.get(pk=document.pk).text
    assert Excerpt.objects.get(uuid=moved.uuid).text(text) == "Tilskuddene er for små"
    assert Document.objects.get(pk=document.pk).text == TURNS_TEXT
    turns = list(TurnRow.objects.filter(document=document).select_related("participant").order_by("position"))
    assert [t.speech(TURNS_TEXT) for t in turns] == [speech for _label, speech in TURNS]
    assert turns[3].start_seconds == 90.0


def test_the_lead_replaces_a_plan_documents_file(client, study, lead):
    from django.core.files.uploadedfile import SimpleUploadedFile

    project, theme = study
    county = County.objects.create(project=project, name="Agder")
    plan = plan_create(county=county, plan_type="strategy", title="Planstrategi", year=2024)
    document = plan_excerpt_attach(plan=plan, user=lead, text="Første avsnitt om bosetting.\nAndre avsnitt.", page=3)
    excerpt = code(document, "om bosetting", lead, theme)
    client.force_login(lead)
    url = reverse("coding:document_replace", args=[project.slug, document.pk])
    pdf = client.post(url, {"file": SimpleUploadedFile("plan.pdf", b"%PDF-1.4")})
    assert "legg den til planen" in pdf.content.decode()
    new = "Et nytt første avsnitt om bosetting.\n\nAndre avsnitt."
    client.post(url, {"file": SimpleUploadedFile("plan.txt", new.encode())})
    document.refresh_from_db()
    assert Excerpt.objects.get(pk=excerpt.pk).text(document.text) == "om bosetting"
    assert document.page_starts == [] and DocumentVersion.objects.filter(document=document).count() == 1


def test_a_selection_made_on_a_page_from_before_a_correction_is_refused(client, study, analyst):
    project, theme = study
    document = interview(project, analyst)
    old = document.checksum
    turn = TurnRow.objects.get(document=document, position=2)
    client.force_login(analyst)
    client.post(reverse("coding:text_edit", args=[project.slug, document.pk]), {
        "at": turn.speech_start, "checksum": old, "text": "Kort."})
    url = reverse("coding:excerpt_create", args=[project.slug, document.pk])
    stale = client.post(url, {"start": turn.speech_start, "end": turn.speech_start + 5, "themes": theme.pk,
                              "checksum": old})
    assert stale["HX-Refresh"] == "true" and "rettet denne teksten" in stale.content.decode()
    assert not Excerpt.objects.exists()
    fresh = Document.objects.get(pk=document.pk).checksum
    client.post(url, {"start": turn.speech_start, "end": turn.speech_start + 4, "themes": theme.pk,
                      "checksum": fresh})
    assert Excerpt.objects.get().text(Document.objects.get(pk=document.pk).text) == "Kort"
