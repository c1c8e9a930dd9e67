"""The issue-15 benchmark: every speed target, in the shared database, over HTTP and in Chromium.

`make bench`, or `.venv/bin/python bench/shared.py [--scale 1] [--runs 7] [--db sqlite,postgresql]
[--no-browser] [--docs]`. For each database the corpus (bench/corpus.py: the study under test and five
others) is built once and kept; the app is served as README's Deployment says (gunicorn, DEBUG off, a
task worker: bench/loadtest.py's Servers) and every page is requested over HTTP on 127.0.0.1 as the
study's lead, `--runs` times after one warm-up; pages are also opened in headless Chromium (the tests'
Chromium, through Playwright) and timed until their content is in place and painted. Each figure is the
median with min and max. One table is printed; `--docs` also writes it into docs/benchmarks.md, keeping
the table before it for comparison. The exit status is 1 when any target is missed on any database.
"""

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

HOST = "127.0.0.1"
SEARCH = "innv distrikt flyktning"
SEARCH_NEAR = "innv OR distrikt NEAR/3 kommun"  # issue 16's three infix terms with one NEAR (bench/search_infix.py)


# ---------------------------------------------------------------- HTTP


class Client:
    """One signed-in user's requests over HTTP, a new connection each (gunicorn's sync workers close it)."""

    def __init__(self, port, cookies):
        self.port, self.cookies = port, dict(cookies)

    def request(self, method, path, data=None, headers=None):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        head = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            head["Content-Type"] = "application/x-www-form-urlencoded"
            head["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            head["Referer"] = f"http://{HOST}:{self.port}/"
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=head)
        response = conn.getresponse()
        content = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, content, elapsed

    def timed(self, path, runs, method="GET", data=None, headers=None):
        status, content, _ = self.request(method, path, data, headers)  # warm-up
        assert status == 200, (path, status, content[:300])
        times = []
        for _ in range(runs):
            status, content, elapsed = self.request(method, path, data, headers)
            assert status == 200, (path, status)
            times.append(elapsed)
        return times, content


