# The README's two commands: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
# Python 3.12 or newer: python3.12 on PATH, or pyenv's, or PYTHON=/path/to/python3.12.
PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.12*/bin/python $$HOME/.pyenv/versions/3.13*/bin/python python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)

.PHONY: run test install lint format migrate seed bench-check clean openapi

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Atelier needs Python 3.12 or newer; set PYTHON=/path/to/python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

## Set up and run the app on embedded defaults: SQLite, a filesystem Celery broker with a worker
## and beat (the periodic tasks: stalled-job recovery, renewals) beside the web server, the
## local model provider, the demo workspace. Ctrl-C stops all three.
run: seed
	@echo "Starting the web server on http://127.0.0.1:8000, a Celery worker and Celery beat (Ctrl-C stops all three)."
	$(BIN)/honcho -f Procfile.dev start

## Set up and run the whole test suite (PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set).
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Lint: ruff (style, banned SDK imports), the layer contract, types, templates.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/djlint templates --lint

## Regenerate the REST API's OpenAPI document (a test fails when it drifts from the code).
openapi: install
	$(BIN)/python manage.py api_openapi > docs/api/openapi.json

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
