# Two commands do all set-up on a fresh machine:
#   make demo   — create .venv if missing, install, run the main job on the bundled sample county
#   make test   — create/update .venv, install dev extras, run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(STAMP)

demo: $(STAMP)
	$(BIN)/layout check data/sample_county
	$(BIN)/layout plan data/sample_county --out out/sample_county
	@echo "Open out/sample_county/map.html and out/sample_county/report.html in a browser (works offline)."

test: $(DEVSTAMP)
	$(BIN)/ruff check layout tests benchmarks
	$(BIN)/python -m pytest -n 2 -q

lint: $(DEVSTAMP)
	$(BIN)/ruff check layout tests benchmarks
	$(BIN)/ruff format --check layout tests benchmarks

bench: $(DEVSTAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
