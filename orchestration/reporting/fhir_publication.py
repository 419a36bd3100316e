"""The fhir/ files of a publication: every measure's `Measure` and its MeasureReports at every
level (payer, all payers, TIN, TIN + NPI)."""

from __future__ import annotations

from orchestration.reporting.facts import Family, Files
from orchestration.reporting.fhir import (
    REPORT_LEVELS,
    FhirSettings,
    measure_report,
    report_path,
    through_model,
)
from orchestration.reporting.fhir_measure import measure_resource


def fhir_files(family: Family, fhir: FhirSettings, names: dict[str, str]) -> Files:
    files = {}
    for facts in family.measures.values():
        files[f"fhir/Measure-{facts.measure_id}.json"] = through_model(measure_resource(facts, fhir))
        for level in REPORT_LEVELS:
            for level_id in facts.level_ids(level):
                files[report_path(family, facts, level, level_id)] = through_model(
                    measure_report(facts, fhir, level, level_id, names)
                )
    return files
