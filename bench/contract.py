"""What the benchmark's implementations share: the landing columns they read, the result they
write, and their command line.

Only the contract is shared: each implementation computes the measure on its own
(bench/floor.sql, bench/pandas_reference.py), so that agreeing means something. Column
lists are lists because pandas indexes with lists (a tuple would be one label).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

TABLES = ("medical_claim", "eligibility", "pain_score", "functional_status")
# Claims carry up to 25 numbered diagnosis codes and procedure codes/dates.
NUMBERED = range(1, 26)


def numbered(prefix: str) -> list[str]:
    return [f"{prefix}_{i}" for i in NUMBERED]


# The landing columns the measure needs, per table.
LANDING_COLUMNS: dict[str, list[str]] = {
    "medical_claim": [
        "claim_id",
        "claim_line_number",
        "claim_type",
        "person_id",
        "payer",
        "claim_line_start_date",
        "claim_line_end_date",
        "hcpcs_code",
        *numbered("diagnosis_code"),
        *numbered("procedure_code"),
        *numbered("procedure_date"),
    ],
    "eligibility": ["person_id", "birth_date", "enrollment_start_date", "enrollment_end_date"],
    "pain_score": ["person_id", "assessment_date", "body_site", "instrument", "score", "scale_max"],
    "functional_status": [
        "person_id", "assessment_date", "instrument", "version", "score", *[f"item_{i}" for i in range(1, 11)]
    ],
}

# The result: one row per published episode and measure of the family (#459 back pain, #461
# leg pain, #471 ODI), identified by KEY, in this column order and sorted by KEY; the
# pipeline's marts.episode_measures holds the same (follow-up as `followup_*`), and its
# episodes.csv the #459 rows. An episode is EPISODE_KEY.
EPISODE_KEY = ["stratum", "person_id", "payer", "procedure_date"]
KEY = ["measure_id", *EPISODE_KEY]
VALUES = [
    "baseline_date",
    "baseline_score",
    "one_year_date",
    "one_year_score",
    "improvement",
    "outcome",
    "quality_code",
]
RESULT_COLUMNS = KEY + VALUES


def write_result(frame: pd.DataFrame, out: Path) -> None:
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), out)


Implementation = Callable[[Path, date, int], pd.DataFrame]


def main_of(implementation: Implementation, description: str, argv: Sequence[str] | None) -> None:
    """The command line of an implementation: run it on a landing folder, write its result."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--performance-year", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="result Parquet file")
    args = parser.parse_args(argv)
    frame = implementation(args.landing, args.as_of, args.performance_year)
    write_result(frame, args.out)
    print(f"{len(frame)} episodes -> {args.out}")
