"""Put Norway's counties since 2017 (current and former) on existing studies' watch lists, and former
municipality names on the lists of studies that loaded the municipalities: what new studies get
from coding.watchlist (fixtures/counties/fylker.csv, fixtures/municipalities/tidligere-kommuner.csv).
"""

from django.db import migrations

# Copies of the fixture names as they were when this migration was written.
COUNTY_NAMES = [
    "Østfold", "Akershus", "Oslo", "Hedmark", "Oppland", "Buskerud", "Vestfold", "Telemark", "Aust-Agder",
    "Vest-Agder", "Rogaland", "Hordaland", "Sogn og Fjordane", "Møre og Romsdal", "Sør-Trøndelag", "Nord-Trøndelag",
    "Nordland", "Troms", "Romsa", "Finnmark", "Finnmárku", "Viken", "Innlandet", "Vestfold og Telemark", "Agder",
    "Vestland", "Trøndelag", "Trööndelage", "Troms og Finnmark", "Romsa ja Finnmárku", "Tromssa ja Finmarkku",
    "Tromssa", "Finmarkku",
]
FORMER_MUNICIPALITY_NAMES = [
    "Andebu", "Stokke", "Lardal", "Nøtterøy", "Tjøme", "Hof", "Rissa", "Leksvik", "Røyken", "Hurum", "Svelvik",
    "Nedre Eiker", "Sande", "Re", "Skedsmo", "Fet", "Sørum", "Oppegård", "Ski", "Rømskog", "Rygge", "Askim",
    "Eidsberg", "Hobøl", "Spydeberg", "Trøgstad", "Bø", "Sauherad", "Songdalen", "Søgne", "Mandal", "Marnardal",
    "Audnedal", "Finnøy", "Rennesøy", "Forsand", "Fusa", "Os", "Lindås", "Meland", "Radøy", "Fjell", "Sund", "Odda",
    "Jondal", "Granvin", "Flora", "Vågsøy", "Førde", "Gaular", "Jølster", "Naustdal", "Selje", "Eid", "Leikanger",
    "Balestrand", "Hornindal", "Nesset", "Midsund", "Fræna", "Eide", "Sandøy", "Skodje", "Ørskog", "Haram", "Klæbu",
    "Orkdal", "Agdenes", "Meldal", "Snillfjord", "Hemne", "Halsa", "Bjugn", "Roan", "Verran", "Namdalseid",
    "Fosnes", "Nærøy", "Vikna", "Ballangen", "Tysfjord", "Lenvik", "Berg", "Torsken", "Tranøy", "Kvalsund",
]
COUNTY_LIST_SOURCE = "SSB klass 104, fylker 2017–2024"
MUNICIPALITY_SOURCE = "SSB klass 131, kommuneinndeling 2024"
FORMER_MUNICIPALITY_SOURCE = "SSB klass 131, tidligere kommuner 2017–2024"


def watch_former_names(apps, schema_editor):
    Project = apps.get_model("planner", "Project")
    WatchName = apps.get_model("coding", "WatchName")
    for project in Project.objects.order_by("pk"):
        rows = WatchName.objects.filter(project=project)
        taken = {name.casefold() for name in rows.values_list("name", flat=True)}
        additions = [(name, "county", COUNTY_LIST_SOURCE) for name in COUNTY_NAMES]
        if rows.filter(source=MUNICIPALITY_SOURCE).exists():
            additions += [(name, "municipality", FORMER_MUNICIPALITY_SOURCE) for name in FORMER_MUNICIPALITY_NAMES]
        new = []
        for name, kind, source in additions:
            if name.casefold() not in taken:
                taken.add(name.casefold())
                new.append(WatchName(project=project, name=name, kind=kind, source=source))
        WatchName.objects.bulk_create(new, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("coding", "0007_watchlist_counties"),
        ("planner", "0003_document_length"),
    ]

    operations = [
        migrations.RunPython(watch_former_names, migrations.RunPython.noop),
    ]
