"""The shared benchmark database: the study under test and five other studies of the same shape.

At `scale=1` each study is the issue's «ten times the report»: 220 transcripts (five of them 3 hours),
the 43 plans with 100 pages each, 100,000 excerpts by 5 coders over 17 themes with sub-themes. A smaller
scale shrinks the 90-minute transcripts, the plans' pages and the excerpts in proportion; the study under
test keeps its five 3-hour interviews at every scale (they are what the interview list must not read).

Built with bulk inserts: one transcript of each length is imported through the real importer, and the
others are copies of its rows (document, chunks, turns, participants) under new titles and counties; plan
texts are generated and indexed with the app's own chunker. The database is kept between runs (a SQLite
file under bench/out/, a PostgreSQL database `kodeverk_corpus_<scale>`) and built again only when
VERSION or the scale changes. Statistics are gathered as a deployment would: ANALYZE on PostgreSQL,
ANALYZE and `PRAGMA optimize` on SQLite.
"""

import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VERSION = "6"  # change it whenever the corpus changes shape: cached databases are then built again
OUT = ROOT / "bench" / "out"
STUDIES = 6  # the study under test and five others
CODERS = 5
PASSWORD = "bench-corpus-password"  # a local throwaway database; the runs log in by session cookie anyway


def database_url(scale, server=None):
    """The URL of the corpus database for `scale`: PostgreSQL on `server` (postgres://host:port) or SQLite."""
    # BENCH_CORPUS_SUFFIX names a copy (cp the SQLite file, or CREATE DATABASE … TEMPLATE on PostgreSQL), for
    # work that migrates its corpus while others measure on the original.
    tag = f"{scale:g}".replace(".", "_") + os.environ.get("BENCH_CORPUS_SUFFIX", "")
    if server:
        return f"{server.rstrip('/')}/kodeverk_corpus_{tag}"
    OUT.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{OUT}/corpus-{tag}.sqlite3"


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django

    django.setup()


def _stored_meta():
    from django.db import connection

    with connection.cursor() as cursor:
        if "bench_corpus" not in connection.introspection.table_names(cursor):
            return None
        cursor.execute("SELECT meta FROM bench_corpus")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def ensure(scale, server=None, log=print):
    """Django set up on the corpus database for `scale`, built first unless a current one is there.
    Returns the corpus description (slugs, users, document ids)."""
    url = database_url(scale, server)
    if server:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    setup_django(url)
    meta = _stored_meta()
    if meta and meta.get("version") == VERSION and meta.get("scale") == scale:
        from django.core.management import call_command
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            log("applying the migrations added since the corpus was built ...")
            call_command("migrate", verbosity=0)  # not a rebuild
            analyze()  # their tables' statistics, as a deployment's autovacuum would gather them
        return meta
    log(f"building the corpus (scale {scale:g}) in {url} ...")
    _reset(url, server)
    started = time.perf_counter()
    meta = build(scale, log=log)
    meta["built_seconds"] = round(time.perf_counter() - started, 1)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_corpus (meta TEXT)")
        cursor.execute("INSERT INTO bench_corpus (meta) VALUES (%s)", [json.dumps(meta)])
    analyze()
    log(f"corpus built in {meta['built_seconds']:.0f} s")
    return meta


def _reset(url, server):
    """An empty, migrated database at `url` (Django is already set up on it)."""
    from django.core.management import call_command
    from django.db import connection, connections

    connections.close_all()
    if server:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    connection.close()


