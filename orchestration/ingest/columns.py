"""The columns of the landing files and of the raw tables loaded from them, as Dagster
column schema and column lineage: the first hop of a feed column's lineage, from the
landing file's column to `raw.<table>` (the dbt models take it from there)."""

from __future__ import annotations

from typing import Any

import dagster as dg

from orchestration.asset_keys import landing_key
from orchestration.ingest.landing_spec import SQL_TYPES, TableSpec

# The elements of a FHIR resource each raw FHIR column is read from (fhir_sql's mapping).
FHIR_ELEMENTS = {
    "fhir_observation": {
        "assessment_id": ["id"],
        "person_id": ["subject.reference"],
        "assessment_date": ["effectiveDateTime", "effectivePeriod.start"],
        "status": ["status"],
        "loinc_code": ["code.coding"],
        "instrument": ["code.coding"],
        "unit": ["valueQuantity.unit", "valueQuantity.code"],
        "scale_max": ["code.coding", "valueQuantity.unit", "valueQuantity.code"],
        "score": ["valueQuantity.value", "valueInteger"],
        "body_site_code": ["bodySite.coding"],
        "body_site_text": ["bodySite.text"],
    },
    "fhir_patient": {"person_id": ["id"], "birth_date": ["birthDate"]},
}


def landing_schema(spec: TableSpec) -> dg.TableSchema:
    """A landing table's columns as its files carry them (text in CSV; typed on load)."""
    if spec.name == "fhir":
        elements = sorted({e for table in FHIR_ELEMENTS.values() for deps in table.values() for e in deps})
        return dg.TableSchema(
            columns=[dg.TableColumn(e, "json", description=f"FHIR element `{e}`") for e in elements]
        )
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, c.kind, constraints=dg.TableColumnConstraints(nullable=not c.required))
            for c in spec.columns
        ]
    )


def raw_column_metadata(spec: TableSpec, landing_table: str | None = None) -> dict[str, Any]:
    """`dagster/column_schema` and `dagster/column_lineage` of `raw.<spec.name>`: each column
    from the landing column of its name (or, for FHIR, the resource elements it is read from)."""
    source = landing_key(landing_table or spec.name)
    elements = FHIR_ELEMENTS.get(spec.name, {})
    return {
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(c.name, SQL_TYPES[c.kind]) for c in spec.columns]
        ),
        "dagster/column_lineage": dg.TableColumnLineage(
            deps_by_column={
                c.name: [dg.TableColumnDep(source, e) for e in elements.get(c.name, [c.name])]
                for c in spec.columns
            }
        ),
    }
