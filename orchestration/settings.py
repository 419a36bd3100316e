"""The names and defaults of `g2139 run`'s settings: one table that the settings
resolution (`resources`) and `g2139 run --help` both read.

Kept free of heavy imports: `g2139 --help` and argument errors need no Dagster.
"""

from __future__ import annotations

ENV_LANDING = "G2139_LANDING_DIR"
ENV_OUTPUT = "G2139_OUTPUT_DIR"
ENV_WAREHOUSE = "G2139_WAREHOUSE"
ENV_AS_OF = "G2139_AS_OF"
ENV_PERFORMANCE_YEAR = "G2139_PERFORMANCE_YEAR"
ENV_ENGINE = "G2139_ENGINE"
# The `engine` setting. duckdb: everything in one DuckDB file. spark: Spark holds the loaded
# rows and dbt builds the measure on it (engines/spark.py). Its resources: definitions.py.
ENGINES = ("duckdb", "spark")

# FHIR: the base under which the Measures take their canonical URLs, and the organization named
# as `reporter` of every MeasureReport (configured once for the publication).
ENV_FHIR_BASE = "G2139_FHIR_BASE"
ENV_REPORTING_ORGANIZATION = "G2139_REPORTING_ORGANIZATION"
DEFAULT_FHIR_BASE = "https://example.org/g2139/fhir"
DEFAULT_REPORTING_ORGANIZATION = "g2139 registry"

DEFAULT_LANDING = "data/landing"
DEFAULT_OUTPUT = "data/published"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"

# Each `g2139 run` option: its variable, its default (as `--help` says it) and what it is.
RUN_OPTIONS = (
    ("--landing", ENV_LANDING, DEFAULT_LANDING, "landing folder"),
    ("--output", ENV_OUTPUT, DEFAULT_OUTPUT, "publication folder"),
    ("--warehouse", ENV_WAREHOUSE, DEFAULT_WAREHOUSE, "DuckDB file"),
    ("--as-of", ENV_AS_OF, "today", "as-of date, YYYY-MM-DD"),
    ("--performance-year", ENV_PERFORMANCE_YEAR, "the as-of year", "performance year, YYYY"),
    ("--engine", ENV_ENGINE, ENGINES[0], f"engine dbt builds on: {' or '.join(ENGINES)}"),
)

# Read by a run besides its options (each defined beside the code that reads it; the CLI
# test checks these lines against those definitions).
OTHER_VARIABLES = (
    (ENV_FHIR_BASE, DEFAULT_FHIR_BASE, "base of the FHIR Measures' canonical URLs"),
    (ENV_REPORTING_ORGANIZATION, DEFAULT_REPORTING_ORGANIZATION, "reporter of every FHIR MeasureReport"),
    ("G2139_RUN_WAIT_SECONDS", "600", "how long a run waits for another run of its warehouse"),
    ("G2139_ALERT_WEBHOOK", "unset: no POST", "URL a failed run's alert is POSTed to (JSON)"),
    ("G2139_VALIDATION_RETENTION", "7", "validation runs kept in the data docs"),
    ("DAGSTER_HOME", "the project's .dagster_home", "Dagster instance: the run history"),
)
