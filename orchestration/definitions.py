"""The Dagster code location: wiring only (workspace.yaml loads this module)."""

from __future__ import annotations

import dagster as dg

from orchestration.gate.checks import gate_checks
from orchestration.ingest.assets import ingest_assets
from orchestration.publish.assets import payer_feeds
from orchestration.resources import G2139Settings
from orchestration.transform.assets import measure_dbt_assets
from orchestration.transform.sensors import forget_failed_build

NIGHTLY_JOB = "nightly"

nightly_job = dg.define_asset_job(
    NIGHTLY_JOB,
    selection=dg.AssetSelection.all(),
    description="Ingest landing files, build the measure in dbt, check and publish the payer feeds.",
)


def build_definitions(settings: G2139Settings | None = None) -> dg.Definitions:
    """The code location; `g2139 run` passes resolved settings, Dagster uses the environment."""
    return dg.Definitions(
        assets=[*ingest_assets, measure_dbt_assets, payer_feeds],
        asset_checks=gate_checks,
        jobs=[nightly_job],
        schedules=[
            dg.ScheduleDefinition(
                job=nightly_job,
                cron_schedule="0 2 * * *",
                name="nightly_02h",
                execution_timezone="UTC",
                default_status=dg.DefaultScheduleStatus.STOPPED,
            )
        ],
        sensors=[forget_failed_build],
        resources={"g2139": settings or G2139Settings()},
        # One DuckDB file has one writer: steps run one after another in one process.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
