"""Issue 16's benchmark: infix search with NEAR, and coding 500 hits, in a database of six studies.

`python bench/search_infix.py [--transcripts 220] [--others 5]` (BENCH_DATABASE_URL for PostgreSQL, as
bench/run.py). The study has 43 plans of 100 pages and 220 transcripts of 90 minutes; the database also
holds `--others` studies of the same size (their documents and search chunks copied), since with other
studies present PostgreSQL used to leave its index. Prints the figures and the query plan of the
narrowing (EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN on SQLite). Kept apart from bench/run.py so that
the two can change independently; it uses run.py's corpus helpers.
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as base  # noqa: E402  bench/run.py: corpus helpers, database setup

QUERY = "innv OR distrikt NEAR/3 kommun"  # three infix terms, one NEAR


def plan_like_vtt(seed, cues=1500, seconds=90 * 60):
    """A 90-minute Teams WebVTT whose speech has the plans' word mix (a search word about once in 250):
    run.py's transcripts repeat fifty words, every one in every chunk, which no index can narrow."""
    rng = random.Random(seed)
    step = seconds / cues
    out = ["WEBVTT", ""]
    speaker = base.SPEAKERS[0]
    for i in range(cues):
        if rng.random() < 0.35:
            speaker = rng.choice(base.SPEAKERS)
        words = [rng.choice(base.RARE) if rng.random() < 0.004 else rng.choice(base.NEUTRAL) for _ in range(12)]
        out += [f"{base._ts(i * step)} --> {base._ts(i * step + step * 0.95)}",
                f"<v {speaker}>{' '.join(words).capitalize()}.</v>", ""]
    return "\n".join(out).encode("utf-8")


def build_study(project, user, transcripts):
    from interviews.importers import parse_file
    from interviews.services import suggest_mapping, transcript_import
    from planner.models import Document, Plan

    rng = random.Random(3)
    for plan in Plan.objects.filter(county__project=project).select_related("county"):
        text, starts = "", []
        for page in base.plan_pages(rng):
            starts.append(len(text))
            text += page + "\n\n"
        Document.objects.create(project=project, kind="plan", county=plan.county, plan=plan, title=plan.title,
                                text=text, page_starts=starts)
    counties = list(project.counties.filter(in_study=True))
    for n in range(transcripts):
        parsed = parse_file("m.vtt", plan_like_vtt(seed=n))
        mapping = suggest_mapping(project=project, speakers=parsed.speakers(), interviewers=["Intervjuer"])
        transcript_import(project=project, user=user, parsed=parsed, mapping=mapping, title=f"Intervju {n}",
                          county=counties[n % len(counties)], interview_format="group_interview")


def copy_study(source, target):
    """The source study's documents and search chunks again, in `target` (same counties and plans)."""
    from django.db import connection

    from planner.models import Document, Plan


    plans = {(p.county.name, p.title): p for p in Plan.objects.filter(county__project=target).select_related("county")}
    counties = {c.name: c for c in target.counties.all()}
    for document in Document.objects.filter(project=source).select_related("county", "plan").iterator(chunk_size=20):
        copy = Document(project=target, kind=document.kind, title=document.title, text=document.text,
                        checksum=document.checksum, length=document.length, page_starts=document.page_starts,
                        first_page=document.first_page, county=counties.get(document.county.name) if document.county
                        else None, plan=plans.get((document.plan.county.name, document.plan.title)) if document.plan
                        else None)
        Document.objects.bulk_create([copy])  # no save(): the chunks are copied, not cut again
        with connection.cursor() as cursor:
            cursor.execute('INSERT INTO planner_chunk (document_id, position, start, "end", page, text, words) '
                           'SELECT %s, position, start, "end", page, text, words FROM planner_chunk '
                           'WHERE document_id = %s', [copy.pk, document.pk])


def explain(project):
    from django.db import connection

    from coding.query import parse
    from coding.search import Filters, candidates

    chunks = candidates(project, parse(QUERY), Filters())
    if connection.vendor == "postgresql":
        return chunks.explain(analyze=True)
    sql, params = chunks.values_list("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(" ".join(str(part) for part in row) for row in cursor.fetchall())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=220)
    parser.add_argument("--others", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base._setup_django(folder)
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client

        from coding.models import Excerpt
        from coding.search import search
        from coding.services import hits_code, hits_code_undo, hits_plan
        from planner.models import Chunk, Document
        from planner.services import project_create

        print(f"database: {connection.vendor}; {args.transcripts} transcripts; {args.others} other studies")
        user = get_user_model().objects.create_user("bench")
        project = project_create(name="Søk", lead=user, template="integrering")
        started = time.perf_counter()
        build_study(project, user, args.transcripts)
        print(f"study built in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        for n in range(args.others):
            copy_study(project, project_create(name=f"Annen studie {n}", lead=user, template="integrering"))
        print(f"{args.others} other studies copied in {time.perf_counter() - started:.0f} s")
        base.settle()
        documents = Document.objects.filter(project=project)
        print(f"the study: {documents.count()} documents, {sum(documents.values_list('length', flat=True)) / 1e6:.1f}"
              f" M characters; the database: {Document.objects.count()} documents, {Chunk.objects.count()} chunks")
        failed = False

        def report(label, median, target, times):
            nonlocal failed
            ok = median <= target
            failed |= not ok
            runs = ", ".join(f"{t:.0f}" for t in times)
            print(f"{'ok  ' if ok else 'SLOW'} {label}: median {median:.0f} ms (target {target} ms; runs {runs})")

        hits = sum(r.count for r in search(project=project, query=QUERY))
        from coding.query import parse
        from coding.search import Filters, candidates

        def read():
            return len(candidates(project, parse(QUERY), Filters()).values_list("document_id", "start", "end",
                                                                                "page", "text"))
        chunks = read()
        median, times = base.median_ms(read)
        print(f"info reading the {chunks} candidate chunks (of the study's "
              f"{Chunk.objects.filter(document__project=project).count()}) alone: median {median:.0f} ms")
        target = 300 if connection.vendor == "postgresql" else 1000
        median, times = base.median_ms(lambda: search(project=project, query=QUERY))
        report(f"search «{QUERY}», {hits} hits (the search function)", median, target, times)
        client = Client()
        client.force_login(user)
        url = f"/s/{project.slug}/search/"
        assert client.get(url, {"q": QUERY}).status_code == 200
        median, times = base.median_ms(lambda: client.get(url, {"q": QUERY}))
        report(f"search page «{QUERY}»", median, target, times)
        print("query plan of the narrowing:")
        print(explain(project))

        theme = project.themes.first()
        found = [(r.document.pk, h.start, h.end) for r in search(project=project, query="=flyktninger",
                                                                  kind="plan") for h in r.hits][:500]
        times = []
        for _ in range(3):
            started = time.perf_counter()
            plan = hits_plan(project=project, hits=found, themes=[theme], unit="sentence")
            change = hits_code(project=project, plan=plan, coder=user, query="=flyktninger")
            times.append((time.perf_counter() - started) * 1000)
            made = Excerpt.objects.filter(document__project=project).count()
            hits_code_undo(change=change, user=user)
        report(f"code {len(found)} hits as sentences ({made} excerpts, plan + batch)", sorted(times)[1], 3000,
               times)
        base._teardown_django()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
