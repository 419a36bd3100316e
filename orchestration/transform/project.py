"""The dbt project as Dagster sees it: one cached project, a translator, and a per-run dbt
resource whose profile target is the run's warehouse (the engine's ``DbtTarget``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject
from filelock import FileLock

from orchestration.asset_keys import relation_key
from orchestration.resources import DBT_PROJECT_DIR, RunSettings
from orchestration.transform.dbt_target import DbtTarget
from orchestration.transform.workarounds import RunDbtCli


def dbt_executable() -> str:
    """The dbt installed beside this interpreter, so an un-activated venv works too (the
    Makefile and the README start `.venv/bin/dagster` without the venv on PATH)."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


# One cached project for the code location. Its manifest is produced by `dbt parse`
# in setup (and by `g2139 run` when missing), never committed.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def prepare_manifest(project: DbtProject = dbt_project) -> None:
    """Under `dagster dev`: parse on load, so changes to the models show on reload. Anywhere
    else (`dagster-webserver`, the daemon, a test): parse once if the manifest is missing.

    What `DbtProject.prepare_if_dev()` does, with the dbt beside this interpreter: dagster-dbt's
    own preparer looks `dbt` up on PATH, where an un-activated venv's dbt is not, and the code
    location then fails to load ("The dbt executable 'dbt' was not found on PATH")."""
    if not (project.preparer.using_dagster_dev() or not project.manifest_path.exists()):
        return
    # The webserver's code server and each run's process load this module at once: one parses,
    # the others find the manifest newer than when they started waiting and use it.
    manifest = project.manifest_path
    started = manifest.stat().st_mtime if manifest.exists() else 0.0
    with FileLock(str(manifest.with_suffix(".concurrent-update-lock")), timeout=300):
        if manifest.exists() and manifest.stat().st_mtime > started:
            return
        dbt = DbtCliResource(project_dir=project, dbt_executable=dbt_executable())
        dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()


prepare_manifest()

LAYER_GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}


class G2139DbtTranslator(DagsterDbtTranslator):
    """Groups dbt assets by layer (the model's folder), seeds into `reference`; a source is
    keyed by the relation it reads, which is the key of the ingest asset that writes it."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=relation_key(props["schema"], props["identifier"]))
        if props["resource_type"] == "seed":
            return spec.replace_attributes(group_name="reference")
        fqn = props.get("fqn", [])
        layer = fqn[1] if len(fqn) > 2 else None
        if layer in LAYER_GROUPS:
            return spec.replace_attributes(group_name=LAYER_GROUPS[layer])
        return spec




def dbt_target_path(settings: RunSettings) -> Path:
    """dbt's artifacts and logs for this warehouse, kept beside it: one folder reused run
    after run, so dbt can parse partially instead of starting afresh each night."""
    return settings.warehouse.parent / "dbt_target"


def write_profiles(settings: RunSettings, target: DbtTarget) -> Path:
    """A profiles dir whose one target is this run's warehouse: dbt learns where to write
    from its profile, not from the environment."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    output = target.profile_output(settings.duckdb_warehouse())
    profiles = {project["profile"]: {"target": target.name, "outputs": {target.name: output}}}
    folder = settings.warehouse.parent / "dbt_profiles"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles.yml").write_text(yaml.safe_dump(profiles, sort_keys=True), encoding="utf-8")
    return folder


def dbt_for_run(settings: RunSettings, target: DbtTarget) -> DbtCliResource:
    return RunDbtCli(
        project_dir=dbt_project,
        profiles_dir=str(write_profiles(settings, target)),
        target=target.name,
        dbt_executable=dbt_executable(),
    )


def dbt_build_args(settings: RunSettings, reuse_reference: bool = False) -> list[str]:
    # Unit tests check the SQL, not the data: they run in the test suite, not in every
    # nightly run. Data tests do run here, and an error blocks the run. Seeds, and the tests
    # on seeds alone, only when the reference data changed (transform/state.py): `cautious`
    # leaves out a test only when all its parents are left out, so the tests comparing the
    # night's marts with the seeds (payers, strata, quality codes) still run. The run's own
    # parameters are data (write_run_parameters); `--vars` only when a rule var is
    # overridden (rare: dbt then parses afresh), with the run's parameters too, so they agree.
    args = ["build", "--exclude", "test_type:unit"]
    if reuse_reference:
        args[-1] += " resource_type:seed"
        args += ["--indirect-selection", "cautious"]
    if settings.var_overrides:
        args[1:1] = ["--vars", json.dumps(settings.dbt_vars(), sort_keys=True)]
    return args
