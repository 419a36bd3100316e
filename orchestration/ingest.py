"""Ingestion assets: one per landing table, from files into typed ``raw`` tables."""

from pathlib import Path

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from orchestration.landing import (
    TABLES,
    FileLoad,
    LandingError,
    TableSpec,
    load_table,
    quarantine_reasons,
    summarize,
)
from orchestration.resources import G2139Settings

INGEST_GROUP = "ingest"


# Bounded so that a large landing folder spills to disk instead of exhausting memory.
DUCKDB_MEMORY_LIMIT = "2GB"


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(warehouse), config={"memory_limit": DUCKDB_MEMORY_LIMIT})


def raw_asset_key(table: str) -> dg.AssetKey:
    # The dbt sources are named ``raw`` too, so dagster-dbt's default source keys
    # (source name, table name) land on these assets: one lineage from files to feeds.
    return dg.AssetKey(["raw", table])


def _check_landing(landing_dir: Path, spec: TableSpec, con: duckdb.DuckDBPyConnection) -> None:
    if spec.name == "medical_claim":
        claims = con.execute("select count(*) from raw.medical_claim").fetchone()[0]
        if claims == 0:
            raise LandingError(f"{landing_dir / spec.name}: no usable claims at all")


def build_ingest_asset(spec: TableSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(spec.name),
        group_name=INGEST_GROUP,
        kinds={"duckdb", "csv", "parquet"},
        description=(
            f"Landing files `<landing>/{spec.name}/*.csv|*.parquet` loaded into `raw.{spec.name}`; "
            "unusable rows go to `raw.quarantine` with a reason, every file to `raw.load_history`."
        ),
    )
    def _ingest(context: AssetExecutionContext, g2139: G2139Settings) -> dg.MaterializeResult:
        settings = g2139.settings()
        if not settings.landing_dir.is_dir():
            raise LandingError(f"{settings.landing_dir}: landing folder does not exist")
        with connect(settings.warehouse) as con:
            loads = load_table(con, settings.landing_dir, spec, context.run.run_id)
            _check_landing(settings.landing_dir, spec, con)
            reasons = quarantine_reasons(con, context.run.run_id, spec.name)
            total_rows = con.execute(f"select count(*) from raw.{spec.name}").fetchone()[0]
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
                "quarantine_by_reason": dg.MetadataValue.json(reasons),
                "files": dg.MetadataValue.md(_files_table(loads)),
            }
        )

    return _ingest


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
