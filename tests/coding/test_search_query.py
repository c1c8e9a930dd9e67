"""The query language: NEAR/n, AND/OR/NOT and their Norwegian words, parentheses, errors; the filters;
the word index on both databases."""

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from coding.models import Coding, Excerpt
from coding.query import QueryError, parse
from coding.search import search
from interviews.models import Interview, Participant
from planner.models import Document, IndexWord, Posting
from planner.textindex import CHUNK_SIZE, decode
from tests.coding.test_search import VTT, plan_document, transcript

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


def _matches(project, query, **options):
    return sorted((r.document.title, h.match) for r in search(project=project, query=query, **options)
                  for h in r.hits)


def test_near_finds_terms_within_n_words_in_either_order(project):
    plan_document(project, title="A", pages=["Distriktskommunene har få kommuner."])
    plan_document(project, title="B", pages=["Kommuner i distrikt."])
    hits = _matches(project, "distrikt NEAR/3 kommun")
    assert hits == [("A", "Distriktskommunene har få kommuner"), ("B", "Kommuner i distrikt")]  # either order
    far = plan_document(project, title="Far", pages=["Distrikt og byer, men ikke så mange kommuner her."])
    assert _matches(project, "=distrikt NÆR/6 kommuner", document=far) == [
        ("Far", "Distrikt og byer, men ikke så mange kommuner")]  # six words between
    assert _matches(project, "=distrikt NEAR/5 kommuner", document=far) == []


def test_boolean_operators_and_parentheses_narrow_documents(project):
    plan_document(project, title="A", pages=["innvandring og distrikt"])
    plan_document(project, title="B", pages=["innvandring og flyktninger"])
    plan_document(project, title="C", pages=["distrikt og flyktninger"])
    assert _matches(project, "innv AND distrikt") == [("A", "distrikt"), ("A", "innvandring")]
    assert _matches(project, "innv OG distrikt") == _matches(project, "innv AND distrikt")
    assert _matches(project, "innv NOT distrikt") == [("B", "innvandring")]
    assert _matches(project, "innv IKKE distrikt") == _matches(project, "innv AND NOT distrikt")
    assert {t for t, _m in _matches(project, "innv OR flykt")} == {"A", "B", "C"}
    assert {t for t, _m in _matches(project, "innv ELLER flykt")} == {"A", "B", "C"}
    assert {t for t, _m in _matches(project, "innv flykt")} == {"A", "B", "C"}  # side by side: any
    assert _matches(project, "(innv OR distrikt) AND flykt") == [
        ("B", "flyktninger"), ("B", "innvandring"), ("C", "distrikt"), ("C", "flyktninger")]
    assert _matches(project, "flykt AND NOT (innv OR distrikt)") == []
    assert _matches(project, "og AND innv") == [("A", "innvandring"), ("A", "og"), ("B", "innvandring"), ("B", "og")]


@pytest.mark.parametrize(("query", "message"), [
    ("innv AND", "AND needs a term after it."),
    ("(innv OR distrikt", "A parenthesis is not closed."),
    ("innv)", "A closing parenthesis has no opening one."),
    ("()", "The parentheses hold nothing."),
    ('"små kommuner', "A quotation mark is not closed."),
    ("distrikt NEAR kommun", "Write NEAR with a number of words from 1 to 20"),
    ("distrikt NEAR/3 (kommun AND fylke)", "NEAR joins terms, phrases and groups joined with OR"),
    ("distrikt NEAR/3", "NEAR needs a term on each side"),
    ("NOT innv", "Give at least one term that is not negated with NOT."),
    ("OR innv", "OR needs a term before it."),
])
def test_malformed_queries_say_what_is_wrong(query, message):
    with translation.override("en"), pytest.raises(QueryError, match=message.replace("(", r"\(")):
        parse(query)


