"""The implementations of the measure (DuckDB floors, pandas, the pipeline) never drift apart.

Episodes are compared by (stratum, person, payer, procedure date), so both strata of
#459 are covered as soon as the landing has procedures of both.
"""

from __future__ import annotations

import pytest

from bench.compare import differences, read_published
from bench.floor import run_floor, run_warehouse_floor
from bench.pandas_reference import run_pandas

pytestmark = pytest.mark.pipeline


def test_floors_pandas_and_pipeline_agree_episode_by_episode(published, tmp_path):
    settings = published.settings
    landing, as_of, year = settings.landing_dir, settings.as_of_date, settings.performance_year
    results = {
        "floor": run_floor(landing, as_of, year),
        "warehouse_floor": run_warehouse_floor(landing, as_of, year, tmp_path / "floor.duckdb")[0],
        "pandas": run_pandas(landing, as_of, year),
        "pipeline": read_published(published.folder),
    }
    diff = differences(results)
    assert diff.empty, f"{len(diff)} episodes differ:\n{diff.head(20).to_string()}"
    outcomes = set(results["pipeline"]["outcome"])
    assert len(results["pipeline"]) > 300
    assert outcomes == {"met", "not_met", "not_measured", "excluded", "pending"}
    pipeline = results["pipeline"]
    for stratum in ("lumbarFusion", "lumbarDiscectomy"):
        mine = pipeline[pipeline["stratum"] == stratum]
        assert set(mine["outcome"]) == outcomes, f"every outcome of {stratum} is compared"
