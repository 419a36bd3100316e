"""File identity, versions, superseded records, discovery, strict numbers and failures."""

from __future__ import annotations

import os

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.ingest import landing, landing_files
from orchestration.ingest.landing import ELIGIBILITY, MEDICAL_CLAIM, PAIN_SCORE, LandingError, load_table
from orchestration.ingest.landing_files import FileState, plain_error
from orchestration.ingest.landing_store import superseded_counts
from tests.helpers.landing import CLAIM_HEADER, ELIGIBILITY_HEADER, PAIN_HEADER, quarantined, write

SCORED_HEADER = "assessment_id," + PAIN_HEADER


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


def scores(con) -> list[tuple]:
    return con.execute("select person_id, score::varchar from raw.pain_score order by 1, 2").fetchall()


# Defect 4: a corrected file re-sent under the same name was appended, not substituted.
def test_path_resent_with_other_content_replaces_its_earlier_version(tmp_path, con):
    write(
        tmp_path, "pain_score", "a.csv", f"{PAIN_HEADER}\nP1,2024-01-05,back,NRS,7,10\nP2,bad,back,NRS,7,10\n"
    )
    [first] = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    write(tmp_path, "pain_score", "a.csv", f"{PAIN_HEADER}\nP1,2024-01-05,back,NRS,3,10\n")
    [second] = load_table(con, tmp_path, PAIN_SCORE, "run-2")
    assert scores(con) == [("P1", "3.000000")]
    assert quarantined(con) == []  # the earlier version's quarantine is superseded too
    audit = con.execute("select score::varchar, _superseded_reason from raw.pain_score_superseded").fetchall()
    assert audit == [("7.000000", "file_replaced")]
    assert con.execute("select count(*) from raw.quarantine_superseded").fetchone()[0] == 1
    history = con.execute(
        """select run_id, status, replaces is not null, superseded_by is not null
           from raw.load_history order by 1"""
    ).fetchall()
    assert history == [("run-1", "loaded", False, True), ("run-2", "loaded", True, False)]
    assert second.replaces is not None and first.replaces is None
    assert superseded_counts(con)["pain_score"] == {"files_replaced": 1, "records_superseded": 0}
    # The same folder again: nothing changes.
    [third] = load_table(con, tmp_path, PAIN_SCORE, "run-3")
    assert third.duplicate_of == "pain_score/a.csv" and scores(con) == [("P1", "3.000000")]


def test_path_resent_with_the_content_of_another_file_is_a_duplicate_and_drops_its_old_rows(tmp_path, con):
    write(tmp_path, "pain_score", "a.csv", f"{PAIN_HEADER}\nP1,2024-01-05,back,NRS,7,10\n")
    write(tmp_path, "pain_score", "b.csv", f"{PAIN_HEADER}\nP2,2024-01-05,back,NRS,5,10\n")
    load_table(con, tmp_path, PAIN_SCORE, "run-1")
    write(tmp_path, "pain_score", "a.csv", f"{PAIN_HEADER}\nP2,2024-01-05,back,NRS,5,10\n")
    first, _ = load_table(con, tmp_path, PAIN_SCORE, "run-2")
    assert first.duplicate_of == "pain_score/b.csv" and first.replaces is not None
    assert scores(con) == [("P2", "5.000000")]


def test_a_stale_copy_of_a_replaced_version_is_a_duplicate_and_never_undoes_the_correction(tmp_path, con):
    old = f"{SCORED_HEADER}\nA1,P1,2024-01-05,back,NRS,7,10\n"
    write(tmp_path, "pain_score", "a.csv", old)
    write(tmp_path, "pain_score", "resend.csv", old)
    _, copy = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert copy.duplicate_of == "pain_score/a.csv"
    # The path re-sent with a correction; the old copy is still in the folder.
    write(tmp_path, "pain_score", "a.csv", f"{SCORED_HEADER}\nA1,P1,2024-01-05,back,NRS,3,10\n")
    corrected, stale = load_table(con, tmp_path, PAIN_SCORE, "run-2")
    assert corrected.replaces is not None and corrected.status == "loaded"
    assert (stale.status, stale.duplicate_of, stale.replaces) == ("duplicate", "pain_score/a.csv", None)
    assert (stale.rows_read, stale.rows_loaded, stale.rows_superseded) == (0, 0, 0)
    assert scores(con) == [("P1", "3.000000")]
    # The old bytes sent again under the corrected path itself: a stale copy too, the correction stays.
    write(tmp_path, "pain_score", "a.csv", old)
    again = load_table(con, tmp_path, PAIN_SCORE, "run-3")
    stale_copies = [("duplicate", "pain_score/a.csv", None)] * 2
    assert [(f.status, f.duplicate_of, f.replaces) for f in again] == stale_copies
    assert scores(con) == [("P1", "3.000000")]
    # Bytes once loaded are never loaded again as something new.
    loads = con.execute(
        "select file_sha256, count(*) from raw.load_history where status = 'loaded' group by 1"
    ).fetchall()
    assert len(loads) == 2 and all(n == 1 for _, n in loads)


