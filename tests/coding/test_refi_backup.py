"""A study's backup restored into a database without the study gives the same rows: the canonical dump (every table
of the study, each row with GUIDs or natural keys for its links, database ids left out, ids inside the history's
snapshots turned into GUIDs, rows sorted) is equal before and after."""

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models, transaction

from coding.demo import demo_excerpts_load
from coding.exports.backup import (
    NOT_CARRIED,
    SNAPSHOT_KEYS,
    _snapshot,
    backup_archive,
    double_coding_snapshot,
    restore_study,
)
from coding.models import Change, DoubleCoding, Excerpt, Theme, ThemeSummary
from coding.revisions import editable_span, text_correct
from coding.services import (
    change_undo,
    disagreement_settle,
    double_coding_reveal,
    double_coding_set,
    excerpt_create,
    excerpt_update,
    last_undoable,
    memo_create,
    summary_review,
    summary_save,
    theme_create,
    theme_merge,
)
from coding.watchlist import watch_name_add
from interviews.demo import demo_interviews_load
from interviews.models import Participant
from interviews.services import NewParticipant, name_word_add, participant_update, turns_assign
from planner.models import Membership, Plan, Project
from planner.plandocs import plan_excerpt_attach
from planner.services import membership_set
from planner.textfiles import ImporterError
from tests.coding.refi import assert_valid
from tests.studies import study_from_template

# Passing work, not the study: files being read or made, drafts, import reports, and the task framework's rows.
NOT_THE_STUDY = {"planner.FileJob", "coding.ExportJob", "interviews.ImportDraft", "coding.ExchangeImport"}
# The word index's vocabulary, shared by every study (its postings are the study's).
NOT_THE_STUDY |= {"planner.IndexWord"}
# The study's, but not in a backup (coding.exports.backup.NOT_CARRIED says why).
NOT_THE_STUDY |= set(NOT_CARRIED)
# How each table reaches its study.
STUDY = {"planner.Project": "pk", "planner.Membership": "project", "planner.County": "project",
         "planner.Plan": "county__project", "planner.Document": "project", "planner.Chunk": "document__project",
         "planner.Posting": "document__project",
         "interviews.Participant": "project", "interviews.Interview": "document__project",
         "interviews.Turn": "document__project", "interviews.SpeakerChange": "project",
         "interviews.NameWord": "project", "coding.Theme": "project", "coding.Excerpt": "document__project",
         "coding.Coding": "document__project", "coding.ThemeSummary": "project", "coding.SavedSearch": "project",
         "coding.Change": "project", "coding.WatchName": "project", "coding.DoubleCoding": "project",
         "coding.DoubleCoding_coders": "doublecoding__project", "coding.Settlement": "double_coding__project",
         "coding.Memo": "project"}


def canonical(project):
    """{table: sorted rows}; a link is the linked row's GUID (a user's username, a history row's content)."""
    ours = [m for m in apps.get_models(include_auto_created=True)
            if m._meta.app_label in ("planner", "interviews", "coding")]
    assert {m._meta.label for m in ours} == set(STUDY) | NOT_THE_STUDY, "a new table: say how it reaches its study"
    keys = {}
    for model in ours:
        if model._meta.label in STUDY and any(f.name == "uuid" for f in model._meta.fields):
            keys[model] = {pk: str(guid) for pk, guid in model._base_manager.filter(
                **{STUDY[model._meta.label]: project.pk}).values_list("pk", "uuid")}
    keys[get_user_model()] = dict(get_user_model().objects.values_list("pk", "username"))
    keys[apps.get_model("planner", "IndexWord")] = dict(apps.get_model("planner", "IndexWord").objects.values_list(
        "pk", "word"))
    keys[Change] = {c.pk: f"{c.action} {c.object_uuid} {c.created_at.isoformat()}"
                    for c in Change.objects.filter(project=project)}
    snapshot_keys = {"user" if target == "user" else target: keys[get_user_model() if target == "user" else target]
                     for target in SNAPSHOT_KEYS.values()}

    def convert(target, value):
        return snapshot_keys[target].get(value)

    dump = {}
    for model in ours:
        label = model._meta.label
        if label in NOT_THE_STUDY:
            continue
        rows = []
        for row in model._base_manager.filter(**{STUDY[label]: project.pk}):
            out = {}
            for field in model._meta.concrete_fields:
                value = getattr(row, field.attname)
                if field.primary_key and not field.is_relation:
                    continue
                if field.is_relation:
                    value = keys.get(field.related_model, {}).get(value, "?" if value is not None else None)
                elif isinstance(field, models.JSONField) and model in (Change, apps.get_model("interviews",
                                                                                             "SpeakerChange")):
                    value = _snapshot(value, None, convert, theme_ids=getattr(row, "action", "").startswith("theme_"))
                elif model is DoubleCoding and field.name == "snapshot":
                    value = double_coding_snapshot(value, convert)
                elif isinstance(value, (bytes, memoryview)):
                    value = bytes(value).hex()
                out[field.name] = str(value) if not isinstance(value, (int, float, bool, list, dict, type(None))) \
                    else value
            rows.append(json.dumps(out, sort_keys=True, ensure_ascii=False))
        dump[label] = sorted(rows)
    return dump


