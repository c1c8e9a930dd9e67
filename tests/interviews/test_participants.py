"""Participants in the app: the list with the method table, the participant page, editing and merging."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from coding.models import WatchName
from interviews.importers import ParsedTranscript, Turn
from interviews.models import Participant, SpeakerChange
from interviews.services import participants_merge, transcript_import
from planner.models import Document
from planner.services import project_create
from tests.interviews import skip_scan_statements

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


def interview(project, user, speakers, *, interview_format="group_interview", county="Agder", title=None, turns=2):
    """A transcript in which each participant of `speakers` has `turns` turns, in turn."""
    parsed = ParsedTranscript(format="txt", turns=[
        Turn(speaker=p.label, text=f"Replikk {i} fra {p.label} om bosetting.", start=float(i * 10))
        for i in range(turns) for p in speakers])
    return transcript_import(project=project, user=user, parsed=parsed, mapping={p.label: p for p in speakers},
                             title=title or f"{interview_format} {county}", interview_format=interview_format,
                             county=project.counties.get(name=county))


def person(project, label, role="advisor", field="integration", county="Agder", field_other=""):
    return Participant.objects.create(project=project, label=label, role=role, field=field, field_other=field_other,
                                      county=project.counties.get(name=county) if county else None)


def detail_url(participant):
    return reverse("interviews:participant_detail", args=[participant.project.slug, participant.pk])


def edit(client, participant, **data):
    fields = {"label": participant.label, "role": participant.role, "field": participant.field,
              "field_other": participant.field_other, "county": participant.county_id or ""}
    return client.post(reverse("interviews:participant_edit", args=[participant.project.slug, participant.pk]),
                       fields | data)


def merge(client, source, target):
    return client.post(reverse("interviews:participant_merge", args=[source.project.slug, source.pk]),
                       {"target": target.pk})


# The list and its method table

def test_the_list_sorts_labels_naturally_and_links_each_to_its_page(client, project, viewer):
    for label in ["Informant 10", "Informant 2", "Intervjuer", "Informant 1"]:
        person(project, label)
    client.force_login(viewer)
    response = client.get(reverse("interviews:participant_list", args=[project.slug]))
    assert [p.label for p in response.context["participants"]] == [
        "Informant 1", "Informant 2", "Informant 10", "Intervjuer"]
    assert f'href="{detail_url(Participant.objects.get(label="Informant 10"))}"' in response.content.decode()


def test_the_rows_made_in_python_escape_every_value_and_offer_the_lead_its_actions(client, project, lead, viewer):
    """The rows are built without the template (issue 15: 0.3 ms a row through it): nothing goes unescaped."""
    hostile = person(project, '<b>"Informant"</b> & co', role="leader", field="other", field_other="<i>Plan</i>")
    erased = person(project, "Informant 2")
    Participant.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    url = reverse("interviews:participant_list", args=[project.slug])
    client.force_login(viewer)
    page = client.get(url).content.decode()
    assert "<b>" not in page and "<i>Plan" not in page
    assert "&lt;b&gt;&quot;Informant&quot;&lt;/b&gt; &amp; co" in page and "&lt;i&gt;Plan&lt;/i&gt;" in page
    assert f'href="{detail_url(hostile)}"' in page and "data-export" not in page
    client.force_login(lead)
    page = client.get(url).content.decode()
    export = reverse("coding:participant_data_export", args=[project.slug, hostile.pk])
    erase = reverse("coding:participant_erase", args=[project.slug, hostile.pk])
    assert f'href="{export}"' in page and f'href="{erase}"' in page
    assert 'aria-label="Slett dataene til &lt;b&gt;' in page or 'aria-label="Delete the data of &lt;b&gt;' in page
    assert page.count('class="danger"') == 1  # the erased participant's data is shown as deleted instead


def test_the_method_table_counts_informants_per_county_role_and_field_in_group_interviews_and_workshops(
        client, project, analyst, viewer):
    interviewer = person(project, "Intervjuer", role="interviewer", field="other", county=None)
    both = person(project, "Informant 1", role="advisor", field="integration", county="Agder")
    group_only = person(project, "Informant 2", role="leader", field="business", county="Agder")
    workshop_only = person(project, "Informant 3", role="advisor", field="other", field_other="Samferdsel",
                           county="Troms")
    initial_only = person(project, "Informant 4", role="advisor", field="planning", county="Nordland")
    person(project, "Informant 5", role="advisor", field="planning", county="Nordland")  # never speaks
    interview(project, analyst, [interviewer, both, group_only], county="Agder")
    interview(project, analyst, [interviewer, both, group_only], county="Agder", title="Agder del 2")
    interview(project, analyst, [interviewer, both, workshop_only], interview_format="workshop", county="Troms")
    interview(project, analyst, [initial_only], interview_format="initial_interview", county="Nordland")
    client.force_login(viewer)
    client.cookies["django_language"] = "en"
    table = client.get(reverse("interviews:participant_list", args=[project.slug])).context["method"]
    assert table["formats"] == ["Group interviews", "Workshops"]
    sections = {section["title"]: section["rows"] for section in table["sections"]}
    # Columns: group interviews, workshops, distinct people (the person in both is one).
    assert sections["County"] == [("Agder", [2, 1, 2]), ("Troms", [0, 1, 1])]
    assert sections["Role"] == [("Adviser", [1, 2, 2]), ("Leader", [1, 0, 1])]
    assert sections["Field"] == [("Integration", [1, 1, 1]), ("Business development", [1, 0, 1]),
                                 ("Samferdsel", [0, 1, 1])]
    assert table["totals"] == [2, 2, 3]


def test_the_method_table_says_so_when_no_informant_has_spoken(client, project, viewer):
    person(project, "Informant 1")
    client.force_login(viewer)
    response = client.get(reverse("interviews:participant_list", args=[project.slug]))
    assert response.context["method"]["sections"] == []
    assert 'id="method-table"' not in response.content.decode()


def test_the_participants_page_reads_no_document_text_and_a_fixed_number_of_queries(
        client, project, analyst, django_assert_num_queries):
    url = reverse("interviews:participant_list", args=[project.slug])
    client.force_login(analyst)

    def add(n, start):
        people = [person(project, f"Informant {start + i}", county=None) for i in range(n)]
        interview(project, analyst, people, title=f"Gruppe {start}")
        interview(project, analyst, people[:2], interview_format="workshop", title=f"Arbeidsmøte {start}")

    add(2, 1)
    client.get(url)
    with django_assert_num_queries(6 + skip_scan_statements()):
        assert client.get(url).status_code == 200
    for start in (10, 20, 30):
        add(5, start)
    with CaptureQueriesContext(connection) as queries, django_assert_num_queries(6 + skip_scan_statements()):
        response = client.get(url)
    assert response.context["method"]["totals"] == [17, 8, 17]
    table = Document._meta.db_table
    assert not [q["sql"] for q in queries if f'"{table}"."text"' in q["sql"] or f"{table}.text" in q["sql"]]


# The participant page

def test_the_page_lists_the_interviews_a_participant_speaks_in_and_offers_the_forms_to_the_lead_only(
        client, project, lead, analyst, viewer):
    kari = person(project, "Informant 1")
    interview(project, analyst, [kari], title="Agder gruppeintervju", turns=3)
    for user, forms in [(viewer, False), (analyst, False), (lead, True)]:
        client.force_login(user)
        response = client.get(detail_url(kari))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Agder gruppeintervju" in page and [d.turn_count for d in response.context["documents"]] == [3]
        assert ('id="participant-form"' in page) is forms and ('id="merge-form"' in page) is forms


def test_a_participant_of_another_study_is_not_found(client, project, lead):
    other = project_create(name="Annen studie", lead=lead, template="integrering")
    stranger = Participant.objects.create(project=other, label="Informant 1")
    client.force_login(lead)
    url = reverse("interviews:participant_detail", args=[project.slug, stranger.pk])
    assert client.get(url).status_code == 404
    edit_url = reverse("interviews:participant_edit", args=[project.slug, stranger.pk])
    assert client.post(edit_url, {"label": "Informant 9", "role": "advisor", "field": "other"}).status_code == 404
    stranger.refresh_from_db()
    assert stranger.label == "Informant 1"


# Editing

def test_the_lead_edits_label_role_field_and_county_with_history(client, project, lead):
    kari = person(project, "Informant 1")
    client.force_login(lead)
    troms = project.counties.get(name="Troms")
    response = edit(client, kari, label="  Informant   11 ", role="leader", field="other",
                    field_other="Samferdsel", county=troms.pk)
    assert response.status_code == 302 and response["Location"] == detail_url(kari)
    kari.refresh_from_db()
    assert (kari.label, kari.role, kari.field, kari.field_other, kari.county) == (
        "Informant 11", "leader", "other", "Samferdsel", troms)
    change = SpeakerChange.objects.get()
    assert (change.action, change.document, change.user) == ("participant_changed", None, lead)
    assert (change.before["label"], change.before["county"]) == ("Informant 1", "Agder")
    assert (change.after["label"], change.after["county"], change.after["field_other"]) == (
        "Informant 11", "Troms", "Samferdsel")
    assert "Informant 1 → Informant 11" in client.get(detail_url(kari)).content.decode()
    edit(client, kari, field="integration")  # free text only belongs with «other»
    kari.refresh_from_db()
    assert (kari.field, kari.field_other) == ("integration", "")
    edit(client, kari)  # nothing changed: nothing recorded
    assert SpeakerChange.objects.count() == 2


def test_a_label_another_participant_has_is_refused(client, project, lead):
    kari = person(project, "Informant 1")
    person(project, "Informant 2")
    client.cookies["django_language"] = "en"
    client.force_login(lead)
    response = edit(client, kari, label="Informant 2")
    assert response.status_code == 200
    assert "«Informant 2» is already a participant of the study" in response.content.decode()
    kari.refresh_from_db()
    assert kari.label == "Informant 1" and not SpeakerChange.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("analyst", 403), ("viewer", 403), ("outsider", 404)])
def test_only_the_lead_edits_and_merges(client, project, role_users, role, status):
    kari, ola = person(project, "Informant 1"), person(project, "Informant 2")
    client.force_login(role_users[role])
    assert edit(client, kari, label="Informant 9").status_code == status
    assert merge(client, kari, ola).status_code == status
    assert sorted(Participant.objects.values_list("label", flat=True)) == ["Informant 1", "Informant 2"]


# Merging

def test_merging_moves_every_turn_to_the_target_and_deletes_the_source_with_history(client, project, lead, analyst):
    group = person(project, "Informant 1", field="integration")
    workshop = person(project, "Deltaker 7", field="other")
    other = person(project, "Informant 2")
    first = interview(project, analyst, [group, other], turns=3)
    second = interview(project, analyst, [workshop, other], interview_format="workshop", county="Troms", turns=4)
    third = interview(project, analyst, [workshop], interview_format="workshop", title="Arbeidsmøte 2", turns=1)
    WatchName.objects.create(project=project, name="Kari Nordmann", kind="person", participant=workshop)
    client.force_login(lead)
    response = merge(client, workshop, group)
    assert response.status_code == 302 and response["Location"] == detail_url(group)
    assert not Participant.objects.filter(pk=workshop.pk).exists()
    assert group.turns.count() == 3 + 4 + 1 and other.turns.count() == 3 + 4
    assert list(second.turns.order_by("position").values_list("participant__label", flat=True)) == [
        "Informant 1", "Informant 2"] * 4
    # The recorded real name now watches the person it belongs to.
    assert WatchName.objects.get(name="Kari Nordmann").participant == group
    changes = {c.document_id: c for c in SpeakerChange.objects.filter(action="participants_merged")}
    assert set(changes) == {second.pk, third.pk} and first.pk not in changes
    assert changes[second.pk].before["source"]["label"] == "Deltaker 7"
    assert (changes[second.pk].after["label"], changes[second.pk].after["turns"]) == ("Informant 1", 4)
    history = client.get(reverse("coding:document_history", args=[project.slug, second.pk])).content.decode()
    assert "Deltaker 7 (4" in history[history.index('id="speaker-history"'):]
    # The method table counts the one person in both the group interview and the workshop once.
    table = client.get(reverse("interviews:participant_list", args=[project.slug])).context["method"]
    assert table["totals"] == [2, 2, 2]


def test_merging_a_participant_without_turns_is_recorded_for_the_study(project, lead):
    source, target = person(project, "Informant 1"), person(project, "Informant 2")
    assert participants_merge(source=source, target=target, user=lead) == 0
    change = SpeakerChange.objects.get()
    assert (change.document, change.after["label"]) == (None, "Informant 2")


def test_merging_into_itself_or_across_studies_is_refused(project, lead):
    kari = person(project, "Informant 1")
    other = project_create(name="Annen studie", lead=lead, template="integrering")
    stranger = Participant.objects.create(project=other, label="Informant 1")
    with translation.override("en"):
        with pytest.raises(ValidationError, match="into itself"):
            participants_merge(source=kari, target=kari, user=lead)
        with pytest.raises(ValidationError, match="different studies"):
            participants_merge(source=kari, target=stranger, user=lead)
    assert Participant.objects.count() == 2 and not SpeakerChange.objects.exists()


def test_the_merge_form_offers_only_other_participants_of_the_study(client, project, lead):
    kari, ola = person(project, "Informant 1"), person(project, "Informant 10")
    person(project, "Informant 2")
    other = project_create(name="Annen studie", lead=lead, template="integrering")
    stranger = Participant.objects.create(project=other, label="Informant 3")
    client.force_login(lead)
    choices = client.get(detail_url(kari)).context["merge_form"].fields["target"].choices
    assert [label for _pk, label in choices] == ["–", "Informant 2", "Informant 10"]
    for target in (kari, stranger):
        response = client.post(reverse("interviews:participant_merge", args=[project.slug, kari.pk]),
                               {"target": target.pk})
        assert response.status_code == 200 and response.context["merge_form"].errors
    assert Participant.objects.filter(pk__in=[kari.pk, ola.pk]).count() == 2


def test_the_participant_page_reads_a_fixed_number_of_queries_and_no_document_text(
        client, project, lead, analyst, django_assert_num_queries):
    kari, ola = person(project, "Informant 1"), person(project, "Informant 2")
    interview(project, analyst, [kari, ola], title="Første")
    client.force_login(lead)
    client.get(detail_url(kari))
    with django_assert_num_queries(8):
        assert client.get(detail_url(kari)).status_code == 200
    for i in range(6):
        interview(project, analyst, [kari, ola], title=f"Flere {i}", interview_format="workshop", turns=5)
        edit(client, kari, label=f"Informant {10 + i}")
        kari.refresh_from_db()
    url = detail_url(kari)
    with CaptureQueriesContext(connection) as queries, django_assert_num_queries(8):
        response = client.get(url)
    assert len(response.context["documents"]) == 7 and len(response.context["history"]) == 6
    table = Document._meta.db_table
    assert not [q["sql"] for q in queries if f'"{table}"."text"' in q["sql"] or f"{table}.text" in q["sql"]]


def test_the_import_form_lists_existing_participants_in_natural_order(client, project, analyst):
    for label in ["Informant 10", "Informant 2", "Intervjuer", "Informant 1"]:
        person(project, label)
    client.force_login(analyst)
    upload = SimpleUploadedFile("agder.txt", b"Kari Nordmann: Hei.")
    client.post(reverse("interviews:import_start", args=[project.slug]), {"files": [upload]})
    drafts = client.get(reverse("interviews:import_start", args=[project.slug])).context["drafts"]
    choices = drafts[0]["speaker_forms"][0].fields["participant"].choices
    assert [label for _pk, label in choices][1:] == ["Informant 1", "Informant 2", "Informant 10", "Intervjuer"]
