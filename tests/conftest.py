"""Shared fixtures: one small demo landing folder and one published run of it."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestration.resources import RunSettings, resolve_settings

AS_OF = "2026-11-27"
DEMO_PEOPLE = 3000
DEMO_SEED = 2139

os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


@dataclass
class Published:
    settings: RunSettings
    run_id: str

    @property
    def folder(self) -> Path:
        return self.settings.output_dir / str(self.settings.performance_year)

    def copy_to(self, destination: Path) -> Published:
        """An independent copy (warehouse and publication) for a test that changes things."""
        warehouse = destination / "warehouse.duckdb"
        destination.mkdir(parents=True, exist_ok=True)
        shutil.copy2(self.settings.warehouse, warehouse)
        shutil.copytree(self.settings.output_dir, destination / "published", symlinks=True)
        settings = settings_for(self.settings.landing_dir, destination, warehouse=warehouse)
        return Published(settings, self.run_id)


def settings_for(landing: Path, root: Path, warehouse: Path | None = None) -> RunSettings:
    return resolve_settings(
        landing=str(landing),
        output=str(root / "published"),
        warehouse=str(warehouse or root / "warehouse.duckdb"),
        as_of=AS_OF,
        performance_year="2026",
        environ={},
    )


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory) -> Path:
    from demo import write_demo_landing

    landing = tmp_path_factory.mktemp("demo") / "landing"
    write_demo_landing(landing, people=DEMO_PEOPLE, seed=DEMO_SEED)
    return landing


@pytest.fixture(scope="session")
def published(demo_landing, tmp_path_factory) -> Published:
    """The whole nightly job (ingest, dbt build, checks, publish) on the demo data."""
    from orchestration.pipeline import run_pipeline

    settings = settings_for(demo_landing, tmp_path_factory.mktemp("run"))
    outcome = run_pipeline(settings)
    assert outcome.success, outcome.failures
    return Published(settings, outcome.run_id)


def tree_digest(folder: Path) -> dict[str, bytes]:
    """Every file under a folder (following the release link) with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }
