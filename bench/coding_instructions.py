"""Adding a coding, counted in CPU instructions: a figure that does not move with the machine's load.

`.venv/bin/python bench/coding_instructions.py [--requests 20] [--db postgresql]` runs the add-coding request of
bench/shared.py (120 characters of a 90-minute transcript, one theme, as the study's lead) in process,
through Django's test client, against the benchmark corpus (bench/corpus.py, built if missing; SQLite unless
`--db postgresql`, where the database server's own work is not counted, only this process's):
once with a few warm-up requests and once with `--requests` more, each under valgrind's callgrind, and
prints the difference per request. Wall-clock figures on a shared 2-core machine vary by 20 % and more
from one minute to the next; instruction counts repeat to within a few per mille. It measures the app's
own work (SQLite runs in the process, so its work is counted too) and not HTTP or gunicorn, which
bench/shared.py's «add a coding» row includes. The excerpts made are deleted afterwards.
"""

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]
WARM_UP = 4


SERVER = "postgres://postgres@127.0.0.1:5432"


def requests(count, db):
    """In the child: WARM_UP + count add-coding requests."""
    import corpus

    corpus.ensure(1, SERVER if db == "postgresql" else None, log=lambda m: print(m, file=sys.stderr, flush=True))
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from coding.models import Change, Coding, Excerpt, Theme
    from planner.models import Document

    with connection.cursor() as cursor:
        cursor.execute("SELECT meta FROM bench_corpus")
        meta = json.loads(cursor.fetchone()[0])
    study = meta["studies"][0]
    document = Document.objects.without_text().get(pk=study["short"][0])
    theme = Theme.objects.filter(project_id=study["id"], parent=None).order_by("position").first()
    client = Client()
    client.force_login(get_user_model().objects.get(username=meta["users"][0]))
    before = set(Excerpt.objects.filter(document=document).values_list("pk", flat=True))
    try:
        for n in range(WARM_UP + count):
            start = (n * 7919) % (document.length - 300)
            response = client.post(f"/s/{study['slug']}/documents/{document.pk}/excerpts/",
                                   {"start": start, "end": start + 120, "themes": [theme.pk]}, HTTP_HX_REQUEST="true")
            assert response.status_code == 200 and b"message error" not in response.content, response.content[:300]
    finally:
        made = Excerpt.objects.filter(document=document).exclude(pk__in=before)
        Change.objects.filter(document=document, object_uuid__in=made.values("uuid")).delete()
        Coding.objects.filter(excerpt__in=made).delete()
        made.delete()


def counted(count, db):
    """Instructions of a child making WARM_UP + count requests, under callgrind."""
    url = f"{SERVER}/kodeverk_corpus_1" if db == "postgresql" else f"sqlite:///{BENCH / 'out' / 'corpus-1.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0",
           "SECRET_KEY": "instructions", "ALLOWED_HOSTS": "testserver", "SECURE_SSL_REDIRECT": "0",
           "SECURE_HSTS_SECONDS": "0", "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "planner.settings",
           "PYTHONHASHSEED": "0"}
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                           __file__, "--child", str(count), "--db", db], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(done.stdout[-2000:] + done.stderr[-3000:])
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        import django

        django.setup()
        return requests(args.child, args.db)
    base, more = counted(0, args.db), counted(args.requests, args.db)
    print(f"add a coding: {(more - base) / args.requests / 1e6:.1f} M instructions a request "
          f"({args.requests} requests after {WARM_UP} to warm up; {args.db} corpus, in process)")


if __name__ == "__main__":
    sys.exit(main())
