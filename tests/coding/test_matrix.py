"""The theme × county matrix: every cell and total under every toggle, the page, the downloads, the command.

The expected numbers are counted here, in plain Python, from the excerpts the test itself
creates and what it knows about them (county, kind, coder, themes, who speaks).
"""

import copy
import csv
import io
import itertools
import json
import re
from dataclasses import dataclass

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from coding.review import matrix as matrix_module
from coding.review.matrix import matrix
from coding.services import excerpt_create, theme_create, theme_update
from interviews.importers import parse_file
from interviews.models import Participant
from interviews.services import NewParticipant, transcript_import
from planner.models import County, Document, Plan

COUNTS = ["excerpts", "informants", "documents"]
SOURCES = ["interviews", "plans", "both"]
ORDERS = ["name", "district"]
INFORMANT_ROLES = {"advisor", "leader"}


@dataclass
class Made:
    """What the test knows about an excerpt it made."""

    id: int
    document: int
    county: str | None
    kind: str
    coder: str
    themes: set
    speaker: str | None  # the label of whoever speaks where the excerpt starts; None in plans


def _transcript(project, user, county, lines, people):
    """A transcript of «Name: speech» lines; people maps each name to a participant or a NewParticipant."""
    parsed = parse_file("intervju.txt", "\n".join(lines).encode())
    return transcript_import(project=project, user=user, parsed=parsed, mapping=people, title=f"Intervju {county}",
                             county=county, interview_format="group_interview")


def _plan_document(project, county, text):
    plan = Plan.objects.filter(county=county).first()
    return Document.objects.create(project=project, kind="plan", plan=plan, county=county, title=plan.title,
                                   text=text)


