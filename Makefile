# One task runner. `make demo` and `make test` are the README's two commands.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo demo-full serve test lint check bench evals clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	bash scripts/demo.sh

# The same on all 14.5k airline tweets.
demo-full: setup
	DEMO_FULL=1 bash scripts/demo.sh

serve: setup
	$(BIN)/hark serve

test: setup
	$(BIN)/python -m pytest

# What CI runs: every check, then the tests.
check: lint test

# Style, the layer contract (.importlinter) and types (mypy; strict on the core, hark/).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m benchmarks.ingest_and_search

evals: setup
	$(BIN)/python -m evals.index_recall
	$(BIN)/python -m evals.enrichment
	$(BIN)/python -m evals.ask

clean:
	rm -rf .hark benchmarks/out
