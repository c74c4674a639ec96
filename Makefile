# Two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The settings default to production values (DEBUG off, no SECRET_KEY); everything here
# is for development, so it runs with DEBUG on. DEBUG set in the environment wins:
# `DEBUG=false make demo-data` still refuses to run.
export DEBUG ?= true

.PHONY: run test lint format worker beat web migrate demo-data clean

$(VENV)/.installed-run: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-run pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

migrate: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --noinput

# Demo data is loaded the first time only; `make demo-data` loads it again.
var/.demo-data-loaded: | migrate
	$(BIN)/python manage.py demo_data
	touch $@

demo-data: migrate
	$(BIN)/python manage.py demo_data

run: migrate var/.demo-data-loaded
	PORT=$(PORT) $(BIN)/python -m collaborative.devserver

web: migrate
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

worker: $(VENV)/.installed-run
	$(BIN)/celery -A collaborative worker --loglevel=INFO

beat: $(VENV)/.installed-run
	$(BIN)/celery -A collaborative beat --loglevel=INFO

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Tests keep their SQLite files, broker queue and cache in var/test, emptied each run.
# The tests always run as `make run` does, whatever DEBUG the shell has (tests/settings.py too).
test: lint
	rm -rf var/test
	DEBUG=true VAR_DIR=$(CURDIR)/var/test $(BIN)/python -m pytest

clean:
	rm -rf var/ .pytest_cache
