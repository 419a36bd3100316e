"""Publication: exactly the contract's files, checked first, swapped in atomically."""

from __future__ import annotations

import csv
import dataclasses
import json
import stat
from collections import Counter
from datetime import date

import duckdb
import pytest

from expectations.episodes import PAYERS
from orchestration import publish as publish_module
from orchestration.pipeline import run_pipeline
from orchestration.publish import FEEDS_KEY, PublicationBlocked, publish
from tests.conftest import settings_for, tree_digest

CONTRACT_COLUMNS = [
    "episode_id",
    "person_id",
    "member_id",
    "payer",
    "performance_year",
    "procedure_date",
    "procedure_code",
    "rendering_npi",
    "baseline_date",
    "baseline_score",
    "one_year_date",
    "one_year_score",
    "improvement",
    "outcome",
    "quality_code",
    "g2139",
    "exclusion_reason",
    "is_final",
]
SUMMARY_KEYS = {
    "payer",
    "performance_year",
    "as_of_date",
    "measure",
    "episodes",
    "excluded",
    "pending",
    "eligible_population",
    "performance_met",
    "performance_not_met",
    "not_measured",
    "g2139",
    "performance_rate",
}


def read_feed(folder, payer) -> list[dict]:
    with (folder / payer / "episodes.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_layout_columns_and_permissions(published):
    folder = published.folder
    assert sorted(p.name for p in folder.iterdir()) == sorted([*PAYERS, "manifest.json", "data_quality.json"])
    for payer in PAYERS:
        header = (folder / payer / "episodes.csv").read_text().splitlines()[0].split(",")
        assert header[: len(CONTRACT_COLUMNS)] == CONTRACT_COLUMNS
        summary = json.loads((folder / payer / "summary.json").read_text())
        assert SUMMARY_KEYS <= summary.keys()
        assert summary["measure"]["id"] == "459" and summary["measure"]["stratum"] == "lumbarFusion"
        assert summary["measure"]["codes"]["G2139"] == "not_met"
    for path in folder.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path


def test_values_are_exact_decimals_and_lowercase_booleans(published):
    rows = [row for payer in PAYERS for row in read_feed(published.folder, payer)]
    assert rows, "the demo data should publish episodes"
    for row in rows:
        assert row["g2139"] in ("true", "false") and row["is_final"] in ("true", "false")
        for column in ("baseline_score", "one_year_score", "improvement"):
            value = row[column]
            # "3.1", "5", "0" are fine; binary-float residue such as 3.0999999 is not.
            assert value == "" or len(value.split(".")[-1]) <= 4, (column, value)
        assert (row["g2139"] == "true") == (row["quality_code"] == "G2139")


def test_no_episode_appears_in_another_payers_feed(published):
    seen: dict[str, str] = {}
    for payer in PAYERS:
        for row in read_feed(published.folder, payer):
            assert row["payer"] == payer
            assert row["episode_id"] not in seen, (
                f"{row['episode_id']} in {seen.get(row['episode_id'])} and {payer}"
            )
            seen[row["episode_id"]] = payer
    with duckdb.connect(str(published.settings.warehouse), read_only=True) as con:
        mart = {r[0] for r in con.execute("select episode_id from marts.episodes").fetchall()}
    assert set(seen) == mart


def test_summaries_reconcile_with_episodes(published):
    for payer in PAYERS:
        rows = read_feed(published.folder, payer)
        summary = json.loads((published.folder / payer / "summary.json").read_text())
        count = Counter(r["outcome"] for r in rows)
        assert summary["episodes"] == len(rows)
        assert summary["performance_met"] == count["met"]
        assert summary["g2139"] == count["not_met"]
        assert summary["not_measured"] == count["not_measured"]
        assert (summary["excluded"], summary["pending"]) == (count["excluded"], count["pending"])
        eligible = count["met"] + count["not_met"] + count["not_measured"]
        assert summary["eligible_population"] == eligible
        assert summary["performance_not_met"] == count["not_met"] + count["not_measured"]
        if eligible:
            assert summary["performance_rate"] == pytest.approx(count["met"] / eligible, abs=1e-6)
        else:
            assert summary["performance_rate"] is None


def test_manifest_accounts_for_every_input_row_and_check(published):
    manifest = json.loads((published.folder / "manifest.json").read_text())
    assert manifest["run_id"] == published.run_id
    assert manifest["performance_year"] == 2026 and manifest["as_of_date"] == "2026-11-27"
    landing_files = sorted(
        p.relative_to(published.settings.landing_dir).as_posix()
        for p in published.settings.landing_dir.rglob("*")
        if p.is_file()
    )
    assert sorted(i["path"] for i in manifest["inputs"]) == landing_files
    for entry in manifest["inputs"]:
        assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_quarantined"]
    assert any(i.get("duplicate_of") for i in manifest["inputs"]), "the demo's resent file is a duplicate"
    assert manifest["checks"] and all(c["passed"] for c in manifest["checks"])
    published_files = {o["path"]: o for o in manifest["outputs"]}
    assert set(published_files) == {f"{p}/{n}" for p in PAYERS for n in ("episodes.csv", "summary.json")} | {
        "data_quality.json"
    }
    for path, entry in published_files.items():
        assert publish_module._sha256(published.folder / path) == entry["sha256"]


def test_data_quality_reports_what_was_left_out(published):
    report = json.loads((published.folder / "data_quality.json").read_text())
    assert report["quarantine"]["rows"] > 0
    assert report["unmapped_payers"] and report["unmapped_payers"][0]["episodes"] > 0
    with duckdb.connect(str(published.settings.warehouse), read_only=True) as con:
        quarantined = con.execute("select count(*) from raw.quarantine").fetchone()[0]
    assert report["quarantine"]["rows"] == quarantined


def test_same_input_twice_gives_identical_feeds(published, tmp_path):
    """A fresh warehouse over the same landing files publishes the same bytes."""
    before = tree_digest(published.folder)
    again = settings_for(published.settings.landing_dir, tmp_path)
    outcome = run_pipeline(again)
    assert outcome.success and outcome.published, outcome.failures
    after = tree_digest(again.output_dir / "2026")
    assert set(before) == set(after)
    for name in before:
        if name != "manifest.json":
            assert before[name] == after[name], name
    assert json.loads(after["manifest.json"])["run_id"] != json.loads(before["manifest.json"])["run_id"]


def test_nightly_run_without_new_files_changes_nothing(published, tmp_path):
    copy = published.copy_to(tmp_path)
    before = tree_digest(copy.folder)
    outcome = run_pipeline(copy.settings)
    assert outcome.success and not outcome.published
    assert "measure_dbt_assets" in outcome.step_seconds and "feeds__payer_feeds" not in outcome.step_seconds
    assert any("nothing new" in line for line in outcome.report_lines())
    assert tree_digest(copy.folder) == before


def test_a_new_as_of_date_rebuilds_and_republishes(published, tmp_path):
    copy = published.copy_to(tmp_path)
    next_day = dataclasses.replace(copy.settings, as_of_date=date(2026, 11, 28))
    outcome = run_pipeline(next_day)
    assert outcome.success and outcome.published, outcome.failures
    manifest = json.loads((copy.folder / "manifest.json").read_text())
    assert manifest["as_of_date"] == "2026-11-28" and manifest["run_id"] == outcome.run_id
    assert all(i["rows_loaded"] == 0 and i.get("duplicate_of") for i in manifest["inputs"])


CORRUPTIONS = {
    "score 11": (
        "update marts.episodes set baseline_score = 11 where episode_id = (select min(episode_id) "
        "from marts.episodes where baseline_score is not null)",
        "baseline score within 0-10",
    ),
    "date outside the window": (
        "update marts.episodes set one_year_date = procedure_date + interval 16 month "
        "where episode_id = (select min(episode_id) from marts.episodes where one_year_date is not null)",
        "one-year date on or before procedure + 15 months",
    ),
    "G2139 with g2139=false": (
        "update marts.episodes set g2139 = false where episode_id = (select min(episode_id) "
        "from marts.episodes where quality_code = 'G2139')",
        "g2139 is true exactly when the code is G2139",
    ),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_corrupted_episode_blocks_publication_and_keeps_the_previous_one(published, tmp_path, corruption):
    copy = published.copy_to(tmp_path)
    before = tree_digest(copy.folder)
    statement, expectation = CORRUPTIONS[corruption]
    with duckdb.connect(str(copy.settings.warehouse)) as con:
        [(changed,)] = con.execute(statement).fetchall()
        assert changed == 1
        episode_id = con.execute("select min(episode_id) from marts.episodes").fetchone()[0]
    del episode_id
    outcome = run_pipeline(copy.settings, asset_selection=[FEEDS_KEY])
    assert not outcome.success
    message = "\n".join(outcome.failures)
    assert expectation in message
    assert tree_digest(copy.folder) == before
    assert [p.name for p in (copy.settings.output_dir / ".releases").iterdir()] == [
        copy.folder.resolve().name
    ]


def test_blocking_asset_check_stops_the_run_before_publication(published, tmp_path, monkeypatch):
    import great_expectations as gx

    from expectations import episodes

    original = episodes.build_expectations

    def with_impossible_rule(start, end):
        impossible = gx.expectations.ExpectTableRowCountToEqual(value=-1, description="an impossible rule")
        return [*original(start, end), impossible]

    monkeypatch.setattr(episodes, "build_expectations", with_impossible_rule)
    copy = published.copy_to(tmp_path)
    before = tree_digest(copy.folder)
    # A new as-of date, so that the marts are rebuilt and checked (not skipped as up to date).
    outcome = run_pipeline(dataclasses.replace(copy.settings, as_of_date=date(2026, 11, 28)))
    assert not outcome.success
    message = "\n".join(outcome.failures)
    assert "episodes_expectations" in message and "an impossible rule" in message
    assert tree_digest(copy.folder) == before


def test_interrupted_publication_leaves_the_previous_one_intact(published, tmp_path, monkeypatch):
    copy = published.copy_to(tmp_path)
    before = tree_digest(copy.folder)
    written: list[str] = []
    real_write = publish_module.write_payer_feed

    def fail_after_first_payer(con, folder, payer, summary):
        if written:
            raise OSError("disk full (injected)")
        real_write(con, folder, payer, summary)
        written.append(payer)

    monkeypatch.setattr(publish_module, "write_payer_feed", fail_after_first_payer)
    with pytest.raises(OSError, match="injected"):
        publish(copy.settings, "interrupted-run")
    assert written == [PAYERS[0]]
    assert tree_digest(copy.folder) == before
    leftovers = [p.name for p in copy.settings.output_dir.iterdir() if p.name not in (".releases", "2026")]
    assert leftovers == []
    assert not (copy.settings.output_dir / ".releases" / "2026-interrupted-run").exists()


def test_gate_names_failed_expectations_with_episode_ids_only(published):
    from orchestration.checks import read_frames, validate_publication

    episodes, summary = read_frames(published.settings.warehouse)
    target = episodes.index[0]
    episodes.loc[target, "outcome"] = "met"
    episodes.loc[target, "quality_code"] = "G2139"
    gate = validate_publication(published.settings, episodes, summary)
    assert not gate.passed
    [failure] = [f for f in gate.failures() if "outcome and quality code agree" in f]
    assert episodes.loc[target, "episode_id"] in failure
    assert episodes.loc[target, "person_id"] not in failure
    with pytest.raises(PublicationBlocked):
        raise PublicationBlocked(gate.failures())


def test_publisher_reuses_the_checks_verdict_only_on_identical_content(published):
    from orchestration.checks import content_fingerprint, passed_verdicts

    results = published.settings.warehouse.parent / "validations" / published.run_id
    assert (results / "verdicts" / "episodes.json").exists()
    assert not (results / "publication").exists(), "the publisher validated the same content twice"
    suites = ["episodes", "payer_summary"]
    fingerprint = content_fingerprint(published.settings.warehouse)
    assert passed_verdicts(published.settings, published.run_id, suites, fingerprint) is not None
    assert passed_verdicts(published.settings, published.run_id, suites, "changed") is None
    assert passed_verdicts(published.settings, "another-run", suites, fingerprint) is None
