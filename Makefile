# regwatch: `make run` runs the main job offline; `make test` passes the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt
SNAPSHOT := fixtures/snapshot

export REGWATCH_TEST_POSTGRES_URL ?= postgresql+psycopg://127.0.0.1:5432/test
export REGWATCH_TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test lint bench services browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	@touch $@

$(VENV)/.test: $(VENV)/.runtime
	$(PIP) torch==2.13.0
	$(PIP) -e '.[test]'
	@touch $@

run: $(VENV)/.runtime
	$(BIN)/regwatch db upgrade
	$(BIN)/regwatch run --replay $(SNAPSHOT)

services:
	@tools/services.sh

test: $(VENV)/.test services browser
	$(BIN)/python -m pytest -n auto

# The browser tests drive Debian's Chromium; Playwright cannot download browsers here.
browser:
	@command -v chromium >/dev/null || tools/install-chromium.sh

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(VENV)/.test
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache *.egg-info
