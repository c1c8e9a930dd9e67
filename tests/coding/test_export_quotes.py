"""Export quote selection: filters, order, sub-themes, texts from the chunks, attribution, options, queries.

`export_study` builds the small study the other export tests use too.
"""

import copy
import datetime

import pytest
from django.utils import translation

from coding.exports.options import ExportOptions
from coding.exports.quotes import collect, selected_themes
from coding.quotes import internal_attribution, publication_attribution
from coding.services import excerpt_create, summary_review, summary_save, theme_create, theme_update
from planner.models import Document, Plan
from planner.textindex import CHUNK_SIZE
from tests.coding.test_collections import code, interview, plan_document

# Planted in a quote's text: markup that must stay text, and characters XML 1.0 forbids.
HOSTILE = "Vi <b>skrev</b> <script>alert('x')</script> & sa\x0b\x01 ja"


class ExportStudy:
    """Quotes of known place and kind: two Agder informants (one a key quote with a memo), a Vestland
    adviser coded with a sub-theme, a Troms plan excerpt on page 2, an interview without county,
    a hostile text in a Vestland plan, and an excerpt of another theme only."""

    def __init__(self, project, analyst, lead):
        self.project = project
        self.themes = list(project.themes.order_by("position")[:3])
        main, second, third = self.themes
        self.child = theme_create(project=project, user=lead, name="Kvalifiseringsplan", colour="#123456",
                                  parent=main)
        self.agder = interview(project, analyst, "Agder", [
            ("Kari", 65, "Vi jobber med Økt bosetting i distriktene.", "advisor", "integration"),
            ("Ola", 872, "Næringslivet trenger arbeidsinnvandrere.", "leader", "business"),
            ("Intervjuer", 900, "Hva med kommunene?", "interviewer", "other"),
        ], title="Gruppeintervju Agder", date=datetime.date(2025, 2, 12))
        self.vestland = interview(project, analyst, "Vestland", [
            ("Siri", 30, "Planen for kvalifisering er ny.", "advisor", "planning"),
        ], title="Gruppeintervju Vestland", date=datetime.date(2025, 3, 4))
        self.troms = plan_document(project, "Troms", ["Innledning om planen.",
                                                      "Planen omtaler integrering av flyktninger."])
        self.loose = interview(project, lead, None, [("Per", 5, "Et innledende intervju om kvalifisering.", "other",
                                                      "other")], title="Innledende intervju")
        vestland = project.counties.get(name="Vestland")
        strategy = Plan.objects.get(county=vestland, plan_type="strategy")
        self.vestland_plan = Document.objects.create(
            project=project, kind="plan", county=vestland, plan=strategy,
            title="Regional planstrategi for Vestland", text=f"Side en.\n\n{HOSTILE}\n\n", page_starts=[0, 10],
            first_page=11)
        hostile_start = self.vestland_plan.text.index("Vi <b>")
        self.made = {
            "kari": code(self.agder, "Økt bosetting i distriktene", analyst, [main], memo="Viktig for kap. 4",
                         is_key=True),
            "ola": code(self.agder, "trenger arbeidsinnvandrere", lead, [main, second]),
            "asks": code(self.agder, "Hva med kommunene?", analyst, [second]),
            "siri": code(self.vestland, "Planen for kvalifisering", analyst, [self.child]),
            "plan": code(self.troms, "integrering av flyktninger", analyst, [main]),
            "loose": code(self.loose, "kvalifisering", lead, [main], memo='=HYPERLINK("http://x","y")'),
            "hostile": excerpt_create(document=self.vestland_plan, start=hostile_start,
                                      end=hostile_start + len(HOSTILE), coder=analyst, themes=[third]),
        }
        summary_save(theme=main, county=None, user=analyst, text="Fylkene bosetter i distriktene.", version=0)
        note = summary_save(theme=main, county=project.counties.get(name="Agder"), user=analyst,
                            text="Agder har en egen plan.", version=0)
        summary_review(summary=note, user=lead, reviewed=True)

    def ids(self, *names):
        return [self.made[name].pk for name in names]

    def name_of(self, excerpt_id):
        return next(name for name, excerpt in self.made.items() if excerpt.pk == excerpt_id)


def export_study(project, analyst, lead):
    return ExportStudy(project, analyst, lead)


# One study for the whole module, built once (tests/conftest.py `module_study`); each test's changes are
# rolled back after it, and each test gets its own copy of the objects in memory.
pytestmark = pytest.mark.usefixtures("module_study")


