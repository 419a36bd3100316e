"""The real thing: the UI and the daemon started as `make dagster` starts them, watched
through the webserver's GraphQL API.

`make dagster` runs with a fresh DAGSTER_HOME, a landing folder of its own, a free port
on 127.0.0.1 and the virtual environment's `bin` NOT on PATH (as on a fresh clone). Then:
the code location loads without error; the schedule and the sensors are RUNNING; the
sensor's first tick runs the demo data; a dropped CSV file, then a dropped FHIR NDJSON
file, each launch a run of their own that publishes; a blocking check that fails (the
load accounting, tampered with in the warehouse between runs) gives exactly one alert
row and one webhook POST to a local server. Every process started is stopped (its process
group) whatever happens.

`G2139_SENSOR_INTERVAL=5` (landing_sensor.py) lets the sensor tick every 5 s instead of 60.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import duckdb
import pytest

from orchestration.automation.alerts import ALERTS_FILE, ENV_WEBHOOK
from orchestration.automation.landing_sensor import ENV_SENSOR_INTERVAL, SETTLE_SECONDS
from orchestration.resources import DBT_PROJECT_DIR, PROJECT_DAGSTER_HOME

pytestmark = pytest.mark.pipeline

ROOT = DBT_PROJECT_DIR.parent
VENV_BIN = ROOT / ".venv" / "bin"
LOCATION = "g2139"
REPOSITORY = {"repositoryLocationName": LOCATION, "repositoryName": "__repository__"}
LOAD_SECONDS = 240  # make's setup (dbt parse) and the code location's first load
RUN_SECONDS = 600  # a tick, the queue, and one nightly run on a small landing folder (a loaded machine)
DEMO_PEOPLE = 400


class _Webhook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        _Webhook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Dagster:
    url: str
    folder: Path
    process: subprocess.Popen
    log: Path

    @property
    def landing(self) -> Path:
        return self.folder / "landing"

    @property
    def warehouse(self) -> Path:
        return self.folder / "warehouse.duckdb"

    def query(self, text: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": text, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
        assert "errors" not in answer, answer["errors"]
        return answer["data"]

    def wait(self, what: str, seconds: float, found: Callable[[], object]) -> object:
        """Polls `found` until it returns something true; fails naming `what` after `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"make dagster exited; see {self.log}"
            try:
                value = found()
            except (OSError, duckdb.IOException):  # the server not up yet; the warehouse in use
                value = None
            if value:
                return value
            time.sleep(1)
        pytest.fail(f"waited {seconds} s for {what}; see {self.log}")


def _environment(folder: Path, home: Path, port: int, webhook: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("G2139_", "DAGSTER_", "VIRTUAL_ENV"))}
    # As on a fresh clone: the venv is not activated, so its bin is not on PATH.
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() != VENV_BIN.resolve()
    )
    env.update({ENV_WEBHOOK: webhook, ENV_SENSOR_INTERVAL: "5", "PYTHONUNBUFFERED": "1"})
    return env


@pytest.fixture(scope="module")
def dagster(tmp_path_factory) -> Iterator[Dagster]:
    from demo import write_demo_landing

    folder = tmp_path_factory.mktemp("make_dagster")
    write_demo_landing(folder / "landing", people=DEMO_PEOPLE, seed=2139)
    home = folder / "dagster_home"
    home.mkdir()
    shutil.copy2(PROJECT_DAGSTER_HOME / "dagster.yaml", home / "dagster.yaml")
    server = HTTPServer(("127.0.0.1", 0), _Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    webhook = f"http://127.0.0.1:{server.server_port}/alerts"
    port = _free_port()
    log = folder / "make-dagster.log"
    # `make dagster` itself; `-o` keeps make from reinstalling the venv (no network in tests).
    command = [
        "make", "--no-print-directory", "-o", ".venv/bin/.installed", "dagster",
        f"DEMO_DIR={folder}", f"DAGSTER_HOME={home}", f"DAGSTER_PORT={port}",
    ]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=_environment(folder, home, port, webhook),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped whole below
        )
    try:
        _Webhook.received = []
        yield Dagster(f"http://127.0.0.1:{port}", folder, process, log)
    finally:
        _stop(process)
        server.shutdown()
        server.server_close()


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the whole group (make, dagster dev, webserver, daemon, code server, runs),
    then SIGKILL to whatever is left of it."""
    for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                process.wait(timeout=5)
                return
            process.poll()
            time.sleep(0.5)


LOCATION_QUERY = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
STATES_QUERY = """query States($repo: RepositorySelector!) {
  sensorsOrError(repositorySelector: $repo) { ... on Sensors { results { name sensorState { status } } } }
  schedulesOrError(repositorySelector: $repo) {
    ... on Schedules { results { name scheduleState { status } } } } }"""
RUNS_QUERY = """{ runsOrError(filter: {tags: [{key: "dagster/sensor_name", value: "landing_files"}]}) {
  ... on Runs { results { runId status tags { key value } stepStats { stepKey status } } } } }"""


def _location(dagster: Dagster) -> dict | None:
    entries = dagster.query(LOCATION_QUERY)["workspaceOrError"]["locationEntries"]
    entry = next((e for e in entries if e["name"] == LOCATION), None)
    return entry if entry and entry["loadStatus"] == "LOADED" else None


def _sensor_runs(dagster: Dagster) -> list[dict]:
    return dagster.query(RUNS_QUERY)["runsOrError"]["results"]


def _finished(dagster: Dagster, count: int) -> list[dict] | None:
    """The sensor's runs once there are `count` and none is still going."""
    runs = _sensor_runs(dagster)
    done = {"SUCCESS", "FAILURE", "CANCELED"}
    return runs if len(runs) >= count and all(r["status"] in done for r in runs) else None


def _drop(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    settled = time.time() - 2 * SETTLE_SECONDS  # written a while ago: the sender has finished
    os.utime(path, (settled, settled))


def _published(run: dict) -> bool:
    return {"stepKey": "feeds__payer_feeds", "status": "SUCCESS"} in run["stepStats"]


def test_code_location_loads_with_schedule_and_sensors_running(dagster):
    entry = dagster.wait("the code location to load", LOAD_SECONDS, lambda: _location(dagster))
    assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry["locationOrLoadError"]
    states = dagster.query(STATES_QUERY, {"repo": REPOSITORY})
    sensors = {s["name"]: s["sensorState"]["status"] for s in states["sensorsOrError"]["results"]}
    schedules = {s["name"]: s["scheduleState"]["status"] for s in states["schedulesOrError"]["results"]}
    assert sensors == {"landing_files": "RUNNING", "alert_on_failure": "RUNNING", "freshness": "RUNNING"}
    assert schedules == {"nightly": "RUNNING"}


def _alerts(folder: Path) -> list[dict]:
    """The alerts recorded in the instance's alerts file (none yet: no file)."""
    path = folder / "dagster_home" / ALERTS_FILE
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_dropped_csv_then_ndjson_each_launch_a_run_that_publishes_then_a_failure_alerts_once(dagster):
    dagster.wait("the code location to load", LOAD_SECONDS, lambda: _location(dagster))
    # The first tick sees the demo data: one run, which publishes.
    [first] = dagster.wait("the first sensor run", RUN_SECONDS, lambda: _finished(dagster, 1))
    assert first["status"] == "SUCCESS" and _published(first)

    seen = 1
    drops = {
        "pain_score/2026-12/late_scores.csv": (
            "person_id,assessment_date,body_site,instrument,score,scale_max\nP0000001,2026-11-20,back,NRS,3,10\n"
        ),
        "fhir/2026-12/Observation_late.ndjson": json.dumps({
            "resourceType": "Observation", "id": "late-1", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
            "subject": {"reference": "Patient/P0000002"}, "effectiveDateTime": "2026-11-21",
            "valueInteger": 2, "bodySite": {"text": "back"},
        }) + "\n",
    }  # fmt: skip
    for name, text in drops.items():
        _drop(dagster.landing / name, text)
        seen += 1
        runs = dagster.wait(f"a run for {name}", RUN_SECONDS, lambda n=seen: _finished(dagster, n))
        latest = runs[0]  # newest first
        tags = {t["key"]: t["value"] for t in latest["tags"]}
        assert tags["g2139/new_files"] == "1" and tags["g2139/trigger"] == "landing"
        assert latest["status"] == "SUCCESS" and _published(latest), latest
    with duckdb.connect(str(dagster.warehouse), read_only=True) as con:
        # Each file's first load read its one record (later runs record it as already loaded).
        read = dict(
            con.execute("select source_file, max(rows_read) from raw.load_history group by all").fetchall()
        )
    assert read["pain_score/2026-12/late_scores.csv"] == 1
    assert read["fhir/2026-12/Observation_late.ndjson"] == 1
    assert _alerts(dagster.folder) == [] and _Webhook.received == []

    # A blocking check fails: the load accounting no longer balances for a file (the
    # warehouse changed behind the pipeline's back), and a new file starts a run.
    with duckdb.connect(str(dagster.warehouse)) as con:
        con.execute(
            "update raw.load_history set rows_loaded = rows_loaded + 1 where source_file = ?",
            ["pain_score/2026-12/late_scores.csv"],
        )
    _drop(dagster.landing / "eligibility/2026-12/late.csv", "person_id,birth_date\nP0000003,1961-02-03\n")
    runs = dagster.wait("the failing run", RUN_SECONDS, lambda: _finished(dagster, seen + 1))
    failed = runs[0]
    assert failed["status"] == "FAILURE" and not _published(failed)
    [alert] = dagster.wait("the alert", RUN_SECONDS, lambda: _alerts(dagster.folder))
    assert alert["run_id"] == failed["runId"] and alert["failed_steps"] and alert["failed_checks"]
    dagster.wait("the webhook POST", 30, lambda: _Webhook.received)
    time.sleep(15)  # three more ticks of the failure sensor: still one alert, one POST
    assert len(_alerts(dagster.folder)) == 1
    [posted] = _Webhook.received
    assert posted["run_id"] == failed["runId"] and posted["failed_checks"] == alert["failed_checks"]
