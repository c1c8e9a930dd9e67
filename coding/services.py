"""Writes on the codebook and the coding: every one validated, atomic and recorded in history."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from coding.agreement import stretches
from coding.models import Change, Coding, DoubleCoding, Excerpt, Memo, Settlement, Theme, ThemeSummary
from coding.passages import paragraph_around, sentence_around
from coding.quotes import speech_span, turn_index
from interviews.models import Turn
from planner.models import County, Document, Membership, Project
from planner.services import TextEdit
from planner.signals import template_applied
from planner.textindex import text_slice


class ConflictError(Exception):
    """The excerpt was changed or deleted by someone else since the user last saw it."""


@receiver(template_applied, dispatch_uid="coding.themes_from_template")
def themes_from_template(sender: object, *, project: Project, template: Any, **kwargs: Any) -> None:
    """A study template's themes.csv becomes the study's codebook (matched on name)."""
    with transaction.atomic():
        for row in template.rows("themes.csv"):
            Theme.objects.update_or_create(
                project=project,
                name=row["name"],
                defaults={
                    "description": row["description"],
                    "colour": row["colour"],
                    "position": int(row["position"]),
                    "shortcut_key": row["shortcut_key"],
                },
            )


def excerpt_snapshot(excerpt: Excerpt, theme_ids: Iterable[int] | None = None) -> dict[str, Any]:
    return {
        "uuid": str(excerpt.uuid), "document": excerpt.document_id, "start": excerpt.start, "end": excerpt.end,
        "coder": excerpt.coder_id, "memo": excerpt.memo, "is_key": excerpt.is_key, "version": excerpt.version,
        "themes": sorted(theme_ids if theme_ids is not None else excerpt.codings.values_list("theme_id", flat=True)),
    }


def trimmed_span(*, document: Document, start: int, end: int,
                 around: tuple[int, str] | None = None) -> tuple[int, int, str]:
    """Validate [start, end) against the document's text and trim white space at both ends.

    Returns the trimmed start and end, and the passage itself, so callers need not read it again.
    Reads only the selected stretch (from the chunks) and the stored length, so the cost does
    not grow with the length of the document; nothing when `around`, (offset, text) of a stretch of
    the document's text the caller has read, holds the selection.
    """
    if not isinstance(start, int) or not isinstance(end, int) or start < 0 or end <= start:
        raise ValidationError(_("Select a passage of the text."))
    if end > document.length:
        raise ValidationError(_("The selection goes beyond the end of the text."))
    if around is not None and around[0] <= start and end <= around[0] + len(around[1]):
        piece = around[1][start - around[0]:end - around[0]]
    else:
        piece = text_slice(document.pk, start, end)
    stripped = piece.lstrip()
    if not stripped.strip():
        raise ValidationError(_("The selection holds only white space."))
    start += len(piece) - len(stripped)
    end -= len(stripped) - len(stripped.rstrip())
    return start, end, stripped.rstrip()


def _check_themes(project, themes):
    themes = list(themes)
    if not themes:
        raise ValidationError(_("Choose at least one theme."))
    if any(t.project_id != project.id or t.archived for t in themes):
        raise ValidationError(_("A theme is archived or belongs to another study."))
    return themes


def _record(*, project, document, user, action, object_uuid, before=None, after=None):
    return Change.objects.create(project=project, document=document, user=user, action=action,
                                 object_uuid=object_uuid, before=before, after=after)


@transaction.atomic
def excerpt_create(*, document: Document, start: int, end: int, coder: AbstractBaseUser | None,
                   themes: Iterable[Theme], memo: str = "", is_key: bool = False, uuid: UUID | str | None = None,
                   version: int = 1, around: tuple[int, str] | None = None) -> Excerpt:
    """A new excerpt with its themes; offsets are validated and trimmed.

    `uuid` and `version` are given only when an undo brings a deleted excerpt back as it was; `around`
    is text the caller has read around the selection (trimmed_span).
    """
    start, end, passage = trimmed_span(document=document, start=start, end=end, around=around)
    themes = _check_themes(document.project, themes)
    excerpt = Excerpt(document=document, start=start, end=end, coder=coder, memo=memo, is_key=is_key, version=version)
    if uuid:
        excerpt.uuid = uuid
    # trimmed_span and _check_themes did the checks that matter; the model's own unique and
    # constraint checks would cost three more queries on every excerpt.
    excerpt.full_clean(exclude=["document", "coder"], validate_unique=False, validate_constraints=False)
    excerpt.save()
    Coding.objects.bulk_create(Coding(excerpt=excerpt, theme=theme, document_id=excerpt.document_id)
                               for theme in {t.pk: t for t in themes}.values())
    excerpt.passage = passage
    _record(project=document.project, document=document, user=coder, action=Change.Action.EXCERPT_CREATED,
            object_uuid=excerpt.uuid, after=excerpt_snapshot(excerpt, [t.pk for t in themes]))
    return excerpt


def _locked(excerpt_id, version):
    """The excerpt, locked for the change; ConflictError if it is gone or has moved on."""
    # The document without its text: checks read slices and the stored length, never the whole text.
    excerpt = (Excerpt.objects.select_for_update(of=("self",)).select_related("document__project")
               .defer("document__text").filter(pk=excerpt_id).first())
    if excerpt is None:
        raise ConflictError(_("Someone else deleted this excerpt a moment ago."))
    if version is not None and excerpt.version != version:
        raise ConflictError(_("Someone else changed this excerpt a moment ago. Its new state is shown; "
                              "make your change again if it is still needed."))
    return excerpt


@transaction.atomic
def excerpt_update(*, excerpt_id: int, user: AbstractBaseUser, version: int | None, start: int | None = None,
                   end: int | None = None, themes: Iterable[Theme] | None = None, memo: str | None = None,
                   is_key: bool | None = None) -> Excerpt:
    """Change an excerpt. `version` is the one the user saw: a newer one means a conflict."""
    excerpt = _locked(excerpt_id, version)
    before = excerpt_snapshot(excerpt)
    if start is not None or end is not None:
        excerpt.start, excerpt.end, _passage = trimmed_span(
            document=excerpt.document, start=excerpt.start if start is None else start,
            end=excerpt.end if end is None else end,
        )
    theme_ids = before["themes"]
    if themes is not None:
        themes = _check_themes(excerpt.document.project, themes)
        theme_ids = sorted({t.pk for t in themes})
        Coding.objects.filter(excerpt=excerpt).exclude(theme_id__in=theme_ids).delete()
        Coding.objects.bulk_create(
            [Coding(excerpt=excerpt, theme_id=pk, document_id=excerpt.document_id) for pk in theme_ids
             if pk not in before["themes"]]
        )
    if memo is not None:
        excerpt.memo = memo
    if is_key is not None:
        excerpt.is_key = is_key
    excerpt.text_changed = False  # whoever saves it has seen its corrected words
    excerpt.version += 1
    # Field checks only (the memo's length among them); the offsets and themes were checked above.
    excerpt.full_clean(exclude=["document", "coder"], validate_unique=False, validate_constraints=False)
    excerpt.save()
    after = excerpt_snapshot(excerpt, theme_ids)
    _record(project=excerpt.document.project, document=excerpt.document, user=user,
            action=Change.Action.EXCERPT_CHANGED, object_uuid=excerpt.uuid, before=before, after=after)
    return excerpt


@transaction.atomic
def excerpt_delete(*, excerpt_id: int, user: AbstractBaseUser, version: int) -> dict[str, Any]:
    """Delete an excerpt. `version` is the one the user saw: a delete never goes without the check."""
    if not isinstance(version, int) or isinstance(version, bool):
        raise ConflictError(_("Someone else changed this excerpt a moment ago. Its new state is shown; "
                              "make your change again if it is still needed."))
    excerpt = _locked(excerpt_id, version)
    before = excerpt_snapshot(excerpt)
    document = excerpt.document
    excerpt.delete()
    _record(project=document.project, document=document, user=user, action=Change.Action.EXCERPT_DELETED,
            object_uuid=before["uuid"], before=before)
    return before


@transaction.atomic
def change_undo(*, change: Change, user: AbstractBaseUser) -> None:
    """Undo one excerpt change of the user's: restore what was there before it.

    Locks first, then checks: the change row (two undos of one change wait for each other, the
    second sees it undone) and the excerpt row (a colleague's save in flight is seen once it
    commits). The write carries the version the history last left, so an excerpt that moved on
    since is refused with the conflict message, never overwritten.
    """
    change = Change.objects.select_for_update().filter(pk=change.pk).first()
    if change is None or change.undone_at or change.undoes_id or change.user_id != user.pk:
        raise ConflictError(_("This change cannot be undone."))
    current = Excerpt.objects.select_for_update().filter(uuid=change.object_uuid).first()
    last_id = Change.objects.order_by("-id").values_list("id", flat=True).first()
    # Later changes to the same excerpt that still stand (a colleague's, or the user's own not
    # yet undone) would be lost: refuse instead.
    later = Change.objects.filter(object_uuid=change.object_uuid, id__gt=change.id, undone_at__isnull=True,
                                  undoes__isnull=True)
    if later.exists():
        raise ConflictError(_("The excerpt has changed since; it was not undone."))
    # The version the history last left: the undone change's, or that of an undo of a later one
    # of the user's. A write that left no history (an admin's, a script's) means it moved on.
    recorded = Change.objects.filter(object_uuid=change.object_uuid).order_by("-id").values_list(
        "after", flat=True).first()
    undone_version = (recorded or {}).get("version")
    if current is not None and current.version != undone_version:
        raise ConflictError(_("Someone else changed this excerpt a moment ago. Its new state is shown; "
                              "make your change again if it is still needed."))
    before = change.before
    if change.action == Change.Action.EXCERPT_CREATED and current is not None:
        excerpt_delete(excerpt_id=current.pk, user=user, version=undone_version)
    elif change.action == Change.Action.EXCERPT_CHANGED and current is not None:
        excerpt_update(excerpt_id=current.pk, user=user, version=undone_version, start=before["start"],
                       end=before["end"], memo=before["memo"], is_key=before["is_key"],
                       themes=Theme.objects.filter(pk__in=before["themes"]))
    elif change.action == Change.Action.EXCERPT_DELETED and current is None:
        document = Document.objects.select_related("project").get(pk=before["document"])
        try:
            with transaction.atomic():  # a savepoint: the uuid is back already (an undo not through this row)
                excerpt_create(document=document, start=before["start"], end=before["end"], coder=user,
                               themes=Theme.objects.filter(pk__in=before["themes"]), memo=before["memo"],
                               is_key=before["is_key"], uuid=change.object_uuid, version=before["version"])
        except IntegrityError as error:
            raise ConflictError(_("This change cannot be undone.")) from error
    else:
        raise ConflictError(_("This change cannot be undone."))
    Change.objects.filter(id__gt=last_id, user=user, object_uuid=change.object_uuid).update(undoes=change)
    change.undone_at = timezone.now()
    change.save(update_fields=["undone_at"])


def history_follow_edits(edits: dict[int, TextEdit]) -> None:
    """History snapshots keep pointing at the same words after a document's text changed ({document id:
    TextEdit}), so the history and an undo of a deletion stay true.

    The snapshots after the last change only shift: one UPDATE per document moves them inside the JSON (the
    history of 500 excerpts after a word corrected early in a 3-hour transcript). The others are read,
    moved one by one and written by one statement run for many rows.
    """
    changes = []
    for document_id, edit in edits.items():
        if not edit.spans:
            continue
        last = edit.spans[-1][1]
        history = Change.objects.filter(document_id=document_id, action__startswith="excerpt_")
        for change in history.filter(Q(before__start__lt=last) | Q(after__start__lt=last)).only("before", "after"):
            moved = False
            for snapshot in (change.before, change.after):
                if snapshot and "start" in snapshot:
                    span = edit.position(snapshot["start"]), edit.position(snapshot["end"], side="left")
                    moved = moved or span != (snapshot["start"], snapshot["end"])
                    snapshot["start"], snapshot["end"] = span
            if moved:
                changes.append(change)
        _shift_snapshots(document_id, last, edit.position(last) - last)
    before, after = (Change._meta.get_field(name) for name in ("before", "after"))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(Change._meta.db_table)} SET {quote(before.column)} = %s, {quote(after.column)} = %s "
            f"WHERE id = %s",
            [(before.get_db_prep_value(change.before, connection), after.get_db_prep_value(change.after, connection),
              change.pk) for change in changes])


def _shift_snapshots(document_id, last, shift):
    """Add `shift` to start and end of the excerpt snapshots of a document that start at or after `last`."""
    if not shift:
        return
    if connection.vendor == "postgresql":
        def moved(column):
            return (f"jsonb_set(jsonb_set({column}, '{{start}}', to_jsonb(({column}->>'start')::bigint + %(shift)s)), "
                    f"'{{end}}', to_jsonb(({column}->>'end')::bigint + %(shift)s))")

        def start(column):
            return f"COALESCE(({column}->>'start')::bigint, %(last)s)"
    else:
        def moved(column):
            return (f"json_set({column}, '$.start', json_extract({column}, '$.start') + %(shift)s, "
                    f"'$.end', json_extract({column}, '$.end') + %(shift)s)")

        def start(column):
            return f"COALESCE(json_extract({column}, '$.start'), %(last)s)"
    quote = connection.ops.quote_name
    before, after = quote("before"), quote("after")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Change._meta.db_table)} SET {before} = {moved(before)}, {after} = {moved(after)} "
            f"WHERE {quote('document_id')} = %(document)s AND {quote('action')} LIKE 'excerpt_%%' "
            f"AND {start(before)} >= %(last)s AND {start(after)} >= %(last)s",
            {"shift": shift, "last": last, "document": document_id})


# The excerpt changes Ctrl+Z takes back; an excerpt orphaned by a correction comes back with its undo.
UNDOABLE = (Change.Action.EXCERPT_CREATED, Change.Action.EXCERPT_CHANGED, Change.Action.EXCERPT_DELETED)


def last_undoable(*, document: Document, user: AbstractBaseUser) -> Change | None:
    """The user's most recent excerpt change in the document that can still be undone."""
    return (Change.objects.filter(document=document, user=user, undone_at__isnull=True, undoes__isnull=True,
                                  action__in=UNDOABLE).order_by("-id").first())




