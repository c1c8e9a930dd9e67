"""Study templates: a new study can start with counties, plans and a codebook in place.

A template is a folder under fixtures/templates/ with counties.csv and plans.csv (read
here) and whatever other apps read when `template_applied` is sent (themes.csv).
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

TEMPLATE_ROOT = Path(settings.BASE_DIR) / "fixtures" / "templates"


@dataclass(frozen=True)
class StudyTemplate:
    key: str
    name: str
    label: str

    @property
    def folder(self):
        return TEMPLATE_ROOT / self.key

    def rows(self, filename):
        """The rows of one CSV file of the template, as dicts; none if the file is absent."""
        path = self.folder / filename
        if not path.exists():
            return []
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))


TEMPLATES = {
    "integrering": StudyTemplate(
        key="integrering",
        name="Fylkeskommunenes integreringsarbeid",
        label=_("County councils' integration work: 17 themes, 15 counties, 43 plans"),
    ),
}
