"""Put the counties of existing studies on their watch lists, as the County receiver does for new ones."""

import re

from django.db import migrations

# A copy of coding.watchlist.name_forms as it was when this migration was written.
_PARALLEL = re.compile(r"\s+[-\u2013\u2014]\s+")
_DISAMBIGUATION = re.compile(r"\s*\([^)]*\)")


def name_forms(official):
    forms = []
    for part in _PARALLEL.split(_DISAMBIGUATION.sub("", " ".join(official.split()))):
        if (part := part.strip()) and part not in forms:
            forms.append(part)
    return forms


def watch_counties(apps, schema_editor):
    County = apps.get_model("planner", "County")
    WatchName = apps.get_model("coding", "WatchName")
    taken = {}
    for county in County.objects.order_by("project_id", "name"):
        names = taken.setdefault(county.project_id, {
            n.casefold() for n in WatchName.objects.filter(project_id=county.project_id).values_list("name", flat=True)
        })
        for name in name_forms(county.name):
            if name.casefold() not in names:
                WatchName.objects.create(project_id=county.project_id, name=name[:120], kind="county",
                                         source="county of the study")
                names.add(name.casefold())


class Migration(migrations.Migration):

    dependencies = [
        ("coding", "0006_coding_document_required"),
        ("planner", "0003_document_length"),
    ]

    operations = [
        migrations.RunPython(watch_counties, migrations.RunPython.noop),
    ]