def theme_snapshot(theme: Theme) -> dict[str, Any]:
    return {"id": theme.pk, "name": theme.name, "description": theme.description, "colour": theme.colour,
            "parent": theme.parent_id, "position": theme.position, "shortcut_key": theme.shortcut_key,
            "archived": theme.archived}


def _theme_check(theme):
    parent = theme.parent
    while parent is not None:
        if parent.pk == theme.pk:
            raise ValidationError(_("A theme cannot be nested under itself or one of its own sub-themes."))
        parent = parent.parent
    if theme.parent_id and theme.parent.project_id != theme.project_id:
        raise ValidationError(_("The parent theme belongs to another study."))
    theme.full_clean()


@transaction.atomic
def theme_create(*, project: Project, user: AbstractBaseUser, name: str, colour: str = "", description: str = "",
                 parent: Theme | None = None, shortcut_key: str = "") -> Theme:
    """A new theme at the end of the codebook; without a colour, the next one no theme has."""
    colour = colour or project.themes.next_colour()
    last = Theme.objects.filter(project=project).order_by("-position").values_list("position", flat=True).first()
    theme = Theme(project=project, name=name, colour=colour, description=description, parent=parent,
                  shortcut_key=shortcut_key, position=(last or 0) + 1)
    _theme_check(theme)
    theme.save()
    _record(project=project, document=None, user=user, action=Change.Action.THEME_CREATED, object_uuid=theme.uuid,
            after=theme_snapshot(theme))
    return theme


