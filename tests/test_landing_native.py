"""Parquet values read in their own types give exactly what their text would give.

The loader types a Parquet integer, decimal, date or timestamp directly instead of
through its text; each case here is loaded twice, once as that Parquet type and
once as a CSV file holding the value's text, and both must load and quarantine
the same rows for the same reasons.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.ingest.landing import PAIN_SCORE, load_table

FIXED = {"person_id": "P1", "assessment_date": "2024-01-05", "body_site": "back", "instrument": "VAS",
         "score": "7", "scale_max": "100"}  # fmt: skip

# (column, Parquet type, values, the text each value has in a CSV file)
CASES = [
    ("score", pa.int64(), [5, 100, -3, 10**12 - 1, 10**12, None],
     ["5", "100", "-3", "999999999999", "1000000000000", ""]),
    ("score", pa.int8(), [7, -1], ["7", "-1"]),
    ("score", pa.uint64(), [2**63], [str(2**63)]),
    ("score", pa.float64(), [2.5, 10.0, 0.1234567, 1e20], ["2.5", "10", "0.1234567", "1e+20"]),
    ("score", pa.decimal128(10, 2), [Decimal("2.50"), Decimal("-0.01")], ["2.50", "-0.01"]),
    ("score", pa.decimal128(20, 8), [Decimal("3.10000000"), Decimal("1.12345678")],
     ["3.10000000", "1.12345678"]),
    ("score", pa.decimal128(16, 2), [Decimal("12.00"), Decimal("12345678901234.00")],
     ["12.00", "12345678901234.00"]),
    ("scale_max", pa.int64(), [10, 100, -10, 10**9 - 1, 10**9, 2**40],
     ["10", "100", "-10", "999999999", "1000000000", str(2**40)]),
    ("scale_max", pa.int16(), [10, 100], ["10", "100"]),
    ("scale_max", pa.decimal128(5, 1), [Decimal("10.0"), Decimal("9.6")], ["10", "9.6"]),
    ("scale_max", pa.float32(), [100.0], ["100"]),
    ("assessment_date", pa.date32(), [dt.date(2024, 1, 5), dt.date(1, 1, 1), dt.date(9999, 12, 31)],
     ["2024-01-05", "0001-01-01", "9999-12-31"]),
    ("assessment_date", pa.timestamp("us"), [dt.datetime(2024, 1, 5, 10, 30), dt.datetime(2024, 2, 29)],
     ["2024-01-05 10:30:00", "2024-02-29 00:00:00"]),
    ("assessment_date", pa.timestamp("ns"), [dt.datetime(2023, 12, 31, 23, 59)], ["2023-12-31 23:59:00"]),
]  # fmt: skip


def _write_case(landing: Path, index: int, column: str, kind: pa.DataType, values: list, texts: list) -> None:
    native, text = landing / "native" / "pain_score", landing / "text" / "pain_score"
    native.mkdir(parents=True, exist_ok=True)
    text.mkdir(parents=True, exist_ok=True)
    columns = {name: pa.array([value] * len(values)) for name, value in FIXED.items()}
    columns[column] = pa.array(values, kind)
    pq.write_table(pa.table(columns), native / f"case_{index:02d}.parquet")
    lines = [",".join(FIXED)]
    for value in texts:
        lines.append(",".join(value if name == column else FIXED[name] for name in FIXED))
    (text / f"case_{index:02d}.csv").write_text("\n".join(lines) + "\n")


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
    for index, case in enumerate(CASES):
        _write_case(landing, index, *case)
    return {side: _outcome(landing / side) for side in ("native", "text")}


def test_native_parquet_values_load_as_their_text_would(outcomes):
    assert outcomes["native"][0] == outcomes["text"][0]


def test_native_parquet_values_are_quarantined_as_their_text_would_be(outcomes):
    assert outcomes["native"][1] == outcomes["text"][1]


def test_the_cases_cover_loaded_and_quarantined_values(outcomes):
    rows, reasons = outcomes["native"]
    assert len(rows) >= 20
    assert {reason for *_, reason in reasons} >= {"unparseable_number", "score_out_of_range", "unknown_scale"}
