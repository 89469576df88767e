# Everything runs from a local virtualenv so a fresh machine needs only Python 3.11 and make.
# Installs come from the hash-pinned lock files (`make lock` refreshes them from pyproject.toml).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
IMAGE  ?= margin-desk
LOCK_FLAGS := --generate-hashes --universal --python-version 3.11 --quiet \
              --custom-compile-command "make lock"

.PHONY: install demo test lint bench run check paper clean lock audit image image-test

$(STAMP): pyproject.toml requirements-dev.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 or newer is required (set PYTHON=/path/to/python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
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

# Re-resolve both lock files (exact versions + sha256 of every file) from pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip install --quiet 'uv>=0.5,<1'
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) -o requirements-dev.lock

# Known vulnerabilities in the locked versions (needs the network to PyPI's advisory data).
audit: $(STAMP)
	$(BIN)/pip install --quiet 'pip-audit>=2.7,<3'
	scripts/audit.sh $(BIN)/pip-audit requirements.lock requirements-dev.lock

image:
	docker build --network host -t $(IMAGE) .

# The image as a user runs it: demo, check, run (volume, restart, non-root, SIGTERM), health.
image-test: $(STAMP)
	$(BIN)/python scripts/image_test.py --image $(IMAGE)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
