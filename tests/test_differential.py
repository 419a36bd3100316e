"""Three implementations of the measure (DuckDB floor, pandas, the pipeline) never drift apart."""

from __future__ import annotations

from bench.compare import differences, read_published
from bench.floor import run_floor
from bench.pandas_reference import run_pandas


def test_floor_pandas_and_pipeline_agree_episode_by_episode(published):
    settings = published.settings
    results = {
        "floor": run_floor(settings.landing_dir, settings.as_of_date, settings.performance_year),
        "pandas": run_pandas(settings.landing_dir, settings.as_of_date, settings.performance_year),
        "pipeline": read_published(published.folder),
    }
    diff = differences(results)
    assert diff.empty, f"{len(diff)} episodes differ:\n{diff.head(20).to_string()}"
    outcomes = set(results["pipeline"]["outcome"])
    assert len(results["pipeline"]) > 300
    assert outcomes == {"met", "not_met", "not_measured", "excluded", "pending"}
