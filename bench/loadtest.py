"""Load and fault test: `make loadtest`, or `python bench/loadtest.py [--seconds 30] [--faults web,db]`.

Creates a PostgreSQL database (`kodeverk_load`, or --database), loads the template study with
transcripts and analysts, and serves it with gunicorn (2 workers) and one task worker
(`manage.py db_worker`, restarted like systemd would). Simulated analysts, each a thread of this
script, log in and code over HTTP on 127.0.0.1 while one gunicorn worker and the task worker are
killed with SIGKILL and the app's database connections are terminated once. Then every
acknowledged write is checked against the database and every export against its outcome, the
figures are printed, and the database is dropped. The exit status is 1 on a lost, duplicated or
unacknowledged write, an unexplained error, an export left unfinished, or (with --p95-target)
a p95 above the target.

Threads rather than locust: 20 users at 1–3 s think time are a few requests a second, which plain
threads drive without gevent's monkey-patching (which would reach into psycopg and subprocess,
both used here) and without another dependency; and each write must be recorded with what the
server answered, which a script of our own does directly.
"""

import argparse
import html
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC_ROOT = ROOT / "bench" / "out" / "loadtest-static"
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"  # the only address this script sends requests to
PASSWORD = secrets.token_urlsafe(12)
# Bounds whatever the arguments say: users, seconds and requests.
MAX_USERS, MAX_SECONDS, MAX_REQUESTS = 50, 600, 50_000
REQUEST_TIMEOUT = 30.0  # gunicorn's own worker timeout
# A request counts as hit by a fault when it was in flight at that moment (with this slack, seconds).
FAULT_SLACK = 0.5
EXPORT_WAIT = 60.0  # seconds the exports have after the run to finish or fail
RESTART_SEC = 2.0  # how long the task worker's supervisor waits before starting it again (RestartSec)

# The app's answers that refuse a write because of a colleague's write: expected outcomes, not errors.
CONFLICT_MESSAGES = [
    "Someone else deleted this excerpt a moment ago.",
    "Someone else changed this excerpt a moment ago. Its new state is shown; make your change again if it is "
    "still needed.",
    "This change cannot be undone.",
    "The excerpt has changed since; it was not undone.",
    "Nothing to undo.",
    "This excerpt no longer exists.",
]


# ---------------------------------------------------------------- setup


def database_create(server, name, template=None):
    """A fresh, migrated database (dropped first if a run left it behind), and this process's Django on it.

    `template`: a database that is migrated already and that nobody is connected to (the test run's,
    tests/template_db.py): the new one is a copy of it, and `migrate` has nothing left to do."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    os.environ["DATABASE_URL"] = f"{server}/{name}"
    # Its own static files: a test run beside it (tests/test_loadtest.py) serves the project's staticfiles/.
    os.environ["STATIC_ROOT"] = str(STATIC_ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
    os.environ.setdefault("DEBUG", "1")
    import django
    from django.core.management import call_command

    django.setup()
    clock = time.monotonic()
    if template:
        print(f"  copied from {template}", flush=True)
    else:
        call_command("migrate", verbosity=0)
        print(f"  migrated in {time.monotonic() - clock:.1f} s", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)  # the servers run with DEBUG off


def study_load(users, documents):
    """The template study with `users` analysts, `documents` transcripts and some excerpts of the lead's."""
    clock = time.monotonic()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from coding.services import excerpt_create
    from interviews.importers import parse_file
    from interviews.services import suggest_mapping, transcript_import
    from planner.models import Membership
    from planner.services import membership_set, project_create
    from tests.long_transcript import teams_vtt

    User = get_user_model()
    lead = User.objects.create(username="lead", password=make_password(PASSWORD))
    project = project_create(name="Fylkeskommunenes integreringsarbeid", lead=lead, template="integrering")
    hashed = make_password(PASSWORD)  # one hash for all: the real hasher costs 0.2 s a user
    analysts = User.objects.bulk_create(User(username=f"analyst{i:02d}", password=hashed) for i in range(1, users + 1))
    for user in analysts:
        membership_set(project=project, user=user, role=Membership.Role.ANALYST)
    counties = list(project.counties.order_by("name")[:documents])
    themes = list(project.themes.filter(archived=False).order_by("position"))
    rng = random.Random(7)
    docs = []
    for i, county in enumerate(counties):
        parsed = parse_file("møte.vtt", teams_vtt(250, seed=i + 1))
        mapping = suggest_mapping(project=project, speakers=parsed.speakers(), interviewers=["Intervjuer"])
        document = transcript_import(project=project, user=lead, parsed=parsed, mapping=mapping,
                                     title=f"Gruppeintervju {county.name}", county=county,
                                     interview_format="group_interview", source_name="møte.vtt")
        for _ in range(20):  # the colleagues' earlier work: the matrix and exports have something to count
            start = rng.randrange(0, min(document.length, 30_000) - 400)
            excerpt_create(document=document, start=start, end=start + rng.randint(60, 300), coder=lead,
                           themes=rng.sample(themes, rng.randint(1, 2)))
        docs.append({"id": document.pk, "length": document.length})
    print(f"  study loaded in {time.monotonic() - clock:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    study = {"slug": project.slug, "project": project.pk, "documents": docs, "themes": [t.pk for t in themes],
             "counties": list(project.counties.values_list("pk", flat=True)),
             "analysts": [u.username for u in analysts], "seeded": project_excerpts(project.pk).count()}
    connection.close()
    return study


