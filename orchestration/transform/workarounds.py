"""The three places the transform stage leans on dagster-dbt's and Dagster's private code.

dagster-dbt 0.29 has no public switch for either, so each is kept here, small, and
``tests/test_workarounds.py`` fails loudly when an upgrade moves what it relies on:

* ``RunDbtCli``: ``DbtCliResource.cli`` asks the dbt executable for its version in a
  subprocess (``_cli_version``) and opens a dbt adapter in this process
  (``_initialize_dbt_core_adapter``) for row counts and column metadata fetched through dbt.
  The pipeline counts rows itself (``build_metadata``), and the version is the installed
  dbt-core's: skipping both saves about 4 s a run.
* ``filter_gating_warnings``: when the build is skipped on purpose, its blocking dbt tests
  emit no result, and Dagster's execution plan warns once per test and downstream step that
  it "will proceed without gating" (dozens of lines), as do the gate's checks skipped after
  it. Those steps are skipped too, so nothing proceeds: the warnings are dropped while a skip
  is in effect in this process (a run's steps share it); the skip is logged once, with its
  reason (``skip.record_skip``).
* ``dbt_column_lineage``: dagster-dbt's own column-lineage builder (sqlglot on the compiled
  SQL), which its ``fetch_column_metadata()`` runs with columns fetched through an adapter
  opened in this process while dbt builds; the DuckDB file has one writer, the dbt process,
  so ``transform/columns.py`` runs the same builder once dbt has finished, with the columns
  read from the warehouse's catalogue.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Sequence
from functools import cached_property

from dagster_dbt import DbtCliResource
from packaging import version

# The logger of Dagster's execution plan that writes the "proceed without gating" warnings.
GATING_LOGGER = "dagster._core.execution.plan.active"
GATING_WARNING = "will proceed without gating"


class RunDbtCli(DbtCliResource):
    """dagster-dbt's dbt CLI without the version subprocess and the in-process adapter."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


class _SkippedBuildWarnings(logging.Filter):
    skipping = False

    def filter(self, record: logging.LogRecord) -> bool:
        return not (self.skipping and GATING_WARNING in record.getMessage())


_skip_filter = _SkippedBuildWarnings()


def filter_gating_warnings(skipping: bool) -> None:
    """Set when the run decides (not at import): adding a filter twice is a no-op."""
    _skip_filter.skipping = skipping
    logging.getLogger(GATING_LOGGER).addFilter(_skip_filter)


def dbt_column_lineage(
    columns: dict, parents: dict, props: dict, manifest: dict, translator, project, target_path
) -> dict:
    """`dagster/column_lineage` of one built model, by dagster-dbt's builder."""
    from dagster_dbt.core.dbt_cli_event import EventHistoryMetadata, _build_column_lineage_metadata

    return _build_column_lineage_metadata(
        event_history_metadata=EventHistoryMetadata(columns=columns, parents=parents),
        dbt_resource_props=props,
        manifest=manifest,
        dagster_dbt_translator=translator,
        target_path=target_path,
        project=project,
    )
