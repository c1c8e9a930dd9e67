"""The codebook (Theme). Excerpts and their codings join it in the Coding issue."""

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from planner.models import Project

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))


class Theme(models.Model):
    """A theme (tema) of a study's codebook. Archived themes leave the picker, not history."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, models.CASCADE, related_name="themes")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    colour = models.CharField(_("colour"), max_length=7, default="#888888", validators=[colour_validator])
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent theme")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    shortcut_key = models.CharField(_("shortcut key"), max_length=1, blank=True)
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="theme_unique_name_per_project"),
            models.UniqueConstraint(
                fields=["project", "shortcut_key"], condition=~Q(shortcut_key=""),
                name="theme_unique_shortcut_per_project",
            ),
            models.CheckConstraint(condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="theme_colour_hex"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="theme_not_own_parent"),
        ]
        indexes = [
            # The codebook and the theme picker: themes of one study in codebook order.
            models.Index(fields=["project", "position"], name="theme_project_position_idx"),
        ]

    def __str__(self):
        return self.name
