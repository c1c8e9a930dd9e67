"""Search: prefixes, phrases, Norwegian letters, pages and time codes, the same on both databases."""

import json
import random

import pytest
from django.core.management import call_command
from django.db import connection

from coding.search import parse_query, search
from interviews.importers import parse_file
from interviews.services import NewParticipant, transcript_import
from planner.models import Document, Plan
from planner.textindex import CHUNK_SIZE

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")

PAGES = [
    "Innvandrerbefolkningen vokser i distriktene. Fylket har mange små kommuner.",
    "Planen omtaler innvandring og integrering. Mindre kommuner trenger veiledning.",
    "ØKONOMI og Økt bosetting av flyktninger i små\nkommuner. Se www.imdi.no for tall.",
]


def plan_document(project, county_name="Agder", pages=PAGES, title="Regionplan Agder 2030"):
    county = project.counties.get(name=county_name)
    plan = Plan.objects.filter(county=county).first()
    text, starts = "", []
    for page in pages:
        starts.append(len(text))
        text += page + "\n\n"
    document = Document.objects.create(project=project, kind="plan", county=county, plan=plan, title=title,
                                       text=text, page_starts=starts)
    return document


def transcript(project, user, text, title="Intervju Troms"):
    parsed = parse_file("t.vtt", text.encode())
    mapping = {s: NewParticipant(label=f"Informant {i + 1}") for i, s in enumerate(parsed.speakers())}
    return transcript_import(project=project, user=user, parsed=parsed, mapping=mapping, title=title,
                             county=project.counties.get(name="Troms"), interview_format="group_interview")


VTT = (
    "WEBVTT\n\n00:01:05.000 --> 00:01:09.000\n<v Kari>Vi snakker om INNVANDRERE og små kommuner.</v>\n\n"
    "00:14:32.000 --> 00:14:40.000\n<v Ola>Distriktskommuner får flyktninger.</v>\n"
)


def _hits(results):
    return sorted((r.document.title, h.start, h.end, h.match, h.page, h.time_code) for r in results for h in r.hits)


def test_it_parses_words_as_terms_and_quotes_as_phrases():
    terms = parse_query('innv  "små kommuner" «mindre kommuner» Distrikt innv ^innv =distrikt')
    assert [(t.words, t.phrase, t.mode) for t in terms] == [
        (("innv",), False, "infix"), (("små", "kommuner"), True, "word"), (("mindre", "kommuner"), True, "word"),
        (("distrikt",), False, "infix"), (("innv",), False, "start"), (("distrikt",), False, "word")]


def test_it_finds_word_prefixes_case_insensitively_with_pages(project):
    document = plan_document(project)
    results = search(project=project, query="innv")
    assert [(h.match, h.page) for h in results[0].hits] == [("Innvandrerbefolkningen", 1), ("innvandring", 2)]
    assert document.text[results[0].hits[1].start:results[0].hits[1].end] == "innvandring"


def test_it_matches_inside_words_by_default_and_at_word_starts_or_whole_words_on_request(project):
    plan_document(project, pages=["Tilflytting og flytting. Utflyttingen øker."])

    def matches(query, **options):
        return [h.match for r in search(project=project, query=query, **options) for h in r.hits]

    assert matches("flytt") == ["Tilflytting", "flytting", "Utflyttingen"]
    assert matches("flytt", mode="start") == matches("^flytt") == ["flytting"]
    assert matches("=flytt") == matches("flytt", mode="word") == []
    assert matches("=flytting") == ["flytting"]
    assert matches("^flytt", mode="infix") == ["flytting"]  # the term's own mark wins over the search's


def test_innv_finds_arbeidsinnvandrere_by_default_and_not_at_word_starts(project):
    document = plan_document(project, pages=["Arbeidsinnvandrere og innvandring. ARBEIDSINNVANDRERNE kom."])
    results = search(project=project, query="innv")
    assert [(h.match, h.start, h.page) for h in results[0].hits] == [
        ("Arbeidsinnvandrere", 0, 1), ("innvandring", 22, 1), ("ARBEIDSINNVANDRERNE", 35, 1)]
    assert document.text[35:35 + len("ARBEIDSINNVANDRERNE")] == "ARBEIDSINNVANDRERNE"
    assert [h.match for r in search(project=project, query="innv", mode="start") for h in r.hits] == ["innvandring"]


def test_it_handles_norwegian_letters(project):
    plan_document(project)
    assert [h.match for r in search(project=project, query="øk") for h in r.hits] == ["ØKONOMI", "Økt"]
    assert [h.match for r in search(project=project, query="ØKT") for h in r.hits] == ["Økt"]


def test_it_matches_phrases_across_line_breaks_but_not_other_word_orders(project):
    plan_document(project)
    results = search(project=project, query='"små kommuner" "kommuner små"')
    assert [(h.match, h.page) for h in results[0].hits] == [("små kommuner", 1), ("små\nkommuner", 3)]


