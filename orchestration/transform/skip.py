"""A build skipped on purpose, said where the UI shows it (the skip decision: ``state.decide``)."""

from __future__ import annotations

import time

import dagster as dg

from orchestration.asset_keys import FEEDS_KEY
from orchestration.transform.state import Decision

DECISION_KEY = "g2139/build_decision"


def record_skip(context: dg.AssetExecutionContext, decision: Decision) -> None:
    """The decision where the UI shows it: an observation on each asset the run would have
    rebuilt, and on the publication, which stays the one of the last build."""
    partition = context.partition_key if context.has_partition_key else None
    metadata = {
        DECISION_KEY: dg.MetadataValue.text(f"skipped: {decision.reason}"),
        # Confirmed current tonight: what the freshness checks read from an observation.
        "dagster/last_updated_timestamp": dg.MetadataValue.timestamp(time.time()),
    }
    if decision.last_run_id:
        metadata["g2139/last_build_run"] = dg.MetadataValue.dagster_run(decision.last_run_id)
    for key in [*sorted(context.selected_asset_keys), FEEDS_KEY]:
        context.log_event(dg.AssetObservation(asset_key=key, partition=partition, metadata=metadata))
    context.log.info(f"dbt build skipped: {decision.reason}")
