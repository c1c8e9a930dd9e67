"""Search answers from the word index (0012): the chunks' words and their trigram indexes go.

They cost every import and text correction an index entry per trigram of every chunk (the FTS5 table on
SQLite, the GIN index on PostgreSQL) and narrowed a search to about half of a study's text for a common
stem, which then had to be read and scanned.
"""

from django.db import migrations

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS planner_chunk_fts_ai", "DROP TRIGGER IF EXISTS planner_chunk_fts_ad",
    "DROP TRIGGER IF EXISTS planner_chunk_fts_au", "DROP TABLE IF EXISTS planner_chunk_fts",
]
PG_DROP = ["DROP INDEX IF EXISTS chunk_words_trgm_idx", "DROP INDEX IF EXISTS chunk_words_tsv_idx"]


def drop_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in PG_DROP if vendor == "postgresql" else SQLITE_DROP if vendor == "sqlite" else []:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("planner", "0012_word_index"),
    ]

    operations = [
        migrations.RunPython(drop_indexes, migrations.RunPython.noop),
        migrations.RemoveField(model_name="chunk", name="words"),
    ]
