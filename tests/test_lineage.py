"""Column lineage and documentation for data engineers: every published feed column traces
back, hop by hop through the dbt models, to the landing columns it comes from; every model,
seed, source and column is described; the dbt docs site builds offline."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import dagster as dg
import duckdb
import pytest

from orchestration.resources import DBT_PROJECT_DIR
from orchestration.transform.project import dbt_project

pytestmark = pytest.mark.pipeline

FEEDS = dg.AssetKey(["feeds", "payer_feeds"])
LINEAGE = "dagster/column_lineage"


def _lineage(instance, key: dg.AssetKey) -> dict[str, list[tuple[dg.AssetKey, str]]] | None:
    """The column lineage of an asset's latest materialization; None for landing assets."""
    event = instance.get_latest_materialization_event(key)
    if event is None:
        return None
    value = event.asset_materialization.metadata.get(LINEAGE)
    if value is None:
        return {}
    return {
        column: [(dep.asset_key, dep.column_name) for dep in deps]
        for column, deps in value.value.deps_by_column.items()
    }


def _origins(instance, key: dg.AssetKey, column: str, cache: dict) -> set[tuple[str, str, str]]:
    """Where a column's lineage starts, as (asset, column, kind): `landing` (a landing file's
    column), `seed` (reference data), `run` (the run's parameters), `constant` (a column the
    SQL computes from literals alone) or `missing` (an asset without column lineage)."""
    if (key, column) in cache:
        return cache[(key, column)]
    cache[(key, column)] = set()  # a cycle would stop here
    lineage = _lineage(instance, key)
    name = key.to_user_string()
    if lineage is None or not lineage:
        kind = {"landing": "landing", "reference": "seed"}.get(key.path[0], "missing")
        found = {(name, column, "run" if name == "raw/run_parameters" else kind)}
    elif not lineage.get(column):
        found = {(name, column, "constant" if column in lineage else "missing")}
    else:
        found = set().union(*(_origins(instance, k, c, cache) for k, c in lineage[column]))
    cache[(key, column)] = found
    return found


def test_every_feed_column_traces_back_to_landing_columns(published):
    instance = dg.DagsterInstance.get()
    feed = _lineage(instance, FEEDS)
    assert feed and all(feed.values()), "every episodes.csv column comes from a column of marts.episodes"
    cache: dict = {}
    origins = {column: _origins(instance, FEEDS, column, cache) for column in feed}
    missing = {column: found for column, found in origins.items() if any(k == "missing" for *_, k in found)}
    assert missing == {}
    starts = {
        column: {(key, name) for key, name, kind in found if kind == "landing"}
        for column, found in origins.items()
    }
    assert ("landing/medical_claim", "person_id") in starts["person_id"]
    assert ("landing/pain_score", "score") in starts["baseline_score"]
    assert ("landing/fhir", "valueQuantity.value") in starts["baseline_score"]
    assert starts["procedure_code_system"] == set() and starts["stratum"] == set()  # a literal, a seed
    # Most columns start in the landing files; the others in seeds, the run or constants.
    assert sum(1 for found in starts.values() if found) >= len(feed) // 2


def test_every_model_seed_source_and_column_is_described(published):
    manifest = json.loads(dbt_project.manifest_path.read_text())
    nodes = {
        uid: node
        for uid, node in [*manifest["nodes"].items(), *manifest["sources"].items()]
        if node["resource_type"] in ("model", "seed", "source")
    }
    with duckdb.connect(str(published.settings.warehouse), read_only=True) as con:
        built = con.execute(
            "select table_schema || '.' || table_name, lower(column_name) from information_schema.columns"
        ).fetchall()
    columns: dict[str, set[str]] = {}
    for relation, column in built:
        columns.setdefault(relation, set()).add(column)
    missing = []
    for uid, node in nodes.items():
        if not node.get("description", "").strip():
            missing.append(uid)
        relation = f"{node['schema']}.{node.get('alias') or node.get('identifier') or node['name']}"
        described = {n.lower() for n, c in node["columns"].items() if c.get("description", "").strip()}
        assert relation in columns, f"{uid}: {relation} not built"
        # Loader bookkeeping columns of the raw tables are described on the source as a whole.
        own = {c for c in columns[relation] if not c.startswith("_")}
        missing += [f"{uid}.{c}" for c in sorted(own - described)]
    assert missing == []


def test_dbt_docs_site_builds_offline_as_one_static_page(published, tmp_path):
    from orchestration.transform.dbt_target import DUCKDB_TARGET
    from orchestration.transform.project import write_profiles

    settings = published.copy_to(tmp_path / "copy").settings
    profiles = write_profiles(settings, DUCKDB_TARGET)
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    dbt = os.path.join(os.path.dirname(sys.executable), "dbt")
    subprocess.run(
        [dbt, "docs", "generate", "--static", "--quiet", "--profiles-dir", str(profiles),
         "--target", DUCKDB_TARGET.name, "--target-path", str(tmp_path / "docs")],
        cwd=DBT_PROJECT_DIR, env=env, check=True,
    )  # fmt: skip
    page = (tmp_path / "docs" / "static_index.html").read_text(encoding="utf-8")
    assert "int_index_episodes" in page and "stg_raw__medical_claim" in page
    # Reads offline: no script, stylesheet or image fetched from the network.
    assert not re.search(r"<(script|img)[^>]*\bsrc=\"https?://|<link[^>]*\bhref=\"https?://", page, re.I)
