"""Is there anything new to build? The nightly no-change run should cost little.

The marts depend on the files loaded into ``raw`` (their sha256), the run's vars (as-of
date, performance year, rule overrides), the project's vars and the dbt project itself
(the checksum of every model, seed and test node and the text of the project's macros).
When that state equals the one of the last successful build in this warehouse, and the live
publication (`<output>/<PY>/manifest.json`) is the one that build's run made, a rebuild would
reproduce the same marts and the same files, so the build (and with it the checks and the
publication downstream) is skipped. The state is kept in the warehouse by this stage, which
owns it; the publication is asked, never trusted blindly: a run killed while publishing, or
stopped by a check, built marts that were never published, and the next run builds and
publishes again.

The reference data (the seeds: value sets, payers, strata) is a part of its own: the seed
files and their configuration, the tests on seeds alone, the project's macros and vars,
the rule overrides and the engine. Not the as-of date, which changes every night. When it
equals the last build's and the seed tables
are in the warehouse, the build reuses them: they are neither reloaded nor re-tested on
their own, since the same seeds passed the same tests in that build (the tests comparing
the marts with the seeds run in every build).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.resources import RunSettings
from orchestration.rules import project_vars
from orchestration.warehouse import Warehouse

STATE_TABLE = "meta.build_state"
# The live publication's manifest (`<output>/<PY>/manifest.json`, written by the publish stage).
LIVE_MANIFEST = "manifest.json"


_MANIFEST: dict[str, dict[str, Any]] = {}  # the last manifest parsed, by its bytes' digest


def read_manifest(manifest_path: Path) -> dict[str, Any]:
    """dbt's manifest (megabytes of JSON), parsed once per content: a build reads it for its
    state, its seeds and its row counts. Keyed by the bytes' digest, not the file's time, so
    a rewrite is never missed. Shared: read it, never change it."""
    content = manifest_path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    if digest not in _MANIFEST:
        _MANIFEST.clear()
        _MANIFEST[digest] = json.loads(content)
    return _MANIFEST[digest]


def relation_of(node: dict[str, Any]) -> str:
    """`schema.table` a dbt node builds."""
    return f"{node['schema']}.{node.get('alias') or node['name']}"


def project_checksums(manifest_path: Path) -> dict[str, str]:
    """What in the dbt project can change the marts: node checksums and macro text, not the
    manifest's bytes (which carry timestamps and absolute paths)."""
    manifest = read_manifest(manifest_path)
    project = manifest["metadata"].get("project_name")
    checksums = {uid: node["checksum"]["checksum"] for uid, node in manifest["nodes"].items()}
    for uid, macro in manifest.get("macros", {}).items():
        if macro.get("package_name") == project:
            checksums[uid] = hashlib.sha256(macro["macro_sql"].encode()).hexdigest()
    return checksums


def reference_checksums(manifest_path: Path) -> dict[str, str]:
    """The seeds (their file and their configuration: column types, schema), the data tests
    on seeds alone, and the project's macros."""
    manifest = read_manifest(manifest_path)
    seeds = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "seed"}
    checksums = project_checksums(manifest_path)
    reference = {
        uid: checksum
        for uid, checksum in checksums.items()
        if uid.startswith("macro.")
        or (uid.startswith("test.") and set(manifest["nodes"][uid]["depends_on"]["nodes"]) <= seeds)
    }
    for uid in seeds:
        reference[uid] = _digest([checksums[uid], manifest["nodes"][uid]["config"]])
    return reference


def seed_relations(manifest_path: Path) -> list[tuple[str, str]]:
    """(schema, table) of every seed, as dbt builds them."""
    seeds = read_manifest(manifest_path)["nodes"].values()
    return sorted(tuple(relation_of(n).split(".", 1)) for n in seeds if n["resource_type"] == "seed")


def input_state(
    files: list[str], run_vars: dict[str, Any], project_vars_: dict[str, Any], checksums: dict[str, str]
) -> str:
    state = {"files": sorted(files), "run_vars": run_vars, "project_vars": project_vars_, "dbt": checksums}
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


PART_NAMES = {
    "files": "landing files",
    "run_vars": "run parameters",
    "project_vars": "project vars",
    "dbt": "dbt nodes",
}
REFERENCE = "reference"


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class BuildState:
    """The inputs of a build, as one digest (compared) and one digest per part (to say why)."""

    state: str
    parts: dict[str, str]


