"""`dbt build` on the demo data: models, seeds, data tests and the unit tests of every rule."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from orchestration.resources import DBT_PROJECT_DIR
from orchestration.transform import dbt_vars


def test_dbt_build_with_unit_and_data_tests_passes_on_demo_data(published, tmp_path):
    copy = published.copy_to(tmp_path / "copy")
    dbt = Path(sys.executable).parent / "dbt"
    env = {**os.environ, "G2139_WAREHOUSE": str(copy.settings.warehouse)}
    command = [
        str(dbt), "build",
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(tmp_path / "target"),
        "--log-path", str(tmp_path / "logs"),
        "--vars", json.dumps(dbt_vars(copy.settings)),
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:]
    counts = dict(re.findall(r"(PASS|WARN|ERROR|SKIP)=(\d+)", result.stdout))
    assert counts["ERROR"] == "0" and counts["WARN"] == "0" and counts["SKIP"] == "0"
    run_results = json.loads((tmp_path / "target" / "run_results.json").read_text())
    unit_tests = [r for r in run_results["results"] if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) >= 50 and all(r["status"] == "pass" for r in unit_tests)
