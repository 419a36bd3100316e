"""Runs the dbt project's unit tests (`dbt test --select test_type:unit`) for a run's settings,
on whichever engine they name; or on an empty warehouse built for them without a pipeline
run (`dbt build --empty`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb

from orchestration.definitions import ENGINE_RESOURCES
from orchestration.ingest.fhir import ensure_fhir_tables
from orchestration.resources import DBT_PROJECT_DIR, RunSettings
from orchestration.transform.project import dbt_executable, write_profiles

# The boundaries of each stratum and of the reporting levels, pinned by name.
PINNED_UNIT_TESTS = {
    "three_month_day_42_counts_day_41_does_not",
    "three_month_day_140_counts_day_141_does_not",
    "three_month_closest_to_3_months_wins",
    "fusion_wins_on_the_same_person_payer_and_date",
    "outcome_discectomy_final_only_after_procedure_plus_140_days",
    "period_discectomy_2025_08_01_through_2026_07_31",
    "summary_levels_payer_all_payers_tin_and_tin_npi",
    "definition_qpp_stratum_name_2024",
}


def _dbt(settings: RunSettings, work: Path, *args: str, timeout: int) -> None:
    target = ENGINE_RESOURCES["dbt_target"].for_run(settings)
    command = [
        dbt_executable(), *args,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(write_profiles(settings, target)), "--target", target.name,
        "--target-path", str(work / "target"),
        "--log-path", str(work / "logs"),
        "--vars", json.dumps(settings.dbt_vars()),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-4000:]


def unit_tests_on_empty_build(settings: RunSettings, work: Path, timeout: int = 600) -> list[dict]:
    """Every relation of the project in a new DuckDB warehouse, without a row, and the unit tests
    on it, in one dbt invocation: the `raw` tables as the loader creates them, then
    `dbt build --empty` of the seeds, the models and the unit tests (no data test, which would
    only read empty tables). Unit tests take their inputs' column types from these relations."""
    with duckdb.connect(str(settings.warehouse)) as con:
        ensure_fhir_tables(con)  # raw.*: every landing table, the FHIR tables and the books
    selection = "resource_type:seed resource_type:model resource_type:unit_test"
    _dbt(settings, work, "build", "--empty", "--select", selection, "--exclude", "resource_type:test",
         timeout=timeout)  # fmt: skip
    return _passed(work)


def run_unit_tests(settings: RunSettings, work: Path, timeout: int = 600) -> list[dict]:
    """Every result of the invocation (unit tests, and the on-run-start hook); fails the test
    when dbt fails or any unit test does not pass."""
    _dbt(settings, work, "test", "--select", "test_type:unit", timeout=timeout)
    return _passed(work)


def _passed(work: Path) -> list[dict]:
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) >= 80 and all(r["status"] == "pass" for r in unit_tests)
    return results


def unit_test_names(results: list[dict]) -> set[str]:
    return {r["unique_id"].rsplit(".", 1)[-1] for r in results if r["unique_id"].startswith("unit_test.")}
