"""One run per warehouse at a time, whoever starts it: a second run waits a bounded time
(one line saying so), then refuses in one line; a run the daemon or the UI launches (the
job itself) is held back the same way."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from orchestration import cli
from orchestration.runlock import ENV_WAIT, lock_path
from tests.helpers.runs import AS_OF, DEMO_SEED, settings_for, without_progress

HOLD = (
    "import fcntl, os, sys, time\n"
    "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n"
    "fcntl.flock(fd, fcntl.LOCK_EX)\n"
    "print('held', flush=True)\n"
    "time.sleep(120)\n"
)


@pytest.fixture
def held_by_another_process(tmp_path):
    """The warehouse's run lock, held by another process (as a running run holds it)."""
    warehouse = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock_path(warehouse))], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    yield warehouse
    holder.kill()
    holder.wait()


def run_args(landing: Path, root: Path) -> list[str]:
    return [
        "run", "--landing", str(landing), "--output", str(root / "published"),
        "--warehouse", str(root / "warehouse.duckdb"), "--as-of", AS_OF,
    ]  # fmt: skip


def test_a_second_cli_run_waits_then_refuses_in_one_line(
    held_by_another_process, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv(ENV_WAIT, "0.5")
    (tmp_path / "landing").mkdir()
    assert cli.main(run_args(tmp_path / "landing", tmp_path)) == 1
    out, err = capsys.readouterr()
    warehouse = held_by_another_process
    assert without_progress(err) == [
        f"g2139: another run is using {warehouse}; waiting up to 0.5 s for it to finish",
        f"g2139 run: another run is still using {warehouse} after 0.5 s; "
        "nothing was done: run again when it has finished",
    ]
    assert out == "" and not warehouse.exists()


def test_a_run_launched_by_the_daemon_or_the_ui_is_held_back_by_the_job_itself(
    held_by_another_process, tmp_path, monkeypatch
):
    from orchestration.definitions import NIGHTLY_JOB, build_definitions
    from orchestration.resources import G2139Settings

    monkeypatch.setenv(ENV_WAIT, "0.2")
    (tmp_path / "landing").mkdir()
    settings = settings_for(tmp_path / "landing", tmp_path)
    job = build_definitions(G2139Settings.of(settings)).resolve_job_def(NIGHTLY_JOB)
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, partition_key="2026"
    )
    assert not result.success and not settings.warehouse.exists()
    [failure] = [e for e in result.all_events if e.event_type_value == "RESOURCE_INIT_FAILURE"]
    assert "another run is still using" in failure.event_specific_data.error.message


@pytest.mark.pipeline
def test_two_runs_on_one_warehouse_run_one_after_the_other(tmp_path, capsys, monkeypatch):
    from demo import write_demo_landing

    demo_landing = tmp_path / "landing"
    write_demo_landing(demo_landing, people=200, seed=DEMO_SEED)
    monkeypatch.setenv(ENV_WAIT, "600")
    first = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", *run_args(demo_landing, tmp_path)],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        warehouse = tmp_path / "warehouse.duckdb"
        deadline = time.monotonic() + 300
        while not warehouse.exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)  # the first run made the warehouse: it holds the lock
        assert first.poll() is None, "the first run ended before the second started"
        assert cli.main(run_args(demo_landing, tmp_path)) == 0
    finally:
        out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-2000:]
    assert "published:" in out
    second_out, second_err = capsys.readouterr()
    assert without_progress(second_err) == [
        f"g2139: another run is using {warehouse}; waiting up to 600 s for it to finish"
    ]
    # The second ran after the first, on what it had published: nothing new.
    assert "build skipped, nothing new" in second_out
