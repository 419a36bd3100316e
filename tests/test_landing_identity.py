"""A loaded file still at its path with the size and modification time it was loaded with is
that version: not read or hashed again. Any change of either makes the loader hash it."""

from __future__ import annotations

import os

import duckdb
import pytest

from orchestration.ingest import landing
from orchestration.ingest.landing import DUPLICATE, MEDICAL_CLAIM, load_table
from orchestration.ingest.landing_store import LOADED
from tests.helpers.landing import write_claims


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        yield connection


@pytest.fixture
def hashed(monkeypatch):
    """The paths the loader hashes (the real hash, counted)."""
    seen: list[str] = []
    real = landing.file_sha256

    def counting(path):
        seen.append(path.name)
        return real(path)

    monkeypatch.setattr(landing, "file_sha256", counting)
    return seen


def test_an_unchanged_file_is_known_without_being_hashed_again(tmp_path, con, hashed):
    folder = tmp_path / "landing" / "medical_claim"
    write_claims(folder, "a.csv", 3)
    (first,) = load_table(con, tmp_path / "landing", MEDICAL_CLAIM, "run1")
    assert first.status == LOADED and hashed == ["a.csv"]
    (again,) = load_table(con, tmp_path / "landing", MEDICAL_CLAIM, "run2")
    assert again.status == DUPLICATE and again.sha256 == first.sha256 and hashed == ["a.csv"]


def test_a_touched_file_is_hashed_and_its_same_content_is_a_duplicate(tmp_path, con, hashed):
    folder = tmp_path / "landing" / "medical_claim"
    write_claims(folder, "a.csv", 3)
    (first,) = load_table(con, tmp_path / "landing", MEDICAL_CLAIM, "run1")
    stat = (folder / "a.csv").stat()
    os.utime(folder / "a.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    (again,) = load_table(con, tmp_path / "landing", MEDICAL_CLAIM, "run2")
    assert hashed == ["a.csv", "a.csv"]
    assert again.status == DUPLICATE and again.sha256 == first.sha256


def test_new_content_of_the_same_size_at_a_new_time_replaces_the_version(tmp_path, con, hashed):
    folder = tmp_path / "landing" / "medical_claim"
    write_claims(folder, "a.csv", 3)
    (first,) = load_table(con, tmp_path / "landing", MEDICAL_CLAIM, "run1")
    text = (folder / "a.csv").read_text().replace("P1,", "Q1,")
    stat = (folder / "a.csv").stat()
    (folder / "a.csv").write_text(text)
    os.utime(folder / "a.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert (folder / "a.csv").stat().st_size == stat.st_size
    (second,) = load_table(con, tmp_path / "landing", MEDICAL_CLAIM, "run2")
    assert second.status == LOADED and second.replaces is not None and second.sha256 != first.sha256
    assert con.execute("select count(*) from raw.medical_claim where person_id = 'Q1'").fetchone()[0] == 1
