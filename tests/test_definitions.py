"""The code location loads and its lineage is one graph from landing files to the marts."""

from __future__ import annotations

import dagster as dg

from orchestration.definitions import NIGHTLY_JOB, defs

RAW_KEYS = {dg.AssetKey(["raw", t]) for t in ("medical_claim", "eligibility", "pain_score")}


def test_definitions_load_with_the_nightly_job_and_schedule():
    assert defs.resolve_job_def(NIGHTLY_JOB) is not None
    assert defs.resolve_schedule_def("nightly_02h").cron_schedule == "0 2 * * *"


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


def test_dbt_tests_are_asset_checks_on_the_mart():
    graph = defs.resolve_asset_graph()
    checks = {c.asset_key for c in graph.asset_check_keys}
    assert dg.AssetKey(["marts", "episodes"]) in checks


def test_layers_are_grouped():
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey(["raw", "pain_score"])).group_name == "ingest"
    assert graph.get(dg.AssetKey(["marts", "episodes"])).group_name == "marts"
