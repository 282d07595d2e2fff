# Development entry points. Everything runs from a virtualenv in .venv with
# SQLite under instance/ and an embedded Redis, unless DATABASE_URL and
# REDIS_URL point elsewhere.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/python scripts/run_dev.py

# One pytest worker per core; `make test PYTEST_ARGS=-n0` runs in one process.
PYTEST_ARGS ?= -n auto

test: install
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
