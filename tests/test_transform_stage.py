"""The transform stage's pure parts: dbt's profile and arguments from the settings resource,
and change detection from loaded files, run vars and node checksums, trusted only while the
live publication is the one that build's run made."""

from __future__ import annotations

import json

import yaml

from orchestration.resources import resolve_settings
from orchestration.transform.dbt_target import DUCKDB_TARGET
from orchestration.transform.project import dbt_build_args, write_profiles
from orchestration.transform.state import (
    PART_NAMES,
    BuildState,
    decide,
    input_state,
    last_built_state,
    live_run_id,
    project_checksums,
    record_built_state,
)
from orchestration.warehouse import DuckDBWarehouse


def settings(tmp_path, **overrides):
    return resolve_settings(
        warehouse=str(tmp_path / "w.duckdb"), as_of="2026-11-27", var_overrides=overrides, environ={}
    )


def test_dbt_writes_to_the_warehouse_of_the_settings_through_its_profile(tmp_path):
    folder = write_profiles(settings(tmp_path), DUCKDB_TARGET)
    profiles = yaml.safe_load((folder / "profiles.yml").read_text())
    [profile] = profiles.values()
    assert profile["target"] == "duckdb"
    assert profile["outputs"]["duckdb"]["path"] == str(tmp_path / "w.duckdb")


def test_var_overrides_reach_dbt_with_the_run_parameters(tmp_path):
    args = dbt_build_args(settings(tmp_path, one_year_met_max_score=4.0))
    passed = json.loads(args[args.index("--vars") + 1])
    assert passed == {"one_year_met_max_score": 4.0, "as_of_date": "2026-11-27", "performance_year": 2026}


def test_without_overrides_no_vars_reach_dbt_so_its_partial_parse_survives_a_new_night(tmp_path):
    assert "--vars" not in dbt_build_args(settings(tmp_path))


def test_state_follows_files_vars_and_node_checksums_not_manifest_bytes(tmp_path):
    manifest = {
        "metadata": {"project_name": "g2139", "generated_at": "2026-11-27T00:00:00"},
        "nodes": {"model.g2139.episodes": {"checksum": {"name": "sha256", "checksum": "abc"}}},
        "macros": {"macro.g2139.add_months": {"package_name": "g2139", "macro_sql": "{% macro x() %}"}},
    }
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    base = project_checksums(path)
    manifest["metadata"]["generated_at"] = "2026-11-28T00:00:00"
    path.write_text(json.dumps(manifest, indent=2))
    assert project_checksums(path) == base, "a re-parse alone is no change"
    state = input_state(["f1"], {"as_of_date": "2026-11-27"}, {"baseline_window_months": 3}, base)
    assert state == input_state(["f1"], {"as_of_date": "2026-11-27"}, {"baseline_window_months": 3}, base)
    assert state != input_state(
        ["f1", "f2"], {"as_of_date": "2026-11-27"}, {"baseline_window_months": 3}, base
    )
    assert state != input_state(["f1"], {"as_of_date": "2026-11-28"}, {"baseline_window_months": 3}, base)
    assert state != input_state(["f1"], {"as_of_date": "2026-11-27"}, {"baseline_window_months": 4}, base)
    assert state != input_state(
        ["f1"], {"as_of_date": "2026-11-27"}, {"baseline_window_months": 3}, {**base, "x": "1"}
    )


def test_a_build_counts_only_while_its_run_made_the_live_publication(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    warehouse.execute("create table t (x int)")
    assert last_built_state(warehouse) is None
    record_built_state(warehouse, "s1", "run-1", {"reference": "r"})
    assert last_built_state(warehouse) == "s1"
    current = BuildState("s1", {"reference": "r", **{name: "p" for name in PART_NAMES}})
    # Killed before its release was swapped in, or stopped by a check: run-0's release is live.
    assert decide(warehouse, current, [], live_run="run-0").build
    assert "not its own" in decide(warehouse, current, [], live_run="run-0").reason
    assert decide(warehouse, current, [], live_run=None).build  # nothing published
    assert not decide(warehouse, current, [], live_run="run-1").build
    assert decide(warehouse, BuildState("s2", current.parts), [], live_run="run-1").build


def test_the_live_run_is_read_from_the_publication_manifest(tmp_path):
    assert live_run_id(tmp_path, 2026) is None
    (tmp_path / "2026").mkdir()
    (tmp_path / "2026" / "manifest.json").write_text("{not json")
    assert live_run_id(tmp_path, 2026) is None
    (tmp_path / "2026" / "manifest.json").write_text(json.dumps({"run_id": "run-1"}))
    assert live_run_id(tmp_path, 2026) == "run-1" and live_run_id(tmp_path, 2025) is None


def test_the_run_dbt_cli_knows_the_dbt_version_without_starting_dbt(tmp_path, monkeypatch):
    import importlib.metadata

    from orchestration.transform.project import dbt_for_run

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"a subprocess was started: {args}")

    monkeypatch.setattr("dagster_dbt.core.resource.check_output", no_subprocess)
    dbt = dbt_for_run(settings(tmp_path), DUCKDB_TARGET)
    assert str(dbt._cli_version) == importlib.metadata.version("dbt-core")
    # No dbt adapter opened in the run's process: row counts are the pipeline's own.
    assert dbt._initialize_dbt_core_adapter(["build"]) is None


def test_reference_state_follows_the_seeds_files_configuration_and_tests_not_the_models(tmp_path):
    from orchestration.transform.project import dbt_project
    from orchestration.transform.state import reference_checksums

    manifest = json.loads(dbt_project.manifest_path.read_text())
    before = reference_checksums(dbt_project.manifest_path)
    assert "seed.g2139.lumbar_fusion" in before and "model.g2139.episodes" not in before

    def changed(edit) -> bool:
        copy = json.loads(json.dumps(manifest))
        edit(copy["nodes"])
        path = tmp_path / "manifest.json"
        path.write_text(json.dumps(copy))
        return reference_checksums(path) != before

    assert changed(lambda n: n["seed.g2139.lumbar_fusion"]["checksum"].update(checksum="0" * 64))
    assert changed(lambda n: n["seed.g2139.lumbar_fusion"]["config"].update(column_types={"code": "integer"}))
    seed_test = next(u for u in manifest["nodes"] if u.startswith("test.g2139.not_null_lumbar_fusion"))
    assert changed(lambda n: n[seed_test]["checksum"].update(checksum="0" * 64))
    assert not changed(lambda n: n["model.g2139.episodes"]["checksum"].update(checksum="0" * 64))


def test_the_manifest_is_parsed_once_per_content(tmp_path):
    from orchestration.transform.state import read_manifest

    path = tmp_path / "manifest.json"
    path.write_text('{"nodes": {"a": 1}}')
    first = read_manifest(path)
    assert read_manifest(path) is first
    path.write_text('{"nodes": {"b": 1}}')  # same size, maybe the same modification time
    assert read_manifest(path) == {"nodes": {"b": 1}}