@transaction.atomic
def theme_update(*, theme: Theme, user: AbstractBaseUser, **fields: Any) -> Theme:
    """Rename, recolour, describe, nest, set the shortcut, archive or restore a theme."""
    theme = Theme.objects.select_for_update().get(pk=theme.pk)
    before = theme_snapshot(theme)
    for name, value in fields.items():
        setattr(theme, name, value)
    _theme_check(theme)
    theme.save()
    _record(project=theme.project, document=None, user=user, action=Change.Action.THEME_CHANGED,
            object_uuid=theme.uuid, before=before, after=theme_snapshot(theme))
    return theme


@transaction.atomic
def theme_move(*, theme: Theme, user: AbstractBaseUser, step: int) -> Theme:
    """Move a theme one place up (step -1) or down (+1) in the codebook order."""
    themes = list(Theme.objects.select_for_update().filter(project=theme.project_id).in_codebook_order())
    index = next(i for i, t in enumerate(themes) if t.pk == theme.pk)
    other = index + step
    if not 0 <= other < len(themes):
        return theme
    themes[index], themes[other] = themes[other], themes[index]
    for position, item in enumerate(themes, start=1):
        if item.position != position:
            Theme.objects.filter(pk=item.pk).update(position=position)
    moved = themes[other]
    _record(project=moved.project, document=None, user=user, action=Change.Action.THEME_CHANGED,
            object_uuid=moved.uuid, before={"position": index + 1}, after={"position": other + 1})
    return moved


