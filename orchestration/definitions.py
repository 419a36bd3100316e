"""The Dagster code location: wiring only (workspace.yaml loads this module)."""

from __future__ import annotations

import dagster as dg

from orchestration.automation.alerts import alert_on_failure
from orchestration.automation.freshness import freshness_checks, freshness_sensor
from orchestration.automation.landing_sensor import landing_files
from orchestration.automation.lineage import annotate, landing_specs
from orchestration.automation.schedules import build_nightly_schedule
from orchestration.engines.spark import SparkDbtTarget, SparkRowStore
from orchestration.gate.checks import gate_checks
from orchestration.ingest.assets import book_specs, ingest_assets
from orchestration.ingest.row_store import DUCKDB_ROW_STORE
from orchestration.publish.assets import payer_feeds
from orchestration.resources import EngineChoice, G2139Settings
from orchestration.transform.assets import measure_dbt_assets
from orchestration.transform.dbt_target import DUCKDB_TARGET
from orchestration.transform.run_parameters import run_parameters_spec

NIGHTLY_JOB = "nightly"

# The engine's resources, one per stage that differs by engine, picked by the run's `engine`
# setting (duckdb | spark): where the ingestion keeps the typed rows, where dbt builds.
ENGINE_RESOURCES = {
    "row_store": EngineChoice({"duckdb": DUCKDB_ROW_STORE, "spark": SparkRowStore()}),
    "dbt_target": EngineChoice({"duckdb": DUCKDB_TARGET, "spark": SparkDbtTarget()}),
}

nightly_job = dg.define_asset_job(
    NIGHTLY_JOB,
    # Freshness checks run on their own sensor, not in the run whose output they judge.
    selection=dg.AssetSelection.all() - dg.AssetSelection.checks(*freshness_checks),
    description=(
        "Ingest landing files, build the measure in dbt for one performance year (the partition), "
        "check and publish that year's payer feeds."
    ),
)


def build_definitions(settings: G2139Settings | None = None) -> dg.Definitions:
    """The code location; `g2139 run` passes resolved settings, Dagster uses the environment."""
    return dg.Definitions(
        assets=[
            *landing_specs,
            *annotate([*ingest_assets, *book_specs, run_parameters_spec, measure_dbt_assets, payer_feeds]),
        ],
        asset_checks=[*gate_checks, *freshness_checks],
        jobs=[nightly_job],
        schedules=[build_nightly_schedule(nightly_job)],
        sensors=[landing_files, alert_on_failure, freshness_sensor],
        resources={"g2139": settings or G2139Settings(), **ENGINE_RESOURCES},
        # One DuckDB file has one writer: steps run one after another in one process.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
