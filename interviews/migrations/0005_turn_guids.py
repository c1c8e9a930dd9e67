"""Speaker turns get a stable GUID for REFI-QDA exchange files; existing rows each get their own."""

import uuid

from django.db import migrations, models


def fill(apps, schema_editor):
    Turn = apps.get_model("interviews", "Turn")
    pks = list(Turn.objects.values_list("pk", flat=True))
    for at in range(0, len(pks), 2000):
        rows = [Turn(pk=pk, uuid=uuid.uuid4()) for pk in pks[at:at + 2000]]
        Turn.objects.bulk_update(rows, ["uuid"])


class Migration(migrations.Migration):
    dependencies = [("interviews", "0004_participant_erasure")]

    operations = [
        migrations.AddField("turn", "uuid", models.UUIDField(null=True, editable=False)),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField("turn", "uuid", models.UUIDField(default=uuid.uuid4, unique=True, editable=False)),
    ]