def _is_below(theme, ancestor):
    """Whether `theme` is a sub-theme of `ancestor`, at any depth (one query for the whole tree)."""
    parents = dict(Theme.objects.filter(project_id=theme.project_id).values_list("pk", "parent_id"))
    seen, parent = set(), parents.get(theme.pk)
    while parent is not None and parent not in seen:
        if parent == ancestor.pk:
            return True
        seen.add(parent)
        parent = parents.get(parent)
    return False


@transaction.atomic
def theme_merge(*, source: Theme, target: Theme, user: AbstractBaseUser) -> Theme:
    """Merge `source` into `target`: its excerpts get `target` (never twice), and it is archived.

    Each excerpt whose themes change is recorded in its document's history, so open documents
    show the change and the history tells what the merge did.
    """
    if source.pk == target.pk or source.project_id != target.project_id:
        raise ValidationError(_("Choose two different themes of the same study."))
    if _is_below(target, source):
        # Its sub-themes would move under the target, which sits among them: a theme under itself.
        raise ValidationError(_("«%(target)s» is a sub-theme of «%(source)s», so «%(source)s» cannot be merged into "
                                "it. Merge «%(target)s» into «%(source)s» instead, or move it out from under "
                                "«%(source)s» first.") % {"source": source.name, "target": target.name})
    codings = list(Coding.objects.select_for_update().filter(theme=source).select_related("excerpt__document"))
    already = set(Coding.objects.filter(theme=target, excerpt__in=[c.excerpt_id for c in codings]).values_list(
        "excerpt_id", flat=True))
    changes = []
    for coding in codings:
        excerpt = coding.excerpt
        before = excerpt_snapshot(excerpt)
        if excerpt.pk in already:
            coding.delete()
        else:
            Coding.objects.filter(pk=coding.pk).update(theme=target)
        excerpt.version += 1
        Excerpt.objects.filter(pk=excerpt.pk).update(version=excerpt.version, updated_at=timezone.now())
        changes.append(Change(project_id=source.project_id, document=excerpt.document, user=user,
                              action=Change.Action.EXCERPT_CHANGED, object_uuid=excerpt.uuid, before=before,
                              after=excerpt_snapshot(excerpt)))
    Change.objects.bulk_create(changes)
    Theme.objects.filter(parent=source).update(parent=target)
    source.archived = True
    source.shortcut_key = ""
    source.save(update_fields=["archived", "shortcut_key"])
    _record(project=source.project, document=None, user=user, action=Change.Action.THEME_MERGED,
            object_uuid=source.uuid, before=theme_snapshot(source), after={"merged_into": target.pk,
                                                                          "excerpts": len(codings)})
    return target


