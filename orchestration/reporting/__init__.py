"""Reporting formats of a publication, as pure functions of the marts' rows.

Input: rows of `marts.measure_summary` and `marts.measure_definition` (lists of dicts, column
name -> value; every measure of the family by its `measure_id`), the performance year and as-of
date, payer display names, the seeds folder and the FHIR settings (canonical base, reporter).
Output: relative path -> file bytes, deterministic (sorted keys, fixed indentation, trailing
newline, no clock, no run id, no machine path), so that a re-run on the same inputs publishes
byte-identical files. The run id stays in the manifest.

    files = build_reporting_files(summary_rows, definition_rows, performance_year=2025,
                                  as_of_date=date(2026, 3, 1), payer_names=..., seeds_dir=...,
                                  fhir=FhirSettings(base=..., reporter=...))
    failures = reporting_failures(files, summary_rows, definition_rows,
                                  performance_year=2025, as_of_date=date(2026, 3, 1))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

from orchestration.reporting.facts import Family, Files, Row
from orchestration.reporting.fhir import FhirSettings, fhir_failures
from orchestration.reporting.fhir_publication import fhir_files
from orchestration.reporting.qpp import qpp_failures, qpp_files, read_mvps
from orchestration.reporting.schemas import read_payer_names, schema_failures, schema_files
from orchestration.reporting.summaries import summary_files

__all__ = [
    "FhirSettings",
    "Family",
    "absolute_path_failures",
    "build_reporting_files",
    "read_payer_names",
    "reporting_failures",
    "schema_failures",
]


def build_reporting_files(
    summary_rows: Iterable[Row],
    definition_rows: Iterable[Row],
    *,
    performance_year: int,
    as_of_date: date | str,
    payer_names: Mapping[str, str],
    seeds_dir: Path,
    fhir: FhirSettings,
) -> Files:
    """Every reporting file: `<payer>/summary.json` and `all_payers/summary.json` (headline
    measure), `<payer>/<measure_id>/summary.json` and `all_payers/<measure_id>/summary.json`
    (the others), `qpp/group/<tin>.json` and `qpp/individual/<tin>_<npi>.json` (measurement sets
    of every measure), `fhir/Measure-<measure_id>.json`, `fhir/MeasureReport-*.json` and
    `schema/*`."""
    family = Family.from_marts(summary_rows, definition_rows, performance_year, as_of_date)
    files = {
        **summary_files(family, payer_names),
        **qpp_files(family, read_mvps(seeds_dir)),
        **fhir_files(family, fhir, dict(payer_names)),
        **schema_files(seeds_dir),
    }
    return dict(sorted(files.items()))


def reporting_failures(
    files: Mapping[str, bytes],
    summary_rows: Iterable[Row],
    definition_rows: Iterable[Row],
    *,
    performance_year: int,
    as_of_date: date | str,
) -> list[str]:
    """Blocking checks of the reporting files (empty list = pass): each JSON file against its
    schema, each FHIR file through the FHIR library, QPP bodies against the summary mart.
    Pass manifest.json and data_quality.json among `files` to have them checked too."""
    family = Family.from_marts(summary_rows, definition_rows, performance_year, as_of_date)
    files = dict(files)
    return [*schema_failures(files), *fhir_failures(files), *qpp_failures(files, family)]


def absolute_path_failures(files: Mapping[str, bytes], machine_paths: Iterable[str | Path]) -> list[str]:
    """Published files must not name the machine's folders (output, warehouse, landing, home)."""
    needles = sorted({str(Path(p).resolve()) for p in machine_paths} | {str(p) for p in machine_paths})
    return [
        f"{path}: contains the machine path {needle}"
        for path, content in sorted(files.items())
        for needle in needles
        if needle and needle != "/" and needle.encode() in content
    ]
