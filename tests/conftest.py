"""Markers and shared fixtures: a hand-made marts warehouse and rules project (stage tests), the
demo landing folder, one published run of a small demo and the named scenarios' runs
(end-to-end tests). Helpers that are not fixtures live in `tests/helpers/`.

Tiers (CONTRIBUTING.md): `pipeline` marks a whole run of the pipeline, a dbt build or dbt
on a full run's warehouse, a Dagster run; `spark` marks anything that starts Spark.
`make test-fast` runs neither; `make test` runs everything."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from orchestration.resources import quiet_environment
from orchestration.rules import Rules, load_rules
from tests.helpers.marts import build_marts, write_rules_project
from tests.helpers.runs import DEMO_PEOPLE, DEMO_SEED, NextDay, Published, settings_for

# Runs record into a Dagster instance of the test session, never the project's own.
_DAGSTER_HOME = Path(tempfile.mkdtemp(prefix="g2139-dagster-home-"))
shutil.copy2(Path(__file__).parent.parent / ".dagster_home" / "dagster.yaml", _DAGSTER_HOME / "dagster.yaml")
os.environ["DAGSTER_HOME"] = str(_DAGSTER_HOME)
quiet_environment()

# Property tests draw the same examples on every run (CI is deterministic) and keep no
# example database in the working tree; each test bounds its own `max_examples`.
hypothesis_settings.register_profile("g2139", derandomize=True, database=None, deadline=None, print_blob=True)
hypothesis_settings.load_profile("g2139")

MARKERS = {
    "pipeline": "runs the whole pipeline (g2139 run, a Dagster job), a dbt build, or dbt on a full run",
    "spark": "starts Spark (a JVM)",
}
# Fixtures that run the pipeline: a test asking for one is in the pipeline tier.
PIPELINE_FIXTURES = {"published", "next_day", "scenario_runs"}


def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unmarked = [
        item.nodeid
        for item in items
        if PIPELINE_FIXTURES & set(getattr(item, "fixturenames", ()))
        and not item.get_closest_marker("pipeline")
    ]
    if unmarked:
        raise pytest.UsageError("runs the pipeline without the `pipeline` marker: " + ", ".join(unmarked))


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
def next_day(published: Published, tmp_path_factory) -> NextDay:
    """One nightly rebuild, shared: a copy of the demo run, run again one day later through
    `g2139 run`; what the tests read is recorded right after the run, before any other run
    can add to the Dagster instance."""
    import contextlib
    import dataclasses
    import io
    import json
    from datetime import date

    import dagster as dg
    import duckdb

    from orchestration.cli import main

    copy = published.copy_to(tmp_path_factory.mktemp("next_day"))
    settings = dataclasses.replace(copy.settings, as_of_date=date(2026, 11, 28))
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        seed_rows = con.execute("select count(*) from reference.lumbar_fusion").fetchone()[0]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main([
            "run", "--landing", str(settings.landing_dir), "--warehouse", str(settings.warehouse),
            "--output", str(settings.output_dir), "--as-of", settings.as_of_date.isoformat(),
            "--performance-year", str(settings.performance_year),
        ])  # fmt: skip
    assert code == 0, "g2139 run one day later failed"
    stdout = printed.getvalue().splitlines()
    run_id = stdout[0].split()[2]  # "g2139 run <run id> as of ..."
    manifest = json.loads((copy.folder / "manifest.json").read_text())
    seed_key = dg.AssetKey(["reference", "lumbar_fusion"])
    records = dg.DagsterInstance.get().fetch_materializations(
        dg.AssetRecordsFilter(asset_key=seed_key, asset_partitions=["2026"]), limit=1
    )
    seed = records.records[0]
    assert seed.run_id == run_id
    metadata = seed.asset_materialization.metadata
    results = json.loads((settings.warehouse.parent / "dbt_target" / "run_results.json").read_text())
    return NextDay(
        run=Published(settings, run_id),
        stdout=stdout,
        manifest=manifest,
        dbt_results=results["results"],
        seed_decision=metadata["g2139/build_decision"].value,
        seed_row_count=metadata["dagster/row_count"].value,
        seed_rows_before=seed_rows,
    )


@pytest.fixture(scope="session")
def scenario_runs(tmp_path_factory):
    """`g2139 run` of the named scenarios, one per as-of date, made when a test first asks."""
    from tests.helpers.scenario_runs import Runs

    return Runs(tmp_path_factory)