def _summary_changed():
    return ConflictError(_("Someone else saved this summary a moment ago. Their text is shown; your text is kept "
                           "in the box, so that you can merge the two and save again."))


def summary_for(*, theme: Theme, county: County | None) -> ThemeSummary | None:
    """The summary of a theme (county None) or its note for one county; None if nobody has written it."""
    return ThemeSummary.objects.filter(theme=theme, county=county).select_related("updated_by", "reviewed_by").first()


@transaction.atomic
def summary_save(*, theme: Theme, county: County | None, user: AbstractBaseUser, text: str,
                 version: int) -> ThemeSummary:
    """Write a theme summary or county note. `version` is the one the user saw, 0 for a new one.

    A newer version means that someone saved in between: ConflictError, never an overwrite.
    When anyone but the project lead changes the text of a reviewed summary it is a draft again.
    """
    if county is not None and county.project_id != theme.project_id:
        raise ValidationError(_("The county belongs to another study."))
    summary = ThemeSummary.objects.select_for_update().filter(theme=theme, county=county).first()
    if (summary.version if summary else 0) != version:
        raise _summary_changed()
    if summary is None:
        summary = ThemeSummary(project_id=theme.project_id, theme=theme, county=county, version=0)
    elif summary.text == text:
        return summary
    is_lead = Membership.objects.filter(project_id=theme.project_id, user=user, role=Membership.Role.LEAD).exists()
    if summary.is_reviewed and not is_lead:
        summary.status = ThemeSummary.Status.DRAFT
    summary.text, summary.updated_by = text, user
    summary.version += 1
    summary.full_clean()
    try:
        with transaction.atomic():  # a savepoint: two first saves at once meet the unique constraint
            summary.save()
    except IntegrityError as error:
        raise _summary_changed() from error
    return summary


@transaction.atomic
def summary_review(*, summary: ThemeSummary, user: AbstractBaseUser, reviewed: bool,
                   version: int | None = None) -> ThemeSummary:
    """The project lead marks a summary reviewed, or back to draft (the view checks the role).

    With `version`, a summary that changed since the lead read it is refused: the lead would
    otherwise approve a text they have not seen.
    """
    summary = ThemeSummary.objects.select_for_update().get(pk=summary.pk)
    if version is not None and summary.version != version:
        raise ConflictError(_("Someone else saved this summary a moment ago. Read the new text before you "
                              "mark it reviewed."))
    summary.status = ThemeSummary.Status.REVIEWED if reviewed else ThemeSummary.Status.DRAFT
    summary.reviewed_by, summary.reviewed_at = (user, timezone.now()) if reviewed else (None, None)
    summary.version += 1
    summary.full_clean()
    summary.save(update_fields=["status", "reviewed_by", "reviewed_at", "version"])
    return summary


# --- Double coding: set, settle, reveal ----------------------------------------------------------

def _double_coding_locked(double_coding):
    double_coding = DoubleCoding.objects.select_for_update().select_related("document").defer(
        "document__text").get(pk=double_coding.pk)
    if double_coding.is_revealed:
        raise ConflictError(_("This document's double coding was revealed already."))
    return double_coding


def double_coding_coders(double_coding: DoubleCoding) -> list[AbstractBaseUser]:
    """The named coders in a fixed order (by user name): the first is A, the second B."""
    return list(double_coding.coders.order_by("username"))


@transaction.atomic
def double_coding_set(*, project: Project, documents: Iterable[Document], coders: Iterable[AbstractBaseUser],
                      user: AbstractBaseUser) -> list[DoubleCoding]:
    """Set documents to blind double coding by the named coders (two or more analysts or the lead).

    A document already under double coding gets the new coders; a revealed one is refused.
    """
    coders = list({coder.pk: coder for coder in coders}.values())
    if len(coders) < 2:
        raise ValidationError(_("Name two coders or more."))
    may_code = set(Membership.objects.filter(project=project, role__in=[Membership.Role.LEAD, Membership.Role.ANALYST],
                                             user__in=coders).values_list("user_id", flat=True))
    if any(coder.pk not in may_code for coder in coders):
        raise ValidationError(_("Every coder must be an analyst or the project lead of the study."))
    documents = list(documents)
    if not documents:
        raise ValidationError(_("Choose at least one document."))
    result = []
    for document in documents:
        if document.project_id != project.pk:
            raise ValidationError(_("A document belongs to another study."))
        double_coding = DoubleCoding.objects.select_for_update().filter(document=document).first()
        if double_coding is not None and double_coding.is_revealed:
            raise ValidationError(_("«%(title)s» was double-coded and revealed already.") % {"title": document.title})
        if double_coding is None:
            double_coding = DoubleCoding.objects.create(project=project, document=document, created_by=user)
        double_coding.coders.set(coders)
        _record(project=project, document=document, user=user, action=Change.Action.DOUBLE_CODING_SET,
                object_uuid=double_coding.uuid,
                after={"coders": sorted(coder.get_username() for coder in coders)})
        result.append(double_coding)
    return result


