"""dbt assets: the measure, computed in SQL by the dbt project on the run's warehouse, one
performance year (partition) per run."""

# No `from __future__ import annotations`: Dagster reads the context annotation at definition.

import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import dbt_assets

from orchestration.asset_keys import FEEDS_KEY
from orchestration.automation.partitions import performance_year_partitions
from orchestration.resources import EngineChoice, G2139Settings
from orchestration.transform.dbt_target import DbtTarget
from orchestration.transform.project import (
    G2139DbtTranslator,
    dbt_build_args,
    dbt_for_run,
    dbt_project,
    dbt_target_path,
    write_run_parameters,
)
from orchestration.transform.state import (
    Decision,
    build_state,
    decide,
    read_manifest,
    record_built_state,
    relation_of,
    seed_relations,
)
from orchestration.warehouse import Warehouse
from orchestration.warmup import warm_up

DBT_STEP = "measure_dbt_assets"
DECISION_KEY = "g2139/build_decision"


class _SkippedBuildWarnings(logging.Filter):
    """When the build is skipped on purpose, its blocking dbt tests emit no result, and Dagster
    warns once per test and downstream step that it "will proceed without gating" (dozens of
    lines), and so do the gate's checks skipped after it. Those downstream steps are skipped
    too, so nothing proceeds: the warnings are dropped while a skip is in effect in this
    process (a run's steps share it); the skip itself is logged once, with its reason."""

    skipping = False

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (self.skipping and "will proceed without gating" in message)


_skip_filter = _SkippedBuildWarnings()


def _filter_gating_warnings(skipping: bool) -> None:
    """Set when the run decides (not at import): adding a filter twice is a no-op."""
    _skip_filter.skipping = skipping
    logging.getLogger("dagster._core.execution.plan.active").addFilter(_skip_filter)


def _record_skip(context: AssetExecutionContext, decision: Decision) -> None:
    """The decision where the UI shows it: an observation on each asset the run would have
    rebuilt, and on the publication, which stays the one of the last build."""
    partition = context.partition_key if context.has_partition_key else None
    metadata = {
        DECISION_KEY: dg.MetadataValue.text(f"skipped: {decision.reason}"),
        # Confirmed current tonight: what the freshness checks read from an observation.
        "dagster/last_updated_timestamp": dg.MetadataValue.timestamp(time.time()),
    }
    if decision.last_run_id:
        metadata["g2139/last_build_run"] = dg.MetadataValue.dagster_run(decision.last_run_id)
    for key in [*sorted(context.selected_asset_keys), FEEDS_KEY]:
        context.log_event(dg.AssetObservation(asset_key=key, partition=partition, metadata=metadata))
    context.log.info(f"dbt build skipped: {decision.reason}")


def _table_rows(warehouse: Warehouse) -> dict[str, int]:
    """Row counts of the tables dbt built (views are not counted: counting runs them)."""
    with warehouse.connect(read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema in ('reference', 'intermediate', 'marts')"
        ).fetchall()
        return {
            f"{schema}.{table}": con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            for schema, table in tables
        }


def _relations() -> dict[str, str]:
    """dbt node unique id -> `schema.table` it builds, from the manifest."""
    return {uid: relation_of(node) for uid, node in read_manifest(dbt_project.manifest_path)["nodes"].items()}


def _reused_reference(
    context: AssetExecutionContext, decision: Decision, rows: dict[str, int]
) -> Iterator[Any]:
    """The seeds a build reused (transform/state.py): one output each, saying so, so that the
    assets downstream of them (the publication reads some) run as they would after a reload.
    Their tests are not evaluated again: the same seeds passed them in the run named."""
    manifest = read_manifest(dbt_project.manifest_path)
    translator = G2139DbtTranslator()
    for uid, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] != "seed":
            continue
        key = translator.get_asset_spec(manifest, uid, dbt_project).key
        if key not in context.selected_asset_keys:
            continue
        metadata: dict[str, Any] = {
            DECISION_KEY: dg.MetadataValue.text(
                f"reused: reference data unchanged since run {decision.last_run_id}"
            ),
            "unique_id": uid,
        }
        count = rows.get(relation_of(node))
        if count is not None:
            metadata["dagster/row_count"] = dg.MetadataValue.int(count)
        yield dg.Output(
            None, output_name=context.assets_def.get_output_name_for_asset_key(key), metadata=metadata
        )


def _with_build_metadata(
    events: Iterable[Any], warehouse: Warehouse, target: DbtTarget, reason: str
) -> Iterator[Any]:
    """dbt's events, each materialization with its table's row count and the build decision.
    Counted once dbt has finished: DuckDB allows one writing process at a time."""
    collected: list[Any] = []
    try:
        collected.extend(events)
    except Exception:
        # A failed build: its events as they are (failed tests name the check), then the error.
        yield from collected
        raise
    target.after_build(warehouse)  # another engine hands the marts back for the gate and publication
    rows, relations = _table_rows(warehouse), _relations()
    for event in collected:
        if isinstance(event, dg.Output):
            extra: dict[str, Any] = {DECISION_KEY: f"built: {reason}"}
            unique_id = event.metadata.get("unique_id")
            count = rows.get(relations.get(str(getattr(unique_id, "value", unique_id)), ""))
            if count is not None:
                extra["dagster/row_count"] = dg.MetadataValue.int(count)
            event = event.with_metadata({**event.metadata, **extra})
        yield event


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
    decision = decide(warehouse, state, seed_relations(dbt_project.manifest_path))
    # Reused seeds are not re-tested: their checks are not evaluated in this run either.
    _filter_gating_warnings(skipping=not decision.build or decision.reuse_reference)
    if not decision.build:
        # Same files, vars and dbt project as the last build: a rebuild would reproduce the
        # same marts. Yielding nothing skips the dbt assets and, downstream, the checks and
        # the publication.
        _record_skip(context, decision)
        return
    context.log.info(f"dbt build: {decision.reason}")
    warm_up()  # the gate's and the report's libraries load while dbt builds
    write_run_parameters(warehouse, settings)
    if decision.reuse_reference:  # first: the models downstream of the seeds follow them
        yield from _reused_reference(context, decision, _table_rows(warehouse))
    target.before_build(warehouse)  # another engine than DuckDB takes its inputs here
    events = (
        dbt_for_run(settings, target)
        .cli(
            dbt_build_args(settings, reuse_reference=decision.reuse_reference),
            context=context,
            target_path=dbt_target_path(settings),
        )
        .stream()
    )
    yield from _with_build_metadata(events, warehouse, target, decision.reason)
    # Only reached when the build (with its blocking data tests) succeeded.
    record_built_state(warehouse, state.state, context.run.run_id, state.parts)
