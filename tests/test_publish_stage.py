"""The publish stage alone, on a hand-made marts warehouse of the spine family (no raw, no
reference schema): exactly the contract's files, #461 and #471 beside #459's, private, atomic,
reproducible, and reading only the marts."""

from __future__ import annotations

import csv
import json
import stat
from collections import Counter
from pathlib import Path

import pytest

from orchestration.checksums import file_sha256
from orchestration.publish import feeds
from orchestration.publish.assets import publish
from orchestration.publish.release import Release
from orchestration.resources import G2139Settings, resolve_settings
from tests.helpers.marts import AS_OF, EPISODES, FAMILY_OUTCOMES, PAYERS, PERFORMANCE_YEAR, build_marts
from tests.helpers.runs import tree_digest

CHECKS = [
    {"name": "marts/episodes: episodes_expectations", "passed": True, "detail": "all expectations passed"}
]
SUMMARY_KEYS = {
    "payer", "performance_year", "as_of_date", "measure", "episodes", "excluded", "pending",
    "eligible_population", "performance_met", "performance_not_met", "not_measured", "g2139",
    "performance_rate", "strata", "overall",
}  # fmt: skip


def settings(warehouse: Path, root: Path) -> G2139Settings:
    run = resolve_settings(
        landing=str(root / "landing"),
        output=str(root / "published"),
        warehouse=str(warehouse),
        as_of=AS_OF,
        performance_year=PERFORMANCE_YEAR,
        environ={},
    )
    return G2139Settings.of(run)


def read_feed(folder: Path, payer: str) -> list[dict]:
    with (folder / payer / "episodes.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def read_measure_feed(folder: Path, payer: str, measure: str) -> list[dict]:
    with (folder / payer / measure / "episodes.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def family_warehouse(tmp_path_factory) -> Path:
    return build_marts(tmp_path_factory.mktemp("family") / "warehouse.duckdb", family=True)


@pytest.fixture(scope="module")
def released(tmp_path_factory, family_warehouse) -> tuple[G2139Settings, Release]:
    root = tmp_path_factory.mktemp("publish")
    before = file_sha256(family_warehouse)
    g2139 = settings(family_warehouse, root)
    release = publish(g2139, "run-1", CHECKS)
    assert file_sha256(family_warehouse) == before, "publishing must not write to the warehouse"
    return g2139, release


def test_layout_columns_and_permissions(released):
    _, release = released
    folder = release.folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*PAYERS, "all_payers", "qpp", "fhir", "schema", "report.html", "manifest.json", "data_quality.json"]
    )
    for payer in PAYERS:
        header = (folder / payer / "episodes.csv").read_text().splitlines()[0].split(",")
        assert header == [*feeds.CONTRACT_COLUMNS, *feeds.EXTRA_COLUMNS]
        summary = json.loads((folder / payer / "summary.json").read_text())
        assert SUMMARY_KEYS <= summary.keys(), "the contract's keys stay, new ones are added beside them"
        assert {k: summary["measure"][k] for k in ("id", "stratum", "codes")} == {
            "id": "459",
            "stratum": "lumbarFusion",
            "codes": {"G2138": "met", "G2139": "not_met", "G9945": "excluded", "G9946": "not_measured"},
        }
        assert set(summary["strata"]) == {"lumbarFusion", "lumbarDiscectomy"}
        for measure in FAMILY_OUTCOMES:
            assert sorted(p.name for p in (folder / payer / measure).iterdir()) == [
                "episodes.csv",
                "summary.json",
            ]
            header = (folder / payer / measure / "episodes.csv").read_text().splitlines()[0].split(",")
            assert header == list(feeds.MEASURE_COLUMNS)
            assert (
                json.loads((folder / payer / measure / "summary.json").read_text())["measure"]["id"]
                == measure
            )
    assert sorted(p.name for p in (folder / "all_payers").iterdir()) == ["461", "471", "summary.json"]
    for path in folder.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path


def test_values_are_exact_decimals_and_lowercase_booleans(released):
    rows = {row["episode_id"]: row for payer in PAYERS for row in read_feed(released[1].folder, payer)}
    assert (rows["E1"]["baseline_score"], rows["E1"]["one_year_score"], rows["E1"]["improvement"]) == (
        "8",
        "2",
        "6",
    )
    assert rows["E2"]["one_year_score"] == "3.5" and rows["E2"]["baseline_score"] == ""
    assert rows["E2"]["g2139"] == "true" and rows["E1"]["g2139"] == "false"
    assert rows["E5"]["is_final"] == "false" and rows["E5"]["quality_code"] == ""


