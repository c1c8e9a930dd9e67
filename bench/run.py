"""Benchmarks with synthetic corpora: `make bench` or `python bench/run.py [NAME ...]`.

Runs against a throwaway database: a temporary SQLite file by default, or the PostgreSQL
server named by BENCH_DATABASE_URL (a database `kodeverk_bench` is created and dropped
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


BENCHES = {"transcripts": bench_transcripts}


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
        project = project_create(name="Benchmark", lead=user, template="integrering")
        failed = False
        for name in args.names:
            for label, median, target, times in BENCHES[name](project, user):
                ok = median <= target
                failed |= not ok
                runs = ", ".join(f"{t:.0f}" for t in times)
                print(f"{'ok  ' if ok else 'SLOW'} {label}: median {median:.0f} ms (target {target} ms; runs {runs})")
        _teardown_django()
    return 1 if failed else 0


def _setup_django(folder):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
    os.environ.setdefault("DEBUG", "1")
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        import psycopg

        base = url.rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS kodeverk_bench")
            conn.execute("CREATE DATABASE kodeverk_bench")
        os.environ["DATABASE_URL"] = f"{base}/kodeverk_bench"
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
    if url:
        import psycopg

        with psycopg.connect(f"{url.rsplit('/', 1)[0]}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS kodeverk_bench")


if __name__ == "__main__":
    sys.exit(main())
