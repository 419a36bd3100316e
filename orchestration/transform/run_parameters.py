"""The run's parameters as data: ``raw.run_parameters``, written by the transform step just
before dbt runs and read by the models as a source, so that a new night needs no dbt re-parse."""

from __future__ import annotations

import dagster as dg

from orchestration.asset_keys import raw_key
from orchestration.resources import RunSettings
from orchestration.warehouse import Warehouse

RUN_PARAMETERS = "raw.run_parameters"


def write_run_parameters(warehouse: Warehouse, settings: RunSettings) -> None:
    """The run's as-of date and performance year as one row the models read (source
    `raw.run_parameters`). Passed as `--vars` instead, every new night would change dbt's
    vars and so force a full re-parse of the project."""
    warehouse.execute(
        "create schema if not exists raw",
        f"create or replace table {RUN_PARAMETERS} as select "
        f"cast('{settings.as_of_date.isoformat()}' as date) as as_of_date, "
        f"cast({int(settings.performance_year)} as integer) as performance_year",
    )


run_parameters_spec = dg.AssetSpec(
    key=raw_key("run_parameters"),
    group_name="ingest",
    kinds={"duckdb"},
    description="The run's as-of date and performance year (one row, written before each dbt build).",
)
