"""Reporting formats of a publication, as pure functions of the marts' rows.

Input: rows of `marts.measure_summary` and `marts.measure_definition` (lists of dicts, column
name -> value), the performance year and as-of date, payer display names and the seeds folder.
Output: relative path -> file bytes, deterministic (sorted keys, fixed indentation, trailing
newline, no clock, no run id, no machine path), so that a re-run on the same inputs publishes
byte-identical files. The run id stays in the manifest.

    files = build_reporting_files(summary_rows, definition_rows, performance_year=2025,
                                  as_of_date=date(2026, 3, 1), payer_names=..., seeds_dir=...)
    failures = reporting_failures(files, summary_rows, definition_rows,
                                  performance_year=2025, as_of_date=date(2026, 3, 1))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

from orchestration.reporting.facts import Facts, Files, Row
from orchestration.reporting.fhir import fhir_failures, fhir_files
from orchestration.reporting.qpp import qpp_failures, qpp_files
from orchestration.reporting.schemas import read_payer_names, schema_failures, schema_files
from orchestration.reporting.summaries import summary_files

__all__ = [
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
) -> Files:
    """Every reporting file: `<payer>/summary.json`, `all_payers/summary.json`,
    `qpp/group/<tin>.json`, `qpp/individual/<tin>_<npi>.json`, `fhir/Measure-459.json`,
    `fhir/MeasureReport-<level>-<id>.json` and `schema/*`."""
    facts = Facts.from_marts(summary_rows, definition_rows, performance_year, as_of_date)
    files = {
        **summary_files(facts, payer_names),
        **qpp_files(facts),
        **fhir_files(facts),
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
    facts = Facts.from_marts(summary_rows, definition_rows, performance_year, as_of_date)
    files = dict(files)
    return [*schema_failures(files), *fhir_failures(files), *qpp_failures(files, facts)]


def absolute_path_failures(files: Mapping[str, bytes], machine_paths: Iterable[str | Path]) -> list[str]:
    """Published files must not name the machine's folders (output, warehouse, landing, home)."""
    needles = sorted({str(Path(p).resolve()) for p in machine_paths} | {str(p) for p in machine_paths})
    return [
        f"{path}: contains the machine path {needle}"
        for path, content in sorted(files.items())
        for needle in needles
        if needle and needle != "/" and needle.encode() in content
    ]