def analyze():
    """Statistics and visibility as a deployment has them: on PostgreSQL autovacuum VACUUMs a table after
    its inserts as well as ANALYZE-ing it, and the all-visible pages it marks let a count be answered from an
    index alone (the dashboard's excerpts, the participants' turns); a server with autovacuum off, as the
    development one is, would otherwise never mark a page of the corpus."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA optimize")


# ---------------------------------------------------------------- the builder


def build(scale, log=print):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    User = get_user_model()
    hashed = make_password(PASSWORD)
    users = User.objects.bulk_create(User(username=f"coder{i}", password=hashed) for i in range(1, CODERS + 1))
    studies = []
    for n in range(STUDIES):
        clock = time.perf_counter()
        study = build_study(n, users, scale)
        log(f"  study {n + 1}/{STUDIES} «{study['slug']}»: {study['transcripts']} transcripts, "
            f"{study['excerpts']:,} excerpts in {time.perf_counter() - clock:.0f} s")
        studies.append(study)
    return {"version": VERSION, "scale": scale, "studies": studies, "users": [u.username for u in users]}


def build_study(n, users, scale, *, long_count=None, long_cues=5300, big_pages=650, name=None):
    """One study of the corpus; the study under test (n = 0) has five 3-hour interviews (`long_count`,
    `long_cues` cues each) and the 200,000-word plan document (`big_pages`). The tests' short form
    (tests/test_bench_short.py) builds smaller ones with the same code."""
    from coding.models import Theme
    from planner.models import Membership
    from planner.services import membership_set
    from tests.studies import study_from_template

    rng = random.Random(100 + n)
    lead = users[0]
    name = name or ("Benchmark under test" if n == 0 else f"Annen studie {n}")
    project = study_from_template(name=name, lead=lead, key="integrering")
    for user in users[1:]:
        membership_set(project=project, user=user, role=Membership.Role.ANALYST)
    # Sub-themes: two under each of the first five themes.
    parents = list(project.themes.order_by("position")[:5])
    Theme.objects.bulk_create(
        Theme(project=project, name=f"{parent.name}: del {k}", parent=parent, position=100 + 10 * i + k,
              colour=parent.colour) for i, parent in enumerate(parents) for k in (1, 2))
    if long_count is None:
        long_count = 5 if n == 0 else max(1, round(5 * scale))
    short_count = max(4, round(215 * scale))
    long_ids = _transcripts(project, lead, rng, long_count, cues=long_cues, seconds=3 * 3600 * long_cues // 5300,
                            seed=1000 * n + 1)
    short_ids = _transcripts(project, lead, rng, short_count, cues=700, seconds=90 * 60, seed=1000 * n + 2)
    plan_ids = _plans(project, lead, rng, pages=max(5, round(100 * scale)))
    # The study under test also holds a plan document of 200,000 words (650 pages), with 1,000 excerpts.
    big = _plans(project, lead, rng, pages=big_pages, only=1, title="Regional plan, samlet utgave") if n == 0 else []
    excerpts = _excerpts(project, users, rng, long_ids + short_ids, plan_ids,
                         count=max(500, round(100_000 * scale)))
    if big:
        excerpts += _excerpts(project, users, rng, big, big, count=min(1000, big_pages * 2))
    if n == 0:  # «one theme of 200 quotes», the one-theme Word export's theme (as in bench/run.py export)
        single = Theme.objects.create(project=project, name="Eksporttema", position=999, colour="#222222")
        excerpts += _excerpts(project, users, rng, long_ids + short_ids, plan_ids, count=200, themes=[single])
    return {"big": big, "slug": project.slug, "id": project.pk, "transcripts": long_count + short_count,
            "long": long_ids, "short": short_ids[:5], "plans": plan_ids[:5], "excerpts": excerpts}


def _transcripts(project, lead, rng, count, *, cues, seconds, seed):
    """`count` transcripts: one imported through the importer, the others copies of its rows."""
    from bench.run import group_vtt  # bench/run.py: the 3-hour group interview's generator
    from interviews.importers import parse_file
    from interviews.models import Interview, Participant, Turn
    from interviews.services import suggest_mapping, transcript_import
    from planner.models import Chunk, Document, Posting

    counties = list(project.counties.filter(in_study=True).order_by("name"))
    parsed = parse_file("møte.vtt", group_vtt(cues=cues, seconds=seconds, seed=seed))
    mapping = suggest_mapping(project=project, speakers=parsed.speakers(), interviewers=["Intervjuer"])
    proto = transcript_import(project=project, user=lead, parsed=parsed, mapping=mapping,
                              title=f"Gruppeintervju {seed}", county=counties[0],
                              interview_format="group_interview", source_name="møte.vtt")
    chunks = list(Chunk.objects.filter(document=proto).values("position", "start", "end", "page", "text"))
    postings = list(Posting.objects.filter(document=proto).values("word_id", "count", "positions"))
    turns = list(Turn.objects.filter(document=proto).values("participant_id", "position", "start", "speech_start",
                                                             "end", "start_seconds"))
    people = {p.pk: p for p in Participant.objects.filter(turns__document=proto).distinct()}
    ids = [proto.pk]
    for first in range(1, count, 20):
        batch = range(first, min(count, first + 20))
        documents = Document.objects.bulk_create(
            Document(project=project, kind="transcript", county=counties[i % len(counties)],
                     title=f"Gruppeintervju {seed}-{i}", text=proto.text, source_name="møte.vtt",
                     source_format=proto.source_format, checksum=proto.checksum, length=proto.length,
                     created_by=lead) for i in batch)
        Interview.objects.bulk_create(Interview(document=d, format="group_interview") for d in documents)
        Chunk.objects.bulk_create((Chunk(document=d, **row) for d in documents for row in chunks), batch_size=2000)
        Posting.objects.bulk_create((Posting(document=d, **row) for d in documents for row in postings),
                                    batch_size=2000)
        # Each copy has participants of its own, as each interview has its own people.
        copies = {}
        new_people = []
        for d in documents:
            for pk, person in people.items():
                copy = Participant(project=project, label=f"{person.label} ({d.title})"[:60], role=person.role,
                                   county=d.county)
                copies[(d.pk, pk)] = copy
                new_people.append(copy)
        Participant.objects.bulk_create(new_people, batch_size=2000)
        Turn.objects.bulk_create(
            (Turn(document=d, **{**row, "participant_id": copies[(d.pk, row["participant_id"])].pk})
             for d in documents for row in turns), batch_size=5000)
        ids += [d.pk for d in documents]
    return ids


def _plans(project, lead, rng, pages, only=None, title=None):
    from bench.run import plan_pages
    from planner.models import Chunk, Document, Plan, normalise_text, text_checksum
    from planner.textindex import chunk_rows, document_postings

    ids = []
    for plan in Plan.objects.filter(county__project=project).select_related("county").order_by("pk")[:only]:
        text, starts = "", []
        for page in plan_pages(rng, pages=pages):
            starts.append(len(text))
            text += page + "\n\n"
        document = Document(project=project, kind="plan", county=plan.county, plan=plan, title=title or plan.title,
                            text=text, page_starts=starts, created_by=lead)
        document.text = normalise_text(text)
        document.checksum, document.length = text_checksum(document.text), len(document.text)
        Document.objects.bulk_create([document])
        Chunk.objects.bulk_create((Chunk(document=document, **row) for row in chunk_rows(
            document.text, document.page_starts, document.first_page)), batch_size=1000)
        document_postings(document)
        ids.append(document.pk)
    return ids


def _excerpts(project, users, rng, transcripts, plans, count, themes=None):
    """`count` excerpts by the coders, four in five on transcripts, with one or two themes each."""
    from django.utils import timezone

    from coding.models import Coding, Excerpt
    from planner.models import Document

    lengths = dict(Document.objects.filter(pk__in=transcripts + plans).values_list("pk", "length"))
    themes = themes or list(project.themes.exclude(name="Eksporttema"))
    now = timezone.now()
    made = 0
    while made < count:
        batch = []
        for _ in range(min(10_000, count - made)):
            document = rng.choice(transcripts) if rng.random() < 0.8 else rng.choice(plans)
            start = rng.randrange(0, lengths[document] - 500)
            batch.append(Excerpt(document_id=document, start=start, end=start + rng.randint(40, 400),
                                 coder=rng.choice(users), memo="Viktig poeng." if rng.random() < 0.1 else "",
                                 is_key=rng.random() < 0.05, created_at=now, updated_at=now))
        Excerpt.objects.bulk_create(batch, batch_size=2000)
        Coding.objects.bulk_create(
            (Coding(excerpt=e, theme=t, document_id=e.document_id) for e in batch
             for t in rng.sample(themes, min(len(themes), rng.choice((1, 1, 2))))), batch_size=5000)
        made += len(batch)
    return made


def main():
    import argparse

    parser = argparse.ArgumentParser(description="Build (or find current) the shared benchmark database.")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--server", default=os.environ.get("BENCH_SERVER"),
                        help="a PostgreSQL server (postgres://user@host:port); SQLite without it")
    args = parser.parse_args()
    meta = ensure(args.scale, args.server)
    print(json.dumps({k: v for k, v in meta.items() if k != "studies"}))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
