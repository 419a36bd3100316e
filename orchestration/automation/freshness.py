"""Freshness checks: the raw tables and the published feeds were updated within a day.

Each night loads `raw.*` and either publishes the feeds or records that nothing changed
(an observation on the feeds, see the transform stage), so both count as updated by a
healthy nightly run. `G2139_FRESHNESS_HOURS` (default 26: a day plus the run's margin)
sets the window; a sensor evaluates the checks when they can next become overdue.
"""

from __future__ import annotations

import os
import warnings
from datetime import timedelta

import dagster as dg

from orchestration.asset_keys import FEEDS_KEY, relation_key
from orchestration.ingest.landing import RAW_SCHEMA, TABLES

ENV_FRESHNESS_HOURS = "G2139_FRESHNESS_HOURS"
DEFAULT_FRESHNESS_HOURS = 26
FRESHNESS_SENSOR_SECONDS = 15 * 60


def freshness_window() -> timedelta:
    return timedelta(hours=float(os.environ.get(ENV_FRESHNESS_HOURS, "") or DEFAULT_FRESHNESS_HOURS))


# Dagster 1.13 marks these factories "superseded" by FreshnessPolicy, whose evaluation is still
# a preview feature that needs `freshness: enabled` on the instance and yields no check result
# a test or an alert can read. The checks are kept on purpose; their notice is silenced here.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", category=dg.SupersessionWarning)
    freshness_checks = dg.build_last_update_freshness_checks(
        assets=[*(relation_key(RAW_SCHEMA, table) for table in TABLES), FEEDS_KEY],
        lower_bound_delta=freshness_window(),
    )
    # Every 15 minutes, not Dagster's 30 s: while a check's last result is a failure (before the
    # first publication, say) and its asset changed since, each tick requests another run, and
    # with one run at a time (.dagster_home/dagster.yaml) those runs queued up ahead of the
    # nightly ones (39 in ten minutes, seen by tests/test_daemon.py). A 26-hour window loses
    # nothing to a 15-minute delay.
    freshness_sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=freshness_checks,
        name="freshness",
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=FRESHNESS_SENSOR_SECONDS,
    )
