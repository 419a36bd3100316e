"""Ingestion loses nothing: every row is loaded or quarantined with a reason."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.ingest.landing import (
    ELIGIBILITY,
    MEDICAL_CLAIM,
    PAIN_SCORE,
    LandingError,
    load_table,
)
from tests.helpers.landing import (
    BAD_CLAIM_ROWS,
    BAD_PAIN_ROWS,
    CLAIM_HEADER,
    ELIGIBILITY_HEADER,
    PAIN_HEADER,
    quarantined,
    write,
)


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


@pytest.mark.parametrize(
    ("row", "column", "reason"), BAD_PAIN_ROWS, ids=[r[2] + ":" + r[0] for r in BAD_PAIN_ROWS]
)
def test_bad_pain_score_row_is_quarantined_with_its_reason(tmp_path, con, row, column, reason):
    write(tmp_path, "pain_score", "p.csv", f"{PAIN_HEADER}\nP0,2024-01-05,back,NRS,7,10\n{row}\n")
    [load] = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (2, 1, 1)
    assert quarantined(con) == [(2, column, reason)]
    raw_row = con.execute("select raw_row from raw.quarantine").fetchone()[0]
    assert "P1" in raw_row or reason == "missing_required_value"


@pytest.mark.parametrize(("row", "column", "reason"), BAD_CLAIM_ROWS, ids=[r[2] for r in BAD_CLAIM_ROWS])
def test_bad_claim_row_is_quarantined_with_its_reason(tmp_path, con, row, column, reason):
    write(tmp_path, "medical_claim", "c.csv", f"{CLAIM_HEADER}\n{row}\nC2,1,P2,UHC,2024-01-05,99213\n")
    [load] = load_table(con, tmp_path, MEDICAL_CLAIM, "run-1")
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (2, 1, 1)
    assert quarantined(con) == [(1, column, reason)]


@pytest.mark.parametrize(
    ("row", "reason"), [("P1,", "missing_required_value"), ("P1,1960-02-31", "unparseable_date")]
)
def test_bad_eligibility_row_is_quarantined(tmp_path, con, row, reason):
    write(tmp_path, "eligibility", "e.csv", f"{ELIGIBILITY_HEADER}\n{row}\nP2,1970-01-01\n")
    [load] = load_table(con, tmp_path, ELIGIBILITY, "run-1")
    assert load.balanced and load.rows_quarantined == 1
    assert quarantined(con) == [(1, "birth_date", reason)]


def test_tricky_but_valid_csv_loads(tmp_path, con):
    # UTF-8 BOM, CRLF, a quoted comma, an unknown extra column, columns in another order.
    text = (
        "\ufeffscale_max,score,Extra,instrument,body_site,assessment_date,person_id\r\n"
        '10,7.5,"a, b",nrs,Back,2024-01-05T09:30:00Z,P1\r\n'
        '100,81,"x",VAS,back,2024-01-06,P2\r\n'
    )
    write(tmp_path, "pain_score", "tricky.csv", text)
    [load] = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (2, 2, 0)
    rows = con.execute(
        "select person_id, assessment_date::varchar, score::varchar, scale_max from raw.pain_score order by 1"
    ).fetchall()
    assert rows == [("P1", "2024-01-05", "7.500000", 10), ("P2", "2024-01-06", "81.000000", 100)]


def test_header_only_file_loads_nothing_and_balances(tmp_path, con):
    write(tmp_path, "pain_score", "empty.csv", PAIN_HEADER + "\r\n")
    [load] = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (0, 0, 0)


def test_parquet_loads_with_native_types(tmp_path, con):
    table = pa.table(
        {
            "person_id": ["P1", "P2"],
            "birth_date": pa.array([pa.scalar(0, pa.date32()).as_py(), None], pa.date32()),
        }
    )
    (tmp_path / "eligibility").mkdir()
    pq.write_table(table, tmp_path / "eligibility" / "e.parquet")
    [load] = load_table(con, tmp_path, ELIGIBILITY, "run-1")
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (2, 1, 1)
    assert con.execute("select birth_date::varchar from raw.eligibility").fetchall() == [("1970-01-01",)]


def test_same_content_twice_is_loaded_once(tmp_path, con):
    text = f"{PAIN_HEADER}\nP1,2024-01-05,back,NRS,7,10\n"
    write(tmp_path, "pain_score", "a.csv", text)
    write(tmp_path, "pain_score", "b_resend.csv", text)
    first, second = load_table(con, tmp_path, PAIN_SCORE, "run-1")
    assert first.rows_loaded == 1 and first.duplicate_of is None
    assert second.duplicate_of == "pain_score/a.csv" and second.rows_loaded == 0
    # A later run over the same folder loads nothing again.
    again = load_table(con, tmp_path, PAIN_SCORE, "run-2")
    assert all(f.duplicate_of == "pain_score/a.csv" for f in again)
    assert con.execute("select count(*) from raw.pain_score").fetchone()[0] == 1
    history = con.execute("select count(*) from raw.load_history").fetchone()[0]
    assert history == 4


def test_file_that_is_not_csv_or_parquet_fails_naming_it(tmp_path, con):
    write(tmp_path, "pain_score", "scores.xlsx", b"PK\x03\x04 not a csv")
    with pytest.raises(LandingError, match=r"scores\.xlsx.*not a CSV or Parquet"):
        load_table(con, tmp_path, PAIN_SCORE, "run-1")


def test_corrupt_parquet_fails_naming_it(tmp_path, con):
    write(tmp_path, "pain_score", "broken.parquet", b"this is not parquet at all")
    with pytest.raises(LandingError, match=r"broken\.parquet.*cannot be read"):
        load_table(con, tmp_path, PAIN_SCORE, "run-1")


def test_missing_required_column_fails_naming_file_and_column(tmp_path, con):
    write(
        tmp_path,
        "pain_score",
        "p.csv",
        "person_id,assessment_date,body_site,instrument,score\nP1,2024-01-05,back,NRS,7\n",
    )
    with pytest.raises(LandingError, match=r"p\.csv.*scale_max"):
        load_table(con, tmp_path, PAIN_SCORE, "run-1")


def test_rows_of_a_failed_file_are_not_half_loaded(tmp_path, con):
    write(tmp_path, "pain_score", "a_good.csv", f"{PAIN_HEADER}\nP1,2024-01-05,back,NRS,7,10\n")
    write(tmp_path, "pain_score", "b_bad.csv", "person_id\nP2\n")
    with pytest.raises(LandingError):
        load_table(con, tmp_path, PAIN_SCORE, "run-1")
    loaded = con.execute("select _source_file, count(*) from raw.pain_score group by all").fetchall()
    assert loaded == [("pain_score/a_good.csv", 1)]
