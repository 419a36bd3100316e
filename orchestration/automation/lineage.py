"""What the asset graph says about each asset beyond its code: the landing folders as
external assets upstream of `raw.*`, and owners, tags and kinds.

Applied to the stages' definitions here (wiring), so the stages stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from orchestration.asset_keys import landing_key
from orchestration.ingest.columns import landing_schema
from orchestration.ingest.landing import RAW_SCHEMA
from orchestration.ingest.landing_files import landing_tables

OWNER = "team:g2139-data-engineering"
PATIENT_DATA_TAG = "g2139/patient_data"
# Tables that hold rows about persons (ids, dates, scores): everything loaded from the
# landing files down to the episode marts and the feeds. Aggregates, the books of the loads
# and of the run, and reference data do not.
TABLES_WITHOUT_PERSONS = {
    ("raw", "load_history"),
    ("raw", "run_parameters"),
    ("marts", "measure_summary"),
    ("marts", "measure_summary_history"),
    ("marts", "measure_definition"),
    ("marts", "data_quality"),
    ("marts", "load_accounting"),
    ("marts", "quarantine_summary"),
}
NO_PATIENT_DATA_GROUPS = {"reference"}
# Marts guarded by a Great Expectations suite (the gate's blocking checks).
CHECKED_BY_GE = {
    ("marts", "episodes"),
    ("marts", "episode_measures"),
    ("marts", "measure_summary"),
    ("marts", "load_accounting"),
}


landing_specs = [
    dg.AssetSpec(
        key=landing_key(spec.name),
        group_name="landing",
        kinds={s.removeprefix(".") for s in spec.suffixes} | {"file"},
        owners=[OWNER],
        tags={PATIENT_DATA_TAG: "true"},
        metadata={"dagster/column_schema": landing_schema(spec)},
        description=(
            f"The files senders drop in `<landing>/{spec.name}/` (external: not built by this project)."
        ),
    )
    for spec in landing_tables()
]


# raw table -> the landing table its rows come from (a FHIR export feeds two raw tables).
LANDING_OF_RAW = {raw: spec.name for spec in landing_tables() for raw in spec.raw_tables}


def holds_patient_data(spec: dg.AssetSpec) -> bool:
    path = tuple(spec.key.path)
    return spec.group_name not in NO_PATIENT_DATA_GROUPS and path[-2:] not in TABLES_WITHOUT_PERSONS


def _annotate(spec: dg.AssetSpec) -> dg.AssetSpec:
    kinds = {"great_expectations"} if tuple(spec.key.path) in CHECKED_BY_GE else set()
    if tuple(spec.key.path[:1]) == (RAW_SCHEMA,) and spec.key.path[-1] in LANDING_OF_RAW:
        # Lineage from the landing folder; deps added to the ingest asset's own.
        spec = spec.replace_attributes(deps=[*spec.deps, landing_key(LANDING_OF_RAW[spec.key.path[-1]])])
    return spec.merge_attributes(
        owners=[OWNER] if OWNER not in spec.owners else [],
        tags={PATIENT_DATA_TAG: "true" if holds_patient_data(spec) else "false"},
        kinds=kinds,
    )


def annotate(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    return list(dg.map_asset_specs(_annotate, assets))
