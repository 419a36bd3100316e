"""The dbt unit tests of every rule on an empty build: the project's seeds and models built
without a row (`dbt build --empty`) into a throwaway DuckDB warehouse, which gives the unit
tests their inputs' column types, and the unit tests run in the same invocation. No pipeline
run: this is the fast tier's check of the SQL (test_dbt.py runs the same unit tests with
`dbt test --select test_type:unit` on a demo run's warehouse)."""

from __future__ import annotations

import duckdb

from tests.helpers.dbt_unit import PINNED_UNIT_TESTS, unit_test_names, unit_tests_on_empty_build
from tests.helpers.runs import settings_for


def test_dbt_unit_tests_pass_on_an_empty_build(tmp_path):
    settings = settings_for(tmp_path / "landing", tmp_path)
    results = unit_tests_on_empty_build(settings, tmp_path)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        rows = con.execute("select count(*) from marts.episodes").fetchone()[0]
        seeds = con.execute("select count(*) from reference.measure_stratum").fetchone()[0]
    assert rows == 0 and seeds >= 2, "the models are built empty, the seeds loaded"
    # Seeds, models and unit tests (and the on-run-start hook); no data test on empty tables.
    assert {r["unique_id"].split(".")[0] for r in results} == {"seed", "model", "unit_test", "operation"}
    assert PINNED_UNIT_TESTS <= unit_test_names(results)