@pytest.fixture(scope="module", autouse=True)
def shared(module_study):
    project, analyst, lead = module_study.project, module_study.analyst, module_study.lead
    return export_study(project, analyst, lead)


@pytest.fixture
def study(shared, db):
    return copy.deepcopy(shared)


def names(study, quotes):
    return [study.name_of(q.excerpt_id) for q in quotes]


def test_it_collects_every_quote_of_the_shown_themes_by_county_with_no_county_last(project, study):
    quotes = collect(project, ExportOptions())
    assert names(study, quotes) == ["kari", "ola", "asks", "plan", "siri", "hostile", "loose"]
    assert [q.county for q in quotes] == ["Agder", "Agder", "Agder", "Troms", "Vestland", "Vestland", ""]
    main, second, third = study.themes
    by_name = {study.name_of(q.excerpt_id): q for q in quotes}
    assert by_name["ola"].theme_ids == [main.pk, second.pk]
    # The sub-theme's quote is shown under its main theme and under itself, each once.
    assert by_name["siri"].theme_ids == [main.pk, study.child.pk]
    assert by_name["hostile"].theme_ids == [third.pk]


def test_it_reads_each_text_and_what_signs_it(project, study):
    quotes = {study.name_of(q.excerpt_id): q for q in collect(project, ExportOptions())}
    for name, quote in quotes.items():
        excerpt = study.made[name]
        assert quote.text == excerpt.document.text[excerpt.start:excerpt.end], name
    ola = quotes["ola"]
    assert (ola.participant_label, ola.role, ola.field, ola.time_code) == ("Agder Ola", "leader", "business",
                                                                          "00:14:32")
    assert (ola.interview_format, ola.interview_date, ola.kind) == ("group_interview", datetime.date(2025, 2, 12),
                                                                    "transcript")
    assert (ola.coder, ola.is_key, ola.memo, ola.page, ola.plan_title) == ("leder", False, "", None, "")
    kari = quotes["kari"]
    assert (kari.is_key, kari.memo, kari.coder) == (True, "Viktig for kap. 4", "analytiker")
    plan = quotes["plan"]
    assert (plan.kind, plan.page, plan.participant_label, plan.role, plan.time_code) == ("plan", 2, "", "", "")
    assert plan.plan_title == study.troms.plan.title and plan.plan_type == study.troms.plan.plan_type
    assert quotes["hostile"].page == 12  # first_page 11, second page
    assert quotes["hostile"].text == HOSTILE


def test_a_quote_coded_from_its_speakers_label_starts_at_the_speech(project, analyst):
    """«Agder Liv: Vi samarbeider» is quoted as «Vi samarbeider»: the attribution line says who speaks."""
    document = interview(project, analyst, "Agder", [
        ("Liv", 40, "Vi samarbeider med Nav.", "advisor", "integration"),
        ("Ola", 80, "Det gjør vi også.", "leader", "business")])
    theme = project.themes.order_by("position").first()
    from_label = code(document, "Agder Liv: Vi samarbeider med Nav.", analyst, [theme])
    start = document.text.index("med Nav.")
    across = excerpt_create(document=document, start=start, end=document.text.index("Det gjør") + 8, coder=analyst,
                            themes=[theme])
    assert "Agder Ola: Det gjør" in document.text[across.start:across.end]
    texts = {q.excerpt_id: q for q in collect(project, ExportOptions())}
    assert texts[from_label.pk].text == "Vi samarbeider med Nav."
    assert texts[from_label.pk].start == from_label.start  # the excerpt's own offsets are kept
    assert texts[across.pk].text == document.text[across.start:across.end]  # a later label stays


