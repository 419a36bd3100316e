"""The code location loads and its lineage is one graph from landing files to the marts."""

from __future__ import annotations

import dagster as dg

from orchestration.definitions import NIGHTLY_JOB, defs

RAW_KEYS = {dg.AssetKey(["raw", t]) for t in ("medical_claim", "eligibility", "pain_score")}


def test_definitions_load_with_the_nightly_job_and_schedule():
    assert defs.resolve_job_def(NIGHTLY_JOB) is not None
    schedule = defs.resolve_schedule_def("nightly")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.execution_timezone == "UTC"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def _ancestors(graph, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen: set[dg.AssetKey] = set()
    todo = [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_outcome_mart_descends_from_the_three_landing_assets():
    graph = defs.resolve_asset_graph()
    episodes = dg.AssetKey(["marts", "episodes"])
    assert episodes in graph.get_all_asset_keys()
    assert RAW_KEYS <= _ancestors(graph, episodes)
    # The raw keys are the ingestion assets themselves, not dangling external sources.
    for key in RAW_KEYS:
        assert graph.get(key).is_materializable


GATE_CHECKS = {"episodes_expectations", "measure_summary_expectations", "load_accounting_expectations"}


def test_dbt_tests_are_asset_checks_on_the_mart():
    graph = defs.resolve_asset_graph()
    on_episodes = {
        c.name for c in graph.asset_check_keys if c.asset_key == dg.AssetKey(["marts", "episodes"])
    }
    dbt_tests = on_episodes - GATE_CHECKS
    assert dbt_tests, "no dbt data test on marts.episodes became an asset check"
    assert "episodes_expectations" in on_episodes


def test_gate_checks_are_blocking_and_run_once():
    graph = defs.resolve_asset_graph()
    gate = [key for key in graph.asset_check_keys if key.name in GATE_CHECKS]
    assert sorted(key.name for key in gate) == sorted(GATE_CHECKS), "each suite is one check"
    for key in gate:
        assert graph.get_check_spec(key).blocking, key


def test_publication_depends_on_every_mart_it_reads():
    graph = defs.resolve_asset_graph()
    parents = graph.get(dg.AssetKey(["feeds", "payer_feeds"])).parent_keys
    assert {k.path[0] for k in parents} == {"marts", "reference"}
    assert dg.AssetKey(["marts", "measure_summary"]) in parents


def test_layers_are_grouped():
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey(["raw", "pain_score"])).group_name == "ingest"
    assert graph.get(dg.AssetKey(["marts", "episodes"])).group_name == "marts"


def test_fhir_landing_assets_are_upstream_of_the_episodes():
    graph = defs.resolve_asset_graph()
    fhir = {dg.AssetKey(["raw", t]) for t in ("fhir_observation", "fhir_patient")}
    assert fhir <= _ancestors(graph, dg.AssetKey(["marts", "episodes"]))
    for key in fhir:
        assert graph.get(key).is_materializable and graph.get(key).group_name == "ingest"


def test_landing_folders_are_external_assets_upstream_of_raw():
    graph = defs.resolve_asset_graph()
    for key in RAW_KEYS:
        [landing] = [p for p in graph.get(key).parent_keys if p.path[0] == "landing"]
        assert not graph.get(landing).is_materializable and landing.path[1] == key.path[1]


def test_every_seed_reaches_a_model_or_the_publication():
    graph = defs.resolve_asset_graph()
    seeds = [k for k in graph.get_all_asset_keys() if graph.get(k).group_name == "reference"]
    feeds = graph.get(dg.AssetKey(["feeds", "payer_feeds"])).parent_keys
    # measure_version documents the measure's history: no model or feed reads it (its exposure says so).
    orphans = [k for k in seeds if not graph.get(k).child_keys and k.path[-1] != "measure_version"]
    assert not orphans
    assert {
        dg.AssetKey(["reference", s]) for s in ("payer_alias", "quality_code", "measure_stratum")
    } <= feeds


def test_owners_kinds_and_patient_data_tags():
    graph = defs.resolve_asset_graph()
    episodes, summary = (
        graph.get(dg.AssetKey(["marts", "episodes"])),
        graph.get(dg.AssetKey(["marts", "measure_summary"])),
    )
    assert episodes.tags["g2139/patient_data"] == "true" and summary.tags["g2139/patient_data"] == "false"
    assert {"dbt", "duckdb", "great_expectations"} <= set(episodes.kinds)
    assert graph.get(dg.AssetKey(["raw", "pain_score"])).tags["g2139/patient_data"] == "true"
    assert all(graph.get(k).owners for k in graph.get_all_asset_keys())


def test_published_feeds_are_dbt_exposures():
    import json

    from orchestration.transform.project import dbt_project

    manifest = json.loads(dbt_project.manifest_path.read_text())
    feeds = manifest["exposures"]["exposure.g2139.payer_feeds"]
    assert {"model.g2139.episodes", "model.g2139.measure_summary"} <= set(feeds["depends_on"]["nodes"])


def test_code_location_loads_under_dagster_dev_without_the_venv_on_path(tmp_path):
    """`make dagster` starts `.venv/bin/dagster dev` without activating the venv: dagster-dbt's
    development preparation (a `dbt parse` on load) must find the dbt beside the interpreter."""
    import os
    import subprocess
    import sys

    venv_bin = os.path.dirname(sys.executable)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p and p != venv_bin)
    env = {**os.environ, "PATH": path, "DAGSTER_IS_DEV_CLI": "1", "DAGSTER_HOME": str(tmp_path)}
    code = "import orchestration.definitions as d; print(d.defs.resolve_job_def('nightly').name)"
    loaded = subprocess.run(
        [sys.executable, "-c", code],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.split()[-1] == "nightly"