# Defect 4, second face: a file still being written was loaded twice (partial, then complete).
def test_file_that_changes_while_read_waits_for_the_next_run(tmp_path, con, monkeypatch):
    write(tmp_path, "pain_score", "a.csv", f"{PAIN_HEADER}\nP1,2024-01-05,back,NRS,7,10\n")
    states = iter([FileState(10, 1), FileState(20, 2)])
    monkeypatch.setattr(landing, "file_state", lambda path, name: next(states))
    [waiting] = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert waiting.status == "still_being_written" and waiting.rows_loaded == 0 and waiting.balanced
    assert scores(con) == []
    monkeypatch.undo()
    [loaded] = load_table(con, tmp_path, PAIN_SCORE, "run-2")
    assert loaded.status == "loaded" and loaded.duplicate_of is None and scores(con) == [("P1", "7.000000")]


def test_latest_loaded_pain_score_wins_by_assessment_id(tmp_path, con):
    write(
        tmp_path,
        "pain_score",
        "a.csv",
        f"{SCORED_HEADER}\nA1,P1,2024-01-05,back,NRS,7,10\n,P2,2024-01-05,back,NRS,6,10\n",
    )
    write(
        tmp_path,
        "pain_score",
        "b.csv",
        f"{SCORED_HEADER}\nA1,P1,2024-01-05,back,NRS,3,10\n,P2,2024-01-05,back,NRS,6,10\n",
    )
    first, second = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert (first.rows_superseded, second.rows_superseded) == (0, 1)
    # Rows without an assessment_id have no identity across files: both stay.
    assert scores(con) == [("P1", "3.000000"), ("P2", "6.000000"), ("P2", "6.000000")]
    assert superseded_counts(con)["pain_score"]["records_superseded"] == 1


def test_latest_loaded_claim_line_wins_by_claim_id_and_line_number(tmp_path, con):
    write(
        tmp_path,
        "medical_claim",
        "a.csv",
        f"{CLAIM_HEADER}\nC1,1,P1,Aetna,2024-01-05,22612\nC1,2,P1,Aetna,2024-01-05,99213\n",
    )
    write(tmp_path, "medical_claim", "b.csv", f"{CLAIM_HEADER}\nC1,1,P1,Aetna,2024-01-05,22633\n")
    load_table(con, tmp_path, MEDICAL_CLAIM, "run-1")
    rows = con.execute("select claim_line_number, hcpcs_code from raw.medical_claim order by 1").fetchall()
    assert rows == [(1, "22633"), (2, "99213")]


# Defect 6: the checksum lookup ran before the column check.
def test_file_of_another_table_is_checked_as_this_tables_file_not_called_a_duplicate(tmp_path, con):
    text = f"{ELIGIBILITY_HEADER}\nP1,1970-01-01\n"
    write(tmp_path, "eligibility", "e.csv", text)
    load_table(con, tmp_path, ELIGIBILITY, "run-1")
    write(tmp_path, "pain_score", "e.csv", text)
    with pytest.raises(LandingError, match=r"^pain_score/e\.csv: missing required column"):
        load_table(con, tmp_path, PAIN_SCORE, "run-1")


# Defect 6: subfolders were ignored without a word, and so was a dangling symlink.
def test_files_in_subfolders_are_part_of_the_table_by_relative_path(tmp_path, con):
    for sub in ("2026-11/week 2", ".partial"):
        (tmp_path / "pain_score" / sub).mkdir(parents=True)
    write(tmp_path, "pain_score", "2026-11/x.csv", f"{PAIN_HEADER}\nP1,2024-01-05,back,NRS,7,10\n")
    write(tmp_path, "pain_score", "2026-11/week 2/y.csv", f"{PAIN_HEADER}\nP2,2024-01-05,back,NRS,7,10\n")
    write(tmp_path, "pain_score", ".partial/z.csv", "half a file")
    loads = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert [f.path for f in loads] == ["pain_score/2026-11/week 2/y.csv", "pain_score/2026-11/x.csv"]


def test_dangling_symlink_fails_naming_it(tmp_path, con):
    (tmp_path / "pain_score").mkdir()
    os.symlink(tmp_path / "gone.csv", tmp_path / "pain_score" / "link.csv")
    with pytest.raises(
        LandingError, match=r"^pain_score/link\.csv: symbolic link to a file that does not exist"
    ):
        load_table(con, tmp_path, PAIN_SCORE, "run-1")


def test_folder_named_like_a_file_fails_naming_it(tmp_path, con):
    (tmp_path / "pain_score" / "scores.csv").mkdir(parents=True)
    with pytest.raises(LandingError, match=r"^pain_score/scores\.csv: a folder named like a file"):
        load_table(con, tmp_path, PAIN_SCORE, "run-1")


def test_unreadable_file_fails_naming_it(tmp_path, con, monkeypatch):
    write(tmp_path, "pain_score", "locked.csv", f"{PAIN_HEADER}\n")
    monkeypatch.setattr(landing_files.os, "access", lambda path, mode: False)  # tests may run as root
    with pytest.raises(LandingError, match=r"^pain_score/locked\.csv: cannot be read \(permission denied\)$"):
        load_table(con, tmp_path, PAIN_SCORE, "run-1")