class Study:
    """A small study with known excerpts: three counties in the study, one outside it, one transcript
    without a county; advisers, a leader and an interviewer; a sub-theme with its own sub-theme;
    an archived theme that still has excerpts, and one that has none."""

    def __init__(self, project, analyst, lead, *, size=1):
        self.project, self.made = project, []
        counties = {c.name: c for c in project.counties.all()}
        # Two counties share a district share: the order then falls back to the name.
        counties["Finnmark"].district_share = 90
        counties["Finnmark"].save()
        agder, vestland, troms, oslo = (counties[n] for n in ("Agder", "Vestland", "Troms", "Oslo"))
        themes = list(project.themes.order_by("position"))
        self.main, self.other, self.third = themes[0], themes[1], themes[2]
        self.child = theme_create(project=project, user=lead, name="Kvalifiseringsplan", colour="#123456",
                                  parent=self.main)
        self.grandchild = theme_create(project=project, user=lead, name="Voksenopplæring i planen",
                                       colour="#654321", parent=self.child)
        self.gone = theme_create(project=project, user=lead, name="Gammelt tema", colour="#777777")
        self.unused = theme_create(project=project, user=lead, name="Ubrukt arkivert", colour="#777777")
        theme_update(theme=self.unused, user=lead, archived=True)

        kari = NewParticipant("Informant A1", role="advisor", field="integration")
        people_a = {"Kari": kari, "Ola": NewParticipant("Informant A2", role="leader"),
                    "Int": NewParticipant("Intervjuer", role="interviewer")}
        lines_a = ["Int: Hvordan jobber dere med integrering?",
                   "Kari: Vi har en egen plan for kvalifisering. Den er ny.",
                   "Ola: Ledelsen prioriterer distriktene. Og bosetting.",
                   "Int: Hva med arbeidsinnvandrere?",
                   "Kari: De kommer til fiskeindustrien."]
        self.agder_interview = _transcript(project, analyst, agder, lines_a, people_a)
        participants = {p.label: p for p in Participant.objects.filter(project=project)}
        # Informant A1 is also in Vestland's interview: one person, counted once in a row total.
        people_v = {"Kari": participants["Informant A1"], "Per": NewParticipant("Informant V1", role="advisor"),
                    "Int": participants["Intervjuer"], "Eva": NewParticipant("Observatør", role="other")}
        lines_v = ["Int: Velkommen til intervjuet.",
                   "Per: Vi veileder kommunene hver uke.",
                   "Kari: Samarbeidet med Nav er godt.",
                   "Eva: Jeg bare lytter.",
                   "Per: Tilskuddene er for små."]
        self.vestland_interview = _transcript(project, analyst, vestland, lines_v, people_v)
        self.oslo_interview = _transcript(project, analyst, oslo, ["Int: Oslo er ikke med.", "Ola: Nei."],
                                          {"Int": participants["Intervjuer"], "Ola": participants["Informant A2"]})
        self.no_county = _transcript(project, analyst, None, ["Ola: Uten fylke."],
                                     {"Ola": participants["Informant A2"]})
        self.agder_plan = _plan_document(project, agder, "Planen omtaler innvandring. Små kommuner trenger hjelp.")
        self.troms_plan = _plan_document(project, troms, "Regional planstrategi for Troms. Bosetting av flyktninger.")

        a, v, m, c, g = self.agder_interview, self.vestland_interview, self.main, self.child, self.grandchild
        o, t = self.other, self.third
        self.code(a, "Hvordan jobber", "Intervjuer", lead, [m])
        self.code(a, "Vi har en egen plan", "Informant A1", analyst, [m, c])
        self.code(a, "plan for kvalifisering", "Informant A1", lead, [g])
        # From Informant A1's turn into Informant A2's: the turn of the start speaks.
        self.code(a, "Den er ny.\nInformant A2: Ledelsen", "Informant A1", analyst, [o, c])
        # Starting on the label of a turn belongs to that turn.
        self.code(a, "Informant A2: Ledelsen", "Informant A2", lead, [o])
        self.code(a, "Og bosetting", "Informant A2", analyst, [self.gone])
        self.code(a, "fiskeindustrien", "Informant A1", analyst, [t, g])
        self.code(v, "Vi veileder", "Informant V1", lead, [m])
        self.code(v, "Samarbeidet med Nav", "Informant A1", analyst, [c, o])
        self.code(v, "Jeg bare lytter", "Observatør", analyst, [o])
        self.code(v, "Tilskuddene", "Informant V1", analyst, [g, m])
        self.code(self.agder_plan, "innvandring", None, analyst, [m])
        self.code(self.agder_plan, "Små kommuner", None, lead, [c, t])
        self.code(self.troms_plan, "Regional planstrategi", None, lead, [o])
        self.code(self.troms_plan, "Bosetting av flyktninger", None, analyst, [g, self.gone])
        self.code(self.oslo_interview, "Oslo er ikke med", "Intervjuer", analyst, [m])
        self.code(self.oslo_interview, "Nei", "Informant A2", analyst, [m])
        self.code(self.no_county, "Uten fylke", "Informant A2", analyst, [m])
        # A bigger study: more themes, excerpts, and counties with excerpts.
        more = [_plan_document(project, counties[name], f"Plan for {name}.") for name in ("Nordland", "Rogaland")
                if size > 1]
        for n in range(size - 1):
            theme = theme_create(project=project, user=lead, name=f"Ekstra {n}", colour="#abcdef",
                                 parent=self.other if n % 2 else None)
            for document, phrase, speaker in [(a, "Ledelsen", "Informant A2"), (v, "Tilskuddene", "Informant V1"),
                                              (self.troms_plan, "flyktninger", None), (more[n % 2], "Plan", None)]:
                self.code(document, phrase, speaker, analyst, [theme, t])
        theme_update(theme=self.gone, user=lead, archived=True)

    def code(self, document, phrase, speaker, coder, themes):
        start = document.text.index(phrase)
        excerpt = excerpt_create(document=document, start=start, end=start + len(phrase), coder=coder, themes=themes)
        roles = dict(Participant.objects.filter(project=self.project).values_list("label", "role"))
        self.made.append(Made(
            id=excerpt.pk, document=document.pk, county=document.county.name if document.county else None,
            kind=document.kind, coder=coder.username, themes={t.pk for t in themes},
            speaker=speaker if speaker and roles[speaker] in INFORMANT_ROLES else None,
        ))