def double_coding_stretches(double_coding: DoubleCoding, coders: list[AbstractBaseUser]) -> tuple[list, dict]:
    """The stretches of the coders' coding (coding.agreement.stretches) and {excerpt id: (coder, start, end,
    theme ids)} of their excerpts, the lead's consensus excerpts left out; once revealed, from the
    snapshot taken at reveal (keyed by position there)."""
    index = {coder.pk: i for i, coder in enumerate(coders)}
    if double_coding.snapshot is not None:  # revealed: the coding as it stood, before settling trimmed it
        excerpts = {n: (coder, start, end, themes) for n, (coder, start, end, themes)
                    in enumerate(double_coding.snapshot) if coder in index}
        return stretches(_coverage(excerpts, index, len(coders))), excerpts
    consensus = Settlement.objects.filter(double_coding=double_coding, excerpt__isnull=False).values("excerpt_id")
    excerpts = {}
    for pk, coder, start, end, theme in (Coding.objects.filter(
            document_id=double_coding.document_id, excerpt__coder__in=coders).exclude(excerpt_id__in=consensus)
            .values_list("excerpt_id", "excerpt__coder_id", "excerpt__start", "excerpt__end", "theme_id")):
        excerpts.setdefault(pk, (coder, start, end, []))[3].append(theme)
    return stretches(_coverage(excerpts, index, len(coders))), excerpts


def _coverage(excerpts, index, coders):
    coverage = {}
    for coder, start, end, themes in excerpts.values():
        for theme in themes:
            coverage.setdefault(theme, [[] for _coder in range(coders)])[index[coder]].append((start, end))
    return coverage


@transaction.atomic
def disagreement_settle(*, double_coding: DoubleCoding, theme: Theme, start: int, end: int, user: AbstractBaseUser,
                        kept_coder: AbstractBaseUser | None = None,
                        consensus: tuple[int, int] | None = None) -> Settlement:
    """The lead settles the disagreement on `theme` in [start, end): keep one coder's coding there,
    or write a consensus excerpt (its own span), which counts as the document's coding after reveal.

    Settling the same stretch again replaces the decision (and a consensus excerpt written for it).
    """
    double_coding = _double_coding_locked(double_coding)
    document = double_coding.document
    if theme.project_id != double_coding.project_id:
        raise ValidationError(_("A theme is archived or belongs to another study."))
    if not (0 <= start < end <= document.length):
        raise ValidationError(_("Select a passage of the text."))
    if (kept_coder is None) == (consensus is None):
        raise ValidationError(_("Keep one coder's coding or write a consensus excerpt."))
    if kept_coder is not None and not double_coding.coders.filter(pk=kept_coder.pk).exists():
        raise ValidationError(_("The coder is not one of this document's coders."))
    settlement = Settlement.objects.select_for_update().filter(
        double_coding=double_coding, theme=theme, start=start, end=end).first()
    if settlement is not None and settlement.excerpt_id:
        old = Excerpt.objects.filter(pk=settlement.excerpt_id).values_list("version", flat=True).first()
        if old is not None:
            excerpt_delete(excerpt_id=settlement.excerpt_id, user=user, version=old)
    excerpt = None
    if consensus is not None:
        excerpt = excerpt_create(document=document, start=consensus[0], end=consensus[1], coder=user, themes=[theme])
    settlement = settlement or Settlement(double_coding=double_coding, theme=theme, start=start, end=end)
    settlement.kept_coder, settlement.excerpt, settlement.decided_by = kept_coder, excerpt, user
    settlement.full_clean(exclude=["double_coding", "theme", "kept_coder", "excerpt", "decided_by"],
                          validate_unique=False)
    settlement.save()
    _record(project=document.project, document=document, user=user, action=Change.Action.DISAGREEMENT_SETTLED,
            object_uuid=double_coding.uuid, after={
                "theme": theme.pk, "from": start, "to": end,
                "kept": kept_coder.get_username() if kept_coder is not None else "",
                "consensus": [excerpt.start, excerpt.end] if excerpt is not None else None})
    return settlement