def signed_in_cookies(username):
    """A session for `username`, written straight into the session store (the login form has its own tests)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {settings.SESSION_COOKIE_NAME: session.session_key}


# ---------------------------------------------------------------- the measurements


def row(results, key, label, times, target, unit="ms", note=""):
    results.append({"key": key, "label": label, "median": statistics.median(times), "min": min(times),
                    "max": max(times), "runs": len(times), "target": target, "unit": unit, "note": note})


def wanted(key):
    """Whether `--only` asks for the row `key` (every row when it is not given)."""
    return not ONLY or key in ONLY


ONLY = set()


def measure_http(client, meta, runs, results):
    from coding.models import Coding, Excerpt, Theme
    from planner.models import Document

    study = meta["studies"][0]
    base = f"/s/{study['slug']}"
    long_id, short_id, big_id = study["long"][0], study["short"][0], study["big"][0]
    transcripts = Document.objects.filter(project_id=study["id"], kind="transcript").count()
    theme = (Theme.objects.filter(project_id=study["id"], parent=None).order_by("position").first())
    quotes = Coding.objects.filter(theme=theme).count()
    pages = [
        ("list", f"interview list ({transcripts} transcripts, 5 of 3 hours)", f"{base}/interviews/", 50),
        ("participants", "participants page", f"{base}/participants/", 50),
        ("dashboard", "study dashboard", f"{base}/", 50),
        ("code_short", "open a coded 90-minute transcript (first window)", f"{base}/documents/{short_id}/code/", 40),
        ("code_long", "open a coded 3-hour transcript (first window)", f"{base}/documents/{long_id}/code/", 40),
        ("code_big", "open a coded 200,000-word plan document (first window)", f"{base}/documents/{big_id}/code/",
         40),
        ("transcript_long", "3-hour transcript page (where an import lands)", f"{base}/interviews/{long_id}/", 150),
        ("matrix", "theme × county matrix", f"{base}/review/matrix/", 150),
        ("quotes", f"first page of a theme's quotes ({quotes:,} quotes)", f"{base}/review/themes/{theme.pk}/", 100),
        ("search", f"search «{SEARCH}»", f"{base}/search/?" + urllib.parse.urlencode({"q": SEARCH}), 300),
        ("search_near", f"search «{SEARCH_NEAR}»", f"{base}/search/?" + urllib.parse.urlencode({"q": SEARCH_NEAR}),
         300),
    ]
    for key, label, path, target in pages:
        if not wanted(key):
            continue
        times, content = client.timed(path, runs)
        row(results, key, label, times, target, note=f"{len(content) / 1024:.0f} KB")
    if not wanted("coding"):
        return
    # Add a coding: 120 characters at a random place of the 90-minute transcript, one theme.
    length = Document.objects.filter(pk=short_id).values_list("length", flat=True).get()
    client.request("GET", f"{base}/documents/{short_id}/code/")  # the CSRF cookie
    before = set(Excerpt.objects.filter(document_id=short_id).values_list("pk", flat=True))
    times = []
    for n in range(runs * 3 + 1):
        start = (n * 7919) % (length - 300)
        status, content, elapsed = client.request("POST", f"{base}/documents/{short_id}/excerpts/",
                                                  {"start": start, "end": start + 120, "themes": [theme.pk]},
                                                  {"HX-Request": "true"})
        assert status == 200, (status, content[:500])
        if n:
            times.append(elapsed)
    row(results, "coding", "add a coding (90-minute transcript)", times, 12)
    made = Excerpt.objects.filter(document_id=short_id).exclude(pk__in=before)
    from coding.models import Change

    Change.objects.filter(document_id=short_id, object_uuid__in=made.values("uuid")).delete()
    Coding.objects.filter(excerpt__in=made).delete()
    made.delete()


def measure_exports(meta, runs, results):
    """Server work of the exports, in this process (the task worker's work) and, for memory, a fresh one."""
    from coding.exports.build import produce
    from coding.exports.options import ExportOptions
    from coding.models import Coding, Theme
    from planner.models import Project

    study = meta["studies"][0]
    project = Project.objects.get(pk=study["id"])
    themes = list(Theme.objects.filter(project=project).order_by("position"))
    single = Theme.objects.get(project=project, name="Eksporttema")
    one = ExportOptions(themes=(single.pk,), memos=True)
    produced = produce(project, one, "docx")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        produce(project, one, "docx")
        times.append((time.perf_counter() - started) * 1000)
    row(results, "export_one", f"one-theme Word export, server work ({produced.quotes} quotes)", times, 150,
        note=f"{len(produced.data) / 1024:.0f} KB")
    # 5,000 quotes: the smallest themes added until they hold 5,000.
    chosen, total = [], 0
    for theme in sorted(themes, key=lambda t: Coding.objects.filter(theme=t).count()):
        if total >= 5000:
            break
        chosen.append(theme.pk)
        total += Coding.objects.filter(theme=theme).count()
    options = ExportOptions(themes=tuple(chosen), memos=True, plan_tables=True)
    from bench.run import _export_in_child

    child_runs = [_export_in_child(project, options) for _ in range(max(1, runs // 3))]
    row(results, "export_5000", f"Word export of {child_runs[0]['quotes']:,} quotes, time",
        [c["seconds"] * 1000 for c in child_runs], 5000, note=f"{child_runs[0]['bytes'] / 1024:.0f} KB")
    row(results, "export_5000_mb", "the same export, peak memory of its process",
        [c["peak_kb"] / 1024 for c in child_runs], 400, unit="MB")


def measure_import(client, meta, runs, results):
    """The 3-hour Teams import: the worker's parse and store (in this process, as the worker runs them),
    then the transcript page it lands on over HTTP."""
    from django.contrib.auth import get_user_model

    from bench.run import group_vtt
    from interviews.importers import parse_file
    from interviews.services import suggest_mapping, transcript_import
    from planner.models import Document, Project

    study = meta["studies"][0]
    project = Project.objects.get(pk=study["id"])
    user = get_user_model().objects.get(username=meta["users"][0])
    data = group_vtt()
    made, times, pages = [], [], []
    for n in range(runs):
        started = time.perf_counter()
        parsed = parse_file("møte.vtt", data)
        mapping = suggest_mapping(project=project, speakers=parsed.speakers(), interviewers=["Intervjuer"])
        document = transcript_import(project=project, user=user, parsed=parsed, mapping=mapping,
                                     title=f"Importert {n}", interview_format="group_interview",
                                     source_name="møte.vtt")
        stored = (time.perf_counter() - started) * 1000
        made.append(document.pk)
        status, content, page = client.request("GET", f"/s/{project.slug}/interviews/{document.pk}/")
        assert status == 200
        times.append(stored + page)
        pages.append(page)
    row(results, "import", "3-hour Teams import: parse + store + the page it lands on", times, 1000,
        note=f"page {statistics.median(pages):.0f} ms")
    from interviews.models import Participant

    for pk in made:
        document = Document.objects.get(pk=pk)
        people = list(Participant.objects.filter(turns__document=document).distinct().values_list("pk", flat=True))
        document.delete()
        Participant.objects.filter(pk__in=people, turns=None).delete()


def measure_browser(port, cookies, meta, runs, results):
    """Time to content in place and painted, in headless Chromium: from the navigation's start to the
    frame after the content's selector is in the page."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    study = meta["studies"][0]
    base = f"http://{HOST}:{port}/s/{study['slug']}"
    pages = [
        ("paint_code_long", "open a coded 3-hour transcript, painted", f"{base}/documents/{study['long'][0]}/code/",
         ".row", 500),
        ("paint_code_big", "open a coded 200,000-word document, painted", f"{base}/documents/{study['big'][0]}/code/",
         ".row", 500),
        ("paint_list", "interview list, painted", f"{base}/interviews/", "table", 500),
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nb-NO")
        context.add_cookies([{"name": k, "value": v, "url": f"http://{HOST}:{port}"} for k, v in cookies.items()])
        page = context.new_page()
        for key, label, url, selector, target in pages:
            times, nodes = [], 0
            for n in range(runs + 1):
                page.goto("about:blank")
                page.goto(url, wait_until="commit")
                page.wait_for_selector(selector, state="attached")
                painted = page.evaluate("""() => new Promise(done => requestAnimationFrame(() =>
                    setTimeout(() => done(performance.now()), 0)))""")
                nodes = page.evaluate("document.getElementsByTagName('*').length")
                if n:
                    times.append(painted)
            row(results, key, label, times, target, note=f"{nodes:,} elements")
        times = export_in_browser(page, base, meta, runs)
        row(results, "export_click", "one-theme Word export: click to the file downloaded", times, 1000)
        browser.close()


def export_in_browser(page, base, meta, runs):
    from coding.models import Theme

    study = meta["studies"][0]
    single = Theme.objects.get(project_id=study["id"], name="Eksporttema")
    times = []
    for _ in range(max(3, runs)):
        page.goto(f"{base}/export/")
        page.locator('#export-themes button[data-check="none"]').click()
        page.locator(f'#export-themes input[value="{single.pk}"]').check()
        started = time.perf_counter()
        with page.expect_navigation():  # the form posts, and the page comes back with the new job first
            page.locator('#export-form button[type="submit"]').click()
        link = page.locator("tr.export-job").first.locator("a[download]")
        link.wait_for(timeout=30_000)
        with page.expect_download() as info:
            link.click()
        info.value.path()
        times.append((time.perf_counter() - started) * 1000)
    return times


def child(args):
    """One database: build or find the corpus, serve it, measure; print the results as JSON."""
    import corpus

    server = "postgres://postgres@127.0.0.1:5432" if args.db == "postgresql" else None
    meta = corpus.ensure(args.scale, server, log=lambda m: print(m, file=sys.stderr, flush=True))
    from django.db import connection
    from loadtest import Servers

    results = []
    logs = BENCH / "out" / f"shared-{args.db}"
    logs.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True,
                   env={**os.environ, "STATIC_ROOT": str(BENCH / "out" / "loadtest-static")})
    servers = Servers(os.environ["DATABASE_URL"], logs)
    from django.conf import settings

    servers.env["SECRET_KEY"] = settings.SECRET_KEY  # so that the sessions written here are valid there
    servers.start()
    try:
        servers.wait_ready()
        cookies = signed_in_cookies(meta["users"][0])
        client = Client(servers.port, cookies)
        ONLY.update(filter(None, args.only.split(",")))
        measure_http(client, meta, args.runs, results)
        if wanted("import"):
            measure_import(client, meta, args.runs, results)
        if wanted("export_one") or wanted("export_5000"):
            measure_exports(meta, args.runs, results)
        if args.browser and not ONLY:
            measure_browser(servers.port, cookies, meta, args.runs, results)
    finally:
        servers.stop()
        connection.close()
    print(json.dumps({"db": args.db, "vendor": connection.vendor, "scale": args.scale, "results": results,
                      "corpus": {k: v for k, v in meta.items() if k != "studies"}}))


def table(outcomes):
    """One Markdown table: a row per target, a column pair per database."""
    dbs = [o["db"] for o in outcomes]
    by_db = {o["db"]: {r["key"]: r for r in o["results"]} for o in outcomes}
    keys = list(dict.fromkeys(r["key"] for o in outcomes for r in o["results"]))
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    lines = ["| measure | target | " + " | ".join(f"{names[d]} median (min–max)" for d in dbs) + " | met |",
             "|---|---|" + "---|" * len(dbs) + "---|"]
    failed = False
    for key in keys:
        first = next(by_db[d][key] for d in dbs if key in by_db[d])
        cells, met = [], True
        for d in dbs:
            r = by_db[d].get(key)
            if r is None:
                cells.append("")
                continue
            ok = r["median"] <= r["target"]
            met &= ok
            note = f"; {r['note']}" if r["note"] else ""
            figure = f"{r['median']:,.1f} {r['unit']} ({r['min']:,.1f}–{r['max']:,.1f}{note})"
            cells.append(figure if ok else f"**{figure}**")
        failed |= not met
        lines.append(f"| {first['label']} | ≤ {first['target']:,} {first['unit']} | " + " | ".join(cells)
                     + f" | {'yes' if met else '**no**'} |")
    return "\n".join(lines), failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--no-browser", dest="browser", action="store_false")
    parser.add_argument("--docs", action="store_true", help="write the table into docs/benchmarks.md")
    parser.add_argument("--only", default="", help="only these rows, by key (coding, matrix, search, import, "
                        "export_one, ...), comma-separated; for work on one target; never with --docs")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.only and args.docs:
        parser.error("--docs writes the whole table: run it without --only")
    if args.child:
        return child(args)
    outcomes = []
    for db in args.db.split(","):
        command = [sys.executable, __file__, "--child", "--db", db, "--scale", str(args.scale), "--runs",
                   str(args.runs), "--only", args.only] + ([] if args.browser else ["--no-browser"])
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "DEBUG": "1"})
        if done.returncode:
            print(f"the {db} run failed (exit {done.returncode})", file=sys.stderr)
            return 2
        outcomes.append(json.loads(done.stdout.strip().splitlines()[-1]))
    text, failed = table(outcomes)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    heading = (f"Scale {args.scale:g}, median of {args.runs} runs, {when}, "
               f"commit {commit.strip()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(heading)
    print(text)
    if args.docs:
        write_docs(heading, text)
    return 1 if failed else 0


MARK_START, MARK_END = "<!-- shared-bench:start -->", "<!-- shared-bench:end -->"


def write_docs(heading, text):
    """The new table in docs/benchmarks.md between the markers; the one it replaces moves to «Previous»."""
    path = ROOT / "docs" / "benchmarks.md"
    doc = path.read_text(encoding="utf-8")
    block = re.search(re.escape(MARK_START) + r"\n(.*?)\n" + re.escape(MARK_END), doc, re.S)
    new = f"{MARK_START}\n**Latest run.** {heading}.\n\n{text}\n{MARK_END}"
    if block is None:
        doc += f"\n{new}\n"
    else:
        previous = block.group(1).replace("**Latest run.**", "**Previous run.**", 1)
        old = re.search(r"<!-- shared-bench:previous -->\n.*?\n<!-- shared-bench:previous-end -->", doc, re.S)
        kept = f"<!-- shared-bench:previous -->\n{previous}\n<!-- shared-bench:previous-end -->"
        doc = doc.replace(block.group(0), new)
        doc = doc.replace(old.group(0), kept) if old else doc.replace(new, f"{new}\n\n{kept}")
    path.write_text(doc, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
