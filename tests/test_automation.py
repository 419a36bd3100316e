"""Nightly operation driven through the definitions: the schedule, the landing sensor, the
failure alert (warehouse row + webhook on 127.0.0.1) and the freshness checks."""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import pytest

from orchestration.automation.alerts import ENV_WEBHOOK, alert_on_failure, alerts_path
from orchestration.automation.landing_sensor import SETTLE_SECONDS, landing_files
from orchestration.automation.schedules import ENV_CRON, ENV_TIMEZONE
from orchestration.definitions import build_definitions, defs
from orchestration.resources import G2139Settings


def test_schedule_runs_by_default_with_configured_cron_and_timezone(monkeypatch):
    monkeypatch.setenv(ENV_CRON, "30 3 * * 1-5")
    monkeypatch.setenv(ENV_TIMEZONE, "America/Chicago")
    configured = build_definitions()
    schedule = configured.resolve_schedule_def("nightly")
    assert schedule.cron_schedule == "30 3 * * 1-5" and schedule.execution_timezone == "America/Chicago"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    tick = datetime(2026, 11, 27, 3, 30, tzinfo=UTC)
    context = dg.build_schedule_context(
        scheduled_execution_time=tick, repository_def=configured.get_repository_def()
    )
    [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2026"
    assert request.run_config["resources"]["g2139"]["config"]["as_of"] == "2026-11-27"
    assert defs.resolve_schedule_def("nightly").default_status == dg.DefaultScheduleStatus.RUNNING


def _drop(folder, name: str, text: str, settled: bool = True) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if settled:  # written a while ago: the sender has finished
        old = time.time() - 2 * SETTLE_SECONDS
        os.utime(path, (old, old))


def _tick(landing, cursor):
    context = dg.build_sensor_context(
        cursor=cursor, resources={"g2139": G2139Settings(landing_dir=str(landing))}
    )
    return landing_files(context), context.cursor


def test_landing_sensor_launches_once_per_new_file_and_says_why_it_skips(tmp_path):
    landing = tmp_path / "landing"
    result, _ = _tick(landing, None)
    assert isinstance(result, dg.SkipReason) and "does not exist" in result.skip_message
    _drop(landing, "pain_score/a.csv", "person_id\n")
    first, cursor = _tick(landing, None)
    assert isinstance(first, dg.RunRequest) and first.partition_key and first.tags["g2139/new_files"] == "1"
    again, cursor = _tick(landing, cursor)
    assert isinstance(again, dg.SkipReason) and "no new or changed landing file" in again.skip_message
    _drop(landing, "eligibility/b.csv", "person_id\n", settled=False)
    waiting, same = _tick(landing, cursor)
    assert isinstance(waiting, dg.SkipReason) and "still being written" in waiting.skip_message
    assert same == cursor, "a file being written is not taken into the cursor"
    _drop(landing, "eligibility/b.csv", "person_id\n")
    second, cursor = _tick(landing, cursor)
    assert isinstance(second, dg.RunRequest) and second.run_key != first.run_key
    assert second.tags["g2139/new_files"] == "1"
    assert isinstance(_tick(landing, cursor)[0], dg.SkipReason)


def test_landing_sensor_sees_what_the_loader_reads_fhir_and_tables_added_later(tmp_path, monkeypatch):
    from orchestration.ingest import landing_spec

    landing = tmp_path / "landing"
    _drop(landing, "pain_score/a.csv", "person_id\n")
    _drop(landing, "notes/readme.csv", "not a landing table\n")  # no table reads notes/
    _drop(landing, "pain_score/.upload.csv", "person_id\n")  # hidden: an upload in progress
    first, cursor = _tick(landing, None)
    assert first.tags["g2139/new_files"] == "1"
    _drop(landing, "fhir/2026/Observation_001.ndjson", '{"resourceType": "Observation"}\n')
    fhir, cursor = _tick(landing, cursor)
    assert isinstance(fhir, dg.RunRequest) and fhir.tags["g2139/new_files"] == "1"
    assert "fhir/2026/Observation_001.ndjson" in json.loads(cursor)
    # A file of another kind in a table's folder: a run, which fails naming it (not ignored).
    _drop(landing, "eligibility/e.txt", "x\n")
    stray, cursor = _tick(landing, cursor)
    assert isinstance(stray, dg.RunRequest) and "eligibility/e.txt" in json.loads(cursor)
    # A table added to the landing spec later is a folder the sensor watches, with no change here.
    spec = landing_spec.TableSpec(name="functional_status", columns=(landing_spec.Column("person_id"),))
    monkeypatch.setitem(landing_spec.TABLES, spec.name, spec)
    _drop(landing, "functional_status/odi.parquet", "PAR1")
    added, cursor = _tick(landing, cursor)
    assert isinstance(added, dg.RunRequest) and "functional_status/odi.parquet" in json.loads(cursor)
    assert "notes/readme.csv" not in json.loads(cursor) and "pain_score/.upload.csv" not in json.loads(cursor)


class _Webhook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        _Webhook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def recorded_alerts(instance) -> list[dict]:
    path = alerts_path(instance)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def webhook(monkeypatch):
    _Webhook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Webhook)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(ENV_WEBHOOK, f"http://127.0.0.1:{server.server_port}/alerts")
    yield _Webhook.received
    server.shutdown()
    server.server_close()


@pytest.mark.pipeline
def test_failing_check_gives_one_alert_row_and_one_webhook_post(published, tmp_path, monkeypatch, webhook):
    import great_expectations as gx

    from expectations import episodes
    from orchestration.gate.checks import episodes_expectations

    original = episodes.build_expectations
    impossible = gx.expectations.ExpectTableRowCountToEqual(value=-1, description="an impossible rule")
    monkeypatch.setattr(episodes, "build_expectations", lambda rules: [*original(rules), impossible])
    copy = published.copy_to(tmp_path)
    resource = G2139Settings.of(copy.settings)
    gate_only = dg.define_asset_job("gate_only", selection=dg.AssetSelection.checks(episodes_expectations))
    job = dg.Definitions.merge(build_definitions(resource), dg.Definitions(jobs=[gate_only])).resolve_job_def(
        "gate_only"
    )
    instance = dg.DagsterInstance.get()
    # The gate alone on the built marts (a checks-only run is not partitioned).
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success

    context = dg.build_run_status_sensor_context(
        sensor_name="alert_on_failure",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure()
    alert_on_failure(context)

    [alert] = [a for a in recorded_alerts(instance) if a["run_id"] == result.run_id]
    assert alert["failed_steps"] and alert["failed_checks"] == ["marts/episodes:episodes_expectations"]
    [posted] = webhook
    assert posted == alert
    assert set(posted) == {
        "alert_id", "created_at", "run_id", "job_name", "partition",
        "failed_steps", "error_types", "failed_checks", "files",
    }  # fmt: skip


def test_freshness_checks_cover_raw_tables_and_feeds_outside_the_nightly_job():
    graph = defs.resolve_asset_graph()
    fresh = {key.asset_key.to_user_string() for key in graph.asset_check_keys if "freshness" in key.name}
    assert fresh == {
        "raw/medical_claim",
        "raw/eligibility",
        "raw/pain_score",
        "raw/functional_status",
        "feeds/payer_feeds",
    }
    job_checks = {
        key.name for key in defs.resolve_job_def("nightly").asset_layer.asset_graph.asset_check_keys
    }
    assert not any("freshness" in name for name in job_checks)
    assert defs.resolve_sensor_def("freshness").default_status == dg.DefaultSensorStatus.RUNNING
