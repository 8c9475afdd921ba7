# Two entry points for a fresh machine with Python 3.11+ and make:
#   make sample  - install into .venv and check the bundled library handoff
#   make test    - install into .venv, then lint, type-check and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE ?= sample_specs/library

.PHONY: install sample test lint typecheck clean bench bench-init bench-serve corpus

$(BIN)/gen-backend: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/gen-backend

sample: install
	$(BIN)/gen-backend check $(SAMPLE)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest -n auto --dist worksteal

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Speed and memory of from-handoff on a synthetic 100-table, 500-operation handoff (measured,
# never asserted): see benchmarks/generate_large.py
bench: install
	$(BIN)/python benchmarks/generate_large.py

# How long `init` takes on a bare 200-operation spec, against reading the spec alone:
# see benchmarks/init_large.py
bench-init: install
	$(BIN)/python benchmarks/init_large.py

# Every spec of ../shared/corpus/specs from `init` to schemathesis against the served app;
# the table goes into docs/corpus.md (tests/test_corpus_run.py runs five of them in CI)
corpus: install
	$(BIN)/python benchmarks/corpus.py

# Requests per second of the generated library service against a hand-written FastAPI + ORM
# service and raw Starlette + asyncpg, on PostgreSQL (measured, never asserted): see
# benchmarks/serve_library.py; POSTGRES=postgresql+asyncpg://user@host:port
bench-serve: install
	$(BIN)/python benchmarks/serve_library.py --postgres "$(POSTGRES)"
