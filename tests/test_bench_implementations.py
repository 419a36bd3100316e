"""The two benchmark implementations of the measure (bench/floor.sql, bench/pandas_reference.py).

They were written independently of the pipeline's dbt models and of each other, so
agreement on the demo data is evidence for both; the hand-made landing pins the
boundary cases of measure.md to exact expected outcomes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from bench.floor import run_floor
from bench.pandas_reference import RESULT_COLUMNS, run_pandas
from demo import write_demo_landing

AS_OF = date(2026, 11, 27)
PERFORMANCE_YEAR = 2026
IMPLEMENTATIONS: dict[str, Callable[[Path, date, int], pd.DataFrame]] = {
    "floor": run_floor,
    "pandas": run_pandas,
}


def rows(frame: pd.DataFrame) -> list[tuple]:
    """Plain Python values, None for missing, so that dtypes cannot hide a difference."""
    assert list(frame.columns) == RESULT_COLUMNS
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


def test_both_agree_exactly_on_the_demo(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_demo_landing(landing, people=3000, seed=2139)
    floor = rows(run_floor(landing, AS_OF, PERFORMANCE_YEAR))
    reference = rows(run_pandas(landing, AS_OF, PERFORMANCE_YEAR))
    assert floor == reference
    outcomes = {row[RESULT_COLUMNS.index("outcome")] for row in floor}
    # The demo has every outcome; an empty or one-sided result would agree trivially.
    assert outcomes == {"met", "not_met", "not_measured", "excluded", "pending"}


# --- a hand-made landing: one person per boundary case (PY 2026: fusions 2024-10-01..2025-09-30) ---

CLAIMS_HEADER = "claim_id,claim_line_number,claim_type,person_id,payer,claim_line_start_date,hcpcs_code"
CLAIMS = CLAIMS_HEADER + ",diagnosis_code_1\n"
CLAIMS += """C1,1,professional,P1,Aetna,2025-01-15,22612,M48.061
C2,1,professional,P2,UnitedHealthcare,2025-02-10,22630,M51.36
C3,1,professional,P3,Medicare FFS,2025-03-01,22633,M43.16
C4,1,professional,P4,Cigna,2025-03-15,22612,M48.062
C5,1,professional,P4,BCBS,2024-03-15,99213,c41.2
C6,1,professional,P5,Blue Cross,2025-03-15,22612,M48.062
C7,1,professional,P5,Blue Cross,2024-03-14,99213,C41.2
C8,1,,P6,aetna,2025-09-30T08:00:00,22558,M51.36
C9,1,professional,P7,Aetna,2025-01-15,22612
C10,1,professional,P8,Aetna,2025-01-15,22612,M51.36
"""

ELIGIBILITY = """person_id,birth_date
P1,1960-01-01
P2,1961-02-02
P3,1950-03-03
P4,1962-04-04
P5,1963-05-05
P6,1964-06-06
P8,1965-07-07
P8,1965-07-08
"""

PAIN = """person_id,assessment_date,body_site,instrument,score,scale_max
P1,2025-01-10,back,VAS,82,100
P1,2026-01-15,back,VAS,32,100
P1,2026-01-15,leg,VAS,90,100
P2,2026-02-10,back,NRS,3.0,10
P3,2025-02-20,back,NRS,9,10
P3,2025-02-20,back,NRS,8,10
P3,2026-02-24,back,NRS,1,10
P3,2026-03-06,back,NRS,6,10
P3,2026-03-06,BACK,nrs,7,10
"""

# person -> (baseline_score, one_year_date, one_year_score, improvement, outcome, quality_code)
EXPECTED = {
    # 82 mm -> 32 mm: one-year 3.2 > 3.0 but improvement exactly 5.0 (floats would say 4.999...).
    "P1": ("8.2", date(2026, 1, 15), "3.2", "5", "met", "G2138"),
    # One-year exactly 3.0 and no baseline: met on the score alone.
    "P2": (None, date(2026, 2, 10), "3", None, "met", "G2138"),
    # Baseline: same day 9 and 8 -> the lowest. One-year: 2026-02-24 and 2026-03-06 are both
    # 5 days from 2026-03-01 -> the later; that day 6 and 7 -> the highest.
    "P3": ("8", date(2026, 3, 6), "7", "1", "not_met", "G2139"),
    # Cancer diagnosis exactly 12 months before the fusion, billed to another payer: excluded.
    "P4": (None, None, None, None, "excluded", "G9945"),
    # The same one day earlier is outside the lookback; no scores and the window has closed.
    "P5": (None, None, None, None, "not_measured", "G9946"),
    # Fused on the last day of the period (timestamp, empty claim type): window still open.
    "P6": (None, None, None, None, "pending", None),
    # Not published: P7's only fusion line has a field too few (unusable, as the loader
    # quarantines it); P8's two eligibility rows disagree on the birth date.
}
PAYERS = {"P1": "aetna", "P2": "uhc", "P3": "medicare", "P4": "cigna", "P5": "bcbs", "P6": "aetna"}


@pytest.fixture(scope="module")
def boundary_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("boundaries") / "landing"
    for table, text in (("medical_claim", CLAIMS), ("eligibility", ELIGIBILITY), ("pain_score", PAIN)):
        (landing / table).mkdir(parents=True)
        (landing / table / f"{table}.csv").write_text(text)
    return landing


@pytest.mark.parametrize("implementation", sorted(IMPLEMENTATIONS))
def test_boundary_cases(boundary_landing: Path, implementation: str) -> None:
    result = IMPLEMENTATIONS[implementation](boundary_landing, AS_OF, PERFORMANCE_YEAR)
    found = {
        r["person_id"]: (
            r["baseline_score"],
            r["one_year_date"],
            r["one_year_score"],
            r["improvement"],
            r["outcome"],
            r["quality_code"],
        )
        for r in (dict(zip(RESULT_COLUMNS, row, strict=True)) for row in rows(result))
    }
    assert found == EXPECTED
    assert dict(zip(result["person_id"], result["payer"], strict=True)) == PAYERS
