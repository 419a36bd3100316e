"""The seeds a build reused (``state.decide``): one output each, saying so."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dagster as dg

from orchestration.transform.project import G2139DbtTranslator, dbt_project
from orchestration.transform.skip import DECISION_KEY
from orchestration.transform.state import Decision, read_manifest, relation_of


def reused_seed_outputs(
    context: dg.AssetExecutionContext, decision: Decision, rows: dict[str, int]
) -> Iterator[Any]:
    """The seeds a build reused (transform/state.py): one output each, saying so, so that the
    assets downstream of them (the publication reads some) run as they would after a reload.
    Their tests are not evaluated again: the same seeds passed them in the run named."""
    manifest = read_manifest(dbt_project.manifest_path)
    translator = G2139DbtTranslator()
    for uid, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] != "seed":
            continue
        key = translator.get_asset_spec(manifest, uid, dbt_project).key
        if key not in context.selected_asset_keys:
            continue
        metadata: dict[str, Any] = {
            DECISION_KEY: dg.MetadataValue.text(
                f"reused: reference data unchanged since run {decision.last_run_id}"
            ),
            "unique_id": uid,
        }
        count = rows.get(relation_of(node))
        if count is not None:
            metadata["dagster/row_count"] = dg.MetadataValue.int(count)
        yield dg.Output(
            None, output_name=context.assets_def.get_output_name_for_asset_key(key), metadata=metadata
        )
