"""The loader's engine settings are its own: the database keeps its settings, rows keep their numbers."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.ingest.landing import MEDICAL_CLAIM, LandingError, load_table
from tests.helpers.landing import write_claims

SETTINGS = "select current_setting('checkpoint_threshold'), current_setting('preserve_insertion_order')"


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as connection:
        connection.execute("set checkpoint_threshold = '20MB'")
        yield connection


def test_settings_come_back_after_a_load(tmp_path, con):
    before = con.execute(SETTINGS).fetchone()
    write_claims(tmp_path / "landing" / "medical_claim", "a.csv", 3)
    load_table(con, tmp_path / "landing", MEDICAL_CLAIM, "run")
    assert con.execute(SETTINGS).fetchone() == before


def test_settings_come_back_after_a_failed_file(tmp_path, con):
    before = con.execute(SETTINGS).fetchone()
    folder = tmp_path / "landing" / "medical_claim"
    folder.mkdir(parents=True)
    (folder / "bad.csv").write_text("claim_id\nC1\n", encoding="utf-8")
    with pytest.raises(LandingError):
        load_table(con, tmp_path / "landing", MEDICAL_CLAIM, "run")
    assert con.execute(SETTINGS).fetchone() == before


def test_rows_keep_their_record_numbers_when_written_in_parallel(tmp_path, con):
    # More rows than one row group, and a record the engine must not read in the middle.
    write_claims(tmp_path / "landing" / "medical_claim", "a.csv", 150_000, bad_at=70_000)
    (load,) = load_table(con, tmp_path / "landing", MEDICAL_CLAIM, "run")
    assert (load.rows_read, load.rows_quarantined) == (150_000, 1)
    misnumbered = con.execute(
        "select count(*) from raw.medical_claim where claim_id <> 'C' || _source_row"
    ).fetchone()[0]
    assert misnumbered == 0
    assert con.execute("select row_number from raw.quarantine").fetchall() == [(70_000,)]
