"""The word index (planner.textindex.postings_of): a vocabulary and, per document and word, where it stands.

Search answers from it instead of scanning the chunks that a trigram index let through (about half of a
study's text for a common stem). The vocabulary is found by LIKE: on PostgreSQL through a trigram index,
and by a hash index for exact words (a B-tree cannot hold a word longer than about 2,700 bytes); on SQLite a
plain index. Every document's index is built here from its text.
"""

from django.db import migrations, models
import django.db.models.deletion

PG_INDEXES = [
    "CREATE INDEX IF NOT EXISTS indexword_word_trgm_idx ON planner_indexword USING GIN (word gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS indexword_word_hash_idx ON planner_indexword USING HASH (word)",
]
SQLITE_INDEXES = ["CREATE INDEX IF NOT EXISTS indexword_word_idx ON planner_indexword (word)"]
DROP = ["DROP INDEX IF EXISTS indexword_word_trgm_idx", "DROP INDEX IF EXISTS indexword_word_hash_idx",
        "DROP INDEX IF EXISTS indexword_word_idx"]


def create_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in PG_INDEXES if vendor == "postgresql" else SQLITE_INDEXES if vendor == "sqlite" else []:
        schema_editor.execute(statement)


def drop_indexes(apps, schema_editor):
    for statement in DROP:
        schema_editor.execute(statement)


def index_documents(apps, schema_editor):
    from planner.textindex import batched, encode, postings_of

    Document = apps.get_model("planner", "Document")
    IndexWord = apps.get_model("planner", "IndexWord")
    Posting = apps.get_model("planner", "Posting")
    ids = {}
    for document_id, text in Document.objects.order_by("pk").values_list("pk", "text").iterator(chunk_size=20):
        found = postings_of(text)
        new = [word for word in found if word not in ids]
        IndexWord.objects.bulk_create((IndexWord(word=word) for word in new), batch_size=1000)
        for batch in batched(new, 2000):
            ids.update(IndexWord.objects.filter(word__in=batch).values_list("word", "id"))
        Posting.objects.bulk_create(
            (Posting(document_id=document_id, word_id=ids[word], count=len(positions) // 2,
                     positions=encode(positions)) for word, positions in found.items()), batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("planner", "0011_file_job_kinds_of_every_branch"),
    ]

    operations = [
        migrations.CreateModel(
            name="IndexWord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.TextField()),
            ],
        ),
        migrations.CreateModel(
            name="Posting",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("count", models.PositiveIntegerField()),
                ("positions", models.BinaryField()),
                ("document", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="postings",
                                               to="planner.document")),
                ("word", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                           related_name="postings", to="planner.indexword")),
            ],
            options={
                "indexes": [models.Index(fields=["word", "document"], name="posting_word_document_idx")],
            },
        ),
        migrations.RunPython(create_indexes, drop_indexes),
        migrations.RunPython(index_documents, migrations.RunPython.noop),
    ]
