"""The dbt unit tests of every rule (`dbt test --select test_type:unit`), on a copy of the
demo run's warehouse, whose relations give the unit tests their column types."""

from __future__ import annotations

import pytest

from tests.helpers.dbt_unit import run_unit_tests

pytestmark = pytest.mark.pipeline


def test_dbt_unit_tests_pass(published, tmp_path):
    copy = published.copy_to(tmp_path / "copy")
    run_results = run_unit_tests(copy.settings, tmp_path)
    unit_tests = [r for r in run_results if r["unique_id"].startswith("unit_test.")]
    # (The on-run-start hook, which registers Spark's landing tables, is a result too.)
    data_tests = [r for r in run_results if r["unique_id"].startswith("test.")]
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
