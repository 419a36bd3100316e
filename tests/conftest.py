"""Shared fixtures: a hand-made marts warehouse and rules project (stage tests), and one
small demo landing folder with one published run of it (end-to-end tests)."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestration.resources import RunSettings, quiet_environment, resolve_settings
from orchestration.rules import Rules, load_rules
from tests.marts_fixture import build_marts, write_rules_project

AS_OF = "2026-11-27"
DEMO_PEOPLE = 3000
DEMO_SEED = 2139

# Runs record into a Dagster instance of the test session, never the project's own.
_DAGSTER_HOME = Path(tempfile.mkdtemp(prefix="g2139-dagster-home-"))
shutil.copy2(Path(__file__).parent.parent / ".dagster_home" / "dagster.yaml", _DAGSTER_HOME / "dagster.yaml")
os.environ["DAGSTER_HOME"] = str(_DAGSTER_HOME)
quiet_environment()


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
def rules_project(tmp_path_factory) -> Path:
    return write_rules_project(tmp_path_factory.mktemp("rules_project"))


@pytest.fixture(scope="session")
def fixture_rules(rules_project) -> Rules:
    return load_rules(project_dir=rules_project)


@pytest.fixture(scope="session")
def marts_warehouse(tmp_path_factory) -> Path:
    """Built once; a test that changes it works on `marts_copy`."""
    return build_marts(tmp_path_factory.mktemp("marts") / "warehouse.duckdb")


@pytest.fixture
def marts_copy(marts_warehouse, tmp_path) -> Path:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy2(marts_warehouse, copy)
    return copy


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


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "pipeline: starts the real services or runs the whole pipeline (slow)")
    config.addinivalue_line("markers", "spark: needs the Spark engine (dbt-spark, a local Spark)")