@transaction.atomic
def double_coding_reveal(*, double_coding: DoubleCoding, user: AbstractBaseUser) -> dict[str, int]:
    """End the blind phase: the document's coding becomes one coding, and everyone sees it.

    In each stretch (coding.agreement.stretches) a settled one keeps the kept coder's coding or,
    for a consensus, only the lead's excerpt; an unsettled one where the coders agree keeps the
    first coder's (the same characters); an unsettled disagreement keeps every coder's. A theme
    taken off an excerpt is an excerpt change, an excerpt left without themes is deleted: each
    recorded in history without a user (the reveal's own entry names the lead), so that nobody's
    undo takes back one piece of a reveal, and an undo of a coder's earlier change meets it as a
    later change and is refused. The coders' excerpts as they stood are kept in `snapshot`, for the report.
    """
    double_coding = _double_coding_locked(double_coding)
    coders = double_coding_coders(double_coding)
    found, excerpts = double_coding_stretches(double_coding, coders)
    settlements = list(double_coding.settlements.order_by("decided_at", "pk"))
    keep = {}  # (theme, stretch start) -> coder ids whose coding stays there
    for stretch in found:
        decided = [s for s in settlements if s.theme_id == stretch.theme and s.start < stretch.end
                   and stretch.start < s.end]
        if decided:
            keep[stretch.theme, stretch.start] = {decided[-1].kept_coder_id} - {None}
        elif stretch.agreed:
            keep[stretch.theme, stretch.start] = {coders[0].pk}
        else:
            keep[stretch.theme, stretch.start] = {coder.pk for coder in coders}
    starts = {}
    for stretch in found:
        starts.setdefault(stretch.theme, []).append(stretch)
    removed, trimmed = 0, 0
    for pk, (coder, start, end, themes) in sorted(excerpts.items()):
        gone = [theme for theme in themes if coder not in keep[theme, next(
            s.start for s in starts[theme] if s.start <= start and end <= s.end)]]
        if not gone:
            continue
        version = Excerpt.objects.values_list("version", flat=True).get(pk=pk)
        if len(gone) == len(themes):
            excerpt_delete(excerpt_id=pk, user=None, version=version)
            removed += 1
        else:
            # Directly, as a merge does: the themes it keeps may be archived since, which an edit refuses.
            excerpt = _locked(pk, version)
            before = excerpt_snapshot(excerpt)
            Coding.objects.filter(excerpt=excerpt, theme_id__in=gone).delete()
            excerpt.version += 1
            excerpt.save(update_fields=["version", "updated_at"])
            _record(project=double_coding.project, document=double_coding.document, user=None,
                    action=Change.Action.EXCERPT_CHANGED, object_uuid=excerpt.uuid, before=before,
                    after=excerpt_snapshot(excerpt, sorted(set(before["themes"]) - set(gone))))
            trimmed += 1
    double_coding.snapshot = [[coder, start, end, sorted(themes)] for coder, start, end, themes in excerpts.values()]
    double_coding.revealed_at, double_coding.revealed_by = timezone.now(), user
    double_coding.save(update_fields=["snapshot", "revealed_at", "revealed_by"])
    result = {"removed": removed, "trimmed": trimmed, "stretches": len(found),
              "disagreements": sum(not stretch.agreed for stretch in found)}
    _record(project=double_coding.project, document=double_coding.document, user=user,
            action=Change.Action.DOUBLE_CODING_REVEALED, object_uuid=double_coding.uuid, after=result)
    return result
# --- Coding every hit of a search in one go -------------------------------------------------------

UNITS = ("hit", "sentence", "paragraph", "turn")  # what of the text around a hit becomes the excerpt


@dataclass
class HitsPlan:
    """What coding a set of hits will make: one excerpt per distinct passage, with the themes it lacks."""

    passages: dict = field(default_factory=dict)  # (document id, start, end) -> set of theme ids
    skipped: int = 0  # hits already inside a passage coded with every chosen theme

    @property
    def count(self) -> int:
        return len(self.passages)


def hits_plan(*, project: Project, hits: Iterable[tuple[int, int, int]], themes: Iterable[Theme],
              unit: str, checksums: dict[str, str] | None = None) -> HitsPlan:
    """The excerpts coding `hits` ((document id, start, end)) as `unit` with `themes` would make.

    A hit inside a passage already coded with a theme does not get that theme again; a hit that
    gets no theme is skipped. Hits whose passages coincide (two in one sentence) make one excerpt.
    Reads each document's text once, its turns and the chosen themes' excerpts in one query each.
    `checksums` ({document id: checksum}, of the texts the hits were found in): ticked hits from a page
    shown before a document's text was corrected are refused, since their offsets may point at other words.
    """
    themes = _check_themes(project, themes)
    if unit not in UNITS:
        raise ValidationError(_("Choose what to code: the hit, its sentence, its paragraph or its speaker turn."))
    hits = sorted(set(hits))
    document_ids = {document_id for document_id, _start, _end in hits}
    documents = {document.pk: document for document in Document.objects.filter(project=project, pk__in=document_ids)}
    if checksums is not None:
        changed = [document.title for document in documents.values() if checksums.get(str(document.pk)) !=
                   document.checksum]
        if changed:
            raise ValidationError(_("The text of «%(title)s» was corrected since you searched: search again to code "
                                    "its hits on its new words.") % {"title": changed[0]})
    coded = {}
    for document_id, theme_id, start, end in Coding.objects.filter(
            theme__in=themes, document_id__in=document_ids).values_list("document_id", "theme_id", "excerpt__start",
                                                                       "excerpt__end"):
        coded.setdefault((document_id, theme_id), []).append((start, end))
    turns = {}
    for document_id, start, speech, end in Turn.objects.filter(document_id__in=document_ids).order_by(
            "document_id", "start").values_list("document_id", "start", "speech_start", "end"):
        turns.setdefault(document_id, []).append((start, speech, end))
    plan = HitsPlan()
    for document_id, start, end in hits:
        document = documents.get(document_id)
        if document is None or not 0 <= start < end <= document.length:
            continue
        wanted = {theme.pk for theme in themes
                  if not any(s <= start and end <= e for s, e in coded.get((document_id, theme.pk), ()))}
        span = _hit_passage(document, turns.get(document_id, []), start, end, unit) if wanted else None
        if span is None:
            plan.skipped += 1
            continue
        plan.passages.setdefault((document_id, *span), set()).update(wanted)
    return plan


