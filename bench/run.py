"""Benchmarks with synthetic corpora: `make bench` or `python bench/run.py [NAME ...]`.

Runs against a throwaway database: a temporary SQLite file by default, or the PostgreSQL
server named by BENCH_DATABASE_URL (a database `kodeverk_bench`, or $BENCH_DATABASE, is created and dropped
there). Prints one line per figure; docs/benchmarks.md records them.
"""

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = (
    "integrering kommunene fylkeskommunen bosetting flyktninger kvalifisering arbeidsliv næringsliv "
    "distriktskommuner samarbeid nettverk veiledning tilskudd prosjekt planstrategi kunnskapsgrunnlag "
    "innvandrere voksenopplæring karriereveiledning regionreformen ressurser utfordringer og i på med "
    "som det er vi har at til for en av de ikke men så også litt mer Nav IMDi Statsforvalteren"
).split()
SPEAKERS = ["Kari Nordmann", "Ola Hansen", "Fatima Haugen", "Per Åsheim", "Intervjuer", "Ingrid Fjellheim"]


def sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def teams_vtt(cues=5000, seconds=3 * 3600, seed=1):
    """A Teams-style WebVTT of a long meeting: GUID cue ids, voice tags, about 160 bytes a cue."""
    rng = random.Random(seed)
    step = seconds / cues
    out = ["WEBVTT", ""]
    speaker = SPEAKERS[0]
    for i in range(cues):
        if rng.random() < 0.35:
            speaker = rng.choice(SPEAKERS)
        start, end = i * step, i * step + step * 0.95
        out += [f"{rng.getrandbits(128):032x}/{i}-0", f"{_ts(start)} --> {_ts(end)}",
                f"<v {speaker}>{sentence(rng, 10)}</v>", ""]
    return "\n".join(out).encode("utf-8")


def _ts(seconds):
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"


