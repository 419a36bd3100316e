"""The whole job on the demo data: what only a real run can show. The release mechanics and
the feed contents are tested on the publish stage alone (test_publish_stage.py), the
suites on the gate alone (test_gate.py)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import date

import duckdb
import pytest

from orchestration.pipeline import run_pipeline
from tests.helpers.runs import NextDay, settings_for, tree_digest

pytestmark = pytest.mark.pipeline

GATE_SUITES = ("episodes_expectations", "measure_summary_expectations", "load_accounting_expectations")


def test_manifest_accounts_for_every_landing_file_and_every_check(published):
    manifest = json.loads((published.folder / "manifest.json").read_text())
    assert manifest["run_id"] == published.run_id
    landing_files = sorted(
        p.relative_to(published.settings.landing_dir).as_posix()
        for p in published.settings.landing_dir.rglob("*")
        if p.is_file()
    )
    assert sorted(i["path"] for i in manifest["inputs"]) == landing_files
    assert any(i.get("duplicate_of") for i in manifest["inputs"]), "the demo's resent file is a duplicate"
    names = [c["name"] for c in manifest["checks"]]
    assert all(any(name.endswith(suite) for name in names) for suite in GATE_SUITES), names
    assert len(names) > len(GATE_SUITES), "the dbt data tests are listed too"
    # Singular tests reading several relations are checks of the summary they guard.
    assert "marts/measure_summary: measure_summary_payer_level_matches_episodes" in names
    assert all(c["passed"] for c in manifest["checks"])


def test_feeds_hold_exactly_the_mart_episodes(published):
    published_ids = set()
    for feed in published.folder.glob("*/episodes.csv"):
        published_ids |= {line.split(",")[0] for line in feed.read_text().splitlines()[1:]}
    with duckdb.connect(str(published.settings.warehouse), read_only=True) as con:
        mart = {r[0] for r in con.execute("select episode_id from marts.episodes").fetchall()}
    assert published_ids == mart and mart


def test_same_input_twice_gives_identical_feeds(published, tmp_path):
    """A fresh warehouse over the same landing files publishes the same bytes."""
    before = tree_digest(published.folder)
    again = settings_for(published.settings.landing_dir, tmp_path)
    outcome = run_pipeline(again)
    assert outcome.success and outcome.published, outcome.failures
    after = tree_digest(again.output_dir / "2026")
    assert {k: v for k, v in before.items() if k != "manifest.json"} == {
        k: v for k, v in after.items() if k != "manifest.json"
    }
    assert json.loads(after["manifest.json"])["run_id"] != json.loads(before["manifest.json"])["run_id"]


def test_nightly_run_without_new_files_skips_the_build_while_its_publication_is_live(published, tmp_path):
    copy = published.copy_to(tmp_path)
    before = tree_digest(copy.folder)
    outcome = run_pipeline(copy.settings)
    assert outcome.success and not outcome.published
    assert "measure_dbt_assets" in outcome.step_seconds and "feeds__payer_feeds" not in outcome.step_seconds
    assert any("nothing new" in line for line in outcome.report_lines())
    assert tree_digest(copy.folder) == before
    # The build counts while the live publication is its run's: without it, built and published again.
    shutil.rmtree(copy.settings.output_dir)
    again = run_pipeline(copy.settings)
    assert again.published and tree_digest(copy.folder).keys() == before.keys()


def test_a_new_as_of_date_rebuilds_and_republishes(next_day: NextDay):
    manifest = next_day.manifest
    assert manifest["as_of_date"] == "2026-11-28" and manifest["run_id"] == next_day.run.run_id
    assert f"published: {next_day.run.folder}" in next_day.stdout
    assert "model.g2139.episodes" in {r["unique_id"] for r in next_day.dbt_results}


def _built_seeds(settings) -> set[str]:
    results = json.loads((settings.warehouse.parent / "dbt_target" / "run_results.json").read_text())
    return {r["unique_id"] for r in results["results"] if r["unique_id"].startswith("seed.")}


def test_a_nightly_build_reuses_unchanged_reference_data_and_reloads_it_when_it_changes(
    published, next_day: NextDay, tmp_path
):
    # Neither the seeds nor the tests on them ran again; the models did, and so did publication.
    ran = {r["unique_id"] for r in next_day.dbt_results}
    assert not {uid for uid in ran if uid.startswith("seed.")} and "model.g2139.episodes" in ran
    assert not any("lumbar_fusion" in uid for uid in ran if uid.startswith("test."))
    # The tests comparing the night's marts with the seeds still ran.
    for test in ("relationships_episodes_payer__payer__ref_payer_alias_", "matches_quality_code_episodes",
                 "measure_summary_has_every_payer_and_stratum"):  # fmt: skip
        assert any(uid.startswith(f"test.g2139.{test}") for uid in ran), test
    assert next_day.seed_decision == f"reused: reference data unchanged since run {published.run_id}"
    assert next_day.seed_row_count == next_day.seed_rows_before > 0
    # A rule override is reference state too (tests on seeds may read vars): reloaded.
    copy = next_day.run.copy_to(tmp_path)
    overridden = dataclasses.replace(copy.settings, var_overrides={"improvement_met_min": 4.0})
    assert run_pipeline(overridden).success
    assert "seed.g2139.lumbar_fusion" in _built_seeds(copy.settings)
    # Seed tables gone from the warehouse: reloaded, whatever the state says.
    with duckdb.connect(str(copy.settings.warehouse)) as con:
        con.execute("drop table reference.lumbar_fusion")
    again = dataclasses.replace(overridden, as_of_date=date(2026, 11, 29))
    assert run_pipeline(again).success
    assert "seed.g2139.lumbar_fusion" in _built_seeds(copy.settings)


def test_blocking_asset_check_stops_the_run_before_publication(published, tmp_path, monkeypatch):
    import great_expectations as gx

    from expectations import episodes

    original = episodes.build_expectations

    def with_impossible_rule(rules):
        impossible = gx.expectations.ExpectTableRowCountToEqual(value=-1, description="an impossible rule")
        return [*original(rules), impossible]

    monkeypatch.setattr(episodes, "build_expectations", with_impossible_rule)
    copy = published.copy_to(tmp_path)
    before = tree_digest(copy.folder)
    # A new as-of date, so that the marts are rebuilt and checked (not skipped as up to date).
    outcome = run_pipeline(dataclasses.replace(copy.settings, as_of_date=date(2026, 11, 28)))
    assert not outcome.success
    message = "\n".join(outcome.failures)
    assert "episodes_expectations" in message and "an impossible rule" in message
    assert tree_digest(copy.folder) == before
