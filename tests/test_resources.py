"""Settings: explicit value, else environment variable, else the contract's default."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from orchestration.resources import G2139Settings, SettingsError, parse_var_overrides, resolve_settings

TODAY = date(2026, 11, 27)


def test_defaults_follow_the_data_contract(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = resolve_settings(environ={}, today=TODAY)
    assert settings.landing_dir == tmp_path / "data" / "landing"
    assert settings.output_dir == tmp_path / "data" / "published"
    assert settings.warehouse == tmp_path / "data" / "warehouse.duckdb"
    assert settings.as_of_date == TODAY
    assert settings.performance_year == 2026


def test_environment_overrides_defaults_and_options_override_environment(tmp_path):
    environ = {
        "G2139_LANDING_DIR": str(tmp_path / "env_landing"),
        "G2139_AS_OF": "2025-03-01",
        "G2139_PERFORMANCE_YEAR": "2024",
    }
    from_env = resolve_settings(environ=environ, today=TODAY)
    assert from_env.landing_dir == tmp_path / "env_landing"
    assert (from_env.as_of_date, from_env.performance_year) == (date(2025, 3, 1), 2024)

    explicit = resolve_settings(
        landing=str(tmp_path / "cli"), as_of="2026-01-02", performance_year="2027", environ=environ
    )
    assert explicit.landing_dir == tmp_path / "cli"
    assert (explicit.as_of_date, explicit.performance_year) == (date(2026, 1, 2), 2027)


def test_performance_year_defaults_to_the_as_of_year():
    assert resolve_settings(as_of="2025-12-31", environ={}).performance_year == 2025


def test_var_overrides_are_typed_and_reach_dbt_vars():
    overrides = parse_var_overrides(["one_year_met_max_score=4.0", "baseline_window_months=4"])
    assert overrides == {"one_year_met_max_score": 4.0, "baseline_window_months": 4}
    settings = resolve_settings(as_of="2026-11-27", var_overrides=overrides, environ={})
    assert settings.dbt_vars() == {
        "one_year_met_max_score": 4.0,
        "baseline_window_months": 4,
        "as_of_date": "2026-11-27",
        "performance_year": 2026,
    }


@pytest.mark.parametrize("pair", ["no_equals_sign", "=3", "as_of_date=2026-01-01", "performance_year=2025"])
def test_unusable_var_override_is_a_settings_error(pair):
    with pytest.raises(SettingsError):
        parse_var_overrides([pair])


def test_resource_of_resolved_settings_resolves_to_the_same_settings(tmp_path):
    settings = resolve_settings(
        landing=str(tmp_path / "l"),
        as_of="2026-11-27",
        var_overrides={"improvement_met_min": 4.5},
        environ={},
    )
    assert G2139Settings.of(settings).run == settings


@pytest.mark.parametrize(
    ("field", "value", "names"),
    [
        ("as_of", "27/11/2026", "G2139_AS_OF"),
        ("performance_year", "twenty", "G2139_PERFORMANCE_YEAR"),
    ],
)
def test_unusable_setting_names_option_and_variable(field, value, names):
    with pytest.raises(SettingsError, match=names):
        resolve_settings(**{field: value}, environ={})


def test_relative_paths_become_absolute():
    settings = resolve_settings(warehouse="w.duckdb", environ={})
    assert settings.warehouse.is_absolute() and settings.warehouse.name == "w.duckdb"
    assert settings.warehouse.parent == Path.cwd()


def test_each_stage_gets_the_resource_of_the_runs_engine(tmp_path):
    from orchestration.definitions import ENGINE_RESOURCES
    from orchestration.engines.spark import SparkDbtTarget, SparkRowStore
    from orchestration.ingest.row_store import DUCKDB_ROW_STORE
    from orchestration.transform.dbt_target import DUCKDB_TARGET

    given = {"warehouse": str(tmp_path / "w.duckdb"), "environ": {}, "as_of": "2026-11-27"}
    duckdb, spark = resolve_settings(**given), resolve_settings(**given, engine="spark")
    assert ENGINE_RESOURCES["row_store"].for_run(duckdb) is DUCKDB_ROW_STORE
    assert isinstance(ENGINE_RESOURCES["row_store"].for_run(spark), SparkRowStore)
    assert ENGINE_RESOURCES["dbt_target"].for_run(duckdb) is DUCKDB_TARGET
    assert isinstance(ENGINE_RESOURCES["dbt_target"].for_run(spark), SparkDbtTarget)
    # The target's name is the profile target dbt runs: the engine setting.
    assert ENGINE_RESOURCES["dbt_target"].for_run(spark).name == spark.engine


def test_an_engine_without_its_resources_is_refused():
    from orchestration.resources import EngineChoice

    with pytest.raises(SettingsError, match="engines"):
        EngineChoice({"duckdb": object()})