def project_excerpts(project_id):
    from coding.models import Excerpt

    return Excerpt.objects.filter(document__project_id=project_id)


def database_drop(server, name):
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- servers


class Servers:
    """gunicorn with 2 workers and one task worker that a supervisor starts again when it ends."""

    def __init__(self, database_url, logs):
        self.port = free_port()
        self.logs = logs
        self.env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
                    "ALLOWED_HOSTS": HOST, "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0",
                    "KODEVERK_TASKS": "database", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
                    "STATIC_ROOT": str(STATIC_ROOT)}
        self.env.pop("KODEVERK_EXPORT_STEP_HOOK", None)
        self.web = self.worker = None
        self.worker_starts = 0
        self.worker_exits = []
        self._stopping = threading.Event()

    def start(self):
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "planner.wsgi", "--bind", f"{HOST}:{self.port}", "--workers", "2",
             "--timeout", "30", "--graceful-timeout", "5",
             # gunicorn's control socket is one path per user; other servers on this machine may use it
             "--no-control-socket"],
            cwd=ROOT, env=self.env, stdout=(self.logs / "gunicorn.log").open("w"), stderr=subprocess.STDOUT)
        self._start_worker()
        self.supervisor = threading.Thread(target=self._supervise, daemon=True)
        self.supervisor.start()

    def wait_ready(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
                connection.request("GET", "/account/login/")
                if connection.getresponse().status == 200 and len(self.web_workers()) == 2:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 30 s; see gunicorn.log")

    def _start_worker(self):
        self.worker_starts += 1
        log = (self.logs / f"worker-{self.worker_starts}.log").open("w")
        self.worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def _supervise(self):
        """Restart=always, RestartSec=2: a worker that ends, killed or after losing its database, starts again."""
        while not self._stopping.is_set():
            code = self.worker.poll()
            if code is not None:
                self.worker_exits.append(code)
                if self._stopping.wait(RESTART_SEC):
                    return
                self._start_worker()
            time.sleep(0.1)

    def web_workers(self):
        try:
            children = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def stop(self):
        """SIGTERM to both, SIGKILL after 15 s; again does nothing."""
        self._stopping.set()
        if getattr(self, "supervisor", None) is not None:
            self.supervisor.join(RESTART_SEC + 1)  # so that it starts no worker after this
        processes = [p for p in (self.web, self.worker) if p is not None]
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


# ---------------------------------------------------------------- the simulated analysts


@dataclass
class Request:
    category: str  # page, coding, other
    name: str
    started: float
    ended: float = 0.0
    status: int | None = None
    error: str = ""  # the exception, when no answer came
    problem: str = ""  # why the answer counts as an error


@dataclass
class Write:
    user: str
    kind: str  # create, update, delete, undo, export
    started: float
    ended: float = 0.0
    outcome: str = ""  # ack, refused, doubt (no answer, or an error answer: it may or may not be stored)
    token: str = ""
    document: int = 0
    version: int | None = None
    themes: tuple = ()
    message: str = ""


@dataclass
class Run:
    started: float
    deadline: float
    ramp: float  # seconds over which the analysts arrive
    writing: int = 0  # write requests in flight
    requests: list = field(default_factory=list)
    writes: list = field(default_factory=list)
    faults: list = field(default_factory=list)  # (name, time, detail)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # token -> {"pk", "document", "owner"}: the excerpts analysts know of and may open
    excerpts: dict = field(default_factory=dict)

    def now(self):
        return time.monotonic() - self.started

    def over(self):
        return time.monotonic() >= self.deadline or len(self.requests) >= MAX_REQUESTS

    def not_acknowledged(self, kinds):
        """The kinds of write, of `kinds`, that no analyst has had acknowledged yet."""
        with self.lock:
            done = {write.kind for write in self.writes if write.outcome == "ack"}
        return [kind for kind in kinds if kind not in done]


class Session:
    """One analyst's browser: cookies, the CSRF token, and every request recorded in `run`."""

    def __init__(self, port, run):
        self.port, self.run, self.cookies = port, run, {}

    def request(self, category, name, method, path, data=None, htmx=False):
        record = Request(category, name, self.run.now())
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if method == "POST":
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        if htmx:
            headers["HX-Request"] = "true"
        text, response = "", None
        if method == "POST":
            with self.run.lock:
                self.run.writing += 1
        try:
            connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            connection.close()
        except (OSError, http.client.HTTPException) as error:
            record.error = f"{type(error).__name__}: {error}"
            response = None  # an answer cut off half-way is no answer
        record.ended = self.run.now()
        if method == "POST":
            with self.run.lock:
                self.run.writing -= 1
        if response is not None:
            record.status = response.status
            for header in response.msg.get_all("Set-Cookie") or []:
                cookie = SimpleCookie(header)
                for key, morsel in cookie.items():
                    self.cookies[key] = morsel.value
            if response.status >= 400:
                record.problem = f"HTTP {response.status}"
        with self.run.lock:
            self.run.requests.append(record)
        return record, text, response


# The panel's own excerpt; the rows swapped in beside it carry the data-excerpt of every excerpt they show.
PANEL_EXCERPT = re.compile(r'<section class="excerpt" data-excerpt="(\d+)"')
PANEL_VERSION = re.compile(r'name="version" value="(\d+)"')
PANEL_THEMES = re.compile(r'name="themes" value="(\d+)" checked')
PANEL_MESSAGE = re.compile(r'<p class="message( error)?[^"]*" role="status">(.*?)</p>', re.S)


def panel(text):
    """What an excerpt panel says: the message (and whether it is an error), the excerpt, its version and themes."""
    found = PANEL_MESSAGE.search(text)
    excerpt, version = PANEL_EXCERPT.search(text), PANEL_VERSION.search(text)
    return {"error": bool(found and found.group(1)), "message": html.unescape(found.group(2)).strip() if found else "",
            "pk": int(excerpt.group(1)) if excerpt else None, "version": int(version.group(1)) if version else None,
            "themes": tuple(sorted(int(t) for t in PANEL_THEMES.findall(text)))}


class Analyst(threading.Thread):
    def __init__(self, username, study, port, run, conflicts, seed):
        super().__init__(daemon=True, name=username)
        self.username, self.study, self.state = username, study, run
        self.session = Session(port, run)
        self.conflicts = conflicts
        self.rng = random.Random(seed)
        self.document = self.rng.choice(study["documents"])
        self.made = 0
        self.base = f"/s/{study['slug']}"

    def run(self):
        # Analysts arrive over the first seconds, as a team does, not in one burst: a log-in costs the
        # password hasher's 0.2 s of a web worker.
        time.sleep(self.rng.uniform(0, self.state.ramp))
        if not self.login():
            return
        self.open_document()
        actions = [(self.open_document, 15), (self.create, 25), (self.change, 20), (self.delete, 10),
                   (self.undo, 10), (self.matrix, 8), (self.export, 4)]
        writes = {"create": self.create, "update": self.change, "delete": self.delete, "undo": self.undo,
                  "export": self.export}
        while not self.state.over():
            # Half the time, while some kind of write has not been acknowledged to anyone, a write of such a kind:
            # the check then has every kind to check even in a short run on a busy machine (the suite's 20-second
            # form once ended with one delete tried, and refused). Once each kind has been, the mix is as weighed.
            missing = self.state.not_acknowledged(writes)
            if missing and self.rng.random() < 0.5:
                action = writes[self.rng.choice(missing)]
            else:
                action = self.rng.choices([a for a, _w in actions], weights=[w for _a, w in actions])[0]
            action()
            time.sleep(max(0.0, min(self.rng.uniform(1.0, 3.0), self.state.deadline - time.monotonic())))

    def login(self):
        for _attempt in range(3):
            record, text, _response = self.session.request("other", "login page", "GET", "/account/login/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
            if token is None:
                time.sleep(1)
                continue
            record, _text, response = self.session.request(
                "other", "log in", "POST", "/account/login/",
                {"csrfmiddlewaretoken": token.group(1), "username": self.username, "password": PASSWORD})
            if response is not None and response.status == 302:
                return True
            if response is not None and not record.problem:
                record.problem = "log-in refused"
            time.sleep(1)
        return False

    # -- pages

    def open_document(self):
        self.document = self.rng.choice(self.study["documents"])
        self.session.request("page", "coding view", "GET", f"{self.base}/documents/{self.document['id']}/code/")

    def matrix(self):
        self.session.request("page", "matrix", "GET", f"{self.base}/review/matrix/")

    def export(self):
        self.session.request("page", "export page", "GET", f"{self.base}/export/")
        data = {"themes": self.study["themes"], "counties": self.study["counties"], "sources": "both", "coder": "",
                "attribution": "internal", "format": self.rng.choice(["docx", "docx", "xlsx"]), "grouping": "theme",
                "summaries": "on", "memos": "on", "language": "nb"}
        write = self._write("export")
        record, _text, response = self.session.request("other", "export start", "POST", f"{self.base}/export/start/",
                                                       data)
        if response is not None and response.status == 303:
            self._done(write, "ack")
        else:
            if response is not None and not record.problem:
                record.problem = f"export not started (HTTP {response.status})"
            self._done(write, "doubt")

    # -- writes

    def create(self):
        length = self.document["length"]
        start = self.rng.randrange(0, max(1, min(length, 30_000) - 400))
        end = start + self.rng.randint(40, 300)
        self.made += 1
        token = f"lt:{self.username}:{self.made:04d}"
        themes = tuple(sorted(self.rng.sample(self.study["themes"], self.rng.randint(1, 2))))
        write = self._write("create", token=token, document=self.document["id"], themes=themes)
        record, text, response = self.session.request(
            "coding", "create", "POST", f"{self.base}/documents/{self.document['id']}/excerpts/",
            {"start": start, "end": end, "themes": themes, "memo": token}, htmx=True)
        answer = self._answer(record, response, text)
        if answer is None:
            return self._done(write, "doubt")
        if answer["error"] or answer["pk"] is None:
            record.problem = f"create refused: {answer['message']!r}"  # a create meets no colleague: never expected
            return self._done(write, "refused", message=answer["message"])
        write.version = answer["version"]
        with self.state.lock:
            self.state.excerpts[token] = {"pk": answer["pk"], "document": self.document["id"], "owner": self.username}
        self._done(write, "ack")

    def _pick(self):
        """An excerpt to work on: a third of the time a colleague's, else one's own."""
        colleague = self.rng.random() < 1 / 3
        with self.state.lock:
            choices = [(token, e) for token, e in self.state.excerpts.items()
                       if (e["owner"] != self.username) == colleague]
        return self.rng.choice(choices) if choices else (None, None)

    def _open(self, token, excerpt):
        """Open the excerpt's panel, as a click on it does; None when it is gone."""
        record, text, response = self.session.request("coding", "excerpt panel", "GET",
                                                      f"{self.base}/excerpts/{excerpt['pk']}/", htmx=True)
        answer = self._answer(record, response, text)
        if answer is None or answer["pk"] is None:
            if answer is not None and answer["message"]:
                with self.state.lock:
                    if self.state.excerpts.get(token) is excerpt:
                        del self.state.excerpts[token]
            return None
        time.sleep(self.rng.uniform(0.2, 1.0))  # reads it before saving: a colleague may save meanwhile
        return answer

    def change(self):
        token, excerpt = self._pick()
        if token is None or (seen := self._open(token, excerpt)) is None:
            return
        themes = tuple(sorted(self.rng.sample(self.study["themes"], self.rng.randint(1, 2))))
        write = self._write("update", token=token, document=excerpt["document"], themes=themes)
        record, text, response = self.session.request(
            "coding", "change", "POST", f"{self.base}/excerpts/{excerpt['pk']}/update/",
            {"version": seen["version"], "themes": themes, "memo": token}, htmx=True)
        answer = self._answer(record, response, text)
        if answer is None:
            return self._done(write, "doubt")
        if answer["error"]:
            return self._refused(write, record, answer)
        write.version, write.themes = answer["version"], answer["themes"]
        self._done(write, "ack")

    def delete(self):
        token, excerpt = self._pick()
        if token is None or (seen := self._open(token, excerpt)) is None:
            return
        write = self._write("delete", token=token, document=excerpt["document"])
        record, text, response = self.session.request(
            "coding", "delete", "POST", f"{self.base}/excerpts/{excerpt['pk']}/delete/",
            {"version": seen["version"]}, htmx=True)
        answer = self._answer(record, response, text)
        if answer is None:
            return self._done(write, "doubt")
        if answer["error"]:
            return self._refused(write, record, answer)
        with self.state.lock:
            self.state.excerpts.pop(token, None)
        self._done(write, "ack")

    def undo(self):
        write = self._write("undo", document=self.document["id"])
        record, text, response = self.session.request(
            "coding", "undo", "POST", f"{self.base}/documents/{self.document['id']}/undo/", {}, htmx=True)
        answer = self._answer(record, response, text)
        if answer is None:
            return self._done(write, "doubt")
        if answer["error"]:
            return self._refused(write, record, answer)
        self._done(write, "ack", message=answer["message"])

    # -- bookkeeping

    def _write(self, kind, **fields):
        return Write(user=self.username, kind=kind, started=self.state.now(), **fields)

    def _done(self, write, outcome, message=""):
        write.ended, write.outcome, write.message = self.state.now(), outcome, message
        with self.state.lock:
            self.state.writes.append(write)

    def _answer(self, record, response, text):
        """The panel of a 200 answer, or None when no answer or an error status came (the write is in doubt)."""
        if response is None or response.status != 200:
            return None
        return panel(text)

    def _refused(self, write, record, answer):
        if answer["message"] not in self.conflicts:
            record.problem = f"unexpected message {answer['message']!r}"
        self._done(write, "refused", message=answer["message"])


# ---------------------------------------------------------------- the machine

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_sampler(servers, run, database, samples):
    """Each second: the CPU the whole machine used and the CPU of this test's own processes (the gunicorn
    workers, the task worker, this script and the database's backends for this database), in cores. On a
    machine shared with other work, this tells a slow stretch of the run caused by others from one of ours."""
    last_total, last_ours = None, {}
    while not run.over():
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
        busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6]  # user, nice, system, irq, softirq
        own = {servers.web.pid, servers.worker.pid, *servers.web_workers(), os.getpid()}
        ours = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                if pid not in own:
                    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                        words = cmdline.read().replace(b"\0", b" ")
                    if not (words.startswith(b"postgres:") and f" {database} ".encode() in words):
                        continue
                with open(f"/proc/{pid}/stat") as stat:
                    values = stat.read().rsplit(")", 1)[1].split()
                ours[pid] = int(values[11]) + int(values[12])  # utime + stime
            except OSError:
                continue
        if last_total is not None:
            used = sum(ticks - last_ours.get(pid, 0) for pid, ticks in ours.items())  # a new process: all its ticks
            samples.append((run.now(), (busy - last_total) / TICKS, used / TICKS))
        last_total, last_ours = busy, ours
        time.sleep(1.0)


# ---------------------------------------------------------------- faults

FAULT_NAMES = {"web worker killed (SIGKILL)": "web", "database connections terminated": "db",
               "task worker killed (SIGKILL)": "task"}


def inject_faults(servers, run, faults, database, seconds):
    """Kill one web worker, the task worker and the database connections at set points of the run."""
    import psycopg

    plan = []
    if "web" in faults:
        plan.append((0.35, "web"))
    if "db" in faults:
        plan.append((0.55, "db"))
    if "task" in faults:
        plan.append((0.7, "task"))
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    for share, fault in plan:
        while run.now() < share * seconds:
            time.sleep(0.05)
        if fault == "web":
            # At a moment when a write is in flight (up to 2 s later), so that the kill may cut one short.
            for _ in range(40):
                if run.writing:
                    break
                time.sleep(0.05)
            pid = random.choice(servers.web_workers())
            os.kill(pid, signal.SIGKILL)
            run.faults.append(("web worker killed (SIGKILL)", run.now(), f"pid {pid}"))
        elif fault == "db":
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                killed = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      "WHERE datname = %s AND pid <> pg_backend_pid()", [database]).fetchone()[0]
            run.faults.append(("database connections terminated", run.now(), f"{killed} connections"))
        elif fault == "task":
            # Wait a little for an export to be running, so that the kill interrupts one if it can.
            running = False
            with psycopg.connect(f"{server}/{database}", autocommit=True) as conn:
                for _ in range(100):
                    if conn.execute("SELECT 1 FROM coding_exportjob WHERE status = 'running'").fetchone():
                        running = True
                        break
                    time.sleep(0.05)
            pid = servers.worker.pid
            os.kill(pid, signal.SIGKILL)
            run.faults.append(("task worker killed (SIGKILL)", run.now(),
                               f"pid {pid}, {'during' if running else 'between'} exports"))


