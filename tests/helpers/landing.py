"""Landing files written by hand for the loader's tests: headers, bad rows with their
reasons, claim files of any length, and Parquet cases beside the text they stand for."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

PAIN_HEADER = "person_id,assessment_date,body_site,instrument,score,scale_max"
CLAIM_HEADER = "claim_id,claim_line_number,person_id,payer,claim_line_start_date,hcpcs_code"
ELIGIBILITY_HEADER = "person_id,birth_date"


def write(landing: Path, table: str, name: str, text: str | bytes) -> Path:
    folder = landing / table
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def quarantined(con) -> list[tuple]:
    return con.execute(
        "select row_number, column_name, reason from raw.quarantine order by row_number"
    ).fetchall()


BAD_PAIN_ROWS = [
    ("P1,2024-13-45,back,NRS,7,10", "assessment_date", "unparseable_date"),
    ("P1,yesterday,back,NRS,7,10", "assessment_date", "unparseable_date"),
    ("P1,2024-01-05,back,NRS,seven,10", "score", "unparseable_number"),
    ("P1,2024-01-05,back,NRS,7,ten", "scale_max", "unparseable_number"),
    (",2024-01-05,back,NRS,7,10", "person_id", "missing_required_value"),
    ("P1,,back,NRS,7,10", "assessment_date", "missing_required_value"),
    ("P1,2024-01-05,back,NRS,,10", "score", "missing_required_value"),
    ("P1,2024-01-05,back,NRS,11,10", "score", "score_out_of_range"),
    ("P1,2024-01-05,back,VAS,140,100", "score", "score_out_of_range"),
    ("P1,2024-01-05,back,NRS,-1,10", "score", "score_out_of_range"),
    ("P1,2024-01-05,back,ODI,7,10", "instrument", "unknown_instrument"),
    ("P1,2024-01-05,neck,NRS,7,10", "body_site", "unknown_body_site"),
    ("P1,2024-01-05,back,VAS,3,5", "scale_max", "unknown_scale"),
    ("P1,2024-01-05,back,NRS,70,100", "scale_max", "nrs_scale_mismatch"),
    ("P1,2024-01-05,back", None, "malformed_csv_row"),
]


BAD_CLAIM_ROWS = [
    ("C1,1,,Aetna,2024-01-05,22612", "person_id", "missing_required_value"),
    ("C1,1a,P1,Aetna,2024-01-05,22612", "claim_line_number", "unparseable_number"),
    ("C1,1,P1,Aetna,2024-02-30,22612", "claim_line_start_date", "unparseable_date"),
    ("C1,1,P1,,2024-01-05,22612", "payer", "missing_required_value"),
]


def write_claims(folder, name: str, rows: int, bad_at: int = 0) -> None:
    """``rows`` claims, C<k> on record k; record ``bad_at`` (when given) is not UTF-8."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [CLAIM_HEADER.encode()]
    for k in range(1, rows + 1):
        lines.append(f"C{k},1,P{k},payer,2024-01-01,".encode() + (b"\xff" if k == bad_at else b"X"))
    (folder / name).write_bytes(b"\n".join(lines) + b"\n")



# Parquet values and their text (test_landing_native.py)
FIXED = {"person_id": "P1", "assessment_date": "2024-01-05", "body_site": "back", "instrument": "VAS",
         "score": "7", "scale_max": "100"}  # fmt: skip

# (column, Parquet type, values, the text each value has in a CSV file)
NATIVE_CASES = [
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


def write_native_case(
    landing: Path, index: int, column: str, kind: pa.DataType, values: list, texts: list
) -> None:
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
