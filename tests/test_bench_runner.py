"""The benchmark's own bookkeeping (no timings asserted: speed lives in `g2139 bench`)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from bench.compare import differences
from bench.run import extra_day_landing, stage_totals, summary_line


def test_step_keys_are_grouped_into_stages():
    steps = {
        "raw__medical_claim": 2.0,
        "raw__pain_score": 1.0,
        "measure_dbt_assets": 5.0,
        "marts__episodes_episodes_expectations": 0.5,
        "marts__payer_summary_payer_summary_expectations": 0.25,
        "feeds__payer_feeds": 0.75,
    }
    assert stage_totals(steps) == {"ingest": 3.0, "dbt": 5.0, "checks": 0.75, "publish": 0.75}


def test_extra_day_links_the_cached_files_and_adds_one(tmp_path):
    landing = tmp_path / "landing"
    (landing / "pain_score").mkdir(parents=True)
    (landing / "pain_score" / "a.csv").write_text("x\n")
    delta = extra_day_landing(landing, tmp_path / "delta", date(2026, 11, 28))
    files = sorted(p.name for p in (delta / "pain_score").iterdir())
    assert files == ["a.csv", "pain_score_2026-11-28.csv"]
    assert (delta / "pain_score" / "a.csv").is_symlink()
    assert (landing / "pain_score" / "a.csv").read_text() == "x\n"


def test_differences_name_the_disagreeing_episode():
    row = {
        "person_id": "P1", "payer": "uhc", "procedure_date": "2025-01-15",
        "baseline_date": "2025-01-01", "baseline_score": "8.1", "one_year_date": "2026-01-15",
        "one_year_score": "3.1", "improvement": "5", "outcome": "met", "quality_code": "G2138",
    }  # fmt: skip
    same = pd.DataFrame([row])
    other = pd.DataFrame([{**row, "improvement": "4.9", "outcome": "not_met", "quality_code": "G2139"}])
    assert differences({"a": same, "b": same.copy()}).empty
    diff = differences({"a": same, "b": other})
    assert list(diff["person_id"]) == ["P1"] and diff.loc[0, "outcome@b"] == "not_met"


def test_summary_line_says_when_pandas_was_skipped():
    results = {
        "people": 1000,
        "pipeline_over_floor": 2.5,
        "median_seconds": {"pipeline": 5.0, "floor": 2.0, "pandas": None},
    }
    assert (
        summary_line(results)
        == "pipeline/floor = 2.50 at 1000 people (pipeline 5.0 s, floor 2.0 s, pandas skipped)"
    )


def test_summary_table_reports_both_floor_ratios():
    results = {
        "people": 10000,
        "pipeline_over_floor": 4.0,
        "pipeline_over_warehouse_floor": 2.0,
        "median_seconds": {"floor": 2.0, "warehouse_floor": 4.0, "pandas": 3.0, "pipeline": 8.0},
        "peak_rss_mb": {"floor": 100.0, "warehouse_floor": 150.0, "pandas": 200.0, "pipeline": 300.0},
    }
    lines = summary_line(results).splitlines()
    assert [line.split()[0] for line in lines[1:5]] == ["floor", "warehouse_floor", "pandas", "pipeline"]
    assert lines[-2:] == ["pipeline / warehouse floor = 2.00", "pipeline / compute floor   = 4.00"]