def _subtree(theme, themes):
    ids = {theme.pk}
    while True:
        more = {t.pk for t in themes if t.parent_id in ids} - ids
        if not more:
            return ids
        ids |= more


def expected(study, *, count, sources, coder, order):
    """The matrix counted the slow and obvious way from what the test made."""
    project = study.project
    counties = list(project.counties.filter(in_study=True))
    key = (lambda c: (-c.district_share, c.name)) if order == "district" else (lambda c: c.name)
    columns = [c.name for c in sorted(counties, key=key)]
    themes = list(project.themes.all())
    coded = {pk for made in study.made for pk in made.themes}
    shown = [t for t in themes if not t.archived or t.pk in coded]
    kinds = {"interviews": {"transcript"}, "plans": {"plan"}, "both": {"transcript", "plan"}}[sources]
    chosen = [m for m in study.made if m.county in columns and m.kind in kinds and coder in (None, m.coder)]

    def item(made):
        return {"excerpts": made.id, "documents": made.document, "informants": made.speaker}[count]

    def distinct(mades):
        return len({item(m) for m in mades} - {None})

    cells, totals = {}, {}
    for theme in shown:
        subtree = _subtree(theme, shown)
        hits = [m for m in chosen if m.themes & subtree]
        totals[theme.name] = distinct(hits)
        for county in columns:
            cells[theme.name, county] = distinct([m for m in hits if m.county == county])
    column_totals = {county: distinct([m for m in chosen if m.county == county]) for county in columns}
    return {"columns": columns, "cells": cells, "totals": totals, "column_totals": column_totals,
            "total": distinct(chosen)}


def actual(result):
    columns = [c.name for c in result.columns]
    return {
        "columns": columns,
        "cells": {(row.theme.name, cell.county.name): cell.value for row in result.rows for cell in row.cells},
        "totals": {row.theme.name: row.total for row in result.rows},
        "column_totals": dict(zip(columns, result.column_totals, strict=True)),
        "total": result.total,
    }


# One study for the whole module, built once (tests/conftest.py `module_study`); each test's changes are
# rolled back after it, and each test gets its own copy of the objects in memory.
pytestmark = pytest.mark.usefixtures("module_study")


@pytest.fixture(scope="module", autouse=True)
def shared(module_study):
    project, analyst, lead = module_study.project, module_study.analyst, module_study.lead
    return Study(project, analyst, lead)


@pytest.fixture
def study(shared, db):
    return copy.deepcopy(shared)


TOGGLES = list(itertools.product(COUNTS, SOURCES, [None, "analytiker", "leder"], ORDERS))


@pytest.mark.own_study
@pytest.mark.parametrize("size", [1, 4])
def test_it_counts_every_cell_and_total_under_every_toggle(project, analyst, lead, size):
    study = Study(project, analyst, lead, size=size)
    users = {None: None, "analytiker": analyst, "leder": lead}
    for count, sources, coder, order in TOGGLES:
        result = matrix(project=study.project, count=count, sources=sources, coder=users[coder], county_order=order)
        want = expected(study, count=count, sources=sources, coder=coder, order=order)
        assert actual(result) == want, (count, sources, coder, order)
        assert result.max == max(want["cells"].values())


def test_it_counts_the_same_with_theme_sets_spread_over_several_columns(study, analyst, monkeypatch):
    """A codebook of more than 62 themes needs several mask columns; three themes a column here."""
    monkeypatch.setattr("coding.review.matrix.WORD", 3)
    for count, sources, coder in itertools.product(COUNTS, SOURCES, [None, "analytiker"]):
        result = matrix(project=study.project, count=count, sources=sources, coder=analyst if coder else None)
        assert actual(result) == expected(study, count=count, sources=sources, coder=coder, order="name")