def test_every_filter_narrows(project, analyst):
    plan = plan_document(project, title="Plan", pages=["Innvandring i distriktene."])
    talk = transcript(project, analyst, VTT, title="Samtale")
    Interview.objects.filter(document=talk).update(date=datetime.date(2023, 5, 1))
    kari, ola = Participant.objects.filter(turns__document=talk).order_by("turns__start").distinct()
    Participant.objects.filter(pk=kari.pk).update(role="advisor", field="integration")
    Participant.objects.filter(pk=ola.pk).update(role="leader", field="business")
    query = "innv OR distrikt"
    everything = _matches(project, query)
    assert {t for t, _m in everything} == {"Plan", "Samtale"}
    assert {t for t, _m in _matches(project, query, kind="plan")} == {"Plan"}
    assert {t for t, _m in _matches(project, query, county=plan.county)} == {"Plan"}
    assert {t for t, _m in _matches(project, query, plan_type=plan.plan.plan_type)} == {"Plan"}
    year = plan.plan.year
    assert {t for t, _m in _matches(project, query, year_from=year, year_to=year)} == {"Plan"} - (
        {"Plan"} if year == 2023 else set()) | ({"Samtale"} if year == 2023 else set())
    assert {t for t, _m in _matches(project, query, year_from=2023, year_to=2023)} == {"Samtale"} | (
        {"Plan"} if year == 2023 else set())
    assert _matches(project, query, role="advisor") == [("Samtale", "INNVANDRERE")]
    assert _matches(project, query, field="business") == [("Samtale", "Distriktskommuner")]
    assert _matches(project, query, role="advisor", field="business") == []
    theme = project.themes.first()
    assert _matches(project, query, theme=theme) == []
    start = plan.text.index("distriktene")
    excerpt = Excerpt.objects.create(document=plan, start=start, end=start + 11)
    Coding.objects.create(excerpt=excerpt, theme=theme)
    assert _matches(project, query, theme=theme) == [("Plan", "Innvandring"), ("Plan", "distriktene")]
    assert _matches(project, query, theme=theme, theme_scope="passage") == [("Plan", "distriktene")]


def _exact(results):
    return [(r.document.title, [(h.start, h.end, h.match, h.page, h.time_code, h.label) for h in r.hits])
            for r in results]


def test_the_same_query_gives_these_hits_offsets_and_pages_on_either_database(project, analyst):
    """CI runs this on SQLite and on PostgreSQL: both must give exactly these hits."""
    plan_document(project, pages=["Arbeidsinnvandrere og distriktskommunene har få kommuner.",
                                  "Små kommuner, innvandring og flyktninger i utkantdistrikt."])
    transcript(project, analyst, VTT)
    results = search(project=project, query='(innv OR "små kommuner") AND NOT =byer OR distrikt NEAR/3 kommun')
    assert _exact(results) == [
        ("Regionplan Agder 2030", [
            (0, 18, "Arbeidsinnvandrere", 1, "", "innv"),
            (22, 56, "distriktskommunene har få kommuner", 1, "", "distrikt NEAR/3 kommun"),
            (59, 71, "Små kommuner", 2, "", '"små kommuner"'),
            (73, 84, "innvandring", 2, "", "innv"),
        ]),
        ("Intervju Troms", [
            (27, 38, "INNVANDRERE", None, "00:01:05", "innv"),
            (42, 54, "små kommuner", None, "00:01:05", '"små kommuner"'),
            (69, 86, "Distriktskommuner", None, "00:14:32", "distrikt NEAR/3 kommun"),  # both in one word
        ]),
    ]
    assert _exact(search(project=project, query="innv", narrow=False)) == _exact(search(project=project,
                                                                                        query="innv"))


