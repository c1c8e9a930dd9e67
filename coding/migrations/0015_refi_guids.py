"""Theme summaries get a stable GUID for REFI-QDA exchange files; existing rows each get their own."""

import uuid

from django.db import migrations, models


def fill(apps, schema_editor):
    ThemeSummary = apps.get_model("coding", "ThemeSummary")
    rows = list(ThemeSummary.objects.only("pk"))
    for row in rows:
        row.uuid = uuid.uuid4()
    ThemeSummary.objects.bulk_update(rows, ["uuid"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("coding", "0014_savedsearch_in_register")]

    operations = [
        migrations.AddField("themesummary", "uuid", models.UUIDField(null=True, editable=False)),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField("themesummary", "uuid",
                              models.UUIDField(default=uuid.uuid4, unique=True, editable=False)),
    ]
