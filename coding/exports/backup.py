"""A study's backup: the REFI-QDA project (.qdpx, coding.exports.refi) plus `kodeverk.json`, which other tools
ignore and which holds every row of the study the standard cannot carry exactly: the plan register, counties and
their figures, documents' kinds, plans and page starts, interviews' formats and dates, participants, speaker turns,
theme summaries and county notes with their review state, key-quote flags and versions, saved searches, the watch
list, the name words, double codings (coders, snapshot, settlements) and the change history (Change,
SpeakerChange) — every row with its GUID or natural key, never a database id; ids inside the history's
snapshots are written as GUIDs (or usernames) and read back.

Restoring (`restore_study`) into an installation without the study gives the same rows with new ids: texts from
sources/<GUID>.txt, everything else from kodeverk.json. Files being read and made (FileJob, ExportJob, import drafts
and reports) are passing work, not the study, and are left out.
"""

from __future__ import annotations

import datetime
import json
import uuid as uuidlib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from coding.exports import refi
from coding.exports.refi_import import open_package, stored_times
from coding.models import (
    Change,
    Coding,
    DoubleCoding,
    Excerpt,
    Memo,
    SavedSearch,
    Settlement,
    Theme,
    ThemeSummary,
    WatchName,
)
from interviews.models import Interview, NameWord, Participant, SpeakerChange, Turn
from planner.models import County, Document, Membership, Plan, Project
from planner.textfiles import ImporterError

FORMAT, VERSION = "kodeverk-backup", 1
JSON_NAME = "kodeverk.json"
TABLES = [Membership, County, Plan, Document, Participant, Interview, Turn, Theme, Excerpt, Coding, ThemeSummary,
          SavedSearch, WatchName, NameWord, Change, SpeakerChange, DoubleCoding, Settlement, Memo]
# Not carried, and said so in docs/formats.md: the recordings (audio and video files, often larger than everything
# else together; attach them again) and the text versions of corrected documents (the undo data of a correction:
# the restored study holds the corrected text and the history that says who corrected what).
NOT_CARRIED = ["planner.DocumentVersion", "interviews.Recording"]
# The path from each table to its study.
STUDY_OF = {Membership: "project", County: "project", Plan: "county__project", Document: "project",
            Participant: "project", Interview: "document__project", Turn: "document__project", Theme: "project",
            Excerpt: "document__project", Coding: "document__project", ThemeSummary: "project",
            SavedSearch: "project", WatchName: "project", NameWord: "project", Change: "project",
            SpeakerChange: "project", DoubleCoding: "project", Settlement: "double_coding__project", Memo: "project"}
# The order rows are written and read in (a natural key where a table has no GUID).
ORDER = {Interview: ["document__uuid"], Coding: ["excerpt__uuid", "theme__uuid"], SavedSearch: ["query", "kind"],
         WatchName: ["name"], NameWord: ["word"], Change: ["id"], SpeakerChange: ["id"],
         Settlement: ["double_coding__uuid", "theme__uuid", "start", "end", "id"], Memo: ["created_at", "id"]}
# Ids inside the history's snapshots: which table each key names.
SNAPSHOT_KEYS = {"document": Document, "coder": "user", "themes": Theme, "theme": Theme, "parent": Theme,
                 "merged_into": Theme,
                 "participant": Participant}


def study_rows(model, project):
    rows = model._base_manager.filter(**{STUDY_OF[model]: project})
    return rows.order_by(*ORDER.get(model, ["uuid"]))


class Keys:
    """Database ids ↔ GUIDs (or usernames, or a history row's place) for one study."""

    def __init__(self):
        self.out = {}  # (model, id) → key
        self.back = {}  # (model, key) → id

    def load(self, model, project):
        if model is Change:
            ids = list(study_rows(Change, project).values_list("pk", flat=True))
            pairs = [(pk, index) for index, pk in enumerate(ids)]
        else:
            pairs = list(study_rows(model, project).values_list("pk", "uuid"))
        for pk, key in pairs:
            self.add(model, pk, str(key) if not isinstance(key, int) else key)

    def add(self, model, pk, key):
        self.out[(model, pk)] = key
        self.back[(model, key)] = pk

    def key(self, model, pk):
        if pk is None:
            return None
        if model == "user":
            return self.usernames.get(pk)
        return self.out.get((model, pk))

    def pk(self, model, key):
        if key is None:
            return None
        if model == "user":
            return self.user_ids.get(key)
        return self.back.get((model, key))


