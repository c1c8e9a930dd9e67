# Two commands for a fresh machine: `make run` and `make test`.
PY := .venv/bin/python
PIP := .venv/bin/pip
export DEBUG ?= 1
# `make run PORT=8001` serves on another port; HOST=0.0.0.0 lets other machines in.
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test install install-dev messages migrate demo serve lint screenshots bench bench-parts loadtest clean

# The interpreter of .venv: Debian's python3.11 where it can make one (its python3.11-venv is installed), the
# interpreter docs/deploy.md deploys on, else python3. Debian builds it with profile-guided and link-time
# optimisation; a python3 that pyenv built with its default options has neither, and ran the suite with some 10 %
# more CPU (docs/benchmarks.md). `make PYTHON=/path/to/python3 …` picks another, after `rm -rf .venv`.
DEBIAN_PYTHON := /usr/bin/python3.11
PYTHON ?= $(shell $(DEBIAN_PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1 && echo $(DEBIAN_PYTHON) || echo python3)

.venv/bin/python:
	$(PYTHON) -m venv .venv
	$(PIP) install --quiet --upgrade pip

.venv/.installed: requirements.txt .venv/bin/python
	$(PIP) install --quiet -r requirements.txt
	touch $@

.venv/.installed-dev: requirements-dev.txt requirements.txt .venv/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: .venv/.installed
install-dev: .venv/.installed-dev

# Compiled again only when the catalogue changed, so that two `make test` at once (.ci/run) never
# write the file while the other reads it.
MO := locale/nb/LC_MESSAGES/django.mo
messages: $(MO)
$(MO): locale/nb/LC_MESSAGES/django.po | install
	$(PY) manage.py compilemessages --ignore=.venv --verbosity 0

migrate: install messages
	mkdir -p data
	$(PY) manage.py migrate --noinput

# The demo lead's password stays from run to run; `make demo RESET_PASSWORD=1` makes a new one.
demo: migrate
	$(PY) manage.py load_demo --url http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)/ $(if $(RESET_PASSWORD),--reset-password)

serve:
	$(PY) manage.py runserver $(HOST):$(PORT)

# The development server and one task worker (exports run in the worker); Ctrl+C stops both.
run: demo
	$(PY) manage.py devserver $(HOST):$(PORT)

# A task worker alone, beside `make serve` or gunicorn.
.PHONY: worker
worker: migrate
	$(PY) manage.py db_worker

# Three processes (pytest-xdist) on the 2-core machines this runs on: a test waiting on a browser,
# a worker or a timer leaves its core to the others. Each has its own test database; an idle one
# takes tests from a busy one (worksteal). PYTEST_WORKERS=0 runs the suite in this process alone.
PYTEST_WORKERS ?= 3
# Compiled modules are kept in __pycache__ even where the environment asks Python not to write them
# (PYTHONDONTWRITEBYTECODE): otherwise every test process, and every server, worker and command a test
# starts, compiles the app again and pytest rewrites every test module again, some 3 s of CPU each.
test: export PYTHONDONTWRITEBYTECODE =
test: install-dev messages
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The same checks run inside `make test` (tests/test_lint.py, tests/test_import_contracts.py).
lint: install-dev
	.venv/bin/ruff check .
	.venv/bin/lint-imports --no-cache

# Issue 15: the shared database (the study under test at ten times the report's size and five other studies,
# built once per BENCH_SCALE and kept: bench/out/corpus-*.sqlite3 and kodeverk_corpus_<scale> on the local
# PostgreSQL), every target over HTTP against gunicorn and in headless Chromium, on both databases; one
# table, exit status 1 when a target is missed. `make bench BENCH_SCALE=0.25` for a lighter run;
# `.venv/bin/python bench/shared.py --docs` also writes the table into docs/benchmarks.md.
BENCH_SCALE ?= 1
bench: install-dev messages
	$(PY) bench/shared.py --scale $(BENCH_SCALE)

# The earlier benchmarks, each in a study of its own (docs/benchmarks.md); both databases run even when one
# misses a target.
bench-parts: install-dev
	$(PY) bench/run.py; a=$$?; \
	BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres $(PY) bench/run.py; b=$$?; \
	test $$a -eq 0 -a $$b -eq 0

# The load and fault test's full form on the local PostgreSQL (docs/benchmarks.md): 20 analysts for 120 s
# against gunicorn (2 workers) and a task worker while a web worker, the task worker and the database
# connections are cut; fails on a lost write, an unexplained error or a p95 above 250 ms.
loadtest: install-dev messages
	$(PY) bench/loadtest.py --users 20 --seconds 120 --faults web,task,db --p95-target 250

screenshots: install-dev messages
	KODEVERK_SCREENSHOTS=docs/screenshots $(PY) -m pytest tests/browser

clean:
	rm -rf .venv data staticfiles
