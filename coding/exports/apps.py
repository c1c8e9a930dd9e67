from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    """An app of its own only so that Django finds its management command (`export_quotes`); ExportJob is the core's."""

    name = "coding.exports"
    label = "exports"
    verbose_name = _("Exports")
