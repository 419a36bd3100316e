"""dbt assets: the measure, computed in SQL by the dbt project on the run's warehouse."""

# No `from __future__ import annotations`: Dagster reads the context annotation at definition.

from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import dbt_assets

from orchestration.resources import G2139Settings
from orchestration.transform.project import (
    G2139DbtTranslator,
    dbt_build_args,
    dbt_for_run,
    dbt_project,
    dbt_target_path,
)
from orchestration.transform.state import current_state, last_built_state, record_built_state


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=G2139DbtTranslator(),
)
def measure_dbt_assets(context: AssetExecutionContext, g2139: G2139Settings) -> Iterator[Any]:
    settings, warehouse = g2139.run, g2139.engine
    state = current_state(warehouse, settings, dbt_project.manifest_path)
    if state == last_built_state(warehouse):
        # Same files, vars and dbt project as the last build: a rebuild would reproduce the
        # same marts. Yielding nothing skips the dbt assets and, downstream, the checks and
        # the publication.
        context.log.info("nothing new since the last build: dbt build skipped")
        return
    warehouse.prepare_dbt()  # another engine than DuckDB takes its inputs here
    yield from (
        dbt_for_run(settings)
        .cli(dbt_build_args(settings), context=context, target_path=dbt_target_path(settings))
        .stream()
    )
    warehouse.finish_dbt()  # ... and hands the marts back for the gate and publication
    # Only reached when the build (with its blocking data tests) succeeded.
    record_built_state(warehouse, state, context.run.run_id)
