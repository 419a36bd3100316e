"""Is there anything new to build? The nightly no-change run should cost little.

The marts depend on the files loaded into ``raw`` (their sha256), the run's vars (as-of
date, performance year, rule overrides), the project's vars and the dbt project itself
(the checksum of every model, seed and test node and the text of the project's macros).
When that state equals the one of the last successful build in this warehouse, a rebuild
would reproduce the same marts, so the build (and with it the checks and the publication
downstream) is skipped. The state is kept in the warehouse by this stage, which owns it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from orchestration.resources import RunSettings
from orchestration.rules import project_vars
from orchestration.warehouse import Warehouse

STATE_TABLE = "meta.build_state"


def project_checksums(manifest_path: Path) -> dict[str, str]:
    """What in the dbt project can change the marts: node checksums and macro text, not the
    manifest's bytes (which carry timestamps and absolute paths)."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    project = manifest["metadata"].get("project_name")
    checksums = {uid: node["checksum"]["checksum"] for uid, node in manifest["nodes"].items()}
    for uid, macro in manifest.get("macros", {}).items():
        if macro.get("package_name") == project:
            checksums[uid] = hashlib.sha256(macro["macro_sql"].encode()).hexdigest()
    return checksums


def input_state(
    files: list[str], run_vars: dict[str, Any], project_vars_: dict[str, Any], checksums: dict[str, str]
) -> str:
    state = {"files": sorted(files), "run_vars": run_vars, "project_vars": project_vars_, "dbt": checksums}
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def loaded_files(warehouse: Warehouse) -> list[str]:
    rows = warehouse.rows(
        "select distinct file_sha256 from raw.load_history  where status = 'loaded' and superseded_by is null"
    )
    return [r["file_sha256"] for r in rows]


def current_state(warehouse: Warehouse, settings: RunSettings, manifest_path: Path) -> str:
    return input_state(
        loaded_files(warehouse), settings.dbt_vars(), project_vars(), project_checksums(manifest_path)
    )


def last_built_state(warehouse: Warehouse) -> str | None:
    exists = warehouse.rows(
        "select count(*) as n from information_schema.tables "
        "where table_schema = 'meta' and table_name = 'build_state'"
    )[0]["n"]
    if not exists:
        return None
    rows = warehouse.rows(f"select state from {STATE_TABLE} order by built_at desc limit 1")
    return rows[0]["state"] if rows else None


def record_built_state(warehouse: Warehouse, state: str, run_id: str) -> None:
    # Both values are hex digests or Dagster run ids (uuid): safe as literals.
    warehouse.execute(
        "create schema if not exists meta",
        f"create table if not exists {STATE_TABLE} (state varchar, run_id varchar, built_at timestamp)",
        f"insert into {STATE_TABLE} values ('{state}', '{run_id}', now())",
    )


def forget_build(warehouse: Warehouse, run_id: str) -> None:
    """A run that built the marts but then failed (a blocking check, the publication) must not
    let the next run skip as "nothing new": its build no longer counts."""
    if last_built_state(warehouse) is not None:
        # A Dagster run id is a uuid: safe as a literal.
        warehouse.execute(f"delete from {STATE_TABLE} where run_id = '{run_id}'")
