"""dbt's events with what the run knows besides: each table's row count and the build decision."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration import progress
from orchestration.transform.columns import build_column_metadata
from orchestration.transform.dbt_target import DbtTarget
from orchestration.transform.project import dbt_project
from orchestration.transform.skip import DECISION_KEY
from orchestration.transform.state import read_manifest, relation_of
from orchestration.warehouse import Warehouse


def table_rows(warehouse: Warehouse) -> dict[str, int]:
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


def _shown_as_progress(events: Iterable[Any]) -> Iterator[Any]:
    """dbt's events as they come: each model or seed built, each test run, in the run's progress."""
    for event in events:
        if isinstance(event, dg.Output):
            progress.advance(event.output_name)
        elif isinstance(event, dg.AssetCheckResult):
            progress.advance(event.check_name or "", count=0)
        yield event


def with_build_metadata(
    events: Iterable[Any], warehouse: Warehouse, target: DbtTarget, reason: str, target_path: Path
) -> Iterator[Any]:
    """dbt's events, each materialization with its table's row count, its columns and their
    lineage (transform/columns.py) and the build decision. Counted once dbt has finished:
    DuckDB allows one writing process at a time."""
    collected: list[Any] = []
    try:
        collected.extend(_shown_as_progress(events))
    except Exception:
        # A failed build: its events as they are (failed tests name the check), then the error.
        yield from collected
        raise
    target.after_build(warehouse)  # another engine hands the marts back for the gate and publication
    rows, relations = table_rows(warehouse), _relations()
    columns_of = build_column_metadata(warehouse, target_path)
    for event in collected:
        if isinstance(event, dg.Output):
            uid = event.metadata.get("unique_id")
            unique_id = str(getattr(uid, "value", uid))
            extra: dict[str, Any] = {**columns_of(unique_id), DECISION_KEY: f"built: {reason}"}
            count = rows.get(relations.get(unique_id, ""))
            if count is not None:
                extra["dagster/row_count"] = dg.MetadataValue.int(count)
            event = event.with_metadata({**event.metadata, **extra})
        yield event