def _snapshot(value, keys, convert, *, theme_ids=False):
    """A history snapshot with its ids turned into keys (convert = keys.key) or back (keys.pk)."""
    if isinstance(value, list):
        return [_snapshot(item, keys, convert, theme_ids=theme_ids) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for name, item in value.items():
        target = Theme if (name == "id" and theme_ids) else SNAPSHOT_KEYS.get(name)
        if target is not None and isinstance(item, list) and all(isinstance(i, (int, str)) for i in item):
            result[name] = [convert(target, i) for i in item]
        elif target is not None and (isinstance(item, (int, str)) or item is None) and not isinstance(item, bool):
            result[name] = convert(target, item)
        else:
            result[name] = _snapshot(item, keys, convert, theme_ids=theme_ids)
    return result


def double_coding_snapshot(value, convert):
    """A double coding's snapshot ([coder, start, end, [themes]] per excerpt) with its ids turned by `convert`."""
    if not isinstance(value, list):
        return value
    return [[convert("user", coder), start, end, [convert(Theme, theme) for theme in themes]]
            for coder, start, end, themes in value]


def _fields(model):
    return [f for f in model._meta.concrete_fields if not (f.primary_key and not f.is_relation)]


def _plain(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, uuidlib.UUID):
        return str(value)
    return value


def _user_model(field):
    return field.related_model is get_user_model()


def _out_row(model, row, keys):
    out = {}
    for field in _fields(model):
        value = getattr(row, field.attname)
        if field.is_relation:
            target = field.related_model
            if target is Project:
                continue
            out[field.name] = keys.key("user" if _user_model(field) else target, value)
        elif model is Document and field.name == "text":
            continue  # in sources/<GUID>.txt
        elif isinstance(field, models.JSONField) and model in (Change, SpeakerChange):
            out[field.name] = _snapshot(value, keys, keys.key, theme_ids=model is Change
                                        and row.action.startswith("theme_"))
        elif model is DoubleCoding and field.name == "snapshot":
            out[field.name] = double_coding_snapshot(value, keys.key)
        else:
            out[field.name] = _plain(value)
    if model is DoubleCoding:
        out["coders"] = sorted(keys.key("user", pk) for pk in row.coders.values_list("pk", flat=True))
    return out


def study_json(project: Project) -> dict:
    """Every row of the study, keyed by GUIDs and natural keys, ids left out (what kodeverk.json holds)."""
    keys = Keys()
    for model in (County, Plan, Document, Participant, Theme, Excerpt, Change, DoubleCoding):
        keys.load(model, project)
    users = dict.fromkeys(DoubleCoding.coders.through.objects.filter(doublecoding__project=project)
                          .values_list("user_id", flat=True))
    for model in TABLES:
        for field in _fields(model):
            if field.is_relation and _user_model(field):
                users |= dict.fromkeys(study_rows(model, project).exclude(**{field.attname: None})
                                       .values_list(field.attname, flat=True).distinct())
    User = get_user_model()
    people = list(User.objects.filter(pk__in=list(users)).order_by("username"))
    keys.usernames = {user.pk: user.get_username() for user in people}
    tables = {}
    for model in TABLES:
        rows = study_rows(model, project)
        if model is Document:
            rows = rows.defer("text")
        tables[model._meta.label] = [_out_row(model, row, keys) for row in rows.iterator(chunk_size=2000)]
    return {
        "format": FORMAT, "version": VERSION,
        "project": {"uuid": str(project.uuid), "name": project.name, "slug": project.slug,
                    "description": project.description, "created_at": project.created_at.isoformat()},
        "users": [{"username": u.get_username(), "first_name": u.first_name, "last_name": u.last_name,
                   "email": u.email} for u in people],
        "tables": tables,
    }


def backup_archive(project: Project, *, progress=None) -> refi.Produced:
    data = json.dumps(study_json(project), ensure_ascii=False, sort_keys=True).encode("utf-8")
    return refi.project_archive(project, extra={JSON_NAME: data}, progress=progress)


# --- Restoring ------------------------------------------------------------------------------------------------

def _value(field, value):
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        return parse_datetime(value)
    if isinstance(field, models.DateField):
        return parse_date(value)
    return value


@dataclass
class Restored:
    project: Project
    rows: int


@transaction.atomic
def restore_study(data: bytes, *, lead) -> Restored:
    """A backup (.qdpx with kodeverk.json) as the study it was, with new ids and the same GUIDs; `lead` is made its
    project lead if they are not already. ImporterError when the file is no backup or the study is here already."""
    package = open_package(data)
    member = package.members.get(JSON_NAME)
    if member is None:
        raise ImporterError(_("The file is a REFI-QDA project but not a Kodeverk backup (it holds no %(name)s). "
                              "Import it as a new study instead.") % {"name": JSON_NAME})
    archive, info = member
    try:
        backup = json.loads(archive.read(info).decode("utf-8"))
    except ValueError as error:
        raise ImporterError(_("%(name)s is damaged: %(error)s") % {"name": JSON_NAME, "error": error}) from error
    if backup.get("format") != FORMAT or backup.get("version") != VERSION:
        raise ImporterError(_("The backup was made by a version of Kodeverk this one cannot read."))
    study = backup["project"]
    if Project.objects.filter(uuid=study["uuid"]).exists():
        raise ImporterError(_("This study is already in Kodeverk; a backup is restored into an installation "
                              "without it."))
    if Project.objects.filter(slug=study["slug"]).exists():
        raise ImporterError(_("Another study has the short name «%(slug)s».") % {"slug": study["slug"]})
    User = get_user_model()
    keys = Keys()
    keys.user_ids = {}
    for person in backup["users"]:
        user = User.objects.filter(username=person["username"]).first()
        if user is None:
            user = User(**person)
            user.set_unusable_password()
            user.save()
        keys.user_ids[person["username"]] = user.pk
    total = 0
    with stored_times(*TABLES, Project):
        # bulk_create sends no post_save: the receivers that fill a new study's watch list stay quiet, since the
        # backup's watch list is restored as it was.
        project = Project.objects.bulk_create([Project(
            uuid=study["uuid"], name=study["name"], slug=study["slug"], description=study["description"],
            created_at=parse_datetime(study["created_at"]))])[0]
        for model in TABLES:
            rows = backup["tables"].get(model._meta.label, [])
            total += len(rows)
            _restore_table(model, rows, project, keys, package)
    if not Membership.objects.filter(project=project, user=lead).exists():
        Membership.objects.create(project=project, user=lead, role=Membership.Role.LEAD)
    elif not Membership.objects.filter(project=project, user=lead, role=Membership.Role.LEAD).exists():
        Membership.objects.filter(project=project, user=lead).update(role=Membership.Role.LEAD)
    return Restored(project=project, rows=total)


def _build(model, row, project, keys, *, skip=()):
    fields = {}
    for field in _fields(model):
        if field.name in skip or field.name not in row and not (field.is_relation and field.related_model is Project):
            continue
        if field.is_relation:
            target = field.related_model
            if target is Project:
                fields[field.attname] = project.pk
                continue
            fields[field.attname] = keys.pk("user" if _user_model(field) else target, row[field.name])
        elif isinstance(field, models.JSONField) and model in (Change, SpeakerChange):
            theme_ids = model is Change and row["action"].startswith("theme_")
            fields[field.name] = _snapshot(row[field.name], keys, keys.pk, theme_ids=theme_ids)
        elif model is DoubleCoding and field.name == "snapshot":
            fields[field.name] = double_coding_snapshot(row[field.name], keys.pk)
        else:
            fields[field.name] = _value(field, row[field.name])
    return model(**fields)


def _restore_table(model, rows, project, keys, package):
    if model is Document:
        for row in rows:
            text = _text_of(package, row["uuid"])
            document = _build(model, row, project, keys, skip=("checksum", "length"))
            document.text = text
            # Stored as it was: its text is already normalised, its checksum and length follow from it.
            document.save()
            keys.add(Document, document.pk, row["uuid"])
        return
    if model is Theme:
        pending = list(rows)
        while pending:
            ready = [r for r in pending if r["parent"] is None or keys.pk(Theme, r["parent"]) is not None]
            made = Theme.objects.bulk_create([_build(Theme, r, project, keys) for r in ready])
            for row, theme in zip(ready, made, strict=True):
                keys.add(Theme, theme.pk, row["uuid"])
            pending = [r for r in pending if r not in ready]
        return
    if model is Change:
        made = Change.objects.bulk_create([_build(Change, r, project, keys, skip=("undoes",)) for r in rows],
                                          batch_size=2000)
        for index, change in enumerate(made):
            keys.add(Change, change.pk, index)
        linked = []
        for row, change in zip(rows, made, strict=True):
            if row.get("undoes") is not None:
                change.undoes_id = keys.pk(Change, row["undoes"])
                linked.append(change)
        Change.objects.bulk_update(linked, ["undoes"], batch_size=2000)
        return
    made = model.objects.bulk_create([_build(model, r, project, keys) for r in rows], batch_size=2000)
    if any(f.name == "uuid" for f in model._meta.concrete_fields):
        for row, item in zip(rows, made, strict=True):
            keys.add(model, item.pk, row["uuid"])
    if model is DoubleCoding:
        through = DoubleCoding.coders.through
        through.objects.bulk_create([through(doublecoding_id=item.pk, user_id=keys.pk("user", name))
                                     for row, item in zip(rows, made, strict=True) for name in row["coders"]])


def _text_of(package, guid):
    for name in (f"sources/{guid}.txt",):
        if name in package.members:
            archive, info = package.members[name]
            return archive.read(info).decode("utf-8")
    raise ImporterError(_("The text of a document (%(guid)s) is missing from the backup.") % {"guid": guid})