def test_an_excerpt_whose_only_theme_is_no_row_counts_nowhere(study, monkeypatch):
    """The excerpts statement reads every coding of the study's documents: an excerpt whose themes are all left
    out of the rows (a theme archived while it was being coded) counts in no cell and no total."""
    full = matrix(project=study.project)
    shown = matrix_module._shown_themes
    monkeypatch.setattr(matrix_module, "_shown_themes",
                        lambda project: [theme for theme in shown(project) if theme.pk != study.gone.pk])
    result = matrix(project=study.project)
    names = [county.name for county in result.columns]
    agder, troms = names.index("Agder"), names.index("Troms")
    # «Og bosetting» (Agder) has that theme alone; «Bosetting av flyktninger» (Troms) a shown one too.
    assert result.column_totals[agder] == full.column_totals[agder] - 1
    assert result.column_totals[troms] == full.column_totals[troms]
    assert result.total == full.total - 1


def test_the_numbers_are_what_they_should_be(study):
    """A few cells by hand, so that the plain Python counting above is checked too."""
    result = matrix(project=study.project)
    main = study.main.name
    assert result.value(study.main.pk, study.project.counties.get(name="Agder").pk) == 7  # itself + both below
    assert actual(result)["totals"][main] == 11  # Oslo and the transcript without a county are left out
    informants = actual(matrix(project=study.project, count="informants"))
    # A1 in Agder (not the interviewer, and A2 says nothing on it); V1 and A1 in Vestland; A1 once in the total.
    assert informants["cells"][main, "Agder"] == 1 and informants["cells"][main, "Vestland"] == 2
    assert informants["totals"][main] == 2
    assert informants["cells"][study.other.name, "Vestland"] == 1  # A1; the observer is no informant
    assert informants["cells"][main, "Troms"] == 0  # plans have no informants
    documents = actual(matrix(project=study.project, count="documents", sources="plans"))
    assert documents["cells"][main, "Agder"] == 1 and documents["cells"][main, "Troms"] == 1
    assert documents["column_totals"]["Troms"] == 1 and documents["total"] == 2


def test_rows_follow_the_codebook_with_sub_themes_under_their_theme(study):
    result = matrix(project=study.project)
    names = [row.theme.name for row in result.rows]
    at = names.index(study.main.name)
    assert names[at:at + 3] == [study.main.name, "Kvalifiseringsplan", "Voksenopplæring i planen"]
    assert [row.depth for row in result.rows[at:at + 3]] == [0, 1, 2]
    main = result.rows[at]
    assert [child.theme.name for child in main.children] == ["Kvalifiseringsplan"]
    assert main.children[0].children[0].parent.parent is main
    assert "Gammelt tema" in names  # archived, but excerpts still have it
    assert "Ubrukt arkivert" not in names
    assert [c.name for c in result.columns][:3] == ["Agder", "Buskerud", "Finnmark"]
    district = matrix(project=study.project, county_order="district")
    assert [c.name for c in district.columns][:3] == ["Finnmark", "Troms", "Nordland"]


def test_it_is_empty_not_broken_without_counties_in_the_study(study):
    study.project.counties.update(in_study=False)
    result = matrix(project=study.project)
    assert result.columns == [] and result.total == 0 and all(row.total == 0 for row in result.rows)


def test_it_refuses_unknown_options(project):
    with pytest.raises(ValueError):
        matrix(project=project, count="words")


# --- The page ---------------------------------------------------------------------------------------


