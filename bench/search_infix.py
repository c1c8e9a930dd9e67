"""Issue 16's benchmark: infix search with NEAR, and coding 500 hits, in the shared database of six studies.

`python bench/search_infix.py [--scale 1] [--runs 7]` (`BENCH_SERVER=postgres://postgres@127.0.0.1:5432` for
PostgreSQL). The study under test of bench/corpus.py (at scale 1: 43 plans of 100 pages, 220 transcripts, five
of them 3 hours; five other studies of the same size in the same database, built once and kept). Prints the
search function's and the search page's times for the three-term infix query with one NEAR, the query plans
of the word index's statements (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite), and the time to
code 500 hits as sentences (undone after each run).
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  bench/corpus.py: the shared database
from run import median_ms  # noqa: E402

QUERY = "innv OR distrikt NEAR/3 kommun"  # three infix terms, one NEAR


def timed(function, runs):
    function()  # warm up
    return median_ms(function, runs)


def explain(statements):
    """The query plans of the statements the search made that read the word index."""
    from django.db import connection

    out = []
    with connection.cursor() as cursor:
        for query in statements:
            sql = query["sql"]
            if "planner_posting" not in sql and "planner_indexword" not in sql:
                continue
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql)
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
            out.append(sql[:160] + " …\n" + "\n".join(" ".join(str(part) for part in row) if len(row) > 1
                                                      else str(row[0]) for row in cursor.fetchall()))
    return "\n\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    meta = corpus.ensure(args.scale, os.environ.get("BENCH_SERVER"))
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from coding.models import Excerpt
    from coding.search import search
    from coding.services import hits_code, hits_code_undo, hits_plan
    from planner.models import Document, Posting, Project

    project = Project.objects.get(slug=meta["studies"][0]["slug"])
    user = get_user_model().objects.get(username=meta["users"][0])
    documents = Document.objects.filter(project=project)
    print(f"database: {connection.vendor}; scale {args.scale:g}; the study: {documents.count()} documents, "
          f"{sum(documents.values_list('length', flat=True)) / 1e6:.1f} M characters; the database: "
          f"{Document.objects.count()} documents, {Posting.objects.count()} postings")
    failed = False

    def report(label, median, target, times):
        nonlocal failed
        ok = median <= target
        failed |= not ok
        runs = ", ".join(f"{t:.0f}" for t in times)
        print(f"{'ok  ' if ok else 'SLOW'} {label}: median {median:.0f} ms (target {target} ms; runs {runs})",
              flush=True)

    results = search(project=project, query=QUERY)
    hits = sum(r.count for r in results)
    target = 300 if connection.vendor == "postgresql" else 1000
    median, times = timed(lambda: search(project=project, query=QUERY, time_codes=False), args.runs)
    report(f"search «{QUERY}», {hits} hits in {len(results)} documents (the search function)", median, target,
           times)
    client = Client()
    client.force_login(user)
    url = f"/s/{project.slug}/search/"
    assert client.get(url, {"q": QUERY}).status_code == 200
    median, times = timed(lambda: client.get(url, {"q": QUERY}), args.runs)
    report(f"search page «{QUERY}» (the whole view, test client)", median, target, times)
    with CaptureQueriesContext(connection) as statements:
        search(project=project, query=QUERY, time_codes=False)
    print("query plans of the word index's statements:")
    print(explain(statements.captured_queries))

    theme = project.themes.first()
    found = [(r.document.pk, h.start, h.end) for r in search(project=project, query="=flyktninger", kind="plan")
             for h in r.hits][:500]
    times, made = [], 0
    for _ in range(3):
        before = Excerpt.objects.filter(document__project=project).count()
        started = time.perf_counter()
        plan = hits_plan(project=project, hits=found, themes=[theme], unit="sentence")
        change = hits_code(project=project, plan=plan, coder=user, query="=flyktninger")
        times.append((time.perf_counter() - started) * 1000)
        made = Excerpt.objects.filter(document__project=project).count() - before
        hits_code_undo(change=change, user=user)
    report(f"code {len(found)} hits as sentences ({made} excerpts, plan + batch)", sorted(times)[1], 3000, times)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
