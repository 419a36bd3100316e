"""Parquet values read in their own types give exactly what their text would give.

The loader types a Parquet integer, decimal, date or timestamp directly instead of
through its text; each case here is loaded twice, once as that Parquet type and
once as a CSV file holding the value's text, and both must load and quarantine
the same rows for the same reasons.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.landing import PAIN_SCORE, load_table
from tests.helpers.landing import NATIVE_CASES, write_native_case


def _outcome(landing: Path) -> tuple[list, list]:
    with duckdb.connect() as con:
        loads = load_table(con, landing, PAIN_SCORE, "run-1")
        assert all(load.balanced for load in loads)
        stem = "regexp_replace(_source_file, '\\.[a-z]+$', '')"
        rows = con.execute(
            f"""select {stem}, _source_row, * exclude (_source_file, _source_row, _load_id)
                from raw.pain_score order by all"""
        ).fetchall()
        reasons = con.execute(
            """select regexp_replace(source_file, '\\.[a-z]+$', ''), row_number, column_name, reason
               from raw.quarantine order by all"""
        ).fetchall()
    return rows, reasons


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, tuple[list, list]]:
    landing = tmp_path_factory.mktemp("native")
    for index, case in enumerate(NATIVE_CASES):
        write_native_case(landing, index, *case)
    return {side: _outcome(landing / side) for side in ("native", "text")}


def test_native_parquet_values_load_as_their_text_would(outcomes):
    assert outcomes["native"][0] == outcomes["text"][0]


def test_native_parquet_values_are_quarantined_as_their_text_would_be(outcomes):
    assert outcomes["native"][1] == outcomes["text"][1]


def test_the_cases_cover_loaded_and_quarantined_values(outcomes):
    rows, reasons = outcomes["native"]
    assert len(rows) >= 20
    assert {reason for *_, reason in reasons} >= {"unparseable_number", "score_out_of_range", "unknown_scale"}