def test_the_page_shows_the_numbers_shades_and_links_to_the_quotes(client, study, viewer):
    client.force_login(viewer)
    client.cookies["django_language"] = "en"
    agder = study.project.counties.get(name="Agder")
    response = client.get(reverse("coding:matrix", args=[study.project.slug]),
                          {"count": "excerpts", "sources": "interviews", "coder": "analytiker"})
    assert response.status_code == 200
    result = response.context["matrix"]
    assert (result.count, result.sources, result.coder.username) == ("excerpts", "interviews", "analytiker")
    page = response.content.decode()
    quotes = reverse("coding:theme_collection", args=[study.project.slug, study.main.pk])
    main_agder = result.value(study.main.pk, agder.pk)
    assert f'<a href="{quotes}?county={agder.pk}&amp;sources=interviews&amp;coder=analytiker"' in page
    assert f">{main_agder}</a>" in page
    assert f'style="--level: {main_agder / result.max:.2f}"' in page
    assert 'class="matrix-fold small" aria-expanded="true"' in page and "js/matrix.js" in page
    assert "Theme × county" in page and 'aria-current="page">Matrix</a>' in page


def test_the_page_has_short_county_names_with_the_whole_name_and_a_list_per_theme_for_phones(client, study,
                                                                                               viewer):
    project = study.project
    project.counties.filter(name="Vestland").update(name="Vestland – Vestlánda")  # long enough to shorten
    client.force_login(viewer)
    response = client.get(reverse("coding:matrix", args=[project.slug]))
    page = response.content.decode()
    assert '<abbr title="Vestland – Vestlánda">Vestland – V.</abbr>' in page
    assert ">Agder<" in page and 'title="Agder"' not in page  # short names stay whole
    assert 'id="matrix-hint" hidden>Rull sidelengs for flere fylker' in page
    result = response.context["matrix"]
    agder = project.counties.get(name="Agder")
    row = next(row for row in result.rows if row.theme == study.main)
    listed = page[page.index(f'id="matrix-list-{study.main.pk}"'):]
    listed = listed[:listed.index("</section>")]
    quotes = reverse("coding:theme_collection", args=[project.slug, study.main.pk])
    assert f'<a href="{quotes}?county={agder.pk}&amp;sources=both">Agder</a> <span class="num">' \
           f'{result.value(study.main.pk, agder.pk)}</span>' in listed
    assert f"{row.total} i alt" in listed
    empty = [cell.county.name for cell in row.cells if not cell.value]
    assert empty and not any(f">{name}</a>" in listed for name in empty)  # counties without any are left out


