"""Trigram indexes over Chunk.words for search inside words (planner.textindex.narrowed).

PostgreSQL: pg_trgm and a GIN index (words gin_trgm_ops) that answers LIKE '%innv%'; it replaces the
tsvector index, which could only find word starts. SQLite: an FTS5 table with the trigram tokenizer,
kept current by triggers, where the SQLite build has FTS5 and the tokenizer (3.34+); else nothing,
and search reads every chunk of the study, with the same result.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# The search's candidate chunks: LIKE '%needle%' on the lowercased words (planner.textindex.narrowed).
PG_INDEX = "CREATE INDEX IF NOT EXISTS chunk_words_trgm_idx ON planner_chunk USING GIN (words gin_trgm_ops)"
PG_OLD_INDEX = ("CREATE INDEX IF NOT EXISTS chunk_words_tsv_idx ON planner_chunk "
                "USING GIN (to_tsvector('simple'::regconfig, words))")

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE planner_chunk_fts USING fts5(words, content='planner_chunk', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER planner_chunk_fts_ai AFTER INSERT ON planner_chunk BEGIN "
    "INSERT INTO planner_chunk_fts(rowid, words) VALUES (new.id, new.words); END",
    "CREATE TRIGGER planner_chunk_fts_ad AFTER DELETE ON planner_chunk BEGIN "
    "INSERT INTO planner_chunk_fts(planner_chunk_fts, rowid, words) VALUES ('delete', old.id, old.words); END",
    "CREATE TRIGGER planner_chunk_fts_au AFTER UPDATE ON planner_chunk BEGIN "
    "INSERT INTO planner_chunk_fts(planner_chunk_fts, rowid, words) VALUES ('delete', old.id, old.words); "
    "INSERT INTO planner_chunk_fts(rowid, words) VALUES (new.id, new.words); END",
    "INSERT INTO planner_chunk_fts(planner_chunk_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS planner_chunk_fts_ai", "DROP TRIGGER IF EXISTS planner_chunk_fts_ad",
    "DROP TRIGGER IF EXISTS planner_chunk_fts_au", "DROP TABLE IF EXISTS planner_chunk_fts",
]


def sqlite_has_trigram(cursor):
    options = {row[0] for row in cursor.execute("PRAGMA compile_options").fetchall()}
    if "ENABLE_FTS5" not in options:
        return False
    version = tuple(int(part) for part in cursor.execute("SELECT sqlite_version()").fetchone()[0].split("."))
    return version >= (3, 34, 0)


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(PG_INDEX)
        schema_editor.execute("DROP INDEX IF EXISTS chunk_words_tsv_idx")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            if not sqlite_has_trigram(cursor):
                return
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(PG_OLD_INDEX)
        schema_editor.execute("DROP INDEX IF EXISTS chunk_words_trgm_idx")
    elif connection.vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("planner", "0005_note_length_limit"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index),
    ]