def word_docx(words=15_000, seed=2):
    """A corrected Word transcript: one paragraph per turn, «Name: speech»."""
    import docx

    rng = random.Random(seed)
    document = docx.Document()
    written = 0
    while written < words:
        n = rng.randint(20, 80)
        document.add_paragraph(f"{rng.choice(SPEAKERS)}: " + " ".join(sentence(rng, 10) for _ in range(n // 10)))
        written += n // 10 * 10
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def settle():
    """After building a corpus: let PostgreSQL update its statistics, as it would in use."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def postgresql_target(ms):
    """A target the issue sets for PostgreSQL, the production database: on SQLite the figure is shown only."""
    from django.db import connection

    return ms if connection.vendor == "postgresql" else None


def median_ms(function, runs=5):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), times


def bench_transcripts(project, user):
    from interviews.importers import parse_file
    from interviews.services import suggest_mapping, transcript_import

    results = []
    for name, data, target in [("meeting.vtt", teams_vtt(), 1000), ("transcript.docx", word_docx(), 300)]:
        def run(name=name, data=data):
            parsed = parse_file(name, data)
            mapping = suggest_mapping(project=project, speakers=parsed.speakers(), interviewers=["Intervjuer"])
            return transcript_import(project=project, user=user, parsed=parsed, mapping=mapping, title=name,
                                     interview_format="group_interview", source_name=name)

        document = run()
        median, times = median_ms(run)
        results.append((f"import {name} ({len(data) / 1024:.0f} KB, {document.turns.count()} turns, "
                        f"{len(document.text.split())} words), parse + store", median, target, times))
    return results


NEUTRAL = (
    "regionen skal arbeide videre med tiltak for å styrke samarbeidet mellom kommunene og næringslivet gjennom "
    "planperioden der målene følges opp med handlingsprogram årlig rapportering og dialog med partnerskapet om "
    "utvikling av kompetanse arbeidsplasser bolig samferdsel klima miljø kultur helse utdanning"
).split()
RARE = ["innvandrere", "innvandring", "Innvandrerbefolkningen", "distriktene", "distriktskommuner", "flyktninger",
        "flyktningtjenesten", "små kommuner", "mindre kommuner", "bosetting"]


def plan_pages(rng, pages=100, chars=2800):
    """Plan-like pages: mostly neutral words, a search word about once in 250."""
    out = []
    for _ in range(pages):
        words, size = [], 0
        while size < chars:
            word = rng.choice(RARE) if rng.random() < 0.004 else rng.choice(NEUTRAL)
            words.append(word)
            size += len(word) + 1
        out.append(" ".join(words))
    return out


def bench_search(project, user):
    from django.test import Client

    from planner.models import Document, Plan

    rng = random.Random(3)
    plans = list(Plan.objects.filter(county__project=project).select_related("county"))
    started = time.perf_counter()
    for plan in plans:
        pages = plan_pages(rng)
        text, starts = "", []
        for page in pages:
            starts.append(len(text))
            text += page + "\n\n"
        Document.objects.create(project=project, kind="plan", county=plan.county, plan=plan, title=plan.title,
                                text=text, page_starts=starts)
    for county in project.counties.filter(in_study=True):
        bench_transcripts_one(project, user, county)
    built = time.perf_counter() - started
    settle()
    documents = Document.objects.filter(project=project)
    total = sum(documents.values_list("length", flat=True))
    client = Client()
    client.force_login(user)
    url = f"/s/{project.slug}/search/"
    query = {"q": "innv distrikt flyktning"}
    response = client.get(url, query)
    assert response.status_code == 200, response.status_code
    from coding.search import search

    hits = sum(r.count for r in search(project=project, query=query["q"]))
    median, times = median_ms(lambda: client.get(url, query))
    return [(f"search page «innv distrikt flyktning» over {documents.count()} documents "
             f"({total / 1e6:.1f} M characters, corpus built in {built:.0f} s), {hits} hits", median,
             postgresql_target(300), times)]


def bench_transcripts_one(project, user, county):
    from interviews.importers import parse_file
    from interviews.services import suggest_mapping, transcript_import

    parsed = parse_file("meeting.vtt", teams_vtt(cues=1500, seconds=90 * 60, seed=county.pk))
    mapping = suggest_mapping(project=project, speakers=parsed.speakers(), interviewers=["Intervjuer"])
    transcript_import(project=project, user=user, parsed=parsed, mapping=mapping, title=f"Intervju {county}",
                      county=county, interview_format="group_interview")


def coded_transcript(project, user, chars, excerpts, seed):
    """A transcript of about `chars` characters with `excerpts` excerpts spread over it."""
    from coding.services import excerpt_create
    from interviews.importers import parse_file
    from interviews.services import suggest_mapping, transcript_import

    cues = max(1, chars // 87)  # a merged cue adds about 87 characters of text
    parsed = parse_file("m.vtt", teams_vtt(cues=cues, seconds=cues * 2, seed=seed))
    mapping = suggest_mapping(project=project, speakers=parsed.speakers(), interviewers=["Intervjuer"])
    document = transcript_import(project=project, user=user, parsed=parsed, mapping=mapping,
                                 title=f"Intervju {chars}", interview_format="group_interview")
    rng = random.Random(seed)
    themes = list(project.themes.all())
    length = len(document.text)
    for _ in range(excerpts):
        start = rng.randrange(0, length - 400)
        excerpt_create(document=document, start=start, end=start + rng.randint(40, 400), coder=user,
                       themes=rng.sample(themes, rng.randint(1, 2)))
    return document


def _creator(client, url, length, theme):
    """Create one excerpt of 120 characters at a random place, through the view."""
    rng = random.Random(1)

    def create():
        start = rng.randrange(0, length - 300)
        response = client.post(url, {"start": start, "end": start + 120, "themes": [theme.pk]})
        assert response.status_code == 200, response.status_code

    return create


def bench_coding(project, user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    theme = project.themes.first()
    results = []
    sized = {}
    # The same 1,000 excerpts in each, so the comparison of 30,000 and 300,000 characters
    # measures the length of the document alone.
    for chars, excerpts in [(100_000, 1000), (30_000, 1000), (300_000, 1000)]:
        document = coded_transcript(project, user, chars, excerpts, seed=chars)
        settle()
        create = _creator(client, f"/s/{project.slug}/documents/{document.pk}/excerpts/", len(document.text), theme)
        create()
        median, times = median_ms(create, runs=21)
        sized[chars] = median
        label = f"create an excerpt (view, service, re-rendered rows) in a {len(document.text):,}-character " \
                f"transcript with {document.excerpts.count():,} excerpts"
        results.append((label, median, 15, times[:5]))
        if chars == 100_000:
            page = f"/s/{project.slug}/documents/{document.pk}/code/"
            client.get(page)
            median, times = median_ms(lambda page=page: client.get(page))
            results.append((f"render the coding view of that transcript ({document.excerpts.count():,} excerpts)",
                            median, 200, times))
    ratio = sized[300_000] / sized[30_000]
    results.append((f"creation on 300,000 vs 30,000 characters: {ratio:.2f} × (target ≤ 1.20 ×)",
                    round(ratio * 100), 120, []))
    return results


# Short turns and back-channel beside the long transcript's sentences (tests/long_transcript.py).
MORE_SPEECH = [
    "Mm.", "Ja.", "Nei, det stemmer ikke helt.",
    "Vi har to årsverk på integrering, og det er ikke mye for et så stort fylke.",
    "Planstrategien nevner innvandring, men det følges ikke opp i handlingsprogrammet.",
    "Frivilligheten gjør en stor jobb, særlig i de minste kommunene.",
]


def group_vtt(cues=5300, seconds=3 * 3600, seed=5):
    """A 3-hour Teams WebVTT of a group interview: short turns (about 4 cues in 5 change speaker),
    realistic Norwegian speech, GUID cue ids and voice tags; the tests' generator with more speakers."""
    from tests.long_transcript import SENTENCES, teams_vtt

    return teams_vtt(cues, seed, seconds / cues, speakers=SPEAKERS, sentences=[*SENTENCES, *MORE_SPEECH],
                     per_cue=(1, 3), length=0.95, closing=None)


def bench_long(project, user):
    """Issue 11: a 3-hour transcript of 5,300 cues among others; pages render a window at a time."""
    from django.test import Client

    from coding.services import excerpt_create
    from interviews.importers import parse_file
    from interviews.services import suggest_mapping, transcript_import

    data = group_vtt()

    def run(name="møte.vtt", seed=None):
        parsed = parse_file(name, group_vtt(seed=seed) if seed else data)
        mapping = suggest_mapping(project=project, speakers=parsed.speakers(), interviewers=["Intervjuer"])
        return transcript_import(project=project, user=user, parsed=parsed, mapping=mapping, title=name,
                                 interview_format="group_interview", source_name=name)

    document = run()
    import_median, import_times = median_ms(run)
    # Other data in the study: three more 3-hour interviews and 90-minute ones per county, 1,000 excerpts.
    for seed in (6, 7, 8):
        run(f"møte {seed}.vtt", seed)
    for county in project.counties.filter(in_study=True):
        bench_transcripts_one(project, user, county)
    rng, themes, length = random.Random(9), list(project.themes.all()), len(document.text)
    for _ in range(1000):
        start = rng.randrange(0, length - 400)
        excerpt_create(document=document, start=start, end=start + rng.randint(40, 400), coder=user,
                       themes=rng.sample(themes, rng.randint(1, 2)))
    settle()
    client = Client()
    client.force_login(user)
    base = f"/s/{project.slug}"
    turns = document.turns.count()
    transcripts = project.documents.filter(kind="transcript")
    long_ones = transcripts.filter(length__gte=length // 2).count()
    results = [(f"import the 3-hour Teams .vtt ({len(data) / 1024:.0f} KB, 5,300 cues, {turns:,} turns, "
                f"{length:,} characters), parse + store", import_median, 1000, import_times)]
    pages = [
        (f"interview list ({transcripts.count()} transcripts, {long_ones} of them 3 hours)", f"{base}/interviews/",
         50, None),
        ("transcript page, first window", f"{base}/interviews/{document.pk}/", 150, 300),
        ("coding page, first window (1,000 excerpts in the document)", f"{base}/documents/{document.pk}/code/",
         150, 300),
        ("coding page opened at a place in the middle (a search hit's link)",
         f"{base}/documents/{document.pk}/code/?at={length // 2}", 150, 300),
        ("transcript page opened at a place in the middle", f"{base}/interviews/{document.pk}/?at={length // 2}",
         150, 300),
        ("coding page, a further window as the reader scrolls",
         f"{base}/documents/{document.pk}/code/rows/?from={document.text.index(chr(10), length // 2) + 1}", 150, None),
        ("transcript page, a further window", f"{base}/interviews/{document.pk}/turns/?from=2000", 150, None),
        # No target in the issue for these two: shown for information.
        ("participants page", f"{base}/participants/", None, None),
        ("study dashboard", f"{base}/", None, None),
    ]
    for label, url, target, size_target in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        median, times = median_ms(lambda url=url: client.get(url), runs=11)
        results.append((label, median, target, times))
        if size_target:
            results.append((f"{label}: HTML size", len(response.content) / 1024, size_target, [], "KB"))
    return results


def bench_pdf(project, user):
    """Attach a generated 100-page PDF to a plan: extraction, storing and indexing."""
    from planner.models import Plan
    from planner.plandocs import plan_file_attach
    from tests.planner.pdfs import long_pdf  # reportlab, from requirements-dev.txt

    plan = Plan.objects.filter(county__project=project).first()
    data = long_pdf(pages=100)
    document, _warnings = plan_file_attach(plan=plan, user=user, name="plan.pdf", data=data)
    pages, chars = len(document.page_starts), document.length
    median, times = median_ms(lambda: plan_file_attach(plan=plan, user=user, name="plan.pdf", data=data))
    return [(f"attach a {pages}-page PDF ({len(data) / 1024:.0f} KB, {chars:,} characters) to a plan", median,
             5000, times)]


def bench_review(project, user):
    """The matrix and the first page of a theme's quotes over 220 transcripts and 100,000 excerpts."""
    from django.test import Client
    from django.utils import timezone

    from coding.models import Coding, Excerpt
    from interviews.importers import parse_file
    from interviews.services import suggest_mapping, transcript_import

    rng = random.Random(9)
    counties = list(project.counties.filter(in_study=True))
    documents = []
    started = time.perf_counter()
    for n in range(220):
        county = counties[n % len(counties)]
        parsed = parse_file("m.vtt", teams_vtt(cues=400, seconds=90 * 60, seed=n))
        mapping = suggest_mapping(project=project, speakers=parsed.speakers(), interviewers=["Intervjuer"])
        documents.append(transcript_import(project=project, user=user, parsed=parsed, mapping=mapping,
                                           title=f"Intervju {n}", county=county, interview_format="group_interview"))
    themes = list(project.themes.all())
    now = timezone.now()
    excerpts = []
    for n in range(100_000):
        document = documents[n % len(documents)]
        start = rng.randrange(0, document.length - 300)
        excerpts.append(Excerpt(document=document, start=start, end=start + rng.randint(40, 300), coder=user,
                                created_at=now, updated_at=now))
    Excerpt.objects.bulk_create(excerpts, batch_size=2000)
    Coding.objects.bulk_create(
        (Coding(excerpt=e, theme=theme, document_id=e.document_id)
         for e in excerpts for theme in rng.sample(themes, rng.choice((1, 1, 2)))),
        batch_size=5000,
    )
    built = time.perf_counter() - started
    settle()
    client = Client()
    client.force_login(user)
    results = []
    for label, url, target in [
        ("theme × county matrix", f"/s/{project.slug}/review/matrix/", 150),
        ("first page of a theme's quote collection", f"/s/{project.slug}/review/themes/{themes[0].pk}/", 100),
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        median, times = median_ms(lambda url=url: client.get(url))
        results.append((f"{label}: 220 transcripts, {len(excerpts):,} excerpts (built in {built:.0f} s)", median,
                        postgresql_target(target), times))
    return results


def export_corpus(project, user, quotes=5000, seed=11):
    """11 group interviews and the 43 plans (30 pages each), `quotes` excerpts over all 17 themes and
    11 counties (one in five with a memo, one in twenty a key quote), theme summaries and county notes.

    The first 200 excerpts have the last theme alone and no other excerpt has it: «one theme of 200 quotes».
    """
    from django.utils import timezone

    from coding.models import Coding, Excerpt, ThemeSummary
    from planner.models import Document, Plan

    rng = random.Random(seed)
    counties = list(project.counties.filter(in_study=True).order_by("name"))
    documents = []
    for county in counties:
        bench_transcripts_one(project, user, county)
    documents += list(Document.objects.filter(project=project, kind="transcript").defer("text"))
    for plan in Plan.objects.filter(county__in=counties).select_related("county"):
        text, starts = "", []
        for page in plan_pages(rng, pages=30):
            starts.append(len(text))
            text += page + "\n\n"
        documents.append(Document.objects.create(project=project, kind="plan", county=plan.county, plan=plan,
                                                 title=plan.title, text=text, page_starts=starts))
    themes = list(project.themes.order_by("position"))
    single, others = themes[-1], themes[:-1]
    now = timezone.now()
    excerpts = []
    for n in range(quotes):
        document = documents[n % len(documents)]
        start = rng.randrange(0, document.length - 400)
        excerpts.append(Excerpt(document=document, start=start, end=start + rng.randint(80, 400), coder=user,
                                memo=sentence(rng, 12) if n % 5 == 0 else "", is_key=n % 20 == 0,
                                created_at=now, updated_at=now))
    Excerpt.objects.bulk_create(excerpts, batch_size=2000)
    codings = []
    for n, excerpt in enumerate(excerpts):
        chosen = [single] if n < 200 else rng.sample(others, rng.choice((1, 1, 2)))
        codings += [Coding(excerpt=excerpt, theme=theme, document_id=excerpt.document_id) for theme in chosen]
    Coding.objects.bulk_create(codings, batch_size=5000)
    ThemeSummary.objects.bulk_create(
        [ThemeSummary(project=project, theme=theme, text=" ".join(sentence(rng, 15) for _ in range(6)),
                      status="reviewed" if theme.pk % 2 else "draft", updated_by=user) for theme in themes]
        + [ThemeSummary(project=project, theme=theme, county=county, text=sentence(rng, 25), updated_by=user)
           for theme in themes for county in counties])
    return single, len(codings)


# Run in a fresh process, so that its peak resident size is the export's and not the corpus builder's.
_EXPORT_CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import django
django.setup()
from coding.exports.build import produce
from coding.exports.options import ExportOptions
from planner.models import Project
project = Project.objects.get(slug=sys.argv[2])
options = ExportOptions.from_json(json.loads(sys.argv[3]))
def peak_kb():
    # VmHWM: the peak resident size of this process image. (ru_maxrss would carry over the
    # parent's size from before the exec on Linux.)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
before = peak_kb()
started = time.perf_counter()
produced = produce(project, options, "docx")
seconds = time.perf_counter() - started
peak = peak_kb()
print(json.dumps({"before_kb": before, "peak_kb": peak, "seconds": seconds, "bytes": len(produced.data),
                  "quotes": produced.quotes}))
"""


def _export_in_child(project, options):
    import json
    import subprocess

    result = subprocess.run([sys.executable, "-c", _EXPORT_CHILD, str(ROOT), project.slug,
                             json.dumps(options.to_json())], capture_output=True, text=True, env=os.environ,
                            check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_export(project, user):
    """The Word export: 5,000 quotes over 17 themes and 11 counties, and one theme of 200 quotes."""
    from coding.exports.build import produce
    from coding.exports.options import ExportOptions

    started = time.perf_counter()
    single, codings = export_corpus(project, user)
    built = time.perf_counter() - started
    settle()
    results = []
    everything = ExportOptions(memos=True, plan_tables=True)
    for label, options, target in [
        (f"Word export of 5,000 quotes ({codings:,} under their themes, 1,000 memos as comments, summaries, "
         f"plan tables) over 17 themes and 11 counties (built in {built:.0f} s)", everything, 5000),
        ("Word export of one theme of 200 quotes (with memos)", ExportOptions(themes=(single.pk,), memos=True), 300),
    ]:
        size = len(produce(project, options, "docx").data)
        median, times = median_ms(lambda options=options: produce(project, options, "docx"))
        results.append((f"{label}: {size / 1024:.0f} KB", median, target, times))
    child = _export_in_child(project, everything)
    peak, before = child["peak_kb"] / 1024, child["before_kb"] / 1024
    results.append((f"peak resident memory (VmHWM) of a fresh process making the 5,000-quote file: "
                    f"{peak:.0f} MB, of which {before:.0f} MB before the export (Python and Django); made in "
                    f"{child['seconds']:.1f} s there", round(peak), 400, [], "MB"))
    return results


def bench_agreement(project, user):
    """The agreement report of two coders over 20 double-coded transcripts of 100,000 characters, 2,000 excerpts."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from coding.agreement import report_table
    from coding.models import Coding, Excerpt
    from coding.services import double_coding_set
    from planner.models import Document, Membership
    from planner.services import membership_set

    rng = random.Random(18)
    coders = [get_user_model().objects.create_user(name) for name in ("koder_a", "koder_b")]
    for coder in coders:
        membership_set(project=project, user=coder, role=Membership.Role.ANALYST)
    documents = []
    for n in range(20):
        text = []
        while sum(map(len, text)) < 100_000:
            text.append(sentence(rng, 12))
        body = " ".join(text)[:100_000]
        documents.append(Document.objects.create(project=project, kind=Document.Kind.TRANSCRIPT, title=f"Intervju {n}",
                                                 text=body))
    double_coding_set(project=project, documents=documents, coders=coders, user=user)
    themes = list(project.themes.all())
    now = timezone.now()
    excerpts = []
    for n in range(2_000):
        document, coder = documents[n % 20], coders[n // 20 % 2]
        start = rng.randrange(0, 100_000 - 1_500)
        excerpts.append(Excerpt(document=document, start=start, end=start + rng.randint(40, 1_500), coder=coder,
                                created_at=now, updated_at=now))
    Excerpt.objects.bulk_create(excerpts, batch_size=2000)
    Coding.objects.bulk_create((Coding(excerpt=e, theme=theme, document_id=e.document_id)
                                for e in excerpts for theme in rng.sample(themes, rng.choice((1, 1, 2)))),
                               batch_size=5000)
    settle()
    table = report_table(project, coders)
    assert table.characters == 2_000_000 and table.pooled.counts.coded > 0
    client = Client()
    client.force_login(user)
    url = f"/s/{project.slug}/agreement/?coders=koder_a&coders=koder_b"
    assert client.get(url).status_code == 200
    label = "20 transcripts × 100,000 characters, 2,000 excerpts, 17 themes"
    results = []
    median, times = median_ms(lambda: report_table(project, coders))
    results.append((f"agreement report (coding.agreement.report_table): {label}", median, 2000, times))
    median, times = median_ms(lambda: client.get(url))
    results.append((f"agreement page (the whole view): {label}", median, 2000, times))
    return results


BENCHES = {"transcripts": bench_transcripts, "search": bench_search, "coding": bench_coding, "pdf": bench_pdf,
           "review": bench_review, "export": bench_export, "long": bench_long, "agreement": bench_agreement}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"one or more of {', '.join(BENCHES)} (default: all)")
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHES)
    if unknown:
        parser.error(f"unknown benchmark {', '.join(sorted(unknown))}; choose from {', '.join(BENCHES)}")
    args.names = args.names or list(BENCHES)
    with tempfile.TemporaryDirectory() as folder:
        _setup_django(folder)
        from django.contrib.auth import get_user_model
        from django.db import connection

        from planner.services import project_create

        print(f"database: {connection.vendor}; python {sys.version.split()[0]}; {os.cpu_count()} cores")
        user = get_user_model().objects.create_user("bench")
        failed = False
        for name in args.names:
            # Each benchmark gets a study of its own, so one corpus does not weigh on another.
            project = project_create(name=f"Benchmark {name}", lead=user, template="integrering")
            for label, median, target, times, *unit in BENCHES[name](project, user):
                unit = unit[0] if unit else "ms"  # a figure in another unit (memory) says so
                runs = f"; runs {', '.join(f'{t:.1f}' for t in times)}" if times else ""
                if target is None:  # the issue sets its target on the other database, or none
                    print(f"info {label}: median {median:.1f} {unit} (no target on this database{runs})")
                    continue
                ok = median <= target
                failed |= not ok
                value = f"median {median:.1f} {unit}" if times else f"{median:.1f} {unit}"
                print(f"{'ok  ' if ok else 'SLOW'} {label}: {value} (target {target} {unit}{runs})")
        _teardown_django()
    return 1 if failed else 0


# BENCH_DATABASE names the PostgreSQL database a run creates (and drops unless BENCH_KEEP is set),
# so that two runs, or a run and a kept corpus, do not meet.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "kodeverk_bench")


def _setup_django(folder):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        import psycopg

        base = url.rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
            conn.execute(f"CREATE DATABASE {BENCH_DATABASE}")
        os.environ["DATABASE_URL"] = f"{base}/{BENCH_DATABASE}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _teardown_django():
    from django.db import connections

    connections.close_all()
    url = os.environ.get("BENCH_DATABASE_URL")
    if url and not os.environ.get("BENCH_KEEP"):
        import psycopg

        with psycopg.connect(f"{url.rsplit('/', 1)[0]}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")


if __name__ == "__main__":
    sys.exit(main())