# The template loops the page had before its rows were written in Python (issue 15), kept to compare with.
TEMPLATE_LOOPS = """{% load i18n %}<tbody>{% for row in matrix.rows %}
    <tr id="matrix-row-{{ row.theme.pk }}"{% if row.parent %} data-parent="matrix-row-{{ row.parent.theme.pk }}"{% endif %} class="depth-{{ row.depth }}{% if row.theme.archived %} muted{% endif %}">
      <th scope="row"><span class="indent" style="--depth: {{ row.depth }}"></span>{% if row.children %}<button type="button" class="matrix-fold small" aria-expanded="true" aria-controls="{% for child in row.children %}matrix-row-{{ child.theme.pk }}{% if not forloop.last %} {% endif %}{% endfor %}" hidden><span aria-hidden="true">▸</span><span class="visually-hidden">{% blocktranslate with name=row.theme.name %}Sub-themes of «{{ name }}»{% endblocktranslate %}</span></button>{% endif %}<span class="swatch" style="--swatch: {{ row.theme.colour }}" aria-hidden="true"></span>{{ row.theme.name }}{% if row.theme.archived %} <span class="badge">{% translate "archived" %}</span>{% endif %}</th>
      {% for cell in row.cells %}<td class="num matrix-cell" style="--level: {{ cell.shade }}">{% if cell.value %}<a href="{{ cell.href }}">{{ cell.value }}</a>{% else %}<span class="zero">0</span>{% endif %}</td>{% endfor %}
      <td class="num matrix-total">{% if row.total %}<a href="{{ row.href }}">{{ row.total }}</a>{% else %}0{% endif %}</td>
    </tr>
  {% endfor %}</tbody><div>{% for row in matrix.rows %}
  <section class="matrix-list-theme depth-{{ row.depth }}" aria-labelledby="matrix-list-{{ row.theme.pk }}">
    <h2 id="matrix-list-{{ row.theme.pk }}"><span class="swatch" style="--swatch: {{ row.theme.colour }}" aria-hidden="true"></span>{{ row.theme.name }}{% if row.theme.archived %} <span class="badge">{% translate "archived" %}</span>{% endif %}
      <span class="matrix-list-total">{% if row.total %}<a href="{{ row.href }}">{% blocktranslate count n=row.total %}{{ n }} in all{% plural %}{{ n }} in all{% endblocktranslate %}</a>{% else %}0{% endif %}</span></h2>
    {% if row.total %}<ul class="matrix-list-counties">
      {% for cell in row.cells %}{% if cell.value %}<li><a href="{{ cell.href }}">{{ cell.county.name }}</a> <span class="num">{{ cell.value }}</span></li>{% endif %}{% endfor %}
    </ul>{% endif %}
  </section>
  {% endfor %}</div>"""  # noqa: E501


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_rows_written_in_python_are_the_markup_the_template_loops_made(client, study, viewer, lead, language):
    from django.template import Context, Template
    from django.utils import translation

    # The archived theme that still has excerpts (muted, badged), with a name that must be escaped.
    theme_update(theme=study.gone, user=lead, name="Arkiv <b>&</b> «sitat»")
    client.force_login(viewer)
    client.cookies["django_language"] = language
    response = client.get(reverse("coding:matrix", args=[study.project.slug]))
    context = response.context
    assert any(row.theme.archived for row in context["matrix"].rows)
    assert any(row.children for row in context["matrix"].rows) and any(
        not cell.value for row in context["matrix"].rows for cell in row.cells)
    with translation.override(language):
        before = Template(TEMPLATE_LOOPS).render(Context({"matrix": context["matrix"]}))

    def squeezed(html):
        return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()

    now = f"<tbody>{context['table_rows']}</tbody><div>{context['phone_list']}</div>"
    assert squeezed(now) == squeezed(before)
    assert "Arkiv &lt;b&gt;&amp;&lt;/b&gt; «sitat»" in response.content.decode()


@pytest.mark.parametrize(("name", "short"), [
    ("Agder", "Agder"), ("Innlandet", "Innlandet"), ("Møre og Romsdal", "Møre og R."),
    ("Troms og Finnmark", "Troms og F."), ("Finnmárkkuámte", "Finnmárk."),
])
def test_a_long_county_name_is_shortened_for_a_narrow_column(name, short):
    assert County(name=name).short_name == short


def test_informant_cells_open_the_interview_quotes(client, study, viewer):
    client.force_login(viewer)
    vestland = study.project.counties.get(name="Vestland")
    page = client.get(reverse("coding:matrix", args=[study.project.slug]), {"count": "informants"}).content.decode()
    quotes = reverse("coding:theme_collection", args=[study.project.slug, study.main.pk])
    assert f'<a href="{quotes}?county={vestland.pk}&amp;sources=interviews">2</a>' in page


def test_unknown_toggles_fall_back_to_the_defaults(client, study, viewer):
    client.force_login(viewer)
    response = client.get(reverse("coding:matrix", args=[study.project.slug]),
                          {"count": "words", "sources": "both", "coder": "nobody", "order": "district"})
    result = response.context["matrix"]
    assert (result.count, result.sources, result.coder, result.county_order) == ("excerpts", "both", None, "district")


def test_the_page_is_for_members_only(client, study, viewer, outsider):
    url = reverse("coding:matrix", args=[study.project.slug])
    client.force_login(viewer)
    assert client.get(url).status_code == 200
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("coding:matrix_xlsx", args=[study.project.slug])).status_code == 404


