"""The dbt unit tests of every rule (`dbt test --select test_type:unit`), on a copy of the
demo run's warehouse, whose relations give the unit tests their column types (the fast tier
runs them on an empty build: test_dbt_unit.py)."""

from __future__ import annotations

import pytest

from tests.helpers.dbt_unit import PINNED_UNIT_TESTS, run_unit_tests, unit_test_names

pytestmark = pytest.mark.pipeline


def test_dbt_unit_tests_pass(published, tmp_path):
    copy = published.copy_to(tmp_path / "copy")
    run_results = run_unit_tests(copy.settings, tmp_path)
    # (The on-run-start hook, which registers Spark's landing tables, is a result too.)
    data_tests = [r for r in run_results if r["unique_id"].startswith("test.")]
    assert not data_tests, "data tests ran in the demo run already"
    assert PINNED_UNIT_TESTS <= unit_test_names(run_results)