def test_measure_feeds_hold_the_payers_episodes_with_their_own_outcomes(released):
    folder = released[1].folder
    for measure, outcomes in FAMILY_OUTCOMES.items():
        seen = []
        for payer in PAYERS:
            for row in read_measure_feed(folder, payer, measure):
                assert (row["payer"], row["measure_id"]) == (payer, measure)
                assert row["outcome"] == outcomes[row["episode_id"]][0]
                seen.append(row["episode_id"])
            summary = json.loads((folder / payer / measure / "summary.json").read_text())
            rows = read_measure_feed(folder, payer, measure)
            assert summary["overall"]["episodes"] == len(rows)
            assert summary["overall"]["performance_met"] == sum(r["outcome"] == "met" for r in rows)
        assert sorted(seen) == sorted(e[0] for e in EPISODES)
    odi = {row["episode_id"]: row for row in read_measure_feed(folder, "aetna", "471")}
    # Exact decimals on the ODI's 0-100 scale: 80 - 22 = 58, written without trailing zeros.
    assert (odi["E1"]["baseline_score"], odi["E1"]["followup_score"], odi["E1"]["improvement"]) == (
        "80",
        "22",
        "58",
    )
    leg = {row["episode_id"]: row for row in read_measure_feed(folder, "aetna", "461")}
    assert (leg["E1"]["followup_score"], leg["E1"]["improvement"], leg["E1"]["quality_code"]) == (
        "4.5",
        "3.5",
        "",
    )
    assert read_measure_feed(folder, "uhc", "461") == []


def test_headline_files_are_the_same_bytes_with_or_without_the_other_measures(released, tmp_path):
    """#459's payer files and all-payer summary do not change when #461 and #471 are added."""
    headline = build_marts(tmp_path / "headline.duckdb", measures=("459",))
    alone = publish(settings(headline, tmp_path), "run-459", CHECKS).folder
    family = released[1].folder
    for path in [
        *(f"{p}/{n}" for p in PAYERS for n in ("episodes.csv", "summary.json")),
        "all_payers/summary.json",
    ]:
        assert (alone / path).read_bytes() == (family / path).read_bytes(), path
    assert not (alone / "aetna" / "461").exists()
    assert [
        m["measureId"] for m in json.loads((alone / "qpp/group/123456789.json").read_text())["measurements"]
    ] == ["459"]


def test_each_feed_holds_exactly_its_payers_episodes(released):
    seen = [
        (payer, row["payer"], row["episode_id"])
        for payer in PAYERS
        for row in read_feed(released[1].folder, payer)
    ]
    assert all(folder == payer for folder, payer, _ in seen)
    assert sorted(e for _, _, e in seen) == sorted(e[0] for e in EPISODES)
    assert read_feed(released[1].folder, "uhc") == [], "a payer without episodes gets a header-only feed"


def test_summaries_reconcile_with_feeds(released):
    for payer in PAYERS:
        rows = read_feed(released[1].folder, payer)
        summary = json.loads((released[1].folder / payer / "summary.json").read_text())
        blocks = [("lumbarFusion", summary["g2139"], summary)]
        blocks += [(name, block["not_met"], block) for name, block in summary["strata"].items()]
        for stratum, not_met, block in blocks:
            count = Counter(r["outcome"] for r in rows if r["stratum"] == stratum)
            assert block["episodes"] == sum(count.values())
            assert (block["performance_met"], not_met) == (count["met"], count["not_met"])
            assert (block["excluded"], block["pending"]) == (count["excluded"], count["pending"])
        assert summary["overall"]["episodes"] == len(rows)


