"""dbt assets: the measure, computed in SQL by the dbt project on dbt-duckdb."""

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.freshness import is_up_to_date
from orchestration.resources import DBT_PROJECT_DIR, ENV_WAREHOUSE, G2139Settings, RunSettings

# One cached project for the code location. Its manifest is produced by `dbt parse`
# in setup (and by `g2139 run` when missing), never committed.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

LAYER_GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}


class G2139DbtTranslator(DagsterDbtTranslator):
    """Groups dbt assets by layer (the model's folder), seeds into `reference`."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "seed":
            return spec.replace_attributes(group_name="reference")
        fqn = props.get("fqn", [])
        layer = fqn[1] if len(fqn) > 2 else None
        if layer in LAYER_GROUPS:
            return spec.replace_attributes(group_name=LAYER_GROUPS[layer])
        return spec


def dbt_vars(settings: RunSettings) -> dict[str, Any]:
    """The rule parameters a run passes to dbt (`--vars`)."""
    return {
        "as_of_date": settings.as_of_date.isoformat(),
        "performance_year": settings.performance_year,
    }


def dbt_target_path(settings: RunSettings) -> Path:
    """dbt's artifacts and logs for this warehouse, kept beside it: one folder reused run
    after run, so dbt can parse partially instead of starting afresh each night."""
    return settings.warehouse.parent / "dbt_target"


def dbt_build_args(settings: RunSettings) -> list[str]:
    # Unit tests check the SQL, not the data: they run in the test suite (tests/test_dbt.py),
    # not in every nightly run. Data tests do run here, and an error blocks the run.
    return [
        "build",
        "--vars",
        json.dumps(dbt_vars(settings), sort_keys=True),
        "--exclude",
        "test_type:unit",
    ]


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=G2139DbtTranslator(),
)
def measure_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, g2139: G2139Settings
) -> Iterator[Any]:
    settings = g2139.settings()
    if is_up_to_date(settings, dbt_project.manifest_path):
        # Same files, as-of date, performance year and models as the publication in place:
        # a rebuild would reproduce it byte for byte. Yielding nothing skips the dbt
        # assets and, downstream, the checks and the publication.
        context.log.info("nothing new since the last publication: dbt build skipped")
        return
    # dbt reads the warehouse path from its profile, which takes it from this variable;
    # the resource stays the single source of truth, the variable only carries it across.
    os.environ[ENV_WAREHOUSE] = str(settings.warehouse)
    yield from dbt.cli(
        dbt_build_args(settings), context=context, target_path=dbt_target_path(settings)
    ).stream()