# ---------------------------------------------------------------- checks


def explain(record, faults):
    """The fault a failed request was in flight for, or '': a request without an answer is explained by a
    killed web worker, an answer 500 by a killed worker or terminated database connections."""
    kinds = {"web"} if record.error else {"db", "web"}
    for name, at, _detail in sorted(faults, key=lambda f: FAULT_NAMES[f[0]] != "db"):
        if FAULT_NAMES[name] in kinds and record.started - FAULT_SLACK <= at <= record.ended + FAULT_SLACK:
            return name
    return ""


def classify_errors(run):
    errors, unexplained = [], []
    for record in run.requests:
        if not (record.error or record.problem):
            continue
        why = explain(record, run.faults) if (record.error or (record.status or 0) >= 500) else ""
        errors.append((record, why))
        if not why:
            unexplained.append(record)
    return errors, unexplained


def wait_for_exports(study, sessions, seconds):
    """Poll each unfinished export's row as its owner's page does (which settles one whose worker died)."""
    from coding.models import ExportJob

    deadline = time.monotonic() + seconds
    while True:
        pending = list(ExportJob.objects.filter(project_id=study["project"], status__in=["queued", "running"])
                       .select_related("created_by").defer("content"))
        if not pending or time.monotonic() > deadline:
            return len(pending)
        for job in pending:
            session = sessions.get(job.created_by.username)
            if session is not None:
                session.request("other", "export poll", "GET", f"/s/{study['slug']}/export/jobs/{job.uuid}/",
                                htmx=True)
        time.sleep(1.0)


