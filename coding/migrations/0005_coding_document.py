"""Coding.document: a copy of the excerpt's document, filled for existing codings (step 1 of 2)."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    Coding = apps.get_model("coding", "Coding")
    Excerpt = apps.get_model("coding", "Excerpt")
    Coding.objects.filter(document__isnull=True).update(
        document_id=models.Subquery(Excerpt.objects.filter(pk=models.OuterRef("excerpt_id")).values("document_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0004_exports"),
        ("planner", "0003_document_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="coding",
            name="document",
            field=models.ForeignKey(db_index=False, editable=False, null=True,
                                    on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                    to="planner.document"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
