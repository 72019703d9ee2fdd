# gridgov — the two commands of the README, and lint.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PORT   ?= 8000

.PHONY: demo test lint install install-dev serve bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make demo: build the Huizhou demo city (idempotent) and serve it on http://127.0.0.1:$(PORT)/
demo: install
	$(VENV)/bin/gridgov demo build
	$(VENV)/bin/gridgov demo serve --port $(PORT)

## make test: every test suite (SQLite; PostgreSQL when DATABASE_URL=postgres://…; Chromium when installed)
test: install-dev
	PYTHON=$(PY) bin/run-tests

## make lint: ruff, mypy, Django's checks and missing migrations
lint: install-dev
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	GRIDGOV_DATA_DIR=$${GRIDGOV_DATA_DIR:-var/lint} $(PY) manage.py check --fail-level WARNING
	GRIDGOV_DATA_DIR=$${GRIDGOV_DATA_DIR:-var/lint} $(PY) manage.py makemigrations --check --dry-run

bench: install-dev
	$(PY) bench/locate.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