def rich_study(project, lead, analyst):
    """The demo study with every kind of data: the template's counties, plans and codebook and its watch list, the
    demo interviews coded, a plan excerpt with its page, nested themes, a merge, an undone change, key quotes,
    summaries and county notes reviewed, a speaker change, a participant of another field, saved searches and name
    words."""
    demo_interviews_load(project=project, user=lead)
    demo_excerpts_load(project=project, user=analyst)
    plan = Plan.objects.filter(county__project=project).first()
    plan_excerpt_attach(plan=plan, user=analyst, text="Side fire sier 😀 noe om integrering.", page=4)
    themes = list(project.themes.order_by("position"))
    child = theme_create(project=project, user=lead, name="Undertema 🌱", parent=themes[0])
    theme_merge(source=themes[-1], target=themes[-2], user=lead)
    excerpt = Excerpt.objects.of_study(project).order_by("pk").first()
    excerpt_update(excerpt_id=excerpt.pk, user=lead, version=excerpt.version, is_key=True, themes=[child, themes[1]],
                   memo="Et notat")
    second = Excerpt.objects.of_study(project).order_by("pk")[1]
    changed = excerpt_update(excerpt_id=second.pk, user=analyst, version=second.version, memo="angres")
    change_undo(change=last_undoable(document=changed.document, user=analyst), user=analyst)
    summary = summary_save(theme=themes[0], county=None, user=analyst, text="Oppsummering ✅", version=0)
    summary_review(summary=summary, user=lead, reviewed=True)
    summary_save(theme=themes[0], county=project.counties.first(), user=analyst, text="Fylkesnotat", version=0)
    transcript = project.documents.filter(kind="transcript").first()
    turns_assign(document=transcript, first=0, last=0, participant=NewParticipant("Informant 99", role="leader",
                                                                                  field="other"), user=lead)
    informant = Participant.objects.get(project=project, label="Informant 99")
    participant_update(participant=informant, user=lead, label="Informant 99", role="leader", field="other",
                       field_other="Kultur", county=project.counties.last())
    watch_name_add(project=project, name="Kari Nordmann", kind="person", participant=informant)
    name_word_add(project=project, word="Sjø")
    project.saved_searches.create(query="innv", kind="transcript", created_by=lead)
    # A transcript double-coded by the analyst and the lead, a disagreement settled, then revealed.
    double = project.documents.filter(kind="transcript").exclude(pk=transcript.pk).first()
    coding = double_coding_set(project=project, documents=[double], coders=[analyst, lead], user=lead)[0]
    excerpt_create(document=double, start=40, end=90, coder=analyst, themes=[themes[2]])
    excerpt_create(document=double, start=45, end=95, coder=lead, themes=[themes[2]])
    disagreement_settle(double_coding=coding, theme=themes[2], start=40, end=95, user=lead, kept_coder=analyst)
    double_coding_reveal(double_coding=coding, user=lead)
    # Memos on the study, a document, a participant and a county; a coded turn corrected (its excerpt follows).
    memo_create(project=project, author=lead, kind="study", text="Metodenotat 📝")
    memo_create(project=project, author=analyst, kind="document", text="Lydfila er dårlig", target=transcript)
    memo_create(project=project, author=analyst, kind="participant", text="Ringte etterpå", target=informant)
    memo_create(project=project, author=lead, kind="county", text="Ny plan kommer", target=project.counties.first())
    coded = Excerpt.objects.filter(document=transcript).order_by("start").first()
    start, end = editable_span(transcript, coded.start)
    transcript.refresh_from_db()
    text_correct(document=transcript, start=start, end=end, text=transcript.text[start:end] + " (rettet)",
                 checksum=transcript.checksum, user=analyst)
    assert ThemeSummary.objects.filter(project=project).count() == 2