def test_manifest_lists_inputs_checks_and_every_output(released):
    g2139, release = released
    manifest = json.loads((release.folder / "manifest.json").read_text())
    assert (manifest["run_id"], manifest["as_of_date"], manifest["performance_year"]) == (
        "run-1",
        AS_OF,
        2026,
    )
    assert manifest["checks"] == CHECKS
    assert [i["path"] for i in manifest["inputs"]] == [
        "medical_claim/again.csv",
        "medical_claim/claims.csv",
        "pain_score/scores.csv",
        "pain_score/scores.csv",
    ]
    assert manifest["inputs"][0]["duplicate_of"] == "medical_claim/claims.csv"
    assert manifest["inputs"][0]["status"] == "duplicate"
    assert "duplicate_of" not in manifest["inputs"][1] and "status" not in manifest["inputs"][1]
    # A path re-sent with other content: both versions listed, each naming the other.
    versions = {i["sha256"]: i for i in manifest["inputs"][2:]}
    assert versions["cc33"]["superseded_by"] == "L9" and versions["bb22"]["replaces"] == "L1"
    outputs = {o["path"]: o for o in manifest["outputs"]}
    on_disk = {p.relative_to(release.folder).as_posix() for p in release.folder.rglob("*") if p.is_file()}
    assert set(outputs) == on_disk - {"manifest.json"}
    assert {f"{p}/{n}" for p in PAYERS for n in ("episodes.csv", "summary.json")} <= set(outputs)
    assert {"all_payers/summary.json", "report.html", "qpp/group/123456789.json",
            "qpp/individual/123456789_1999999999.json", "fhir/Measure-459.json", "fhir/Measure-471.json",
            "all_payers/461/summary.json", "aetna/471/episodes.csv",
            "fhir/MeasureReport-461-tin_npi-123456789_1999999999.json"} <= set(outputs)  # fmt: skip
    assert outputs["aetna/461/episodes.csv"]["rows"] == 2
    # Readiness lives in the manifest (and the summaries), never in a QPP body.
    assert manifest["measures"] == {
        "459": {"title": "Back pain after lumbar surgery", "ready": False,
                "ready_by_stratum": {"lumbarDiscectomy": False, "lumbarFusion": True}},
        "461": {"title": "Leg Pain After Lumbar Surgery", "ready": False,
                "ready_by_stratum": {"lumbarDiscectomy": False, "lumbarFusion": True}},
        "471": {"title": "Functional Status After Lumbar Surgery", "ready": False,
                "ready_by_stratum": {"lumbarDiscectomy": False, "lumbarFusion": True}},
    }  # fmt: skip
    assert (manifest["ready"], manifest["qpp_program"]) == (False, "M1425")
    for path, entry in outputs.items():
        assert file_sha256(release.folder / path) == entry["sha256"]
    assert outputs["aetna/episodes.csv"]["rows"] == 2
    machine_path = str(g2139.run.output_dir.parent)
    assert all(machine_path not in text for text in map(bytes.decode, tree_digest(release.folder).values()))


def test_data_quality_reports_what_was_left_out(released):
    report = json.loads((released[1].folder / "data_quality.json").read_text())
    assert report["quarantine"] == {
        "rows": 1,
        "by_table_and_reason": {"medical_claim": {"unparseable_date:claim_start_date": 1}},
    }
    assert report["unmapped_payers"] == [{"payer_text": "Acme Health", "episodes": 2, "persons": 2}]
    assert report["persons_without_usable_birth_date"] == {
        "missing_birth_date": {"persons": 1, "episodes": 1}
    }
    assert report["superseded"]["pain_score"] == {
        "files_replaced": 1,
        "records_superseded": 2,
        "files_still_being_written": 0,
    }


def test_same_marts_twice_give_identical_feeds_and_one_release(released):
    g2139, release = released
    before = tree_digest(release.folder)
    again = publish(g2139, "run-2", CHECKS)
    after = tree_digest(again.folder)
    assert {k: v for k, v in before.items() if k != "manifest.json"} == {
        k: v for k, v in after.items() if k != "manifest.json"
    }
    assert json.loads(after["manifest.json"])["run_id"] == "run-2"
    assert [p.name for p in (g2139.run.output_dir / ".releases").iterdir()] == ["2026-run-2"]


def test_interrupted_publication_leaves_the_previous_one_intact(marts_warehouse, tmp_path, monkeypatch):
    g2139 = settings(marts_warehouse, tmp_path)
    previous = publish(g2139, "good-run", CHECKS)
    before = tree_digest(previous.folder)
    written: list[str] = []
    real_write = feeds.write_payer_feed

    def fail_after_first_payer(warehouse, folder, payer, measures=()):
        if written:
            raise OSError("disk full (injected)")
        real_write(warehouse, folder, payer, measures)
        written.append(payer)

    monkeypatch.setattr(feeds, "write_payer_feed", fail_after_first_payer)
    with pytest.raises(OSError, match="injected"):
        publish(g2139, "interrupted-run", CHECKS)
    assert written == [PAYERS[0]]
    assert tree_digest(previous.folder) == before
    output = g2139.run.output_dir
    assert sorted(p.name for p in output.iterdir()) == [".releases", "2026"]
    assert [p.name for p in (output / ".releases").iterdir()] == ["2026-good-run"]
