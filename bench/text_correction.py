"""Benchmark of a text correction (issue 19): `python bench/text_correction.py`.

A 3-hour Teams transcript (5,400 cues, tests/long_transcript.py) with 500 excerpts; one analyst
corrects a word in the speech of a turn in the middle, through the page's POST (the whole view: the
diff, the new text, search chunks, turns, excerpts, history, the new version). Median of 9, each
correction undone between runs so every run moves the same rows. A temporary SQLite file, or the
PostgreSQL server of BENCH_DATABASE_URL (a database kodeverk_bench_text is created and dropped there).
Kept apart from bench/run.py, which another change is reworking.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "kodeverk_bench_text"
TARGET_MS = 300


def _database(folder):
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        return f"sqlite:///{folder}/bench.sqlite3", None
    import psycopg

    base = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    return f"{base}/{DATABASE}", base


def main():
    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
        os.environ.setdefault("DEBUG", "1")
        os.environ["ALLOWED_HOSTS"] = "testserver"
        os.environ["DATABASE_URL"], base = _database(folder)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        try:
            return run()
        finally:
            from django.db import connection, connections

            connections.close_all()
            if base:
                import psycopg

                with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
            del connection


def run():
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from coding.models import Excerpt, Theme
    from coding.revisions import text_correction_undo
    from coding.services import excerpt_create
    from interviews.models import Turn
    from planner.models import County, Document
    from planner.services import membership_set, project_create
    from tests.long_transcript import long_transcript

    lead = get_user_model().objects.create_user("leder", password="x")
    analyst = get_user_model().objects.create_user("analytiker", password="x")
    project = project_create(name="Benk", lead=lead)
    membership_set(project=project, user=analyst, role="analyst")
    County.objects.create(project=project, name="Agder")
    theme = Theme.objects.create(project=project, name="Tema", colour="#0067A5", position=1)
    document = long_transcript(project, lead, cues=5400)
    turns = list(Turn.objects.filter(document=document).order_by("position").values_list("speech_start", "end"))
    rng = random.Random(3)
    for speech_start, end in rng.sample(turns, 500):
        excerpt_create(document=document, start=speech_start, end=min(end, speech_start + 60), coder=analyst,
                       themes=[theme])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    client = Client()
    client.force_login(analyst)
    url = reverse("coding:text_edit", args=[project.slug, document.pk])
    speech_start, end = turns[len(turns) // 2]
    times = []
    for _ in range(9):
        document = Document.objects.get(pk=document.pk)
        speech = document.text[speech_start:end]
        began = time.perf_counter()
        response = client.post(url, {"at": speech_start, "checksum": document.checksum,
                                     "text": speech.replace(" ", " rettet ", 1)})
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 302, response.content[:500]
        text_correction_undo(document=document, user=analyst, is_lead=False)
    median = statistics.median(times)
    label = f"{connection.vendor}: correction in a 3-hour transcript ({len(document.text):,} characters, " \
            f"{len(turns):,} turns, {Excerpt.objects.count()} excerpts)"
    print(f"{'ok  ' if median < TARGET_MS else 'SLOW'} {label}: median {median:.0f} ms, max {max(times):.0f} ms "
          f"(target {TARGET_MS} ms, 9 runs)")
    return 0 if median < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