def test_it_cuts_texts_that_cross_chunk_boundaries_out_of_the_chunks(project, analyst, study):
    words = " ".join(f"ord{n}" for n in range(3 * CHUNK_SIZE // 5))
    document = Document.objects.create(project=project, kind="plan", county=project.counties.get(name="Agder"),
                                       plan=Plan.objects.filter(county__name="Agder").first(), title="Lang plan",
                                       text=words)
    assert document.chunks.count() >= 3
    spans = [(CHUNK_SIZE - 50, CHUNK_SIZE + 50), (10, 2 * CHUNK_SIZE + 500), (len(words) - 30, len(words))]
    made = [excerpt_create(document=document, start=a, end=b, coder=analyst, themes=study.themes[:1])
            for a, b in spans]
    quotes = {q.excerpt_id: q for q in collect(project, ExportOptions(counties=(document.county_id,)))}
    for excerpt in made:
        assert quotes[excerpt.pk].text == words[excerpt.start:excerpt.end]


@pytest.mark.parametrize(("options", "expected"), [
    ({"themes": "second"}, ["ola", "asks"]),
    ({"themes": "child"}, ["siri"]),
    ({"themes": "main"}, ["kari", "ola", "plan", "siri", "loose"]),
    ({"counties": ["Agder", "Troms"]}, ["kari", "ola", "asks", "plan"]),
    ({"sources": "interviews"}, ["kari", "ola", "asks", "siri", "loose"]),
    ({"sources": "plans"}, ["plan", "hostile"]),
    ({"key_only": True}, ["kari"]),
    ({"coder": "leder"}, ["ola", "loose"]),
    ({"coder": "nobody"}, []),
    ({"counties": ["Agder"], "coder": "analytiker", "sources": "interviews"}, ["kari", "asks"]),
])
def test_it_filters_the_quotes(project, study, options, expected):
    themes = {"main": study.themes[0], "second": study.themes[1], "child": study.child}
    if "themes" in options:
        options["themes"] = (themes[options["themes"]].pk,)
    if "counties" in options:
        options["counties"] = tuple(project.counties.get(name=n).pk for n in options["counties"])
    assert names(study, collect(project, ExportOptions(**options))) == expected


def test_a_chosen_theme_shows_only_itself_and_its_sub_themes(project, study):
    main = study.themes[0]
    quotes = collect(project, ExportOptions(themes=(main.pk,)))
    assert {tuple(q.theme_ids) for q in quotes} == {(main.pk,)}


def test_archived_themes_are_shown_only_while_coded(project, lead, analyst, study):
    coded = theme_create(project=project, user=lead, name="Gammelt tema", colour="#777777")
    unused = theme_create(project=project, user=lead, name="Ubrukt", colour="#777777")
    excerpt = code(study.agder, "Næringslivet", analyst, [coded])
    theme_update(theme=coded, user=lead, archived=True)
    theme_update(theme=unused, user=lead, archived=True)
    shown = [t.pk for t in selected_themes(project, ExportOptions())]
    assert coded.pk in shown and unused.pk not in shown
    assert len(shown) == project.themes.filter(archived=False).count() + 1
    assert any(q.excerpt_id == excerpt.pk and q.theme_ids == [coded.pk]
               for q in collect(project, ExportOptions()))
    # Chosen by id, an archived theme is shown even without quotes.
    assert [t.pk for t in selected_themes(project, ExportOptions(themes=(unused.pk,)))] == [unused.pk]


def test_themes_come_in_codebook_order_with_sub_themes_after_their_parent(project, study):
    themes = selected_themes(project, ExportOptions())
    ids = [t.pk for t in themes]
    assert ids.index(study.child.pk) == ids.index(study.themes[0].pk) + 1
    assert themes[0].members == {study.themes[0].pk, study.child.pk}


def test_a_theme_of_another_study_is_refused(project, study, lead):
    from planner.services import project_create

    other = project_create(name="Annen studie", lead=lead, template="integrering")
    with pytest.raises(ValueError, match="is not a theme of the study"):
        collect(project, ExportOptions(themes=(other.themes.first().pk,)))


def test_collect_makes_a_fixed_number_of_queries(project, analyst, lead, study, django_assert_num_queries):
    with django_assert_num_queries(6):
        few = collect(project, ExportOptions())
    # Many more quotes, documents, speakers and counties: still the same queries.
    for n, county in enumerate(["Nordland", "Rogaland", "Innlandet"]):
        document = interview(project, analyst, county, [
            (f"P{n}a", 10, "Første tale om integrering i fylket.", "advisor", "competence"),
            (f"P{n}b", 20, "Andre tale om bosetting.", "leader", "public_health")], title=f"Intervju {county}")
        for phrase in ("Første tale", "integrering i fylket", "Andre tale", "bosetting"):
            code(document, phrase, analyst, study.themes[:2], memo="notat")
    with django_assert_num_queries(6):
        many = collect(project, ExportOptions())
    assert len(many) == len(few) + 12
    with django_assert_num_queries(6):
        collect(project, ExportOptions(key_only=True, coder="analytiker", sources="interviews"))


def quote_of(study, project, name, **options):
    return next(q for q in collect(project, ExportOptions(**options)) if q.excerpt_id == study.made[name].pk)


def test_internal_attribution_names_role_field_county_interview_and_time_code(project, study):
    ola = quote_of(study, project, "ola")
    assert internal_attribution(ola) == "Leder, næring – Agder – Gruppeintervju 12.02.2025 – 00:14:32"
    assert internal_attribution(ola, "en") == "Leader, business development – Agder – Group interview 12/02/2025 – " \
                                              "00:14:32"
    kari = quote_of(study, project, "kari")
    assert internal_attribution(kari) == "Rådgiver, integrering – Agder – Gruppeintervju 12.02.2025 – 00:01:05"
    # A speaker whose role says nothing is named by label; missing parts are left out.
    loose = quote_of(study, project, "loose")
    assert internal_attribution(loose) == "Uten Per – Gruppeintervju – 00:00:05"


def test_internal_attribution_of_plans_names_plan_type_county_and_page(project, study):
    plan = quote_of(study, project, "plan")
    title = study.troms.plan.title
    with translation.override("nb"):  # a request of an earlier test may have left another language active
        plan_type = study.troms.plan.get_plan_type_display()
    assert internal_attribution(plan) == f"{title} – {plan_type} – Troms – s. 2"
    hostile = quote_of(study, project, "hostile")
    assert internal_attribution(hostile).endswith(" – Vestland – s. 12")


def test_publication_attribution_signs_as_the_report_does(project, study):
    assert publication_attribution(quote_of(study, project, "kari")) == "(Rådgiver, integrering, fylkeskommune)"
    assert publication_attribution(quote_of(study, project, "kari"), "en") == "(Adviser, integration, county council)"
    assert publication_attribution(quote_of(study, project, "ola")) == "(Leder, næring, fylkeskommune)"
    assert publication_attribution(quote_of(study, project, "siri")) == \
        "(Rådgiver, regional utvikling og plan, fylkeskommune)"
    # The interviewer's words are never signed as an informant's.
    assert publication_attribution(quote_of(study, project, "asks")) == "(Intervjuer)"
    assert publication_attribution(quote_of(study, project, "asks"), "en") == "(Interviewer)"
    # Neither adviser nor leader nor interviewer: an informant of a county council, nothing more.
    assert publication_attribution(quote_of(study, project, "loose"), "en") == "(Informant, county council)"


def test_publication_attribution_of_plans_names_type_county_and_page(project, study):
    strategy = quote_of(study, project, "hostile")
    assert study.vestland_plan.plan.plan_type == "strategy"
    assert publication_attribution(strategy) == "(Planstrategi, Vestland, s. 12)"
    assert publication_attribution(strategy, "en") == "(Regional plan strategy, Vestland, p. 12)"


def test_publication_attribution_never_holds_a_county_or_a_label(project, study):
    counties = list(project.counties.values_list("name", flat=True))
    transcripts = [quote for quote in collect(project, ExportOptions()) if quote.kind == "transcript"]
    assert len(transcripts) >= 5 and len(counties) == 15  # the check below has something to check
    assert all(quote.participant_label for quote in transcripts)
    for quote in transcripts:
        for language in ("nb", "en"):
            signed = publication_attribution(quote, language)
            assert quote.participant_label not in signed
            assert not any(name in signed for name in counties)


def test_options_round_trip_through_json(project):
    options = ExportOptions(themes=(3, 1), counties=(2,), sources="plans", key_only=True, coder="leder",
                            grouping="county", attribution="publication", summaries=False, memos=True,
                            plan_tables=True, language="en")
    data = options.to_json()
    assert data["themes"] == [3, 1] and data["language"] == "en"
    assert ExportOptions.from_json(data) == options
    assert ExportOptions.from_json({}) == ExportOptions()
    assert ExportOptions(themes=[4, 5]).themes == (4, 5)


@pytest.mark.parametrize(("data", "named"), [
    ({"sources": "emails"}, "emails"),
    ({"grouping": "coder"}, "coder"),
    ({"attribution": "secret"}, "secret"),
    ({"language": "de"}, "de"),
    ({"themes": ["1"]}, "'1'"),
    ({"themes": 3}, "3"),
    ({"counties": [True]}, "True"),
    ({"memos": "yes"}, "yes"),
    ({"coder": 5}, "5"),
    ({"colour": "red"}, "colour"),
])
def test_bad_options_are_refused_naming_the_value(data, named):
    with pytest.raises(ValueError, match=named):
        ExportOptions.from_json(data)
