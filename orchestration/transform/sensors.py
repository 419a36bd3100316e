"""Automation of the transform stage: a failed run's build no longer counts as up to date."""

import dagster as dg

from orchestration.resources import G2139Settings
from orchestration.transform.state import forget_build


@dg.run_failure_sensor(
    name="forget_failed_build",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a failed run, the next run rebuilds the marts instead of skipping them.",
)
def forget_failed_build(context: dg.RunFailureSensorContext, g2139: G2139Settings) -> None:
    forget_build(g2139.engine, context.dagster_run.run_id)