def test_it_does_not_take_a_phrase_as_a_prefix(project):
    plan_document(project, pages=["Små kommunene og små kommuner."])
    assert [h.match for r in search(project=project, query='"små kommuner"') for h in r.hits] == ["små kommuner"]


def test_it_finds_words_inside_web_addresses(project):
    plan_document(project)
    assert [h.match for r in search(project=project, query="imdi") for h in r.hits] == ["imdi"]


def test_it_gives_transcript_hits_their_time_code(project, analyst):
    transcript(project, analyst, VTT)
    results = search(project=project, query="innv distrikt")
    assert [(h.match, h.time_code) for h in results[0].hits] == [
        ("INNVANDRERE", "00:01:05"), ("Distriktskommuner", "00:14:32")]
    assert results[0].term_counts == {"innv": 1, "distrikt": 1}


def test_it_filters_by_kind_county_and_plan_type(project, analyst):
    plan = plan_document(project)
    transcript(project, analyst, VTT)
    both = {r.document.kind for r in search(project=project, query="innv")}
    assert both == {"plan", "transcript"}
    assert {r.document.kind for r in search(project=project, query="innv", kind="plan")} == {"plan"}
    troms = project.counties.get(name="Troms")
    assert {r.document.kind for r in search(project=project, query="innv", county=troms)} == {"transcript"}
    assert search(project=project, query="innv", plan_type=plan.plan.plan_type)[0].document == plan
    other = "business" if plan.plan.plan_type != "business" else "strategy"
    assert search(project=project, query="innv", plan_type=other) == []


def test_it_finds_a_phrase_across_a_chunk_boundary_once(project):
    filler = "ord " * (CHUNK_SIZE // 4 - 1)
    document = plan_document(project, pages=[filler + "små kommuner innvandring " + filler])
    assert document.chunks.count() >= 2
    hits = [(h.match, h.start) for r in search(project=project, query='"små kommuner" innv') for h in r.hits]
    assert [m for m, _s in hits] == ["små kommuner", "innvandring"]
    assert len({s for _m, s in hits}) == 2


def test_it_keeps_other_studies_out(project, lead):
    from planner.services import project_create

    other = project_create(name="Annen", lead=lead, template="integrering")
    plan_document(other)
    assert search(project=project, query="innv") == []


def test_the_index_never_hides_a_hit(project, analyst):
    """The stored word index finds exactly what the texts hold (narrow=False builds it from them)."""
    rng = random.Random(7)
    words = "innvandring innvandrere distrikt distriktene små kommuner mindre flyktning Økt økonomi " \
            "www.imdi.no e-post 2024 bosetting tilflytting og i på".split()
    for n in range(6):
        pages = [" ".join(rng.choice(words) for _ in range(400)) for _ in range(3)]
        plan_document(project, pages=pages, title=f"Plan {n}")
    queries = ["innv", "distrikt", '"små kommuner"', "imdi", "e", "post", "20", "øk", "til", '"mindre kommuner"']
    for query in queries:
        assert _hits(search(project=project, query=query)) == _hits(search(project=project, query=query,
                                                                             narrow=False)), query
    assert connection.vendor in {"sqlite", "postgresql"}


def test_the_search_command_prints_json_lines(project, analyst, capsys):
    transcript(project, analyst, VTT)
    plan_document(project)
    call_command("search", "--study", project.slug, "--json", "--kind", "plan", "innv", "små kommuner")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["match"], line["page"]) for line in lines] == [
        ("Innvandrerbefolkningen", 1), ("små kommuner", 1), ("innvandring", 2), ("små\nkommuner", 3)]
    assert lines[0]["county"] == "Agder" and lines[0]["start"] == 0 and "Innvandrerbefolkningen" in lines[0]["context"]


@pytest.mark.parametrize("query", ["", "   ", '""', "!!!"])
def test_it_finds_nothing_for_an_empty_query(project, query):
    plan_document(project)
    assert search(project=project, query=query) == []


def test_of_overlapping_hits_the_earlier_stays_and_at_one_start_the_longer():
    """coding.search._without_overlaps against its definition: sorted by start and longest first (stable),
    each hit kept that starts at or after the end of the last one kept."""
    from coding.search import _without_overlaps

    def by_definition(hits):
        kept, reach = [], -1
        for hit in sorted(hits, key=lambda hit: (hit[0], -hit[1])):
            if hit[0] >= reach:
                kept.append(hit)
                reach = hit[1]
        return kept

    rng = random.Random(3)
    for _ in range(20000):
        starts = [rng.randint(0, 30) for _ in range(rng.randint(0, 12))]
        hits = [(a, a + rng.randint(1, 8), n) for n, a in enumerate(starts)]
        assert _without_overlaps(hits) == by_definition(hits), hits
