"""The Dagster code location: wiring only (workspace.yaml loads this module)."""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.checks import publication_checks
from orchestration.ingest import ingest_assets
from orchestration.publish import payer_feeds
from orchestration.resources import G2139Settings
from orchestration.transform import dbt_project, measure_dbt_assets

NIGHTLY_JOB = "nightly"


def dbt_executable() -> str:
    """The dbt installed beside this interpreter, so an un-activated venv works too."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


nightly_job = dg.define_asset_job(
    NIGHTLY_JOB,
    selection=dg.AssetSelection.all(),
    description="Ingest landing files, build the measure in dbt, check and publish the payer feeds.",
)


def build_definitions(settings: G2139Settings | None = None) -> dg.Definitions:
    """The code location; `g2139 run` passes explicit settings, Dagster uses the environment."""
    return dg.Definitions(
        assets=[*ingest_assets, measure_dbt_assets, payer_feeds],
        asset_checks=publication_checks,
        jobs=[nightly_job],
        schedules=[dg.ScheduleDefinition(job=nightly_job, cron_schedule="0 2 * * *", name="nightly_02h")],
        resources={
            "g2139": settings or G2139Settings(),
            "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        },
        # One DuckDB file has one writer: steps run one after another in one process.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
