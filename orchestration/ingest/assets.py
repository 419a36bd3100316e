"""Ingestion assets: one per landing table, from files into typed ``raw`` tables."""

# No `from __future__ import annotations`: Dagster reads the context annotation at definition.

from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext

from orchestration import progress
from orchestration.asset_keys import raw_key
from orchestration.ingest.columns import raw_column_metadata
from orchestration.ingest.fhir_assets import build_fhir_ingest_asset
from orchestration.ingest.landing import (
    TABLES,
    FileLoad,
    LandingError,
    TableSpec,
    load_table,
    quarantine_reasons,
    summarize,
)
from orchestration.ingest.row_store import RowStore
from orchestration.resources import EngineChoice, G2139Settings

INGEST_GROUP = "ingest"


def _check_landing(landing_dir: Path, spec: TableSpec, total_rows: int) -> None:
    if spec.name == "medical_claim" and total_rows == 0:
        raise LandingError(f"{landing_dir / spec.name}: no usable claims at all")


def build_ingest_asset(spec: TableSpec) -> dg.AssetsDefinition:
    @dg.asset(
        # Keyed by the relation it writes; the transform stage keys dbt sources the same way,
        # so lineage is one graph from files to feeds without either stage importing the other.
        key=raw_key(spec.name),
        group_name=INGEST_GROUP,
        kinds={"duckdb", "csv", "parquet"},
        description=(
            f"Landing files `<landing>/{spec.name}/*.csv|*.parquet` loaded into `raw.{spec.name}`; "
            "unusable rows go to `raw.quarantine` with a reason, every file to `raw.load_history`."
        ),
    )
    def _ingest(
        context: AssetExecutionContext,
        g2139: G2139Settings,
        row_store: dg.ResourceParam[EngineChoice[RowStore]],
    ) -> dg.MaterializeResult:
        settings = g2139.run
        if not settings.landing_dir.is_dir():
            raise LandingError(f"{settings.landing_dir}: landing folder does not exist")
        warehouse = g2139.duckdb_warehouse
        rows = row_store.for_run(settings).open(warehouse)
        progress.stage(f"ingest {spec.name}", "files")
        with warehouse.connect() as con:
            loads = load_table(con, settings.landing_dir, spec, context.run.run_id, rows, file_done)
            total_rows = rows.table_rows(con, spec.name)
            _check_landing(settings.landing_dir, spec, total_rows)
            reasons = quarantine_reasons(con, context.run.run_id, spec.name)
        progress.end()
        unbalanced = [f.path for f in loads if not f.balanced]
        if unbalanced:  # an invariant of load_file; checked here so a regression cannot hide
            raise LandingError(f"row accounting does not balance for {', '.join(unbalanced)}")
        totals = summarize(loads)
        context.log.info(
            f"{spec.name}: {totals['files']} file(s), {totals['rows_loaded']} rows loaded, "
            f"{totals['rows_quarantined']} quarantined, {totals['files_duplicate']} duplicate file(s)"
        )
        return dg.MaterializeResult(
            metadata={
                **{key: dg.MetadataValue.int(value) for key, value in totals.items()},
                "table_rows": dg.MetadataValue.int(total_rows),
                **raw_column_metadata(spec),
                "quarantine_by_reason": dg.MetadataValue.json(reasons),
                "files": dg.MetadataValue.md(_files_table(loads)),
            }
        )

    return _ingest


def file_done(load: FileLoad) -> None:
    """One landing file loaded: the run's progress (its name and row count, never its rows)."""
    progress.advance(load.path, load.rows_read)


def _files_table(loads: list[FileLoad]) -> str:
    lines = [
        "| file | rows read | loaded | quarantined | duplicate of |",
        "|---|---:|---:|---:|---|",
    ]
    lines += [
        f"| {f.path} | {f.rows_read} | {f.rows_loaded} | {f.rows_quarantined} | {f.duplicate_of or ''} |"
        for f in loads
    ]
    return "\n".join(lines)


ingest_assets = [build_ingest_asset(spec) for spec in TABLES.values()]

# FHIR export files (optional): one step writes observations and patients.
ingest_assets.append(build_fhir_ingest_asset(_files_table))

# The ingestion's books, written by every ingest asset beside its table: declared so that
# they are not dangling dbt sources.
BOOKS = {
    "load_history": "One row per landing file load (path, sha256, rows read/loaded/quarantined).",
    "quarantine": "Landing rows that could not be used, with their reason (written by the ingest assets).",
}

book_specs = [
    dg.AssetSpec(
        key=raw_key(name),
        group_name=INGEST_GROUP,
        kinds={"duckdb"},
        deps=[raw_key(table) for table in TABLES],
        description=description,
    )
    for name, description in BOOKS.items()
]
