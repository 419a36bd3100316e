"""A failed run leaves one alert: a line in `alerts.jsonl` of the Dagster instance's folder
(DAGSTER_HOME, beside the run history) and, when `G2139_ALERT_WEBHOOK` is set, a JSON POST
to that URL.

Nothing here needs the warehouse: a run can fail because the warehouse cannot be used (a
corrupt file, another process holding it, a full disk), and its alert must still be made.

An alert names what failed by ids only: the run, the failed steps and error types, the
checks that failed (asset and check name) and the landing files a loader error names.
Never a message body of a check or of dbt, which could quote data.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

ENV_WEBHOOK = "G2139_ALERT_WEBHOOK"
ALERTS_FILE = "alerts.jsonl"
WEBHOOK_TIMEOUT_SECONDS = 10
# Loader errors are "<path>: <reason>" about a file, never about a row's values.
FILE_ERRORS = ("LandingError",)

log = logging.getLogger(__name__)


@dataclass
class Alert:
    run_id: str
    job_name: str
    partition: str | None
    failed_steps: list[str] = field(default_factory=list)
    error_types: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    alert_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def _root_error(error):
    while error.cause is not None:
        error = error.cause
    return error


def alert_for_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> Alert:
    alert = Alert(run_id=run.run_id, job_name=run.job_name, partition=run.tags.get("dagster/partition"))
    for record in instance.all_logs(run.run_id):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type_value == "STEP_FAILURE":
            root = _root_error(event.step_failure_data.error)
            alert.failed_steps.append(event.step_key)
            alert.error_types.append(root.cls_name or "Error")
            if root.cls_name in FILE_ERRORS:
                alert.files.append(root.message.split(": ", 1)[0].strip())
        elif event.event_type_value == "RESOURCE_INIT_FAILURE" and event.event_specific_data.error:
            # The run never started its steps (another run held the warehouse, say).
            alert.error_types.append(_root_error(event.event_specific_data.error).cls_name or "Error")
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                alert.failed_checks.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
    return alert


def alerts_path(instance: dg.DagsterInstance) -> Path:
    return Path(instance.root_directory) / ALERTS_FILE


def write_alert(path: Path, alert: Alert) -> bool:
    """Appends the alert as one JSON line (0600); a file that cannot be written is logged, never
    raised: the run's own failure is what the user must see."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with open(fd, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(alert), sort_keys=True) + "\n")
    except OSError as error:
        log.warning("alert %s: not recorded in %s (%s)", alert.alert_id, path, error.strerror or error)
        return False
    return True


def post_alert(alert: Alert, url: str) -> bool:
    """POSTs the alert as JSON; a webhook that is down is logged, never raised (the row stays)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(asdict(alert)).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            return 200 <= response.status < 300
    except OSError as error:
        log.warning("alert %s: webhook not reached (%s)", alert.alert_id, type(error).__name__)
        return False


def handle_failure(instance: dg.DagsterInstance, run: dg.DagsterRun) -> Alert:
    """What follows a failed run: one alert. (Its build, if it made one, is not the live
    publication's, so the next run builds again: see transform/state.py.)"""
    alert = alert_for_run(instance, run)
    write_alert(alerts_path(instance), alert)
    url = os.environ.get(ENV_WEBHOOK, "").strip()
    if url:
        post_alert(alert, url)
    return alert


@dg.run_failure_sensor(
    name="alert_on_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        f"After a failed run: one alert line in DAGSTER_HOME/{ALERTS_FILE} (ids only), "
        f"POSTed to {ENV_WEBHOOK} when set; "
        "a build the failed run made is not published, so the next run rebuilds."
    ),
)
def alert_on_failure(context: dg.RunFailureSensorContext) -> None:
    alert = handle_failure(context.instance, context.dagster_run)
    context.log.info(f"alert {alert.alert_id} recorded for run {alert.run_id}")
