"""The template study built once per test process and copied into each test that asks for it.

Building the study through `template_apply` costs some 500 queries (update_or_create per row,
and the signals that follow); copying the rows it made costs one INSERT per table. The rows are
recorded the first time, whatever the template and its receivers make, so a new receiver of
`template_applied` needs no change here. The copy gets new primary keys, UUIDs and timestamps,
exactly as a fresh build would.
"""

from django.apps import apps
from django.conf import settings
from django.db import models

from planner.models import Project
from planner.services import project_create, template_apply

# The rows of each template, recorded by the first study built from it in this process.
_recorded = {}


def study_from_template(*, name, lead, key):
    """The same study as `project_create(name=..., lead=..., template=key)`, built fast."""
    study = project_create(name=name, lead=lead)
    if key in _recorded:
        restore(_recorded[key], project=study, lead=lead)
    else:
        _recorded[key] = record(project=study, lead=lead, key=key)
    return study


class Snapshot:
    """The rows one `template_apply` added, table by table, parents before children, and the rows of the
    study it changed (`changed`: model -> [(position among the study's rows of that table, new values)])."""

    def __init__(self, *, key, project_pk, lead_pk, tables, changed=None):
        self.key, self.project_pk, self.lead_pk, self.tables = key, project_pk, lead_pk, tables
        self.changed = changed or {}


def _tables():
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def _rows(model):
    names = [f.attname for f in model._meta.concrete_fields]
    return {row[model._meta.pk.attname]: row for row in model._base_manager.values(*names)}


def _foreign_keys(model):
    return [f for f in model._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)]


def _parents_first(tables):
    """Order the tables so that each comes after the tables its foreign keys point to."""
    ordered, left = [], list(tables)
    while left:
        ready = [m for m in left if not any(f.related_model in left and f.related_model is not m
                                             for f in _foreign_keys(m))]
        if not ready:
            raise RuntimeError(f"the template's tables refer to each other in a circle: {left}")
        ordered += ready
        left = [m for m in left if m not in ready]
    return ordered


def record(*, project, lead, key):
    """Apply the template to `project` and keep the rows it added."""
    before = {model: _rows(model) for model in _tables()}
    template_apply(project=project, key=key)
    added, changed = {}, {}
    for model, old in before.items():
        new = _rows(model)
        if any(pk not in new for pk in old):
            raise RuntimeError(f"template_apply deleted rows of {model.__name__}")
        if edits := [pk for pk, row in old.items() if new[pk] != row]:
            changed[model] = _changes(model, project, old, new, edits)
        rows = [row for pk, row in sorted(new.items()) if pk not in old]
        if rows:
            added[model] = rows
    for model in added:
        if model._meta.parents:
            raise RuntimeError(f"{model.__name__} inherits from another table, which bulk_create cannot copy")
        if model.save is not models.Model.save:
            # Its save() may write what no model shows (Document fills the search index): copy it another way.
            raise RuntimeError(f"{model.__name__} has its own save(), which bulk_create would skip")
    tables = [(model, added[model]) for model in _parents_first(added)]
    return Snapshot(key=key, project_pk=project.pk, lead_pk=lead.pk, tables=tables, changed=changed)


def _study_rows(model, project_pk):
    """The keys of the study's own rows of a table, in the order they were made."""
    if "project_id" not in {f.attname for f in model._meta.concrete_fields}:
        # Rows of other tables cannot be matched to their copy: teach this module how.
        raise RuntimeError(f"template_apply changed rows of {model.__name__}, which has no project")
    return list(model._base_manager.filter(project_id=project_pk).order_by("pk").values_list("pk", flat=True))


def _changes(model, project, old, new, edits):
    """The study's rows that template_apply changed (a receiver updating what project_create made), by their
    place among the study's rows made before it, with the values that changed."""
    order = [pk for pk in _study_rows(model, project.pk) if pk in old]
    if set(edits) - set(order):
        raise RuntimeError(f"template_apply changed rows of {model.__name__} outside the study")
    return [(order.index(pk), {name: value for name, value in new[pk].items() if value != old[pk][name]})
            for pk in edits]


def _fresh(field):
    # UUIDs and the like come from a callable default: a copy gets new ones, as a new build would.
    return field.has_default() and callable(field.default) and field.unique


def restore(snapshot, *, project, lead):
    """Insert a copy of the recorded rows into `project`, with new keys.

    Returns the new key of each recorded row: {model: {recorded key: new key}}.
    """
    new_keys = {Project: {snapshot.project_pk: project.pk}, apps.get_model(settings.AUTH_USER_MODEL):
                {snapshot.lead_pk: lead.pk}}
    for model, rows in snapshot.tables:
        keys = new_keys.setdefault(model, {})
        pk = model._meta.pk.attname
        links = [(f.attname, f.related_model) for f in _foreign_keys(model)]
        fresh = [f for f in model._meta.concrete_fields if _fresh(f) and f.attname != pk]
        pending = rows
        while pending:
            # A row pointing to another row of its own table (a sub-theme) waits for that one.
            ready = [r for r in pending if not any(t is model and r[a] is not None and r[a] not in keys
                                                   for a, t in links)]
            if not ready:
                raise RuntimeError(f"rows of {model.__name__} refer to each other in a circle")
            objects = []
            for row in ready:
                values = {name: value for name, value in row.items() if name != pk}
                for name, target in links:
                    if values[name] is not None and target in new_keys and values[name] in new_keys[target]:
                        values[name] = new_keys[target][values[name]]
                    elif values[name] is not None and target in (Project, *new_keys):
                        raise RuntimeError(f"{model.__name__}.{name} points to a row the copy does not know")
                for field in fresh:
                    values[field.attname] = field.get_default()
                objects.append(model(**values))
            model._base_manager.bulk_create(objects)
            for row, obj in zip(ready, objects, strict=True):
                keys[row[pk]] = obj.pk
            pending = [r for r in pending if r[pk] not in keys]
    for model, edits in snapshot.changed.items():
        # project_create made the same rows in the same order for this study: change them alike.
        # Rows given the same values (a receiver marking each county's watch name alike) change in one UPDATE.
        rows, alike = _study_rows(model, project.pk), {}
        for place, values in edits:
            alike.setdefault(repr(sorted(values.items())), (values, []))[1].append(rows[place])
        for values, pks in alike.values():
            model._base_manager.filter(pk__in=pks).update(**values)
    return new_keys

