# Two commands on a fresh machine with Python 3.11 (see README):
#   make demo   set up, write demo data, run the pipeline on it
#   make test   set up, run the whole test suite (what CI runs)
# and the inner loop while you work:
#   make test-fast   the tests with no pipeline run and no Spark (CONTRIBUTING.md, "Tests")
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

# Offline and private: no telemetry from Dagster, dbt or anything else run here.
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export DAGSTER_DISABLE_TELEMETRY := 1
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

DEMO_DIR := data/demo

.PHONY: setup demo test test-fast lint bench dagster docs clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	touch $@

# `@dbt_assets` needs a manifest at import: parse in setup, never commit it. Parsed again
# only when a file of the dbt project changed since.
MANIFEST := dbt_project/target/manifest.json
DBT_FILES := $(shell find dbt_project \( -path dbt_project/target -o -path dbt_project/logs \) -prune \
	-o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' -o -name '*.md' \) -print)

$(MANIFEST): $(BIN)/.installed $(DBT_FILES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir .
	touch $@

setup: $(MANIFEST)

demo: setup
	$(BIN)/g2139 demo-data --out $(DEMO_DIR)/landing
	$(BIN)/g2139 run --landing $(DEMO_DIR)/landing --warehouse $(DEMO_DIR)/warehouse.duckdb --output $(DEMO_DIR)/published

test: setup
	$(BIN)/python -m pytest

# Stage tests on hand-made inputs, and the dbt unit tests on an empty build: no whole run
# of the pipeline (marker `pipeline`), no Spark (marker `spark`).
test-fast: setup
	$(BIN)/python -m pytest -m "not pipeline and not spark"

lint: setup
	$(BIN)/ruff check orchestration expectations tests bench

bench: setup
	$(BIN)/g2139 bench --people $${PEOPLE:-100000}

# The UI, daemon, schedule and sensors on the demo data (written once if missing); the
# settings reach the code location through the environment Dagster starts it with.
# `make dagster DAGSTER_PORT=3001 DEMO_DIR=/elsewhere DAGSTER_HOME=/elsewhere/home` moves
# them (tests/test_daemon.py starts it so, on a free port and a fresh instance).
DAGSTER_HOST ?= 127.0.0.1
DAGSTER_PORT ?= 3000
dagster: setup $(DEMO_DIR)/landing
	G2139_LANDING_DIR=$(abspath $(DEMO_DIR))/landing \
	G2139_WAREHOUSE=$(abspath $(DEMO_DIR))/warehouse.duckdb \
	G2139_OUTPUT_DIR=$(abspath $(DEMO_DIR))/published \
	$(BIN)/dagster dev -w workspace.yaml -h $(DAGSTER_HOST) -p $(DAGSTER_PORT)

$(DEMO_DIR)/landing: | setup
	$(BIN)/g2139 demo-data --out $@

# The dbt docs of the models, sources, seeds and their columns as one static page that reads
# offline (manifest and catalogue inlined), from the demo warehouse built by `make demo`.
docs: demo
	cd dbt_project && G2139_WAREHOUSE=$(abspath $(DEMO_DIR))/warehouse.duckdb \
	../$(BIN)/dbt docs generate --static --quiet --profiles-dir . --target-path $(abspath $(DEMO_DIR))/dbt_docs
	@echo "dbt docs: $(abspath $(DEMO_DIR))/dbt_docs/static_index.html"

clean:
	rm -rf $(VENV) data dbt_project/target dbt_project/logs