def _hit_passage(document, turns, start, end, unit):
    """The passage of `unit` around a hit, within the speech of a transcript (quotes.speech_span)."""
    text, pdf = document.text, document.kind == Document.Kind.PLAN
    if unit == "sentence":
        start, end = sentence_around(text, start, end, pdf=pdf)
    elif unit == "paragraph":
        start, end = paragraph_around(text, start, end, pdf=pdf)
    elif unit == "turn" and turns:
        index = turn_index([turn[0] for turn in turns], start)
        if index is not None:
            start, end = turns[index][1], max(turns[index][2], turns[index][1])
    if unit != "turn" and document.kind == Document.Kind.TRANSCRIPT:
        return speech_span(document, start, end)
    return (start, end) if end > start else None


@transaction.atomic
def hits_code(*, project: Project, plan: HitsPlan, coder: AbstractBaseUser, query: str = "") -> Change:
    """Make the excerpts of a HitsPlan: one history entry for the whole batch, undone in one step."""
    if not plan.passages:
        raise ValidationError(_("Every hit is coded with these themes already: nothing to make."))
    themes = {theme.pk: theme for theme in _check_themes(
        project, Theme.objects.filter(pk__in={pk for ids in plan.passages.values() for pk in ids}))}
    excerpts = [Excerpt(document_id=document_id, start=start, end=end, coder=coder)
                for document_id, start, end in plan.passages]
    Excerpt.objects.bulk_create(excerpts, batch_size=500)
    Coding.objects.bulk_create((Coding(excerpt=excerpt, theme=themes[pk], document_id=excerpt.document_id)
                                for excerpt, ids in zip(excerpts, plan.passages.values(), strict=True)
                                for pk in sorted(ids)), batch_size=500)
    snapshots = [excerpt_snapshot(excerpt, ids) for excerpt, ids in zip(excerpts, plan.passages.values(),
                                                                          strict=True)]
    return _record(project=project, document=None, user=coder, action=Change.Action.HITS_CODED,
                   object_uuid=uuid4(), after={"query": query, "skipped": plan.skipped, "excerpts": snapshots})


@transaction.atomic
def hits_code_undo(*, change: Change, user: AbstractBaseUser) -> int:
    """Remove the excerpts a batch of coded hits made, if none has changed since; returns how many."""
    change = Change.objects.select_for_update().filter(pk=change.pk, action=Change.Action.HITS_CODED).first()
    if change is None or change.undone_at or change.user_id != user.pk:
        raise ConflictError(_("This change cannot be undone."))
    snapshots = {snapshot["uuid"]: snapshot for snapshot in change.after["excerpts"]}
    current = list(Excerpt.objects.select_for_update().filter(uuid__in=list(snapshots)).values_list("uuid",
                                                                                                     "version"))
    if any(version != snapshots[str(uuid)]["version"] for uuid, version in current):
        raise ConflictError(_("Some of these excerpts have been changed since; nothing was undone."))
    Excerpt.objects.filter(uuid__in=[uuid for uuid, _version in current]).delete()
    change.undone_at = timezone.now()
    change.save(update_fields=["undone_at"])
    undo = _record(project=change.project, document=None, user=user, action=Change.Action.HITS_UNCODED,
                   object_uuid=change.object_uuid, before=change.after, after={"removed": len(current)})
    Change.objects.filter(pk=undo.pk).update(undoes=change)
    return len(current)


@transaction.atomic
def memo_create(*, project: Project, author: AbstractBaseUser, kind: str, text: str, target: Any = None) -> Memo:
    """A memo on the study (kind «study», no target) or on one of its documents, participants or counties."""
    memo = Memo(project=project, author=author, kind=kind, text=text.strip())
    if kind != Memo.Kind.STUDY:
        if target is None or getattr(target, "project_id", None) != project.pk:
            raise ValidationError(_("Choose what the memo is about, in this study."))
        setattr(memo, kind, target)
    memo.full_clean()
    memo.save()
    return memo
