"""The dbt project on its own: every unit test of the rules, and the schema, contracts
and data tests compiled and run against an empty landing (fast: no demo build).

The data tests on real data run in every pipeline run (the `published` fixture)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.landing import ensure_raw_schema
from orchestration.resources import DBT_PROJECT_DIR, ENV_WAREHOUSE

VARS = json.dumps({"as_of_date": "2026-11-27", "performance_year": 2026})


def dbt(args: list[str], warehouse: Path, target: Path) -> dict:
    """Runs one dbt command; returns its run_results.json."""
    command = [
        str(Path(sys.executable).parent / "dbt"), *args,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target),
        "--log-path", str(target / "logs"),
        "--vars", VARS,
    ]  # fmt: skip
    env = {**os.environ, ENV_WAREHOUSE: str(warehouse)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:]
    return json.loads((target / "run_results.json").read_text())


@pytest.fixture(scope="module")
def empty_build(tmp_path_factory) -> tuple[Path, Path, dict]:
    """Seeds, every model as an empty relation (unit tests read their inputs' column
    types from the warehouse) and the data tests, on a landing with no rows."""
    root = tmp_path_factory.mktemp("dbt")
    warehouse = root / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ensure_raw_schema(con)
    results = dbt(["build", "--empty", "--exclude", "test_type:unit"], warehouse, root / "target")
    return warehouse, root, results


def test_models_contracts_and_data_tests_build_on_an_empty_landing(empty_build) -> None:
    _, _, results = empty_build
    statuses = {r["unique_id"]: r["status"] for r in results["results"]}
    assert statuses and all(s in ("success", "pass") for s in statuses.values()), statuses
    marts = {"episodes", "measure_summary", "measure_definition", "data_quality",
             "load_accounting", "quarantine_summary"}  # fmt: skip
    assert marts <= {uid.rsplit(".", 1)[-1] for uid in statuses if uid.startswith("model.")}


def test_every_unit_test_of_the_rules_passes(empty_build) -> None:
    warehouse, root, _ = empty_build
    results = dbt(["test", "--select", "test_type:unit"], warehouse, root / "unit")
    unit_tests = {r["unique_id"]: r["status"] for r in results["results"]}
    assert len(unit_tests) >= 80 and all(s == "pass" for s in unit_tests.values()), unit_tests
    names = {uid.rsplit(".", 1)[-1] for uid in unit_tests}
    # The boundaries of each stratum and reporting level are pinned by name.
    assert {
        "three_month_day_42_counts_day_41_does_not",
        "three_month_day_140_counts_day_141_does_not",
        "fusion_wins_on_the_same_person_payer_and_date",
        "outcome_discectomy_final_only_after_procedure_plus_140_days",
        "period_discectomy_2025_08_01_through_2026_07_31",
        "summary_levels_payer_all_payers_tin_and_tin_npi",
        "definition_qpp_stratum_name_2024",
    } <= names


def test_project_cites_nothing_outside_itself() -> None:
    for path in DBT_PROJECT_DIR.rglob("*"):
        if path.suffix in {".yml", ".sql", ".md", ".csv"} and "target" not in path.parts:
            text = path.read_text()
            assert "DEVELOPERS.md" not in text and "../shared" not in text, path
