"""Column schema and column lineage of the dbt models, for the Dagster UI.

dagster-dbt's `fetch_column_metadata()` asks a dbt adapter opened in this process for each
model's columns while `dbt build` runs; the DuckDB file has one writer, the dbt process, so
that adapter cannot open it then. The same work is done once dbt has finished: the columns
of every relation are read from the warehouse's catalogue in one query, and each model's
lineage is computed by dagster-dbt's own builder (sqlglot on the compiled SQL, offline),
so every column of a model names the columns of its parents it comes from. Descriptions
come from the dbt docs (`models/**/*.yml`), which a test requires for every column.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.warehouse import Warehouse

# Into the run's event log (the UI), not onto the terminal of `g2139 run`.
log = dg.get_dagster_logger(__name__)
LINEAGE = "dagster/column_lineage"
SCHEMAS = ("raw", "reference", "staging", "intermediate", "marts")


def relation_columns(warehouse: Warehouse) -> dict[str, dict[str, dict[str, str]]]:
    """`schema.table` -> {column: {"data_type": type}}, lower case, in column order."""
    rows = warehouse.rows(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        f"where table_schema in ({', '.join(repr(s) for s in SCHEMAS)}) "
        "order by table_schema, table_name, ordinal_position"
    )
    columns: dict[str, dict[str, dict[str, str]]] = {}
    for row in rows:
        relation = f"{row['table_schema']}.{row['table_name']}".lower()
        columns.setdefault(relation, {})[row["column_name"].lower()] = {"data_type": row["data_type"]}
    return columns


def _relation(props: Mapping[str, Any]) -> str:
    return f"{props['schema']}.{props.get('alias') or props.get('identifier') or props['name']}".lower()


def column_schema(props: Mapping[str, Any], columns: Mapping[str, Mapping[str, str]]) -> dg.TableSchema:
    documented = {name.lower(): c.get("description") or None for name, c in props.get("columns", {}).items()}
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name, meta["data_type"].lower(), description=documented.get(name))
            for name, meta in columns.items()
        ]
    )


def build_column_metadata(warehouse: Warehouse, target_path: Path) -> Callable[[str], dict[str, Any]]:
    """unique id -> the model's column schema and lineage, after a build into `target_path`.
    Never fails the run: a model (or an engine) whose columns cannot be read has none."""
    from orchestration.transform.project import G2139DbtTranslator, dbt_project
    from orchestration.transform.state import read_manifest

    try:
        columns = relation_columns(warehouse)
        # The build's own manifest: its relation names carry this warehouse's database name.
        built = target_path / "manifest.json"
        manifest = read_manifest(built if built.exists() else dbt_project.manifest_path)
    except Exception as error:  # documentation only: an engine without the catalogue loses it
        log.warning(f"column metadata not read ({type(error).__name__})")
        return lambda unique_id: {}
    translator = G2139DbtTranslator()

    def of(unique_id: str) -> dict[str, Any]:
        try:
            return model_column_metadata(manifest, unique_id, columns, translator, dbt_project, target_path)
        except Exception as error:
            log.warning(f"column metadata of {unique_id} not built ({type(error).__name__})")
            return {}

    return of


def model_column_metadata(
    manifest: Mapping[str, Any],
    unique_id: str,
    columns: Mapping[str, Mapping[str, Mapping[str, str]]],
    translator: Any,
    project: Any,
    target_path: Path,
) -> dict[str, Any]:
    """`dagster/column_schema` and `dagster/column_lineage` of one built model."""
    from orchestration.transform.workarounds import dbt_column_lineage

    props = manifest["nodes"][unique_id]
    own = columns.get(_relation(props))
    if not own:
        return {}
    metadata: dict[str, Any] = {"dagster/column_schema": column_schema(props, own)}
    if props["resource_type"] != "model":  # a seed is where its columns start
        return metadata
    parents = {}
    for parent_id in props.get("depends_on", {}).get("nodes", []):
        parent = manifest["sources"].get(parent_id) or manifest["nodes"].get(parent_id)
        if parent and parent.get("relation_name") and _relation(parent) in columns:
            parents[parent["relation_name"]] = columns[_relation(parent)]
    compiled = target_path / "compiled" / props["package_name"] / props["original_file_path"]
    if not compiled.exists():
        return metadata
    key = hashlib.sha256(
        json.dumps([compiled.read_text(encoding="utf-8"), parents], sort_keys=True).encode()
    ).hexdigest()
    cache = _LineageCache(target_path)
    lineage = cache.get(unique_id, key)
    if lineage is None:
        try:
            built = dbt_column_lineage(
                dict(own), parents, props, manifest, translator, project, target_path
            )
        except Exception as error:  # lineage is documentation: a model sqlglot cannot read loses only it
            log.warning(f"column lineage of {props['name']} not computed ({type(error).__name__})")
            return metadata
        lineage = built.get(LINEAGE)
        cache.put(unique_id, key, lineage)
    if lineage is not None:
        metadata[LINEAGE] = lineage
    return metadata


class _LineageCache:
    """Each model's lineage, kept beside dbt's artifacts and keyed by its compiled SQL and its
    parents' columns: sqlglot runs again only for a model that changed (seconds a model)."""

    def __init__(self, target_path: Path) -> None:
        self.path = target_path / "g2139_column_lineage.json"
        try:
            self.entries = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}

    def get(self, unique_id: str, key: str) -> dg.TableColumnLineage | None:
        entry = self.entries.get(unique_id)
        if not entry or entry["key"] != key:
            return None
        return dg.TableColumnLineage(
            deps_by_column={
                column: [dg.TableColumnDep(dg.AssetKey(path), name) for path, name in deps]
                for column, deps in entry["lineage"].items()
            }
        )

    def put(self, unique_id: str, key: str, lineage: dg.TableColumnLineage | None) -> None:
        if lineage is None:
            return
        self.entries[unique_id] = {
            "key": key,
            "lineage": {
                column: [[list(d.asset_key.path), d.column_name] for d in deps]
                for column, deps in lineage.deps_by_column.items()
            },
        }
        self.path.write_text(json.dumps(self.entries, sort_keys=True), encoding="utf-8")