def test_a_backup_restores_the_study_exactly(lead, analyst):
    with transaction.atomic():
        # The study made, backed up and dumped, then rolled back: the restore meets a database without it (the
        # users stay).
        project = study_from_template(name="Demostudien", lead=lead, key="integrering")
        membership_set(project=project, user=analyst, role=Membership.Role.ANALYST)
        rich_study(project, lead, analyst)
        data = backup_archive(project).data
        before = canonical(project)
        transaction.set_rollback(True)
    assert not Project.objects.filter(uuid=project.uuid).exists()
    restored = restore_study(data, lead=lead).project
    after = canonical(restored)
    assert set(before) == set(after)
    print({table: len(rows) for table, rows in before.items()})
    for table in before:
        assert after[table] == before[table], table
    assert len(before["coding.Change"]) > 10 and before["planner.Plan"] and before["interviews.SpeakerChange"]
    assert before["coding.Settlement"] and len(before["coding.DoubleCoding_coders"]) == 2
    assert_valid(zipfile.ZipFile(io.BytesIO(data)).read("project.qde"), "Project.xsd")  # what other tools read
    with pytest.raises(ImporterError, match="already|allerede"):
        restore_study(data, lead=lead)
    assert Theme.objects.filter(project=restored, name="Undertema 🌱").get().parent.project == restored


def test_the_commands_back_up_and_restore_and_the_lead_starts_a_backup_on_the_export_page(client, lead, analyst,
                                                                                           tmp_path):
    from django.core.management import CommandError, call_command
    from django.urls import reverse

    from coding.models import ExportJob
    from tests.coding.refi import demo_study

    with transaction.atomic():
        project = demo_study(lead, analyst)
        call_command("backup_study", "--study", project.slug, "-o", str(tmp_path / "b.qdpx"))
        before = canonical(project)
        client.force_login(lead)
        client.post(reverse("coding:backup_start", args=[project.slug]))
        job = ExportJob.objects.get(format="backup")
        assert job.status == "done" and job.file_name.endswith(".qdpx")
        assert "kodeverk.json" in zipfile.ZipFile(io.BytesIO(bytes(job.content))).namelist()
        transaction.set_rollback(True)
    out = io.StringIO()
    call_command("restore_study", str(tmp_path / "b.qdpx"), "--lead", lead.username, stdout=out)
    assert "Restored" in out.getvalue()
    assert canonical(Project.objects.get(slug=project.slug)) == before
    with pytest.raises(CommandError, match="already|allerede"):
        call_command("restore_study", str(tmp_path / "b.qdpx"), "--lead", lead.username)


def test_the_lead_finds_the_backup_on_the_members_page(client, lead, analyst):
    from django.urls import reverse

    from tests.coding.refi import demo_study

    project = demo_study(lead, analyst)
    backup = reverse("coding:backup_start", args=[project.slug])
    for user, shown in ((lead, True), (analyst, False)):
        client.force_login(user)
        assert (backup in client.get(reverse("planner:member_list", args=[project.slug])).content.decode()) is shown
