"""The reporting files as a blocking check, for every measure of the family: every JSON file
(summaries of #459 and of each other measure, QPP measurement sets, column dictionaries)
against the schema the publication ships, every FHIR resource through the FHIR library and the
DEQM essentials (profile, reporter, no subject, payer strata adding up to their group), every
QPP body against the summary mart (every measure once, counts add up, met + not met <= eligible,
exclusion 0), and no machine path anywhere. The publish stage then writes the very bytes
checked here."""

# No `from __future__ import annotations`: Dagster reads the context annotation at definition.

from pathlib import Path

import dagster as dg

from orchestration.asset_keys import relation_key
from orchestration.reporting import absolute_path_failures, reporting_failures
from orchestration.reporting.from_marts import mart_rows, reporting_files
from orchestration.resources import G2139Settings, RunSettings

SUMMARY_KEY = relation_key("marts", "measure_summary")
DEFINITION_KEY = relation_key("marts", "measure_definition")
SHOWN_FAILURES = 10


def machine_paths(settings: RunSettings) -> list[Path]:
    return [settings.landing_dir, settings.output_dir, settings.warehouse.parent, Path.home()]


def format_failures(g2139: G2139Settings) -> tuple[int, list[str]]:
    settings = g2139.run
    rows = mart_rows(g2139.duckdb_warehouse)
    files = reporting_files(g2139.duckdb_warehouse, settings, rows)
    failures = [
        *reporting_failures(
            files,
            rows.summary,
            rows.definition,
            performance_year=settings.performance_year,
            as_of_date=settings.as_of_date,
        ),
        *absolute_path_failures(files, machine_paths(settings)),
    ]
    return len(files), failures


@dg.asset_check(
    asset=SUMMARY_KEY,
    blocking=True,
    additional_deps=[DEFINITION_KEY],
    description=(
        "Reporting formats: summaries, QPP measurement sets and DEQM MeasureReports of every measure "
        "built from the marts validate against their schemas and the FHIR library, and add up to "
        "the summary mart."
    ),
)
def reporting_formats(g2139: G2139Settings) -> dg.AssetCheckResult:
    files, failures = format_failures(g2139)
    return dg.AssetCheckResult(
        passed=not failures,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(failures[:SHOWN_FAILURES]) or f"{files} reporting files valid",
        metadata={"files": dg.MetadataValue.int(files), "failures": dg.MetadataValue.int(len(failures))},
    )
