# studygroup: `make run` serves the app at http://127.0.0.1:8000 (PORT=...), `make test` runs the suite.
# Both start from nothing: they create .venv (Python 3.12+) and install the pinned dependencies.

VENV := .venv
PY := $(VENV)/bin/python
# The first Python 3.12+ on PATH (pyenv's shims honour .python-version).
PYTHON ?= $(shell for p in python3.13 python3.12 python3 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	echo $$p; break; fi; done)
SHIPPED_TEXT := content/texts/russian-revolution-part-2.txt
SHIPPED_TITLE := Russian Revolution study course, part 2 (chapters 15–21)
PYTEST_ARGS ?=
PORT ?= 8000
BENCH_ARGS ?=

.PHONY: install run test test-faults bench lint format migrations-check check-deploy ci clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (python3.12 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==26.3
	$(PY) -m pip install --quiet --group dev
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py createcachetable
	@# The shipped text only when it is not there yet: never over the admin's corrections.
	$(PY) manage.py import_text $(SHIPPED_TEXT) --title "$(SHIPPED_TITLE)" --if-missing
	@# Demo log-ins for a local try-out; the command refuses to run with DJANGO_DEBUG=0.
	@if [ "$${DJANGO_DEBUG:-1}" != "0" ]; then $(PY) manage.py demo_data; fi
	@# The task worker (mail) beside the server: Ctrl-C stops both, and so does the server's end.
	export DJANGO_SITE_URL=$${DJANGO_SITE_URL:-http://127.0.0.1:$(PORT)}; \
	$(PY) manage.py db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# On every core (pytest-xdist); each worker has its own test database. Bytecode and pytest's
# rewritten test modules are kept in __pycache__ even where the environment says not to
# (PYTHONDONTWRITEBYTECODE): rewriting the tests' asserts anew was 3.5 s a worker a run.
test: install
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n auto $(PYTEST_ARGS)

# The drills (tests/faults): stops and restarts the local PostgreSQL (root, pg_ctlcluster),
# and runs two app servers behind HAProxy and one through PgBouncer: run it alone.
test-faults: install
	$(PY) -m pytest -n 0 -m faults tests/faults $(PYTEST_ARGS)

# The benchmark (docs/benchmarks.md): builds the studygroup_bench database on the local
# PostgreSQL, serves it with gunicorn on 127.0.0.1 and loads it; ~15 min, BENCH_ARGS=--small ~3.
bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) bench/run.py $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

check-deploy: install
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
		DJANGO_ALLOWED_HOSTS=studygroup.example DJANGO_SITE_URL=https://studygroup.example \
		$(PY) manage.py check --deploy --fail-level WARNING

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache
