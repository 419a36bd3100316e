"""The implementations of the measures (DuckDB floors, pandas, the pipeline) never drift apart.

Episodes are compared by (measure, stratum, person, payer, procedure date), so #459, #461
and #471 and both strata are covered as soon as the landing has procedures of both; the
pipeline's #459 rows are also compared with the episode feed it published.
"""

from __future__ import annotations

import pytest

from bench.compare import differences, read_published, read_warehouse
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
        "pipeline": read_warehouse(settings.warehouse),
    }
    diff = differences(results)
    assert diff.empty, f"{len(diff)} episodes differ:\n{diff.head(20).to_string()}"
    outcomes = set(results["pipeline"]["outcome"])
    assert len(results["pipeline"]) > 900
    assert outcomes == {"met", "not_met", "not_measured", "excluded", "pending"}
    pipeline = results["pipeline"]
    for measure in ("459", "461", "471"):
        for stratum in ("lumbarFusion", "lumbarDiscectomy"):
            mine = pipeline[(pipeline["stratum"] == stratum) & (pipeline["measure_id"] == measure)]
            assert set(mine["outcome"]) == outcomes, f"every outcome of #{measure} {stratum} is compared"
    headline = pipeline[pipeline["measure_id"] == "459"]
    feed = differences({"published": read_published(published.folder), "warehouse": headline})
    assert feed.empty, f"the episode feed differs from marts.episode_measures #459:\n{feed.head(5)}"
