"""The Spark engine publishes what the DuckDB engine publishes, byte for byte.

The session's demo run (fixture `published`, on DuckDB) is run again on Spark, on the same
landing folder (Spark's fixed cost, not the data, sets the time); the dbt unit tests then run
on the Spark run's warehouse, as they do on DuckDB's (test_dbt.py).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from orchestration.engines.spark import SparkDbtTarget
from orchestration.resources import RunSettings, SettingsError, resolve_settings
from tests.helpers.dbt_unit import run_unit_tests
from tests.helpers.runs import AS_OF, Published, settings_for, tree_digest

# Differs between any two runs: the run's id and the time it was published.
RUN_FIELDS = ("run_id", "created_at", "engine")


@dataclasses.dataclass
class EngineRuns:
    duckdb: RunSettings
    spark: RunSettings


@pytest.fixture(scope="session")
def engine_runs(published: Published, tmp_path_factory) -> EngineRuns:
    from orchestration.pipeline import run_pipeline

    spark = dataclasses.replace(
        settings_for(published.settings.landing_dir, tmp_path_factory.mktemp("spark")), engine="spark"
    )
    outcome = run_pipeline(spark)
    assert outcome.success, outcome.failures
    assert outcome.published
    assert published.settings.engine == "duckdb"
    return EngineRuns(duckdb=published.settings, spark=spark)


def _published(settings: RunSettings) -> dict[str, bytes]:
    return tree_digest(settings.output_dir / str(settings.performance_year))


def _manifest_without_run(content: bytes) -> dict:
    manifest = json.loads(content)
    for name in RUN_FIELDS:
        manifest.pop(name, None)
    return manifest


@pytest.mark.pipeline
@pytest.mark.spark
def test_spark_publishes_byte_identical_feeds(engine_runs):
    duckdb_files, spark_files = _published(engine_runs.duckdb), _published(engine_runs.spark)
    assert sorted(duckdb_files) == sorted(spark_files)
    assert any(name.endswith("episodes.csv") for name in duckdb_files)
    assert any(name.startswith("qpp/") for name in duckdb_files)
    different = [name for name in duckdb_files if duckdb_files[name] != spark_files[name]]
    assert different == ["manifest.json"]
    # The manifest names the engine and lists every file's sha256: equal once the run's id,
    # time and engine are set aside.
    assert json.loads(duckdb_files["manifest.json"])["engine"] == "duckdb"
    assert json.loads(spark_files["manifest.json"])["engine"] == "spark"
    assert _manifest_without_run(duckdb_files["manifest.json"]) == _manifest_without_run(
        spark_files["manifest.json"]
    )


@pytest.mark.pipeline
@pytest.mark.spark
def test_spark_warehouse_is_private_parquet(engine_runs):
    from orchestration.engines.spark import SparkSide

    warehouse = engine_runs.spark.duckdb_warehouse()
    side = SparkSide(warehouse)
    assert side.spark_dir.stat().st_mode & 0o077 == 0
    episodes = side.mart_folders()["episodes"]
    assert list(episodes.glob("*.parquet")), "marts are Parquet tables"
    # The quarantined rows' own text stays in DuckDB.
    quarantine = side.spark_rows / "quarantine" / "*.parquet"
    described = warehouse.rows(f"describe select * from read_parquet('{quarantine}')")
    columns = {r["column_name"] for r in described}
    assert "reason" in columns and "raw_row" not in columns


@pytest.mark.pipeline
@pytest.mark.spark
def test_dbt_unit_tests_pass_on_spark(engine_runs, tmp_path):
    run_unit_tests(engine_runs.spark, tmp_path, timeout=900)


def test_engine_setting_from_option_or_environment():
    assert resolve_settings(environ={}, as_of=AS_OF).engine == "duckdb"
    assert resolve_settings(environ={"G2139_ENGINE": "spark"}, as_of=AS_OF).engine == "spark"
    explicit = resolve_settings(environ={"G2139_ENGINE": "spark"}, engine="duckdb", as_of=AS_OF)
    assert explicit.engine == "duckdb"
    with pytest.raises(SettingsError, match="G2139_ENGINE"):
        resolve_settings(environ={}, engine="oracle", as_of=AS_OF)


def test_spark_profile_points_at_the_private_folder(tmp_path: Path):
    settings = dataclasses.replace(settings_for(tmp_path / "landing", tmp_path), engine="spark")
    output = SparkDbtTarget().profile_output(settings.duckdb_warehouse())
    assert output["type"] == "spark" and output["method"] == "session"
    conf = output["server_side_parameters"]
    assert conf["spark.sql.warehouse.dir"].startswith(str(tmp_path))
    assert str(tmp_path) in conf["spark.hadoop.javax.jdo.option.ConnectionURL"]


def test_a_spark_side_made_before_the_rows_folder_was_renamed_keeps_its_rows(tmp_path: Path):
    from orchestration.engines.spark import SparkSide
    from orchestration.warehouse import DuckDBWarehouse

    side = SparkSide(DuckDBWarehouse(tmp_path / "warehouse.duckdb"))
    version = side.spark_dir / "landing" / "pain_score" / "_load_id=a"
    version.mkdir(parents=True)
    (version / "part-0.parquet").write_bytes(b"rows")
    side.prepare_spark_dir()
    assert (side.spark_rows / "pain_score" / "_load_id=a" / "part-0.parquet").read_bytes() == b"rows"
    assert not (side.spark_dir / "landing").exists()
    side.prepare_spark_dir()  # once moved, nothing more to do
    assert (side.spark_rows / "pain_score" / "_load_id=a").is_dir()