def check_exports(study, run):
    from coding.models import ExportJob

    problems = []
    jobs = ExportJob.objects.filter(project_id=study["project"]).select_related("created_by")
    stored = Counter()
    outcome = Counter()
    for job in jobs.defer("content"):
        stored[job.created_by.username] += 1
        outcome[job.status] += 1
        if job.status == "done":
            if not ExportJob.objects.filter(pk=job.pk, content__isnull=False).exists():
                problems.append(f"export {job.uuid} is done without a file")
        elif job.status == "failed":
            if not job.message:
                problems.append(f"export {job.uuid} failed without a message")
        else:
            problems.append(f"export {job.uuid} still {job.status} after {EXPORT_WAIT:.0f} s")
    acked, doubt = Counter(), Counter()
    for write in run.writes:
        if write.kind == "export":
            (acked if write.outcome == "ack" else doubt)[write.user] += 1
    for user in set(stored) | set(acked):
        if not acked[user] <= stored[user] <= acked[user] + doubt[user]:
            problems.append(f"{user}: {acked[user]} exports started and acknowledged, {doubt[user]} in doubt, "
                            f"{stored[user]} stored")
    return problems, dict(outcome)


def check_writes(study, run):
    """Every acknowledged write against the database: lost, duplicated, and stored without acknowledgement."""
    from coding.models import Change, Excerpt

    lost, duplicated, unacknowledged = [], [], []
    changes = list(Change.objects.filter(project_id=study["project"], user__username__startswith="analyst",
                                         action__startswith="excerpt_").select_related("user").order_by("id"))
    rows = defaultdict(list)  # token -> its excerpt rows
    for excerpt in Excerpt.objects.filter(document__project_id=study["project"], memo__startswith="lt:"):
        rows[excerpt.memo].append((excerpt, tuple(sorted(excerpt.codings.values_list("theme_id", flat=True)))))
    seeded = project_excerpts(study["project"]).exclude(memo__startswith="lt:").count()
    if seeded != study["seeded"]:
        lost.append(f"the {study['seeded']} excerpts loaded before the run are now {seeded}")

    def token_of(change):
        return (change.after or change.before or {}).get("memo", "")

    kinds = {"excerpt_created": "create", "excerpt_changed": "update", "excerpt_deleted": "delete"}
    stored, undone = Counter(), Counter()
    history = defaultdict(list)  # token -> its changes in order
    for change in changes:
        token = token_of(change)
        history[token].append(change)
        if change.undoes_id:
            undone[(change.user.username, change.document_id)] += 1
        else:
            stored[(change.user.username, token, kinds[change.action])] += 1
    acked, doubt = Counter(), Counter()
    acked_undo, doubt_undo = Counter(), Counter()
    for write in run.writes:
        if write.kind == "export" or write.outcome == "refused":
            continue
        if write.kind == "undo":
            (acked_undo if write.outcome == "ack" else doubt_undo)[(write.user, write.document)] += 1
        else:
            (acked if write.outcome == "ack" else doubt)[(write.user, write.token, write.kind)] += 1
    for key in set(stored) | set(acked) | set(doubt):
        if stored[key] < acked[key]:
            lost.append(f"{key[0]}'s {key[2]} of {key[1]}: {acked[key]} acknowledged, {stored[key]} in the history")
        elif stored[key] > acked[key] + doubt[key]:
            unacknowledged.append(f"{key[0]}'s {key[2]} of {key[1]}: {acked[key]} acknowledged, {doubt[key]} in "
                                  f"doubt, {stored[key]} in the history")
    for key in set(undone) | set(acked_undo) | set(doubt_undo):
        if undone[key] < acked_undo[key]:
            lost.append(f"{key[0]}'s undos in document {key[1]}: {acked_undo[key]} acknowledged, {undone[key]} stored")
        elif undone[key] > acked_undo[key] + doubt_undo[key]:
            unacknowledged.append(f"{key[0]}'s undos in document {key[1]}: {acked_undo[key]} acknowledged, "
                                  f"{doubt_undo[key]} in doubt, {undone[key]} stored")
    # Each acknowledged change left the version and themes it answered with in the history.
    recorded = {(token_of(c), c.after["version"], tuple(c.after["themes"])) for c in changes
                if c.action == "excerpt_changed" and not c.undoes_id}
    for write in run.writes:
        if write.kind != "update" or write.outcome != "ack":
            continue
        if (write.token, write.version, write.themes) not in recorded:
            lost.append(f"{write.user}'s change of {write.token} to version {write.version}, themes {write.themes}: "
                        "not in the history")
    # Each excerpt's history is one chain (every write based on the version before it: no lost update), and
    # the excerpt is what its last write left, exactly once.
    for token, chain in history.items():
        previous = None
        for change in chain:
            if change.action == "excerpt_created":
                ok = previous is None or (previous.action == "excerpt_deleted"
                                          and change.after["version"] == previous.before["version"])
            else:
                ok = previous is not None and previous.action != "excerpt_deleted" and \
                    change.before["version"] == previous.after["version"]
            if not ok:
                lost.append(f"{token}: change {change.pk} ({change.action} by {change.user.username}) does not follow "
                            f"change {previous.pk if previous else None}: a write was overwritten")
            previous = change
        present = rows.get(token, [])
        if len(present) > 1:
            duplicated.append(f"{token}: stored {len(present)} times")
        if previous.action == "excerpt_deleted":
            if present:
                unacknowledged.append(f"{token}: deleted in the history, yet stored")
        elif not present:
            lost.append(f"{token}: version {previous.after['version']} in the history, not stored")
        elif (present[0][0].version, present[0][1]) != (previous.after["version"], tuple(previous.after["themes"])):
            lost.append(f"{token}: stored as version {present[0][0].version} {present[0][1]}, its last write left "
                        f"version {previous.after['version']} {tuple(previous.after['themes'])}")
    for token in rows:
        if token not in history:
            unacknowledged.append(f"{token}: stored without a write in the history")
    # From the analysts' side: the last acknowledged write on an excerpt, when no other write on it could have
    # come after it, is what the database holds. An undo reaches only its user's own writes in its document.
    definite = 0
    by_token = defaultdict(list)
    undos = defaultdict(list)
    for write in run.writes:
        if write.outcome == "refused" or write.kind == "export":
            continue
        (undos[(write.user, write.document)] if write.kind == "undo" else by_token[write.token]).append(write)
    for token, writes in by_token.items():
        last = max(writes, key=lambda w: w.ended)
        others = [w for w in writes if w is not last]
        for user in {w.user for w in writes}:
            others += undos[(user, last.document)]
        if last.outcome != "ack" or any(w.ended >= last.started for w in others):
            continue
        definite += 1
        present = rows.get(token, [])
        if last.kind == "delete":
            if present:
                unacknowledged.append(f"{token}: {last.user} deleted it last and was told so, yet it is stored")
        elif len(present) != 1:
            lost.append(f"{token}: {last.user}'s {last.kind} was acknowledged last, and it is stored "
                        f"{len(present)} times")
        elif present[0][0].version != last.version or (last.themes and present[0][1] != last.themes):
            lost.append(f"{token}: {last.user}'s {last.kind} was acknowledged last as version {last.version} "
                        f"{last.themes}; stored is version {present[0][0].version} {present[0][1]}")
    return lost, duplicated, unacknowledged, definite


