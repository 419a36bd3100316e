"""A run killed while publishing: the next run makes the publication a clean run makes.

Night one publishes a small delivery; night two brings late claims and is killed (SIGKILL,
in its own process) at a point inside publishing; the run after it must leave the same
publication as one run from scratch over the same files."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from orchestration.pipeline import run_pipeline
from tests.conftest import DEMO_SEED, Published, settings_for
from tests.nights import differences, publication, run_killed_at

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
