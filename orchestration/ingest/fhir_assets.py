"""The FHIR ingestion asset: `<landing>/fhir/**/*.ndjson` into `raw.fhir_observation` and
`raw.fhir_patient`."""

# No `from __future__ import annotations`: Dagster reads the context annotation at definition.

import dagster as dg
from dagster import AssetExecutionContext

from orchestration import progress
from orchestration.asset_keys import raw_key
from orchestration.ingest.columns import raw_column_metadata
from orchestration.ingest.fhir import FHIR, FHIR_OBSERVATION, FHIR_PATIENT, load_fhir
from orchestration.ingest.landing import LandingError, quarantine_reasons, summarize
from orchestration.resources import G2139Settings

INGEST_GROUP = "ingest"
SPECS = {spec.name: spec for spec in (FHIR_OBSERVATION, FHIR_PATIENT)}
FILES = "`<landing>/fhir/**/*.ndjson` (one resource per line; unusable lines in `raw.quarantine`)"


def build_fhir_ingest_asset(files_table) -> dg.AssetsDefinition:
    """One step writes both tables: one pass over each export file feeds both resource types."""
    specs = [
        dg.AssetSpec(
            raw_key(spec.name),
            group_name=INGEST_GROUP,
            kinds={"duckdb", "fhir"},
            description=description,
            skippable=False,
        )
        for spec, description in (
            (
                FHIR_OBSERVATION,
                "Pain-score Observations of the FHIR NDJSON files `<landing>/fhir/**/*.ndjson`.",
            ),
            (FHIR_PATIENT, "Patient birth dates of the FHIR NDJSON files `<landing>/fhir/**/*.ndjson`."),
        )
    ]

    @dg.multi_asset(specs=specs, name="raw__fhir")  # a raw__ step: `g2139 bench` counts it as ingest
    def _ingest(context: AssetExecutionContext, g2139: G2139Settings):
        settings = g2139.run
        if not settings.landing_dir.is_dir():
            raise LandingError(f"{settings.landing_dir}: landing folder does not exist")
        progress.stage("ingest fhir", "files")
        with g2139.duckdb_warehouse.connect() as con:
            loads = load_fhir(con, settings.landing_dir, context.run.run_id)
            for load in loads:
                progress.advance(load.path, load.rows_read)
            reasons = quarantine_reasons(con, context.run.run_id, FHIR.name)
            rows = {
                t: con.execute(f"select count(*) from raw.{t}").fetchone()[0]
                for t in (FHIR_OBSERVATION.name, FHIR_PATIENT.name)
            }
        progress.end()
        unbalanced = [f.path for f in loads if not f.balanced]
        if unbalanced:  # an invariant of the loader; checked here so a regression cannot hide
            raise LandingError(f"row accounting does not balance for {', '.join(unbalanced)}")
        totals = summarize(loads)
        context.log.info(
            f"fhir: {totals['files']} file(s), {totals['rows_loaded']} lines loaded, "
            f"{totals['rows_quarantined']} quarantined, {totals['files_duplicate']} duplicate file(s)"
        )
        metadata = {
            **{key: dg.MetadataValue.int(value) for key, value in totals.items()},
            "quarantine_by_reason": dg.MetadataValue.json(reasons),
            "files": dg.MetadataValue.md(files_table(loads)),
        }
        for table, count in rows.items():
            yield dg.MaterializeResult(
                asset_key=raw_key(table),
                metadata={
                    **metadata,
                    "table_rows": dg.MetadataValue.int(count),
                    **raw_column_metadata(SPECS[table], FHIR.name),
                },
            )

    return _ingest
