from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    """An app of its own only so that Django finds its management command (`matrix`); its models are the core's."""

    name = "coding.review"
    label = "review"
    verbose_name = _("Review")
