"""Functional-status (ODI 2.1a) landing files for the loader tests of both engines."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

from tests.helpers.landing import write

ITEMS = ",".join(f"item_{i}" for i in range(1, 11))
HEADER = f"assessment_id,person_id,assessment_date,instrument,version,score,{ITEMS}"


def row(assessment: str, score: str = "", answers: str = ",,,,,,,,,", version: str = "2.1a",
        instrument: str = "ODI") -> str:  # fmt: skip
    return f"{assessment},P1,2025-01-15,{instrument},{version},{score},{answers}"


SCORED = [
    ("all_ten_sum_11", "1,1,1,1,1,1,1,1,1,2", Decimal(22)),
    ("one_unanswered_sum_10_of_9", "1,1,1,1,1,1,1,1,2,", Decimal(22)),  # 22.22 -> 22
    ("one_unanswered_rounds_half_up", "5,5,5,5,5,5,5,5,,0", Decimal(89)),  # 88.89 -> 89
    ("nine_answered_sum_9_is_20", ",1,1,1,1,1,1,1,1,1", Decimal(20)),
    ("a_fifth_of_a_percent_rounds_down", "1,0,0,0,0,0,0,0,0,", Decimal(2)),  # 2.22 -> 2
    ("seven_tenths_rounds_up", "3,0,0,0,0,0,0,0,0,", Decimal(7)),  # 6.67 -> 7
    ("all_zero", "0,0,0,0,0,0,0,0,0,0", Decimal(0)),
    ("all_five", "5,5,5,5,5,5,5,5,5,5", Decimal(100)),
]


BAD_ROWS = [
    (row("V", score="40", version="2.0"), "version", "unsupported_version"),
    (row("I", score="40", instrument="NDI"), "instrument", "unknown_instrument"),
    (row("T", answers="1,1,1,1,1,1,1,1,,"), "item_1", "too_few_answers"),  # two unanswered
    (row("N"), "item_1", "too_few_answers"),  # neither score nor answers
    (row("D", score="30", answers="1,1,1,1,1,1,1,1,1,2"), "score", "score_disagrees_with_answers"),
    (row("R", answers="6,1,1,1,1,1,1,1,1,1"), "item_1", "answer_out_of_range"),
    (row("S", score="100.5"), "score", "score_out_of_range"),
    (row("F", answers="1,1,1,1,1,1,1,1,1,1.5"), "item_10", "unparseable_number"),
]


def deliver_functional_status(landing, delivery: int) -> None:
    """ODI files for the two deliveries of tests/test_spark_landing.py (Spark must load them
    as DuckDB does): every scored case, every bad row, a Parquet file of answers; then a
    later score of the same assessment id."""
    if delivery == 1:
        lines = [row(name, answers=answers) for name, answers, _ in SCORED]
        lines += [line for line, _, _ in BAD_ROWS]
        write(landing, "functional_status", "odi.csv", HEADER + "\n" + "\n".join(lines) + "\n")
        answers = {f"item_{i}": pa.array([2, None], pa.int64()) for i in range(1, 11)}
        fixed = {"instrument": ["ODI", "ODI"], "version": ["2.1a", "2.1a"]}
        table = pa.table({"assessment_id": ["PQ1", "PQ2"], "person_id": ["P2", "P3"], **fixed,
                          "assessment_date": ["2025-01-16", "2025-01-17"],
                          "score": pa.array([None, 35.5]), **answers})  # fmt: skip
        pq.write_table(table, landing / "functional_status" / "answers.parquet")
    else:
        write(landing, "functional_status", "later.csv", HEADER + "\n" + row("all_zero", score="12") + "\n")

