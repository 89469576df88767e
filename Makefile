# Everything runs from a local virtualenv so a fresh machine needs only Python 3.11 and make.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench run check paper clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/margin-desk demo

test: $(STAMP)
	$(BIN)/ruff check bot storage tests bench
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check bot storage tests bench
	$(BIN)/mypy bot storage

bench: $(STAMP)
	$(BIN)/python bench/alerts.py

run: $(STAMP)
	$(BIN)/margin-desk run

check: $(STAMP)
	$(BIN)/margin-desk check

paper: $(STAMP)
	$(BIN)/margin-desk paper-exchange --port 8090

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
