"""Shared fixtures: a hand-made marts warehouse and rules project (stage tests), and one
small demo landing folder with one published run of it (end-to-end tests)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from orchestration.resources import quiet_environment
from orchestration.rules import Rules, load_rules
from tests.helpers.marts import build_marts, write_rules_project
from tests.helpers.runs import DEMO_PEOPLE, DEMO_SEED, Published, settings_for

# Runs record into a Dagster instance of the test session, never the project's own.
_DAGSTER_HOME = Path(tempfile.mkdtemp(prefix="g2139-dagster-home-"))
shutil.copy2(Path(__file__).parent.parent / ".dagster_home" / "dagster.yaml", _DAGSTER_HOME / "dagster.yaml")
os.environ["DAGSTER_HOME"] = str(_DAGSTER_HOME)
quiet_environment()


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
def default_demo(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """The demo landing folder at its default size and seed (what `make demo` writes), read only,
    and the counts `write_demo_landing` returned."""
    from demo import write_demo_landing

    root = tmp_path_factory.mktemp("default_demo") / "landing"
    return root, write_demo_landing(root)


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


@pytest.fixture(scope="session")
def scenario_runs(tmp_path_factory):
    """`g2139 run` of the named scenarios, one per as-of date, made when a test first asks."""
    from tests.helpers.scenario_runs import Runs

    return Runs(tmp_path_factory)