@pytest.mark.own_study
@pytest.mark.parametrize("size", [1, 6])
def test_the_page_does_not_grow_queries_with_the_study(client, project, analyst, lead, viewer, size,
                                                       django_assert_num_queries):
    study = Study(project, analyst, lead, size=size)
    client.force_login(viewer)
    url = reverse("coding:matrix", args=[study.project.slug])
    # session, user, membership; the coder choices (validating, then listing); themes; counties; the counts
    with django_assert_num_queries(8):
        response = client.get(url, {"count": "informants", "coder": "analytiker"})
    assert response.status_code == 200
    # Without a coder to look up: one query fewer.
    with django_assert_num_queries(7):
        client.get(url, {"count": "excerpts", "order": "district"})


# --- Downloads and the command ------------------------------------------------------------------------


def _table(study, **options):
    """The rows a download should hold: header, a line per theme (path names), totals."""
    want = expected(study, **options)
    result = matrix(project=study.project, count=options["count"], sources=options["sources"],
                    county_order=options["order"])
    parents = {row.theme.name: row.parent.theme.name for row in result.rows if row.parent}

    def path(name):
        return f"{path(parents[name])} › {name}" if name in parents else name

    lines = [["Theme", *want["columns"], "Total"]]
    for row in result.rows:
        name = row.theme.name
        lines.append([path(name), *(want["cells"][name, c] for c in want["columns"]), want["totals"][name]])
    lines.append(["Total", *want["column_totals"].values(), want["total"]])
    return lines


def test_the_xlsx_download_holds_the_numbers(client, study, viewer):
    client.force_login(viewer)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("coding:matrix_xlsx", args=[study.project.slug]),
                          {"count": "documents", "order": "district"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "matrise-" in response["Content-Disposition"] and "documents-both.xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == _table(study, count="documents", sources="both", coder=None, order="district")
    assert "Voksenopplæring i planen" in rows[3][0] and rows[3][0].count(" › ") == 2


def test_the_csv_download_holds_the_numbers(client, study, viewer):
    client.force_login(viewer)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("coding:matrix_csv", args=[study.project.slug]), {"sources": "plans"})
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    want = _table(study, count="excerpts", sources="plans", coder=None, order="name")
    assert rows == [[str(value) for value in line] for line in want]


def test_the_downloads_keep_theme_names_as_text(client, study, lead, viewer):
    theme_update(theme=study.third, user=lead, name="=SUM(A1)")
    client.force_login(viewer)
    rows = client.get(reverse("coding:matrix_csv", args=[study.project.slug])).content.decode("utf-8-sig")
    assert "'=SUM(A1);" in rows
    response = client.get(reverse("coding:matrix_xlsx", args=[study.project.slug]))
    cells = [row[0] for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    cell = next(c for c in cells if c.value == "=SUM(A1)")
    assert cell.data_type == "s"


def test_the_command_prints_json(study):
    out = io.StringIO()
    call_command("matrix", "--study", study.project.slug, "--count", "informants", "--sources", "interviews",
                 "--coder", "analytiker", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    want = expected(study, count="informants", sources="interviews", coder="analytiker", order="name")
    assert data["count"] == "informants" and data["columns"] == want["columns"]
    assert {(row["theme"], county): n for row in data["rows"] for county, n in row["cells"].items()} == want["cells"]
    assert {row["theme"]: row["total"] for row in data["rows"]} == want["totals"]
    assert data["totals"] == want["column_totals"] and data["total"] == want["total"]


def test_the_command_prints_csv(study):
    out = io.StringIO()
    call_command("matrix", "--study", study.project.slug, "--count", "excerpts", "--sources", "both",
                 "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue()), delimiter=";"))
    want = _table(study, count="excerpts", sources="both", coder=None, order="name")
    # The header's and the totals' labels are in the language the command runs in.
    assert rows[1:-1] == [[str(value) for value in line] for line in want[1:-1]]
    assert rows[-1][1:] == [str(value) for value in want[-1][1:]]
    assert rows[0][1:-1] == want[0][1:-1]


def test_the_command_names_what_is_wrong(study):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="short name"):
        call_command("matrix", "--study", "ingen")
    with pytest.raises(CommandError, match="not a member"):
        call_command("matrix", "--study", study.project.slug, "--coder", "utenforstaende")
