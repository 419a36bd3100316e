"""Runs the dbt project's unit tests (`dbt test --select test_type:unit`) for a run's settings,
on whichever engine they name; shared by the DuckDB and the Spark test modules."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from orchestration.definitions import ENGINE_RESOURCES
from orchestration.resources import DBT_PROJECT_DIR, RunSettings
from orchestration.transform.project import dbt_executable, write_profiles


def run_unit_tests(settings: RunSettings, work: Path, timeout: int = 600) -> list[dict]:
    """Every result of the invocation (unit tests, and the on-run-start hook); fails the test
    when dbt fails or any unit test does not pass."""
    target = ENGINE_RESOURCES["dbt_target"].for_run(settings)
    command = [
        dbt_executable(), "test", "--select", "test_type:unit",
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(write_profiles(settings, target)), "--target", target.name,
        "--target-path", str(work / "target"),
        "--log-path", str(work / "logs"),
        "--vars", json.dumps(settings.dbt_vars()),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-4000:]
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) >= 80 and all(r["status"] == "pass" for r in unit_tests)
    return results
