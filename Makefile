# The README's two commands are `make run` and `make test`; each sets itself up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test serve seed lint bench clean

# Serve the demo article on http://$(HOST):$(PORT) under gunicorn until interrupted.
run: $(VENV)/.installed
	$(BIN)/writethru seed
	$(BIN)/writethru serve --host $(HOST) --port $(PORT)

# Install the test dependencies and Chromium, then run every test (browser tests included).
test: $(VENV)/.installed-test
	bash scripts/ensure-chromium
	bash scripts/ensure-nginx
	bash scripts/ensure-openapi-lint
	$(BIN)/ruff check service tests bench
	$(BIN)/mypy service
	$(BIN)/python -m pytest

# Serve whatever the store holds, without loading the seeds.
serve: $(VENV)/.installed
	$(BIN)/writethru serve --host $(HOST) --port $(PORT)

# Load the demo article from seeds/ (idempotent).
seed: $(VENV)/.installed
	$(BIN)/writethru seed

# Lint and type-check only.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check service tests bench
	$(BIN)/mypy service

# Run the benchmarks; each prints its figures beside a baseline measured in the same run.
bench: $(VENV)/.installed
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/diff.py
	$(BIN)/python bench/history.py
	$(BIN)/python bench/startup.py

# Remove the virtual environment and the local store.
clean:
	rm -rf $(VENV) var

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when pyproject.toml changes (editable, so static/ and seeds/ are used in place).
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@
