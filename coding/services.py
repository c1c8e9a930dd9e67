"""Writes on the codebook."""

from django.db import transaction
from django.dispatch import receiver

from coding.models import Theme
from planner.signals import template_applied


@receiver(template_applied, dispatch_uid="coding.themes_from_template")
def themes_from_template(sender, *, project, template, **kwargs):
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