def test_the_word_index_holds_every_word_with_its_number_offset_and_joining(project):
    """planner.textindex.postings_of, as stored for a document: what NEAR and phrases are answered from."""
    document = plan_document(project, pages=["Små kommuner, små\nkommuner."])
    stored = {word: decode(positions) for word, positions in Posting.objects.filter(document=document).values_list(
        "word__word", "positions")}
    assert {word: list(positions) for word, positions in stored.items()} == {
        # (number << 1 | joined to the next word by white space only, start)
        "små": [0 << 1 | 1, 0, 2 << 1 | 1, 14], "kommuner": [1 << 1, 4, 3 << 1, 18]}
    assert dict(Posting.objects.filter(document=document).values_list("word__word", "count")) == {
        "små": 2, "kommuner": 2}
    assert [h.match for r in search(project=project, query='"små kommuner"') for h in r.hits] == [
        "Små kommuner", "små\nkommuner"]


def test_near_counts_words_across_the_whole_document_not_only_within_a_chunk(project):
    filler = "ord " * (CHUNK_SIZE // 4)
    document = plan_document(project, pages=[filler + "distrikt " + filler + "to tre kommuner"])
    assert document.chunks.count() >= 3
    assert search(project=project, query="distrikt NEAR/3 kommun") == []
    document = plan_document(project, pages=["x " * (CHUNK_SIZE // 2 - 2) + "distrikt og kommuner"], title="B")
    assert [h.match for r in search(project=project, query="distrikt NEAR/3 kommun") for h in r.hits] == [
        "distrikt og kommuner"]


def test_counts_without_hits_equal_the_hits_when_they_are_made(project, analyst):
    """A query of plain terms is counted from the index alone; its hits, made later, must agree."""
    plan_document(project)
    plan_document(project, pages=["Innvandring, innvandrere og distriktsinnvandring i distriktene."], title="B")
    transcript(project, analyst, VTT)
    for query in ["innv distrikt", "innv OR distrikt", "distrikt innv", "innv NOT flyktning", "=små OR ^komm"]:
        for result in search(project=project, query=query):
            labels = {}
            for hit in result.hits:
                labels[hit.label] = labels.get(hit.label, 0) + 1
            assert (result.count, result.term_counts) == (len(result.hits), labels), query


def test_the_index_follows_a_text_correction_and_forgets_erased_words(project, analyst):
    from coding.revisions import document_revise

    document = plan_document(project, pages=["Innvandrerbefolkningen vokser hos Kvitebjørnsen."])
    assert search(project=project, query="kvitebjørn")
    document_revise(document=document, text=document.text.replace("Kvitebjørnsen", "Pedersen"), user=analyst,
                    note="navn")
    assert search(project=project, query="kvitebjørn") == []
    assert [h.match for r in search(project=project, query="peder") for h in r.hits] == ["Pedersen"]
    assert not IndexWord.objects.filter(word="kvitebjørnsen").exists()


@pytest.mark.parametrize("seed", range(4))
def test_the_index_gives_what_the_texts_give_for_any_query(project, seed):
    """Random plans and queries (terms in every mode, phrases, AND, OR, NOT, NEAR): the stored index and
    the positions built from the texts give the same documents, counts and hits."""
    rng = random.Random(seed)
    words = ("innvandring innvandrere distrikt distriktene små kommuner mindre flyktning Økt økonomi e-post "
             "bosetting og i på tilflytting").split()
    for n in range(4):
        plan_document(project, pages=[" ".join(rng.choice(words) for _ in range(300)) + rng.choice([".", "\n"])
                                      for _ in range(2)], title=f"Plan {n}")
    terms = ["innv", "^innv", "=små", "distrikt", '"små kommuner"', "e", "post", "kommun", "øk", '"mindre kommuner"']
    for _ in range(12):
        a, b, c = rng.sample(terms, 3)
        query = rng.choice([f"{a}", f"{a} {b}", f"{a} OR {b}", f"{a} NOT {b}", f"{a} NEAR/2 {b} OR {c}",
                            f"({a} OR {b}) NEAR/{rng.randint(1, 5)} {c}"])
        assert _exact(search(project=project, query=query)) == _exact(search(project=project, query=query,
                                                                             narrow=False)), query
        assert [(r.count, r.term_counts) for r in search(project=project, query=query)] == [
            (r.count, r.term_counts) for r in search(project=project, query=query, narrow=False)], query


def test_with_other_studies_present_postgresql_reads_the_word_index(lead):
    """Six studies in one index: the vocabulary is read through its trigram index, the postings through
    (word, document); never a scan of every posting (the plan that made a search take 1.7 s)."""
    from planner.services import project_create

    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN of the pg_trgm and posting indexes: PostgreSQL only")
    rng = random.Random(5)
    neutral = "fylket arbeider med planer tiltak samarbeid regionen utvikling kompetanse".split()
    studies = []
    for n in range(6):
        study = project_create(name=f"Studie {n}", lead=lead)
        for d in range(3):
            Document.objects.create(project=study, kind="other", title=f"Notat {d}", text=" ".join(
                rng.choice(neutral) for _ in range(3000)) + " arbeidsinnvandrere distriktskommunene flyktninger")
        studies.append(study)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE planner_posting")
        cursor.execute("ANALYZE planner_indexword")
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test's few rows: the table would win
    with CaptureQueriesContext(connection) as queries:
        results = search(project=studies[2], query="innv OR flyktning OR distrikt NEAR/3 kommun")
    assert len(results) == 3
    plans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            if "planner_posting" in query["sql"] or "planner_indexword" in query["sql"]:
                cursor.execute("EXPLAIN " + query["sql"])
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert any("indexword_word_trgm_idx" in plan for plan in plans), plans
    postings = [plan for plan in plans if "planner_posting" in plan]
    assert postings and all("Seq Scan on planner_posting" not in plan for plan in postings), plans
    assert any("posting_word_document_idx" in plan or "planner_posting_document_id" in plan for plan in postings)


def test_aa_and_å_find_each_other_only_when_asked(project):
    plan_document(project, pages=["Aalesund og Ålesund, Aasen i Åsnes."])
    assert _matches(project, "ålesund") == [("Regionplan Agder 2030", "Ålesund")]
    assert _matches(project, "ålesund", aa=True) == [("Regionplan Agder 2030", "Aalesund"),
                                                     ("Regionplan Agder 2030", "Ålesund")]
    hits = search(project=project, query="aas", aa=True)
    assert [h.match for h in hits[0].hits] == ["Aasen", "Åsnes"] and hits[0].term_counts == {"aas": 2}


@pytest.mark.parametrize("seed", range(3))
def test_near_gives_what_counting_words_by_hand_gives(project, seed):
    """NEAR of two plain terms against a brute force over the text's words: every pair of a word holding
    one and a word holding the other with at most n words between, overlapping spans dropped."""
    from planner.textindex import WORD

    rng = random.Random(seed)
    words = "distrikt distriktskommune kommuner kommunen og i små ordet tiltak, fylket.".split()
    text = " ".join(rng.choice(words) for _ in range(2500))
    plan_document(project, pages=[text])
    tokens = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text.lower())]
    for a, b, n in [("distrikt", "kommun", 3), ("kommun", "distrikt", 1), ("små", "tilt", 5), ("og", "i", 2)]:
        left = [i for i, token in enumerate(tokens) if a in token[2]]
        right = [i for i, token in enumerate(tokens) if b in token[2]]
        pairs = sorted({(min(tokens[i][0], tokens[j][0]), -max(tokens[i][1], tokens[j][1]))
                        for i in left for j in right if abs(i - j) <= n + 1})
        expected, reach = [], -1
        for start, negative_end in pairs:
            if start >= reach:
                expected.append((start, -negative_end))
                reach = -negative_end
        found = [(h.start, h.end) for r in search(project=project, query=f"{a} NEAR/{n} {b}") for h in r.hits]
        assert found == expected, (a, b, n)
