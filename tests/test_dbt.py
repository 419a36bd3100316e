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
    assert len(unit_tests) >= 80 and all(r["status"] == "pass" for r in unit_tests)
    # (The on-run-start hook, which registers Spark's landing tables, is a result too.)
    data_tests = [r for r in run_results["results"] if r["unique_id"].startswith("test.")]
    assert not data_tests, "data tests ran in the demo run already"
    # The boundaries of each stratum and of the reporting levels are pinned by name.
    names = {r["unique_id"].rsplit(".", 1)[-1] for r in unit_tests}
    assert {
        "three_month_day_42_counts_day_41_does_not",
        "three_month_day_140_counts_day_141_does_not",
        "three_month_closest_to_3_months_wins",
        "fusion_wins_on_the_same_person_payer_and_date",
        "outcome_discectomy_final_only_after_procedure_plus_140_days",
        "period_discectomy_2025_08_01_through_2026_07_31",
        "summary_levels_payer_all_payers_tin_and_tin_npi",
        "definition_qpp_stratum_name_2024",
    } <= names


def test_dbt_project_cites_nothing_outside_itself():
    for path in DBT_PROJECT_DIR.rglob("*"):
        if path.suffix in {".yml", ".sql", ".md", ".csv"} and not {"target", "logs"} & set(path.parts):
            text = path.read_text()
            assert "DEVELOPERS.md" not in text and "../shared" not in text, path