@dataclass(frozen=True)
class Decision:
    build: bool
    reason: str
    last_run_id: str | None
    # The seeds in the warehouse are the ones this build would load and test.
    reuse_reference: bool = False


def build_state(warehouse: Warehouse, settings: RunSettings, manifest_path: Path) -> BuildState:
    # The engine is a run parameter too: marts built on another engine are rebuilt on this one.
    files, run_vars = loaded_files(warehouse), {**settings.dbt_vars(), "engine": settings.engine}
    vars_, checksums = project_vars(), project_checksums(manifest_path)
    parts = {"files": sorted(files), "run_vars": run_vars, "project_vars": vars_, "dbt": checksums}
    reference = {
        "seeds": reference_checksums(manifest_path),
        "project_vars": vars_,
        "overrides": settings.var_overrides,
        "engine": settings.engine,
    }
    return BuildState(
        state=input_state(files, run_vars, vars_, checksums),
        parts={name: _digest(value) for name, value in {**parts, REFERENCE: reference}.items()},
    )


def live_run_id(output_dir: Path, year: int) -> str | None:
    """The run id in the live publication's manifest, if there is one and it can be read."""
    try:
        manifest = json.loads((output_dir / str(year) / LIVE_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest.get("run_id") if isinstance(manifest, dict) else None


def decide(
    warehouse: Warehouse, current: BuildState, seeds: list[tuple[str, str]], live_run: str | None
) -> Decision:
    """Build or skip, with the reason the UI and the terminal show; a build reuses the
    reference data when it is unchanged and still in the warehouse (``seeds``).

    Skipped only when the last build had the same inputs and its run made the live
    publication (``live_run``): the build state means "built and published"."""
    last = last_build(warehouse)
    if last is None:
        return Decision(True, "no earlier build in this warehouse", None)
    state, run_id, parts = last
    if state == current.state and live_run == run_id:
        return Decision(
            False, f"nothing new since run {run_id} (same landing files, parameters and dbt nodes)", run_id
        )
    if state == current.state:
        reason = f"run {run_id} built the same inputs but the live publication is not its own"
    else:
        changed = [label for name, label in PART_NAMES.items() if parts.get(name) != current.parts[name]]
        reason = f"{', '.join(changed) or 'inputs'} changed since run {run_id}"
    reuse = parts.get(REFERENCE) == current.parts[REFERENCE] and tables_present(warehouse, seeds)
    if reuse:
        reason += "; reference data unchanged, reused"
    return Decision(True, reason, run_id, reuse_reference=reuse)


def tables_present(warehouse: Warehouse, relations: list[tuple[str, str]]) -> bool:
    """Every one of ``relations`` is a table of the warehouse."""
    present = {
        (r["table_schema"], r["table_name"])
        for r in warehouse.rows("select table_schema, table_name from information_schema.tables")
    }
    return bool(relations) and set(relations) <= present


def loaded_files(warehouse: Warehouse) -> list[str]:
    rows = warehouse.rows(
        "select distinct file_sha256 from raw.load_history  where status = 'loaded' and superseded_by is null"
    )
    return [r["file_sha256"] for r in rows]


def last_build(warehouse: Warehouse) -> tuple[str, str, dict[str, str]] | None:
    """(state, run id, digest per part) of the last successful build, if any."""
    exists = warehouse.rows(
        "select count(*) as n from information_schema.tables "
        "where table_schema = 'meta' and table_name = 'build_state'"
    )[0]["n"]
    if not exists:
        return None
    rows = warehouse.rows(f"select * from {STATE_TABLE} order by built_at desc limit 1")
    if not rows:
        return None
    return rows[0]["state"], rows[0]["run_id"], json.loads(rows[0].get("parts") or "{}")


def last_built_state(warehouse: Warehouse) -> str | None:
    last = last_build(warehouse)
    return last[0] if last else None


def record_built_state(
    warehouse: Warehouse, state: str, run_id: str, parts: dict[str, str] | None = None
) -> None:
    # Hex digests and Dagster run ids (uuid) only: safe as literals.
    warehouse.execute(
        "create schema if not exists meta",
        f"create table if not exists {STATE_TABLE} (state varchar, run_id varchar, built_at timestamp)",
        f"alter table {STATE_TABLE} add column if not exists parts varchar",
        f"insert into {STATE_TABLE} (state, run_id, built_at, parts) "
        f"values ('{state}', '{run_id}', now(), '{json.dumps(parts or {})}')",
    )
