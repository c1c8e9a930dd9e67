"""A flush after a transactional test leaves the content types and permissions that `post_migrate` makes
(tests/flush.py puts them back from a record)."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command, sql
from django.core.management.commands import flush

from tests import flush as recorded_flush

pytestmark = pytest.mark.django_db(transaction=True)


def _rows():
    return (sorted(ContentType.objects.values_list("pk", "app_label", "model")),
            sorted(Permission.objects.values_list("pk", "codename", "content_type_id")))


def _natural_keys():
    return (sorted(ContentType.objects.values_list("app_label", "model")),
            sorted(Permission.objects.values_list("content_type__app_label", "content_type__model", "codename")))


def test_a_flush_puts_back_what_the_signal_makes_with_the_same_keys():
    assert flush.emit_post_migrate_signal is recorded_flush.restore_post_migrate_rows
    call_command("flush", verbosity=0, interactive=False)  # the first in this process records, the others replay
    first = _rows()
    assert "default" in recorded_flush._recorded
    assert len(first[0]) > 30 and len(first[1]) >= 4 * len(first[0]) - 10

    call_command("flush", verbosity=0, interactive=False)
    assert _rows() == first  # the same rows, keys and all: cached content types stay right

    ContentType.objects.all().delete()  # and its permissions with it
    ContentType.objects.clear_cache()
    sql.emit_post_migrate_signal(0, False, "default")
    made_by_the_signal = _natural_keys()
    call_command("flush", verbosity=0, interactive=False)
    assert _natural_keys() == made_by_the_signal


def test_a_flush_after_a_test_empties_every_table_whatever_refers_to_what(project, analyst):
    """As after a transactional test (no sequence reset): a study with its documents, turns, excerpts and
    history, whose rows refer to each other, leaves no row behind but the content types and permissions."""
    from django.apps import apps

    from coding.services import excerpt_create
    from tests.long_transcript import long_transcript

    document = long_transcript(project, analyst, cues=20)
    excerpt_create(document=document, start=0, end=40, coder=analyst, themes=[project.themes.first()], memo="")
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)

    kept = {ContentType, Permission}
    left = {model.__name__: model._base_manager.count() for model in apps.get_models()
            if model not in kept and model._meta.managed and model._base_manager.exists()}
    assert left == {}
    assert _rows()[0] and _rows()[1]
