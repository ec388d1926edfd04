# The few targets a newcomer needs. Everything installs into .venv.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: run test test-db lint format setup bench clean guide

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.run-deps $@

## setup: install, migrate, load areas and demo data (keeps existing data)
setup: $(VENV)/.run-deps
	VIGIL_DEBUG=true $(MANAGE) compiletranslations
	VIGIL_DEBUG=true $(MANAGE) migrate --no-input -v 0
	VIGIL_DEBUG=true $(MANAGE) load_areas
	VIGIL_DEBUG=true $(MANAGE) seed_demo
	VIGIL_DEBUG=true $(MANAGE) demo_logins

## run: serve the demo on http://127.0.0.1:$(PORT), with the background worker beside it
# The worker runs in its own process group (setsid, where there is one) so that
# stopping the server stops it and its reloader's child too.
run: setup
	VIGIL_DEBUG=true $$(command -v setsid) $(MANAGE) jobs_worker & worker=$$!; \
	trap 'kill -- -$$worker 2>/dev/null || kill $$worker 2>/dev/null' EXIT INT TERM; \
	VIGIL_DEBUG=true $(MANAGE) runserver 127.0.0.1:$(PORT)

## test: lint, migrations check and the whole suite (SQLite unless DATABASE_URL is set)
test: $(VENV)/.dev-deps lint
	VIGIL_TESTING=true $(MANAGE) compiletranslations
	VIGIL_TESTING=true $(MANAGE) makemigrations --check --dry-run
	VIGIL_TESTING=true $(BIN)/pytest

## test-db: the suite without the browser tests (CI's PostgreSQL run)
test-db: $(VENV)/.dev-deps
	VIGIL_TESTING=true $(MANAGE) compiletranslations
	VIGIL_TESTING=true $(BIN)/pytest -m "not browser" --create-db

## guide: retake the user guide's screenshots (docs/guide/img/) on a throwaway demo database
# A fresh var/guide.sqlite3 (migrate, areas, demo data), a server on a free port
# (GUIDE_PORT to choose one) that is stopped whatever happens, then
# docs/guide/screenshots.py, which reads the citizen's code from the SMS file.
GUIDE_DB := var/guide.sqlite3
guide: $(VENV)/.dev-deps
	mkdir -p var
	rm -f $(GUIDE_DB) $(GUIDE_DB)-wal $(GUIDE_DB)-shm var/guide-sms.jsonl
	export VIGIL_DEBUG=true DATABASE_URL=sqlite:///$(GUIDE_DB) VIGIL_SMS_FILE=var/guide-sms.jsonl; \
	set -e; \
	$(MANAGE) compiletranslations; \
	$(MANAGE) migrate --no-input -v 0; \
	$(MANAGE) load_areas; \
	$(MANAGE) seed_demo; \
	port=$${GUIDE_PORT:-$$($(BIN)/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}; \
	$(MANAGE) runserver 127.0.0.1:$$port --noreload > var/guide-server.log 2>&1 & server=$$!; \
	trap 'kill $$server 2>/dev/null || true' EXIT INT TERM; \
	$(BIN)/python docs/guide/screenshots.py http://127.0.0.1:$$port

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.dev-deps
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var staticfiles
