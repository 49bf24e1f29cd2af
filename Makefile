# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    build the warehouse (data/warehouse/lsdi.duckdb) and reports from the bundled data
#   make test   run the test suite (first installs axe-core, the accessibility engine, from package-lock.json)
#   make lint   check the code is formatted and lint-free (ruff, configured in pyproject.toml)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/dagster_home

.PHONY: run test lint ui sample clean

$(BIN)/lsdi: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

run: $(BIN)/lsdi
	$(BIN)/lsdi run

# axe-core checks the report and feedback pages (lsdi_pipeline_tests/test_accessibility.py): npm installs it
AXE := node_modules/axe-core/axe.min.js

$(AXE): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the accessibility tests: apt-get install npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: $(BIN)/lsdi $(AXE)
	$(BIN)/python -m pytest -q

lint: $(BIN)/lsdi
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

ui: $(BIN)/lsdi
	$(BIN)/dagster dev -w workspace.yaml

sample: $(BIN)/lsdi
	$(BIN)/lsdi sample

# removes the environment and what a run builds, but keeps data/warehouse/archive: the copies of
# every file received and when each was first seen cannot be rebuilt
clean:
	rm -rf $(VENV) node_modules data/warehouse/lsdi*.duckdb* data/warehouse/reports data/warehouse/.intermediate data/warehouse/.lsdi.*
