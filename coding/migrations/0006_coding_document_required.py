"""Coding.document: required, and indexed for the matrix (step 2 of 2)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0005_coding_document"),
    ]

    operations = [
        migrations.AlterField(
            model_name="coding",
            name="document",
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="+", to="planner.document"),
        ),
        migrations.AddIndex(
            model_name="coding",
            index=models.Index(fields=["document", "excerpt", "theme"], name="coding_document_excerpt_idx"),
        ),
    ]
