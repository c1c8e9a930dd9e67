"""REFI-QDA benchmark (issue 17): export a study of 220 transcripts and 100,000 excerpts to .qdpx, and import the
file as a new study; each under 60 s. `python bench/refi.py` (SQLite in a temporary file), or with
BENCH_DATABASE_URL set, on PostgreSQL (as bench/run.py: a database kodeverk_bench is created and dropped).
Kept apart from bench/run.py so the two can change independently; it borrows only its database setup."""

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import WORDS, _setup_django, _teardown_django  # noqa: E402

TARGET_S = 60
DOCUMENTS, EXCERPTS, TURNS = 220, 100_000, 120


def corpus(project, user, rng):
    """220 transcripts of about 60,000 characters, 120 speaker turns each (with emoji now and then), 100,000
    excerpts with one or two themes and a memo on every tenth."""
    from django.utils import timezone

    from coding.models import Coding, Excerpt
    from interviews.models import Interview, Participant, Turn
    from planner.models import Document

    counties = list(project.counties.filter(in_study=True))
    themes = list(project.themes.all())
    people = [Participant.objects.create(project=project, label=f"Informant {n}", role="advisor",
                                         field="integration", county=counties[n % len(counties)])
              for n in range(1, 34)]
    now = timezone.now()
    documents, turn_rows = [], []
    for n in range(DOCUMENTS):
        paragraphs, spans, at = [], [], 0
        for t in range(TURNS):
            person = people[(n + t) % len(people)]
            speech = " ".join(rng.choice(WORDS) for _ in range(70)) + (" 😀." if t % 7 == 0 else ".")
            paragraph = f"{person.label}: {speech}"
            spans.append((at, at + len(person.label) + 2, at + len(paragraph), person))
            paragraphs.append(paragraph)
            at += len(paragraph) + 1
        document = Document.objects.create(project=project, kind="transcript", title=f"Intervju {n}",
                                           county=counties[n % len(counties)], text="\n".join(paragraphs),
                                           created_by=user)
        Interview.objects.create(document=document)
        turn_rows += [Turn(document=document, participant=p, position=i, start=a, speech_start=b, end=c)
                      for i, (a, b, c, p) in enumerate(spans)]
        documents.append(document)
    Turn.objects.bulk_create(turn_rows, batch_size=5000)
    excerpts = []
    for n in range(EXCERPTS):
        document = documents[n % len(documents)]
        start = rng.randrange(0, document.length - 300)
        excerpts.append(Excerpt(document=document, start=start, end=start + rng.randint(40, 300), coder=user,
                                memo="Notat 📝" if n % 10 == 0 else "", created_at=now, updated_at=now))
    Excerpt.objects.bulk_create(excerpts, batch_size=2000)
    Coding.objects.bulk_create((Coding(excerpt=e, theme=theme, document_id=e.document_id) for e in excerpts
                                for theme in rng.sample(themes, rng.choice((1, 1, 2)))), batch_size=5000)


def main():
    with tempfile.TemporaryDirectory() as folder:
        _setup_django(folder)
        from django.contrib.auth import get_user_model
        from django.db import connection

        from coding.exports.refi import project_archive
        from coding.exports.refi_import import import_project
        from coding.models import Excerpt
        from planner.services import project_create

        print(f"database: {connection.vendor}")
        user = get_user_model().objects.create_user("bench")
        project = project_create(name="Benchmark refi", lead=user, template="integrering")
        started = time.perf_counter()
        corpus(project, user, random.Random(17))
        print(f"corpus built in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        data = project_archive(project).data
        export_s = time.perf_counter() - started
        started = time.perf_counter()
        copy, report = import_project(data, name="Benchmark refi, imported", lead=user)
        import_s = time.perf_counter() - started
        assert Excerpt.objects.of_study(copy).count() == EXCERPTS, report.dropped[:3]
        failed = False
        for label, seconds in ((f"export to .qdpx ({len(data) / 1e6:.1f} MB)", export_s),
                               ("import of that .qdpx as a new study", import_s)):
            ok = seconds <= TARGET_S
            failed |= not ok
            print(f"{'ok  ' if ok else 'SLOW'} {label}: {DOCUMENTS} transcripts, {EXCERPTS:,} excerpts: "
                  f"{seconds:.1f} s (target {TARGET_S} s)")
        _teardown_django()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
