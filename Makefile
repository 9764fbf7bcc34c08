# One command each: `make demo` (set up, then brief the sample article) and
# `make test` (set up, then lint, type-check and run the whole test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SAMPLE := examples/aleppo-offensive.txt
OUT := out
# Recordings of a small real model (see README): the demo replays one, no model needed.
MODEL := qwen2.5-coder-1.5b-instruct-q4_k_m

.PHONY: setup demo test lint bench coverage clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required: run make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/briefing inspect $(SAMPLE)
	$(BIN)/briefing chunk $(SAMPLE)
	@mkdir -p $(OUT)
	$(BIN)/briefing generate $(SAMPLE) --cassette cassettes/aleppo-offensive.v3.$(MODEL).json --prompt v3 --model $(MODEL) -o $(OUT)/aleppo-offensive.v3.html
	$(BIN)/briefing generate $(SAMPLE) --engine extractive -o $(OUT)/aleppo-offensive.extractive.html
	$(BIN)/briefing render examples/aleppo-offensive.brief.json -o $(OUT)/aleppo-offensive.reference.md
	@# PDF needs Pango from the system (see README); without it the demo goes on without the PDF.
	-$(BIN)/briefing render examples/aleppo-offensive.brief.json -o $(OUT)/aleppo-offensive.reference.pdf
	@echo "Briefs written to $(OUT)/"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check briefing
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

coverage: $(STAMP)
	$(BIN)/pytest -q --cov=briefing --cov-report=term-missing:skip-covered

bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(OUT) dist build .mypy_cache .ruff_cache .pytest_cache
