"""Interrupted runs. Killed while publishing: the next run makes the publication a clean run
makes (night one publishes a small delivery; night two brings late claims and is killed,
SIGKILL in its own process, at a point inside publishing; the run after it must leave the
same publication as one run from scratch over the same files). Stopped by Ctrl-C while dbt
builds: one line says so, no traceback."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.pipeline import run_pipeline
from tests.helpers.nights import differences, publication, run_killed_at
from tests.helpers.runs import AS_OF, DEMO_SEED, Published, settings_for, without_progress

pytestmark = pytest.mark.pipeline

PEOPLE = 200
LATE = "medical_claim/professional_late.csv"


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory) -> tuple[Path, Path]:
    """(night one's landing folder, the late claims file of night two)."""
    from demo import write_demo_landing

    base = tmp_path_factory.mktemp("deliveries")
    landing = base / "night1"
    write_demo_landing(landing, people=PEOPLE, seed=DEMO_SEED)
    claims = landing / "medical_claim" / "professional_000.csv"
    lines = claims.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = len(lines) * 3 // 4
    claims.write_text("".join(lines[:cut]), encoding="utf-8")
    late = base / "late.csv"
    late.write_text("".join([lines[0], *lines[cut:]]), encoding="utf-8")
    return landing, late


def night_two(deliveries: tuple[Path, Path], folder: Path) -> Path:
    night1, late = deliveries
    landing = folder / "landing"
    shutil.copytree(night1, landing)
    shutil.copy2(late, landing / LATE)
    return landing


@pytest.fixture(scope="module")
def first_night(deliveries, tmp_path_factory) -> Published:
    settings = settings_for(deliveries[0], tmp_path_factory.mktemp("night1"))
    outcome = run_pipeline(settings)
    assert outcome.success and outcome.published, outcome.failures
    return Published(settings, outcome.run_id)


@pytest.fixture(scope="module")
def clean_night_two(deliveries, tmp_path_factory) -> dict[str, bytes]:
    """One run from scratch over night two's files."""
    root = tmp_path_factory.mktemp("clean")
    settings = settings_for(night_two(deliveries, root), root)
    outcome = run_pipeline(settings)
    assert outcome.success and outcome.published, outcome.failures
    return publication(settings.output_dir / "2026")


@pytest.mark.parametrize("point", ["before_manifest", "after_swap"])
def test_a_run_killed_while_publishing_is_made_good_by_the_next_run(
    point, deliveries, first_night, clean_night_two, tmp_path
):
    copy = first_night.copy_to(tmp_path / "run")
    settings = settings_for(night_two(deliveries, tmp_path), tmp_path / "run")
    killed = run_killed_at(point, settings.landing_dir, tmp_path / "run")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert publication(copy.folder) != clean_night_two or point == "after_swap"

    outcome = run_pipeline(settings)
    assert outcome.success, outcome.failures
    # Killed before the swap: the live publication is night one's, so the build is redone.
    assert outcome.published or point == "after_swap"
    assert differences(publication(copy.folder), clean_night_two) == []


def _dbt_running(group: int) -> bool:
    """A dbt process in the process group ``group`` (the run's, as a terminal's job)."""
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            program = [os.path.basename(arg) for arg in (entry / "cmdline").read_bytes().split(b"\0")[:2]]
        except (OSError, IndexError):
            continue
        if entry.name.isdigit() and int(stat[2]) == group and b"dbt" in program:
            return True
    return False


def test_ctrl_c_while_dbt_builds_says_so_in_one_line(deliveries, tmp_path):
    command = [
        sys.executable, "-m", "orchestration.cli", "run", "--landing", str(deliveries[0]),
        "--output", str(tmp_path / "published"), "--warehouse", str(tmp_path / "warehouse.duckdb"),
        "--as-of", AS_OF,
    ]  # fmt: skip
    # Its own process group, as a terminal's job: Ctrl-C reaches every process of it.
    run = subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not _dbt_running(run.pid) and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert run.poll() is None, "the run ended before dbt started"
        time.sleep(1)
        os.killpg(run.pid, signal.SIGINT)
        out, err = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 130
    [line] = without_progress(err)
    assert out == "" and re.fullmatch(r"g2139 run [0-9a-f-]{36} interrupted; nothing was published\.", line)
    assert not (tmp_path / "published" / "2026").exists()