# ---------------------------------------------------------------- report


def percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def latency(run, category, after=0.0):
    times = [(r.ended - r.started) * 1000 for r in run.requests
             if r.category == category and r.status is not None and r.started >= after]
    return {"requests": len(times), "p50": percentile(times, 0.50), "p95": percentile(times, 0.95),
            "p99": percentile(times, 0.99), "max": max(times) if times else float("nan")}


def by_window(run, samples, width=10):
    """Latency and CPU per `width` seconds of the run."""
    windows = []
    for start in range(0, int(run.deadline - run.started) + 1, width):
        times = sorted((r.ended - r.started) * 1000 for r in run.requests if r.category in ("page", "coding")
                       and r.status is not None and start <= r.started < start + width)
        cpu = [(machine, ours) for at, machine, ours in samples if start <= at < start + width]
        if not times:
            continue
        windows.append({"from": start, "requests": len(times), "p50": percentile(times, 0.5),
                        "p95": percentile(times, 0.95),
                        "machine": sum(m for m, _o in cpu) / len(cpu) if cpu else float("nan"),
                        "ours": sum(o for _m, o in cpu) / len(cpu) if cpu else float("nan")})
    return windows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--faults", default="web,task,db", help="any of web, task, db, comma-separated; '' for none")
    parser.add_argument("--documents", type=int, default=6)
    parser.add_argument("--p95-target", type=float, default=None,
                        help="fail when page or coding requests' p95 is above this many ms")
    parser.add_argument("--server", default=os.environ.get("LOADTEST_SERVER", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL without a database")
    parser.add_argument("--database", default=os.environ.get("LOADTEST_DATABASE", "kodeverk_load"))
    parser.add_argument("--template", help="copy this migrated database (nobody connected to it) instead of migrating")
    parser.add_argument("--report", help="also write the figures and checks to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (the logs are always kept)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not 1 <= args.users <= MAX_USERS or not 5 <= args.seconds <= MAX_SECONDS or not 1 <= args.documents <= 11:
        parser.error(f"--users 1..{MAX_USERS}, --seconds 5..{MAX_SECONDS}, --documents 1..11")
    faults = {f.strip() for f in args.faults.split(",") if f.strip()}
    if faults - {"web", "task", "db"}:
        parser.error("--faults: web, task, db")
    for option, name in (("--database", args.database), ("--template", args.template or "x")):
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            parser.error(f"{option}: lower-case letters, digits and _")
    if urllib.parse.urlsplit(args.server).hostname not in {"127.0.0.1", "localhost"}:
        parser.error("--server: this test runs against a local PostgreSQL only")
    logs = Path(os.environ.get("LOADTEST_LOGS") or ROOT / "bench" / "out" / "loadtest")
    logs.mkdir(parents=True, exist_ok=True)

    began = time.monotonic()
    print(f"setting up {args.database}: the template study, {args.documents} transcripts, {args.users} analysts",
          flush=True)
    database_create(args.server, args.database, args.template)
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("nb"):
        conflicts = {gettext(m) for m in CONFLICT_MESSAGES} | set(CONFLICT_MESSAGES)
    servers = Servers(f"{args.server}/{args.database}", logs)
    failed, report = True, {}
    try:
        servers.start()  # they boot while the study loads
        study = study_load(args.users, args.documents)
        servers.wait_ready()
        setup_seconds = time.monotonic() - began
        print(f"gunicorn on {HOST}:{servers.port} (workers {servers.web_workers()}), task worker "
              f"{servers.worker.pid}; setup took {setup_seconds:.1f} s", flush=True)
        load_before = os.getloadavg()
        start = time.monotonic()
        run = Run(started=start, deadline=start + args.seconds, ramp=min(10.0, args.seconds / 6))
        analysts = [Analyst(name, study, servers.port, run, conflicts, seed=args.seed * 1000 + i)
                    for i, name in enumerate(study["analysts"])]
        faulter = threading.Thread(target=inject_faults, args=(servers, run, faults, args.database, args.seconds),
                                   daemon=True)
        for analyst in analysts:
            analyst.start()
        faulter.start()
        samples = []
        sampler = threading.Thread(target=cpu_sampler, args=(servers, run, args.database, samples), daemon=True)
        sampler.start()
        for analyst in analysts:
            analyst.join(args.seconds + REQUEST_TIMEOUT + 10)
        faulter.join()  # its last fault comes before the end of the run; the checks then have the database
        elapsed = time.monotonic() - start
        load = (load_before, os.getloadavg())
        counted = len(run.requests)
        pending = wait_for_exports(study, {a.username: a.session for a in analysts}, EXPORT_WAIT)
        web_after = servers.web_workers()
        servers.stop()
        failed, report = summarize(args, study, run, servers, elapsed, counted, pending, web_after, faults, load,
                                   samples)
    finally:
        servers.stop()
        if not args.keep:
            database_drop(args.server, args.database)
    report["total_seconds"] = round(time.monotonic() - began, 1)
    print(f"total time {report['total_seconds']} s (setup {setup_seconds:.1f} s); logs in {logs}")
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=2, default=str))
    return 1 if failed else 0


def summarize(args, study, run, servers, elapsed, counted, pending, web_after, faults, load, samples):
    with (servers.logs / "requests.csv").open("w") as out:  # every request, for a closer look at the figures
        out.write("started_s,ms,category,name,status,error\n")
        for r in run.requests:
            out.write(f"{r.started:.3f},{1000 * (r.ended - r.started):.1f},{r.category},{r.name},{r.status or ''},"
                      f"\"{(r.error or r.problem).replace(chr(34), chr(39))}\"\n")
    lost, duplicated, unacknowledged, definite = check_writes(study, run)
    export_problems, export_outcomes = check_exports(study, run)
    errors, unexplained = classify_errors(run)
    outcomes = Counter((w.kind, w.outcome) for w in run.writes)
    refusals = Counter(w.message for w in run.writes if w.outcome == "refused")
    figures = {c: latency(run, c) for c in ("page", "coding", "other")}
    print(f"\n{args.users} analysts for {elapsed:.0f} s: {counted} requests, {counted / elapsed:.1f} per second; "
          f"machine load (1 min) {load[0][0]:.1f} before, {load[1][0]:.1f} after, on {os.cpu_count()} cores")
    for category, figure in figures.items():
        print(f"  {category:7} {figure['requests']:5} requests  p50 {figure['p50']:6.1f} ms"
              f"  p95 {figure['p95']:6.1f} ms  p99 {figure['p99']:6.1f} ms  max {figure['max']:7.1f} ms")
    print("  (page: coding view, matrix, export page; coding: excerpt panel, create, change, delete, undo; "
          "other: log-in, export start and polls)")
    settled = {c: latency(run, c, after=run.ramp + 2) for c in ("page", "coding")}
    print(f"  after the analysts' arrival ({run.ramp + 2:.0f} s on; for information):")
    for category, figure in settled.items():
        print(f"  {category:7} {figure['requests']:5} requests  p50 {figure['p50']:6.1f} ms"
              f"  p95 {figure['p95']:6.1f} ms  p99 {figure['p99']:6.1f} ms  max {figure['max']:7.1f} ms")
    slowest = sorted((r for r in run.requests if r.category in ("page", "coding") and r.status is not None),
                     key=lambda r: r.started - r.ended)[:8]
    print("  slowest page and coding requests: " + ", ".join(
        f"{r.name} {1000 * (r.ended - r.started):.0f} ms at {r.started:.1f} s" for r in slowest))
    windows = by_window(run, samples)
    print("  by 10 s of the run: page and coding requests, p50/p95 ms; CPU of the machine and of this test's "
          "processes, in cores:")
    for w in windows:
        print(f"  {w['from']:4d}–{w['from'] + 10:<4d} s {w['requests']:4d} requests  p50 {w['p50']:6.1f}  "
              f"p95 {w['p95']:6.1f}  machine {w['machine']:.2f}  ours {w['ours']:.2f}")
    print("faults:")
    for name, at, detail in run.faults:
        print(f"  {at:6.1f} s  {name} ({detail})")
    print(f"  web workers after the run: {web_after}; task worker started {servers.worker_starts} times "
          f"(exits {servers.worker_exits})")
    print("writes: " + ", ".join(f"{kind} {outcome} {n}" for (kind, outcome), n in sorted(outcomes.items())))
    for message, n in refusals.most_common():
        print(f"  refused {n}×: {message}")
    print(f"exports: {export_outcomes}")
    print(f"checked: {len(run.writes)} writes; {definite} excerpts whose last acknowledged write was certain; "
          f"lost {len(lost)}, duplicated {len(duplicated)}, stored without acknowledgement {len(unacknowledged)}")
    for line in lost + duplicated + unacknowledged + export_problems:
        print(f"  PROBLEM {line}")
    print(f"errors: {len(errors)}, explained by a fault {len(errors) - len(unexplained)}, "
          f"unexplained {len(unexplained)}")
    for record, why in errors:
        label = f"explained: {why}" if why else "UNEXPLAINED"
        print(f"  {record.started:6.1f}–{record.ended:6.1f} s {record.name}: {record.error or record.problem} "
              f"({label})")
    slow = []
    if args.p95_target is not None:
        slow = [c for c in ("page", "coding") if not figures[c]["p95"] <= args.p95_target]
        for category in slow:
            print(f"SLOW {category} requests: p95 {figures[category]['p95']:.1f} ms (target {args.p95_target:.0f} ms)")
    injected = {FAULT_NAMES[name] for name, _at, _detail in run.faults}
    missing_faults = faults - injected
    for fault in sorted(missing_faults):
        print(f"PROBLEM the fault {fault!r} was not injected")
    failed = bool(lost or duplicated or unacknowledged or unexplained or export_problems or pending or slow
                  or missing_faults or counted == 0)
    print("FAILED" if failed else "PASSED")
    report = {
        "users": args.users, "seconds": round(elapsed, 1), "requests": counted,
        "requests_per_second": round(counted / elapsed, 2), "latency_ms": figures,
        "latency_after_arrival_ms": settled, "load_before_after": [load[0][0], load[1][0]], "windows": windows,
        "faults": [{"name": n, "at": round(t, 2), "detail": d} for n, t, d in run.faults],
        "web_workers_after": web_after, "task_worker_starts": servers.worker_starts,
        "writes": {f"{kind} {outcome}": n for (kind, outcome), n in outcomes.items()},
        "refusals": dict(refusals), "exports": export_outcomes, "definite": definite,
        "lost": lost, "duplicated": duplicated, "unacknowledged": unacknowledged, "export_problems": export_problems,
        "errors": len(errors), "unexplained": [f"{r.name}: {r.error or r.problem}" for r in unexplained],
        "explained": [f"{r.name}: {r.error or r.problem} ({why})" for r, why in errors if why],
        "slow": slow, "passed": not failed,
    }
    return failed, report


if __name__ == "__main__":
    sys.exit(main())
