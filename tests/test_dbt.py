"""The dbt unit tests of every rule (`dbt test --select test_type:unit`), on a copy of the
demo run's warehouse, whose relations give the unit tests their column types."""

from __future__ import annotations

import json
import subprocess

from orchestration.resources import DBT_PROJECT_DIR
from orchestration.transform.project import RUN_TARGET, dbt_executable, write_profiles


def test_dbt_unit_tests_pass(published, tmp_path):
    copy = published.copy_to(tmp_path / "copy")
    command = [
        dbt_executable(), "test", "--select", "test_type:unit",
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(write_profiles(copy.settings)), "--target", RUN_TARGET,
        "--target-path", str(tmp_path / "target"),
        "--log-path", str(tmp_path / "logs"),
        "--vars", json.dumps(copy.settings.dbt_vars()),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:]
    run_results = json.loads((tmp_path / "target" / "run_results.json").read_text())
    unit_tests = [r for r in run_results["results"] if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) >= 50 and all(r["status"] == "pass" for r in unit_tests)
    assert len(unit_tests) == len(run_results["results"]), "data tests ran in the demo run already"
