"""The `functional_status` landing table (ODI 2.1a, measure #471): the score from the section
answers at its boundaries, and every quarantine reason of the table, in the DuckDB loader
(tests/test_spark_landing.py runs the same rows through Spark)."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.ingest.landing import load_table
from orchestration.ingest.landing_spec import FUNCTIONAL_STATUS
from tests.helpers.functional_status import BAD_ROWS, HEADER, SCORED, row
from tests.helpers.landing import quarantined, write


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        yield connection


def stored(con) -> dict[str, tuple]:
    rows = con.execute("select assessment_id, score, item_score from raw.functional_status").fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


# (assessment, answers, score the answers give): sum / (5 x answered) x 100, half up.
def test_the_score_from_section_answers_is_a_whole_percent_rounded_half_up(tmp_path, con):
    lines = [row(name, answers=answers) for name, answers, _ in SCORED]
    write(tmp_path, "functional_status", "f.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    [load] = load_table(con, tmp_path, FUNCTIONAL_STATUS, "run-1")
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (len(SCORED), len(SCORED), 0)
    scores = stored(con)
    assert {name: scores[name] for name, _, _ in SCORED} == {name: (None, s) for name, _, s in SCORED}


def test_a_score_agrees_with_its_answers_once_they_are_rounded(tmp_path, con):
    # Nine answers summing to 13: 28.89 %, rounded to 29: the score 29 agrees with them.
    write(tmp_path, "functional_status", "f.csv",
          HEADER + "\n" + row("A", score="29", answers="2,2,2,2,2,1,1,1,,0") + "\n")  # fmt: skip
    [load] = load_table(con, tmp_path, FUNCTIONAL_STATUS, "run-1")
    assert load.rows_quarantined == 0
    assert stored(con)["A"] == (Decimal(29), Decimal(29))


def test_a_score_alone_is_kept_as_an_exact_decimal(tmp_path, con):
    write(tmp_path, "functional_status", "f.csv", HEADER + "\n" + row("A", score="22.5") + "\n")
    [load] = load_table(con, tmp_path, FUNCTIONAL_STATUS, "run-1")
    assert load.rows_loaded == 1
    assert stored(con)["A"] == (Decimal("22.5"), None)


@pytest.mark.parametrize(("line", "column", "reason"), BAD_ROWS, ids=[r[2] for r in BAD_ROWS])
def test_bad_functional_status_row_is_quarantined_with_its_reason(tmp_path, con, line, column, reason):
    good = row("G", score="22")
    write(tmp_path, "functional_status", "f.csv", f"{HEADER}\n{good}\n{line}\n")
    [load] = load_table(con, tmp_path, FUNCTIONAL_STATUS, "run-1")
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (2, 1, 1)
    assert quarantined(con) == [(2, column, reason)]


def test_a_file_with_the_score_column_only_and_parquet_answers(tmp_path, con):
    """Optional columns may be absent (answers only, score only) in CSV and Parquet alike."""
    header = "person_id,assessment_date,instrument,version,score,assessment_id"
    write(tmp_path, "functional_status", "scores.csv", f"{header}\nP1,2025-01-15,ODI,2.1a,40,A\n")
    answers = {f"item_{i}": pa.array([2], pa.int64()) for i in range(1, 11)}
    table = pa.table({"person_id": ["P2"], "assessment_date": ["2025-01-16"], "instrument": ["ODI"],
                      "version": ["2.1a"], "assessment_id": ["B"], **answers})  # fmt: skip
    (tmp_path / "functional_status").mkdir(exist_ok=True)
    pq.write_table(table, tmp_path / "functional_status" / "answers.parquet")
    loads = load_table(con, tmp_path, FUNCTIONAL_STATUS, "run-1")
    assert sum(load.rows_loaded for load in loads) == 2
    assert stored(con) == {"A": (Decimal(40), None), "B": (None, Decimal(40))}


def test_the_same_assessment_id_later_supersedes(tmp_path, con):
    write(tmp_path, "functional_status", "a.csv", HEADER + "\n" + row("A", score="40") + "\n")
    load_table(con, tmp_path, FUNCTIONAL_STATUS, "run-1")
    write(tmp_path, "functional_status", "b.csv", HEADER + "\n" + row("A", score="20") + "\n")
    load_table(con, tmp_path, FUNCTIONAL_STATUS, "run-2")
    assert stored(con) == {"A": (Decimal(20), None)}


