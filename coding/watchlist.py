"""Writes on a study's watch list: names added by hand, Norway's municipalities, counties, real names.

Norway's counties, current and former (Viken, Hordaland …), are put on a study's list when it
is created, the counties of a study as they are saved (receivers below), former municipality
names with the current ones, and the real names of speakers when the lead asks for it at
import (interviews.signals.speakers_named).
"""

import csv
import re
import unicodedata
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from coding.models import WatchName
from interviews.signals import participants_merged, speakers_named
from planner.models import County, Project

MUNICIPALITIES_CSV = Path(settings.BASE_DIR) / "fixtures" / "municipalities" / "kommuner-2024.csv"
MUNICIPALITY_SOURCE = "SSB klass 131, kommuneinndeling 2024"
COUNTIES_CSV = Path(settings.BASE_DIR) / "fixtures" / "counties" / "fylker.csv"
COUNTY_LIST_SOURCE = "SSB klass 104, fylker 2017–2024"
FORMER_MUNICIPALITIES_CSV = Path(settings.BASE_DIR) / "fixtures" / "municipalities" / "tidligere-kommuner.csv"
FORMER_MUNICIPALITY_SOURCE = "SSB klass 131, tidligere kommuner 2017–2024"
COUNTY_SOURCE = "county of the study"
IMPORT_SOURCE = "import: "
MIN_LENGTH = 2
_NAME_MAX = WatchName._meta.get_field("name").max_length
# Official names in several languages are written «Guovdageaidnu - Kautokeino» (SSB) or
# «Trøndelag – Trööndelage»; the spaces keep «Nord-Fron» whole.
_PARALLEL = re.compile(r"\s+[-\u2013\u2014]\s+")
_DISAMBIGUATION = re.compile(r"\s*\([^)]*\)")  # «Herøy (Nordland)»


def clean_name(name):
    return " ".join(unicodedata.normalize("NFC", name).split())


def name_forms(official):
    """Each name a reader would recognise in an official name: «Snåase - Snåsa» → Snåase, Snåsa."""
    forms = []
    for part in _PARALLEL.split(_DISAMBIGUATION.sub("", clean_name(official))):
        if (part := part.strip()) and part not in forms:
            forms.append(part)
    return forms


@cache
def municipalities():
    """(number, official name) of Norway's municipalities, from the fixture file."""
    with MUNICIPALITIES_CSV.open(encoding="utf-8", newline="") as handle:
        return [(row["number"], row["name"]) for row in csv.DictReader(handle)]


def municipality_names():
    names = []
    for _number, official in municipalities():
        names += [form for form in name_forms(official) if form not in names]
    return names


@cache
def county_names():
    """Every form of every county's name since 2017, current and former, from the fixture file."""
    names = []
    with COUNTIES_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            names += [form for form in name_forms(row["name"]) if form not in names]
    return names


@cache
def former_municipality_names():
    with FORMER_MUNICIPALITIES_CSV.open(encoding="utf-8", newline="") as handle:
        return [clean_name(row["name"]) for row in csv.DictReader(handle)]


def _taken(project):
    """The study's names folded, since the check matches without regard to case."""
    return {name.casefold() for name in WatchName.objects.filter(project=project).values_list("name", flat=True)}


@transaction.atomic
def watch_name_add(*, project, name: str, kind: str, source: str = "", participant=None) -> WatchName:
    name = clean_name(name)
    if len(name) < MIN_LENGTH:
        raise ValidationError(_("A name needs at least %(n)s characters.") % {"n": MIN_LENGTH}, code="short")
    duplicate = ValidationError(_("«%(name)s» is already on the watch list.") % {"name": name}, code="duplicate")
    if name.casefold() in _taken(project):
        raise duplicate
    watch_name = WatchName(project=project, name=name, kind=kind, source=source[:200], participant=participant)
    watch_name.full_clean()
    try:
        with transaction.atomic():
            watch_name.save()
    except IntegrityError as error:  # the same name, added by another request since the check above
        raise duplicate from error
    return watch_name


@transaction.atomic
def watch_name_remove(*, watch_name: WatchName) -> None:
    watch_name.delete()


@transaction.atomic
def municipalities_load(*, project) -> int:
    """Put every current municipality on the study's list; names already there stay as they are.

    Former names (Røyken, Skedsmo …) come with them. Returns how many names were added, so a
    second load adds none.
    """
    return _load(project, WatchName.Kind.MUNICIPALITY, [
        *((name, MUNICIPALITY_SOURCE) for name in municipality_names()),
        *((name, FORMER_MUNICIPALITY_SOURCE) for name in former_municipality_names()),
    ])


@transaction.atomic
def counties_load(*, project) -> int:
    """Put Norway's counties since 2017 on the study's list, current and former; returns how many were added."""
    return _load(project, WatchName.Kind.COUNTY, [(name, COUNTY_LIST_SOURCE) for name in county_names()])


def _load(project, kind, names_sources):
    taken, new = _taken(project), []
    for name, source in names_sources:
        if name.casefold() not in taken:
            taken.add(name.casefold())
            new.append(WatchName(project=project, name=name[:_NAME_MAX], kind=kind, source=source))
    # ignore_conflicts: a load running at the same moment has added them, which is fine.
    WatchName.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _get_or_create(*, project, name, kind, source, participant=None):
    """Add the name unless the list has it in any case; a name added meanwhile is no error."""
    if name.casefold() in _taken(project):
        return
    try:
        with transaction.atomic():
            WatchName.objects.create(project=project, name=name, kind=kind, source=source, participant=participant)
    except IntegrityError:
        pass


@receiver(post_save, sender=Project, dispatch_uid="coding.watch_counties_of_norway")
def watch_counties_of_norway(sender, instance, created, raw=False, **kwargs):
    """A new study watches every county since 2017: quotes name the old ones («i gamle Hedmark»)."""
    if created and not raw:
        counties_load(project=instance)


@receiver(post_save, sender=County, dispatch_uid="coding.watch_county")
def watch_county(sender, instance, **kwargs):
    """A study's counties are on its watch list from the start, in each form of their name."""
    for name in name_forms(instance.name):
        # Already there from the list of Norway's counties: it is now (also) the study's own.
        WatchName.objects.filter(project=instance.project, name=name, source=COUNTY_LIST_SOURCE).update(
            source=COUNTY_SOURCE)
        _get_or_create(project=instance.project, name=name[:_NAME_MAX], kind=WatchName.Kind.COUNTY,
                       source=COUNTY_SOURCE)


@receiver(speakers_named, dispatch_uid="coding.watch_speakers")
def watch_speakers(sender, *, project, names, source_name, **kwargs):
    """Real names the lead chose to record at import: `names` holds (participant, real name) pairs."""
    for participant, name in names:
        if name := clean_name(name)[:_NAME_MAX]:
            _get_or_create(project=project, name=name, kind=WatchName.Kind.PERSON, participant=participant,
                           source=f"{IMPORT_SOURCE}{source_name}"[:200])


@receiver(participants_merged, dispatch_uid="coding.watch_merged")
def watch_merged(sender, *, source, target, **kwargs):
    """A merged participant's recorded real names stay watched, now as the target's."""
    WatchName.objects.filter(participant=source).update(participant=target)
