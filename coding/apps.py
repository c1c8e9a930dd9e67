from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CodingConfig(AppConfig):
    name = "coding"
    verbose_name = _("Coding")

    def ready(self):
        # Connect the receivers: the study template's codebook (services), the counties and the
        # real names recorded at import on the watch list (watchlist).
        # The plan register's search columns (search).
        from coding import search, services, watchlist  # noqa: F401
