"""The nightly schedule: running by default, its cron and timezone set by configuration.

`G2139_SCHEDULE_CRON` (default `0 2 * * *`) and `G2139_TIMEZONE` (default `UTC`) are read
when the code location loads (Dagster schedules are definitions): after changing them,
reload the code location or restart `dagster dev`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date

import dagster as dg

from orchestration.automation.partitions import performance_year_partitions
from orchestration.resources import resolve_settings

ENV_CRON = "G2139_SCHEDULE_CRON"
ENV_TIMEZONE = "G2139_TIMEZONE"
DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "UTC"
TRIGGER_TAG = "g2139/trigger"


def schedule_settings(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    env = os.environ if environ is None else environ
    cron = env.get(ENV_CRON, "").strip() or DEFAULT_CRON
    timezone = env.get(ENV_TIMEZONE, "").strip() or DEFAULT_TIMEZONE
    # An invalid cron or timezone fails the code location's load, naming the schedule.
    return cron, timezone


def as_of_run_config(as_of: date) -> dict:
    """The as-of date as run configuration (the settings resource's `as_of`)."""
    return {"resources": {"g2139": {"config": {"as_of": as_of.isoformat()}}}}


def nightly_request(
    as_of: date, trigger: str, run_key: str | None = None, tags: Mapping[str, str] | None = None
) -> dg.RunRequest | dg.SkipReason:
    """A run of the nightly job for the performance year of `as_of` (or G2139_PERFORMANCE_YEAR)."""
    year = str(resolve_settings(as_of=as_of.isoformat()).performance_year)
    if year not in performance_year_partitions.get_partition_keys():
        return dg.SkipReason(f"performance year {year} is not a partition of the nightly job")
    return dg.RunRequest(
        run_key=run_key,
        partition_key=year,
        run_config=as_of_run_config(as_of),
        tags={TRIGGER_TAG: trigger, **(tags or {})},
    )


def build_nightly_schedule(job: dg.UnresolvedAssetJobDefinition) -> dg.ScheduleDefinition:
    cron, timezone = schedule_settings()

    @dg.schedule(
        job=job,
        cron_schedule=cron,
        execution_timezone=timezone,
        name="nightly",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Nightly run as of the tick's date ({ENV_CRON}={cron!r}, {ENV_TIMEZONE}={timezone!r}).",
    )
    def nightly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        return nightly_request(context.scheduled_execution_time.date(), "schedule")

    return nightly
