"""Nightly life on the demo data: one run history, a skip that holds across `dbt parse` and
says so in one line, performance years side by side, private files, offline Data Docs and
the published report equal to the summaries."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess

import dagster as dg
import duckdb
import pytest

from orchestration.cli import main
from orchestration.gate.docs import prune_runs
from orchestration.pipeline import run_log_path, run_pipeline
from orchestration.resources import DBT_PROJECT_DIR
from tests.helpers.reporting import Tables
from tests.helpers.runs import NextDay, tree_digest

EPISODES = dg.AssetKey(["marts", "episodes"])


def _cli(settings, as_of: str) -> int:
    return main(
        ["run", "--landing", str(settings.landing_dir), "--warehouse", str(settings.warehouse),
         "--output", str(settings.output_dir), "--as-of", as_of, "--performance-year", "2026"]
    )  # fmt: skip


@pytest.mark.pipeline
def test_two_cli_runs_with_dbt_parse_between_second_skips_in_one_line(
    next_day: NextDay, tmp_path, capsys, caplog
):
    built = next_day.stdout  # the first: `g2139 run` one night after the demo run
    assert len(built) > 3 and "published:" in built[-3]
    copy = next_day.run.copy_to(tmp_path)
    subprocess.run(
        ["dbt", "parse", "--quiet",
         "--profiles-dir", "."], cwd=DBT_PROJECT_DIR, check=True,
        env={**os.environ, "PATH": f"{os.path.dirname(os.sys.executable)}:{os.environ['PATH']}"},
    )  # fmt: skip
    caplog.clear()
    assert _cli(copy.settings, "2026-11-28") == 0
    captured = capsys.readouterr()
    [line] = captured.out.splitlines()
    assert "build skipped, nothing new since run" in line and str(copy.folder) in line
    # stderr: the run's progress, one plain line per stage (not a terminal), and nothing else.
    stages = captured.err.splitlines()
    assert [s.split(":")[0] for s in stages][:2] == ["ingest eligibility", "ingest fhir"]
    assert stages[-1].startswith("dbt build skipped: 0/")
    assert all(re.search(r", \d+\.\d s$", s) for s in stages)
    assert "without gating" not in caplog.text
    instance = dg.DagsterInstance.get()
    runs = instance.get_runs(dg.RunsFilter(tags={"g2139/trigger": "cli"}))
    first_id, second_id = built[0].split()[2], line.split()[2].rstrip(":")
    assert {first_id, second_id} <= {r.run_id for r in runs}
    observation = instance.fetch_observations(
        dg.AssetRecordsFilter(asset_key=EPISODES, asset_partitions=["2026"]), limit=1
    ).records[0]
    decision = observation.asset_observation.metadata["g2139/build_decision"].value
    assert decision.startswith("skipped: nothing new since run " + first_id)


@pytest.mark.pipeline
def test_a_2025_backfill_beside_2026_keeps_each_year_to_itself(published, tmp_path):
    copy = published.copy_to(tmp_path)
    before = tree_digest(copy.folder)
    earlier = run_pipeline(dataclasses.replace(copy.settings, performance_year=2025))
    assert earlier.success and earlier.published, earlier.failures
    summary = json.loads((copy.settings.output_dir / "2025" / "aetna" / "summary.json").read_text())
    assert summary["performance_year"] == 2025
    assert tree_digest(copy.folder) == before, "the 2025 run left 2026's publication alone"
    again = run_pipeline(copy.settings)
    assert again.success and again.published, "the marts hold 2025 now: 2026 is rebuilt, not skipped"
    after = tree_digest(copy.folder)
    assert {k: v for k, v in after.items() if k != "manifest.json"} == {
        k: v for k, v in before.items() if k != "manifest.json"
    }
    with duckdb.connect(str(copy.settings.warehouse), read_only=True) as con:
        history = con.execute("select distinct performance_year from marts.measure_summary_history")
        years = {r[0] for r in history.fetchall()}
    assert years == {2025, 2026}
    runs = dg.DagsterInstance.get().get_runs(dg.RunsFilter(run_ids=[earlier.run_id, again.run_id]))
    assert sorted(r.tags["dagster/partition"] for r in runs) == ["2025", "2026"]


@pytest.mark.pipeline
def test_dbt_assets_carry_row_counts_and_the_build_decision(published):
    instance = dg.DagsterInstance.get()
    record = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=EPISODES, asset_partitions=["2026"]), limit=1
    ).records[0]
    metadata = record.asset_materialization.metadata
    with duckdb.connect(str(published.settings.warehouse), read_only=True) as con:
        rows = con.execute("select count(*) from marts.episodes").fetchone()[0]
    assert metadata["dagster/row_count"].value == rows
    assert str(metadata["g2139/build_decision"].value).startswith("built: ")


@pytest.mark.pipeline
def test_warehouse_logs_and_validations_are_private(published):
    settings = published.settings
    assert oct(settings.warehouse.stat().st_mode & 0o777) == "0o600"
    log = run_log_path(settings)
    assert oct(log.parent.stat().st_mode & 0o777) == "0o700" and oct(log.stat().st_mode & 0o777) == "0o600"
    validations = settings.warehouse.parent / "validations"
    for path in [validations, *validations.rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, path


@pytest.mark.pipeline
def test_data_docs_read_offline_with_run_id_and_asset_name(published):
    validations = published.settings.warehouse.parent / "validations" / published.run_id
    pages = list((validations / "episodes" / "data_docs" / "validations").rglob("*.html"))
    assert len(pages) == 1 and "marts.episodes" in pages[0].name
    html = pages[0].read_text()
    assert published.run_id in html and "g2139_offline.css" in html and "Data asset: marts.episodes" in html
    assert 'src="http' not in html and 'stylesheet" href="http' not in html
    assert sum(p.stat().st_size for p in validations.rglob("*")) < 2_000_000


def test_old_validation_runs_are_pruned_to_the_retention(tmp_path, monkeypatch):
    for index in range(10):
        run = tmp_path / f"run-{index}"
        run.mkdir()
        os.utime(run, (1_000_000 + index, 1_000_000 + index))
    monkeypatch.setenv("G2139_VALIDATION_RETENTION", "3")
    removed = prune_runs(tmp_path)
    assert len(removed) == 7 and sorted(p.name for p in tmp_path.iterdir()) == ["run-7", "run-8", "run-9"]


@pytest.mark.pipeline
def test_published_report_numbers_equal_summary_json(published):
    tables = Tables((published.folder / "report.html").read_text()).tables
    payers = [p.parent.name for p in published.folder.glob("*/summary.json") if p.parent.name != "all_payers"]
    assert len(payers) == 5
    for payer in payers:
        summary = json.loads((published.folder / payer / "summary.json").read_text())
        for stratum, numbers in summary["strata"].items():
            cells = tables[f"rates-{summary['measure']['id']}-{stratum}"][payer]
            keys = ("episodes", "pending", "excluded", "eligible_population", "performance_met")
            assert [int(c) for c in cells[1:6]] == [numbers[k] for k in keys], (payer, stratum)
            rate = numbers["performance_rate"]
            assert (cells[6] == "") if rate is None else abs(float(cells[6]) - rate) < 1e-6
