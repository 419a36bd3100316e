"""The private code of dagster-dbt and Dagster that transform/workarounds.py leans on is still
there, with the shape it expects: an upgrade that moves it fails here, by name, not as a
slower run or a flood of warnings."""

from __future__ import annotations

import importlib
import inspect
import logging
from functools import cached_property

from dagster_dbt import DbtCliResource
from dagster_dbt.core import resource as dbt_resource_module

from orchestration.transform import workarounds


def test_dagster_dbt_still_asks_for_the_cli_version_through_a_cached_property():
    assert isinstance(inspect.getattr_static(DbtCliResource, "_cli_version"), cached_property)
    assert "check_output" in inspect.getsource(DbtCliResource._cli_version.func)
    assert "self._cli_version" in inspect.getsource(DbtCliResource.cli)


def test_dagster_dbt_still_opens_its_adapter_through_the_method_overridden():
    method = inspect.getattr_static(DbtCliResource, "_initialize_dbt_core_adapter")
    assert list(inspect.signature(method).parameters) == ["self", "args"]
    assert "self._initialize_dbt_core_adapter(args)" in inspect.getsource(DbtCliResource.cli)
    # The override matches the signature it replaces.
    override = workarounds.RunDbtCli._initialize_dbt_core_adapter
    assert list(inspect.signature(override).parameters) == ["self", "args"]
    assert hasattr(dbt_resource_module, "check_output")


def test_dagsters_gating_warning_still_comes_from_the_logger_filtered():
    module = importlib.import_module(workarounds.GATING_LOGGER)
    assert module.logger.name == workarounds.GATING_LOGGER
    assert workarounds.GATING_WARNING in inspect.getsource(module).replace('"\n', "").replace('f"', "")


def test_the_gating_filter_drops_only_that_warning_and_only_while_skipping():
    logger = logging.getLogger(workarounds.GATING_LOGGER)
    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord(logger.name, logging.WARNING, "", 0, message, (), None)

    warning, other = record("x will proceed without gating on it."), record("another warning")
    try:
        workarounds.filter_gating_warnings(skipping=True)
        assert not logger.filter(warning) and logger.filter(other)
        workarounds.filter_gating_warnings(skipping=False)
        assert logger.filter(warning)
    finally:
        workarounds.filter_gating_warnings(skipping=False)


def test_dagster_dbt_still_builds_column_lineage_with_the_function_called():
    import inspect

    from dagster_dbt.core.dbt_cli_event import EventHistoryMetadata, _build_column_lineage_metadata

    assert set(EventHistoryMetadata._fields) == {"columns", "parents"}
    assert set(inspect.signature(_build_column_lineage_metadata).parameters) == {
        "event_history_metadata", "dbt_resource_props", "manifest", "dagster_dbt_translator",
        "target_path", "project",
    }  # fmt: skip