def test_a_folder_link_back_up_the_tree_is_read_once(tmp_path, con):
    write(tmp_path, "pain_score", "a.csv", f"{PAIN_HEADER}\nP1,2024-01-05,back,NRS,7,10\n")
    os.symlink(tmp_path / "pain_score", tmp_path / "pain_score" / "again")
    assert [f.path for f in load_table(con, tmp_path, PAIN_SCORE, "run-1")] == ["pain_score/a.csv"]


# Defect 7: rounding casts and hex turned 9.6, 0xA and 99.5 into 10, 10 and 100.
@pytest.mark.parametrize(
    ("score", "scale_max", "column"),
    [("7", "9.6", "scale_max"), ("7", "0xA", "scale_max"), ("70", "99.5", "scale_max"),
     ("1e1", "10", "score"), ("7.1234567", "10", "score"), ("0x7", "10", "score"),
     ("7,5", "10", "score"), ("NaN", "10", "score"), ("٧", "10", "score"), ("7", "1_0", "scale_max")],
)  # fmt: skip
def test_numbers_are_plain_base_10_literals(tmp_path, con, score, scale_max, column):
    write(tmp_path, "pain_score", "p.csv", f'{PAIN_HEADER}\nP1,2024-01-05,back,VAS,"{score}",{scale_max}\n')
    [load] = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert load.rows_quarantined == 1
    assert quarantined(con) == [(1, column, "unparseable_number")]


def test_plain_numbers_with_spaces_signs_and_trailing_zeros_load(tmp_path, con):
    write(
        tmp_path,
        "pain_score",
        "p.csv",
        f"{PAIN_HEADER}\nP1,2024-01-05,back,VAS, 7.50000000 , 010 \nP2,2024-01-05,back,NRS,+3,10\n",
    )
    [load] = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert load.rows_loaded == 2
    rows = con.execute("select score::varchar, scale_max from raw.pain_score order by 1").fetchall()
    assert rows == [("3.000000", 10), ("7.500000", 10)]


def test_parquet_with_wrong_types_is_checked_like_text(tmp_path, con):
    table = pa.table(
        {
            "person_id": ["P1", "P2", "P3", "P4"],
            "assessment_date": ["2024-01-05", "05/01/2024", "2024-01-05", "2024-01-05"],
            "body_site": ["back", "back", "back", "back"],
            "instrument": ["NRS", "NRS", "NRS", "NRS"],
            "score": pa.array([7.0, 7.0, 7.25, 7.0], pa.float64()),
            "scale_max": pa.array([10.0, 10.0, 10.0, 9.6], pa.float64()),
        }
    )
    (tmp_path / "pain_score").mkdir()
    pq.write_table(table, tmp_path / "pain_score" / "p.parquet")
    [load] = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (4, 2, 2)
    assert quarantined(con) == [
        (2, "assessment_date", "unparseable_date"),
        (4, "scale_max", "unparseable_number"),
    ]


class FullDisk:
    """A connection whose commit finds the disk full, after which DuckDB has no transaction."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def execute(self, sql: str, *args):
        if sql.strip() == "commit":
            self.con.execute("rollback")
            raise duckdb.IOException('Could not write file "g2139.duckdb.wal": No space left on device')
        if sql.strip() == "rollback":
            raise duckdb.TransactionException("cannot rollback - no transaction is active")
        return self.con.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self.con, name)


# Defect 8: the rollback in the error path raised its own error and masked "disk full".
def test_disk_full_is_reported_as_such_and_nothing_is_half_loaded(tmp_path, con):
    write(tmp_path, "pain_score", "p.csv", f"{PAIN_HEADER}\nP1,2024-01-05,back,NRS,7,10\n")
    with pytest.raises(LandingError, match=r"^pain_score/p\.csv: No space left on device$") as failure:
        load_table(FullDisk(con), tmp_path, PAIN_SCORE, "run-1")
    assert failure.value.__cause__ is None and failure.value.__suppress_context__
    assert con.execute("select count(*) from raw.pain_score").fetchone()[0] == 0
    assert con.execute("select count(*) from raw.load_history").fetchone()[0] == 0


def test_operating_system_failures_in_plain_words():
    assert plain_error(OSError(28, "No space left on device")) == "No space left on device"
    assert plain_error(PermissionError(13, "Permission denied")) == "cannot be read (permission denied)"
    assert plain_error(duckdb.ConversionException("Could not convert string 'x' to INT32")) == (
        "could not be loaded (database error: ConversionException)"
    )


def test_file_cut_short_while_read_waits_instead_of_failing(tmp_path, con, monkeypatch):
    # An upload in progress: the count and the engine disagree because the file moved on.
    write(tmp_path, "pain_score", "a.csv", f'{PAIN_HEADER}\nP1,"2024-01-05,back,NRS,7,10\n')
    states = iter([FileState(10, 1), FileState(20, 2), FileState(20, 2)])
    monkeypatch.setattr(landing, "file_state", lambda path, name: next(states))
    [waiting] = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert waiting.status == "still_being_written"
