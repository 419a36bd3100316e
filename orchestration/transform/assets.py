"""dbt assets: the measure, computed in SQL by the dbt project on the run's warehouse, one
performance year (partition) per run."""

# No `from __future__ import annotations`: Dagster reads the context annotation at definition.

from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import dbt_assets

from orchestration import progress
from orchestration.automation.partitions import performance_year_partitions
from orchestration.resources import EngineChoice, G2139Settings
from orchestration.transform.build_metadata import table_rows, with_build_metadata
from orchestration.transform.dbt_target import DbtTarget
from orchestration.transform.project import (
    G2139DbtTranslator,
    dbt_build_args,
    dbt_for_run,
    dbt_project,
    dbt_target_path,
)
from orchestration.transform.reused_seeds import reused_seed_outputs
from orchestration.transform.run_parameters import write_run_parameters
from orchestration.transform.skip import record_skip
from orchestration.transform.state import build_state, decide, live_run_id, record_built_state, seed_relations
from orchestration.transform.workarounds import filter_gating_warnings
from orchestration.warmup import warm_up


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=G2139DbtTranslator(),
    partitions_def=performance_year_partitions,
)
def measure_dbt_assets(
    context: AssetExecutionContext,
    g2139: G2139Settings,
    dbt_target: dg.ResourceParam[EngineChoice[DbtTarget]],
) -> Iterator[Any]:
    settings, warehouse, target = g2139.run, g2139.duckdb_warehouse, dbt_target.for_run(g2139.run)
    state = build_state(warehouse, settings, dbt_project.manifest_path)
    live = live_run_id(settings.output_dir, settings.performance_year)
    decision = decide(warehouse, state, seed_relations(dbt_project.manifest_path), live)
    # Reused seeds are not re-tested: their checks are not evaluated in this run either.
    filter_gating_warnings(skipping=not decision.build or decision.reuse_reference)
    name = "dbt build" if decision.build else "dbt build skipped"
    progress.stage(name, "models", len(context.selected_asset_keys))
    if not decision.build:
        # Same files, vars and dbt project as the last build: a rebuild would reproduce the
        # same marts. Yielding nothing skips the dbt assets and, downstream, the checks and
        # the publication.
        record_skip(context, decision)
        progress.end()
        return
    context.log.info(f"dbt build: {decision.reason}")
    warm_up()  # the gate's and the report's libraries load while dbt builds
    write_run_parameters(warehouse, settings)
    if decision.reuse_reference:  # first: the models downstream of the seeds follow them
        yield from reused_seed_outputs(context, decision, table_rows(warehouse))
    target.before_build(warehouse)  # another engine than DuckDB takes its inputs here
    target_path = dbt_target_path(settings)
    events = (
        dbt_for_run(settings, target)
        .cli(
            dbt_build_args(settings, reuse_reference=decision.reuse_reference),
            context=context,
            target_path=target_path,
        )
        .stream()
    )
    yield from with_build_metadata(events, warehouse, target, decision.reason, target_path)
    progress.end()
    # Only reached when the build (with its blocking data tests) succeeded.
    record_built_state(warehouse, state.state, context.run.run_id, state.parts)
