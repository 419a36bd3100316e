"""The benchmark implementations of the measures (bench/floor.sql, bench/pandas_reference.py).

They were written independently of the pipeline's dbt models and of each other, so
agreement on the demo data is evidence for both; the hand-made landings pin the
boundary cases of both strata to exact expected outcomes. The warehouse floor runs
the same script as the compute-only floor on typed tables, so it is checked too.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from bench.contract import RESULT_COLUMNS
from bench.floor import SEEDS, run_floor, run_warehouse_floor
from bench.pandas_reference import run_pandas

AS_OF = date(2026, 11, 27)
PERFORMANCE_YEAR = 2026


def _warehouse_floor(landing: Path, as_of: date, year: int, seeds: Path = SEEDS) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as folder:
        return run_warehouse_floor(landing, as_of, year, Path(folder) / "floor.duckdb", seeds)[0]


IMPLEMENTATIONS: dict[str, Callable[..., pd.DataFrame]] = {
    "floor": run_floor,
    "warehouse_floor": _warehouse_floor,
    "pandas": run_pandas,
}


def of_measure(frame: pd.DataFrame, measure_id: str = "459") -> pd.DataFrame:
    return frame[frame["measure_id"] == measure_id].reset_index(drop=True)


def rows(frame: pd.DataFrame) -> list[tuple]:
    """Plain Python values, None for missing, so that dtypes cannot hide a difference."""
    assert list(frame.columns) == RESULT_COLUMNS
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


@pytest.mark.filterwarnings("ignore:no seed")
def test_all_agree_exactly_on_the_demo(demo_landing: Path) -> None:
    floor = rows(run_floor(demo_landing, AS_OF, PERFORMANCE_YEAR))
    assert rows(_warehouse_floor(demo_landing, AS_OF, PERFORMANCE_YEAR)) == floor
    assert rows(run_pandas(demo_landing, AS_OF, PERFORMANCE_YEAR)) == floor
    # The demo has every outcome of every measure; an empty or one-sided result would agree trivially.
    for measure in ("459", "461", "471"):
        outcomes = {row[RESULT_COLUMNS.index("outcome")] for row in floor if row[0] == measure}
        assert outcomes == {"met", "not_met", "not_measured", "excluded", "pending"}, measure


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


def write_landing(landing: Path, claims: str, eligibility: str, pain: str) -> Path:
    for table, text in (("medical_claim", claims), ("eligibility", eligibility), ("pain_score", pain)):
        (landing / table).mkdir(parents=True)
        (landing / table / f"{table}.csv").write_text(text)
    return landing


@pytest.fixture(scope="module")
def boundary_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_landing(tmp_path_factory.mktemp("boundaries") / "landing", CLAIMS, ELIGIBILITY, PAIN)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's seeds; where they do not define the discectomy stratum yet, its value
    set and codes as the measure states them."""
    folder = tmp_path_factory.mktemp("seeds") / "seeds"
    shutil.copytree(SEEDS, folder)
    value_set = folder / "lumbar_discectomy.csv"
    if not value_set.exists():
        rows = [f"{c},CPT,primary" for c in ("63005", "63012", "63017", "63030", "63042", "63047", "63056")]
        rows += [f"{c},CPT,add_on" for c in ("63035", "63043", "63044", "63048", "63057")]
        rows += [f"{c},ICD-10-PCS,primary" for c in ("0SB2", "0SB4", "0ST2", "0ST4")]
        value_set.write_text("code,code_system,role\n" + "\n".join(rows) + "\n")
    quality = pd.read_csv(folder / "quality_code.csv", dtype=str)
    if "lumbarDiscectomy" not in set(quality["stratum"]):
        codes = {"met": "G2136", "not_met": "G2137", "not_measured": "G9943", "excluded": "G9945"}
        extra = pd.DataFrame(
            {"quality_code": list(codes.values()), "outcome": list(codes), "stratum": "lumbarDiscectomy"}
        )
        pd.concat([quality, extra]).to_csv(folder / "quality_code.csv", index=False)
    return folder


@pytest.mark.parametrize("implementation", sorted(IMPLEMENTATIONS))
def test_boundary_cases(boundary_landing: Path, seeds: Path, implementation: str) -> None:
    result = IMPLEMENTATIONS[implementation](boundary_landing, AS_OF, PERFORMANCE_YEAR, seeds=seeds)
    result = of_measure(result)
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
    assert set(result["stratum"]) == {"lumbarFusion"}


# --- the discectomy/laminectomy stratum (PY 2026: procedures 2025-08-01..2026-07-31) ---

D_CLAIMS = CLAIMS_HEADER + ",diagnosis_code_1,procedure_code_1,procedure_date_1\n"
D_CLAIMS += """K1,1,professional,D1,Aetna,2025-09-01,63030,M51.16,,
K2,1,professional,D2,Aetna,2025-09-01,63030,M51.16,,
K3,1,professional,D3,Aetna,2025-09-01,63042,M51.16,,
K4,1,professional,D4,Aetna,2025-09-01,63047,M51.16,,
K5,1,professional,D5,Aetna,2025-10-15,63005,M51.16,,
K6,1,professional,D6,Aetna,2025-11-01,63012,M51.16,,
K7,1,professional,D7,Aetna,2025-08-15,22612,M51.16,,
K7,2,professional,D7,Aetna,2025-08-15,63030,M51.16,,
K8,1,professional,D8,Aetna,2025-11-05,22630,M51.16,,
K8,2,professional,D8,Aetna,2025-11-05,63030,M51.16,,
K9,1,professional,D8,Cigna,2025-11-05,63030,M51.16,,
K10,1,professional,D9,Aetna,2025-08-01,63030,M51.16,,
K11,1,professional,D10,Aetna,2025-07-31,63030,M51.16,,
K12,1,professional,D11,Aetna,2026-07-31,63030,M51.16,,
K13,1,professional,D12,Aetna,2026-08-01,63030,M51.16,,
K14,1,professional,D13,Aetna,2026-07-10,63030,M51.16,,
K15,1,professional,D14,Aetna,2026-07-09,63030,M51.16,,
K16,1,professional,D15,Aetna,2025-09-15,63030,M51.16,,
K17,1,professional,D16,Aetna,2025-09-15,63030,M51.16,,
K18,1,institutional,D17,Medicare,2025-10-01,,M51.16,0SB20ZZ,2025-09-30
K19,1,professional,D18,Aetna,2025-09-15,63035,M51.16,,
K20,1,professional,D19,Aetna,2025-10-01,63030,M51.16,,
K21,1,professional,D19,Aetna,2024-10-01,99213,C41.2,,
K22,1,professional,D20,Aetna,2025-11-30,63030,M51.16,,
"""
D_ELIGIBILITY = "person_id,birth_date\n" + "".join(
    f"D{n},1970-01-01\n" for n in range(1, 21) if n not in (15, 16)
)
D_ELIGIBILITY += "D15,2007-08-01\nD16,2007-08-02\n"
D_PAIN = """person_id,assessment_date,body_site,instrument,score,scale_max
D1,2025-10-12,back,NRS,1,10
D2,2025-10-13,back,NRS,2,10
D3,2025-08-20,back,NRS,9,10
D3,2026-01-19,back,NRS,6,10
D4,2026-01-20,back,NRS,1,10
D5,2025-10-01,back,NRS,9,10
D5,2026-01-10,back,NRS,2,10
D5,2026-01-20,back,NRS,8,10
D6,2025-11-01,back,VAS,91,100
D6,2026-01-25,back,NRS,1,10
D6,2026-02-03,back,NRS,2,10
D6,2026-02-03,back,NRS,4,10
D20,2026-02-26,back,NRS,1,10
D20,2026-03-03,back,NRS,5,10
"""
DISC, FUSION = "lumbarDiscectomy", "lumbarFusion"
NOT_MEASURED = (None, None, None, None, "not_measured", "G9943")
# person -> (stratum, payer, procedure_date, baseline_score, follow-up date, follow-up score,
#            improvement, outcome, quality_code); the follow-up is in the one_year_* columns.
D_EXPECTED = {
    # Day 41 after surgery is before the window (day 42 .. day 140); the window has closed.
    "D1": (DISC, "aetna", date(2025, 9, 1), *NOT_MEASURED),
    # Day 42 is inside.
    "D2": (DISC, "aetna", date(2025, 9, 1), None, date(2025, 10, 13), "2", None, "met", "G2136"),
    # Day 140 is inside: 6 > 3.0 and improvement 3 < 5.0.
    "D3": (DISC, "aetna", date(2025, 9, 1), "9", date(2026, 1, 19), "6", "3", "not_met", "G2137"),
    # Day 141 is after the window.
    "D4": (DISC, "aetna", date(2025, 9, 1), *NOT_MEASURED),
    # 2026-01-10 and 2026-01-20 are both 5 days from + 3 months (2026-01-15): the later.
    "D5": (DISC, "aetna", date(2025, 10, 15), "9", date(2026, 1, 20), "8", "1", "not_met", "G2137"),
    # Closest to 2026-02-01 is 2026-02-03 (not 2026-01-25); that day 2 and 4: the highest.
    # Baseline on the day of surgery counts: 91 mm -> 9.1, improvement 5.1.
    "D6": (DISC, "aetna", date(2025, 11, 1), "9.1", date(2026, 2, 3), "4", "5.1", "met", "G2136"),
    # Fusion and discectomy, same person, payer and date: one fusion episode (closed: 15 months).
    "D7": (FUSION, "aetna", date(2025, 8, 15), None, None, None, None, "not_measured", "G9946"),
    # Fusion wins even outside this year's fusion period (no Aetna episode at all); another
    # payer's discectomy that day stays.
    "D8": (DISC, "cigna", date(2025, 11, 5), *NOT_MEASURED),
    # First day of the period (D10, the day before, is not published).
    "D9": (DISC, "aetna", date(2025, 8, 1), *NOT_MEASURED),
    # Last day of the period (D12, the day after, is not published): window still open.
    "D11": (DISC, "aetna", date(2026, 7, 31), None, None, None, None, "pending", None),
    # Day 140 is the as-of date: not yet final.
    "D13": (DISC, "aetna", date(2026, 7, 10), None, None, None, None, "pending", None),
    # Day 140 was yesterday: final.
    "D14": (DISC, "aetna", date(2026, 7, 9), *NOT_MEASURED),
    # 18 on 1 August 2025, the day the period starts (D16, a day younger, is not published).
    "D15": (DISC, "aetna", date(2025, 9, 15), *NOT_MEASURED),
    # ICD-10-PCS excision of a lumbar disc, dated by its own procedure date. (D18: add-on only.)
    "D17": (DISC, "medicare", date(2025, 9, 30), *NOT_MEASURED),
    # Cancer diagnosis exactly 12 months before: excluded.
    "D19": (DISC, "aetna", date(2025, 10, 1), None, None, None, None, "excluded", "G9945"),
    # + 3 months from 30 November is 28 February (clamped): 2026-02-26 is 2 days before it,
    # 2026-03-03 three days after.
    "D20": (DISC, "aetna", date(2025, 11, 30), None, date(2026, 2, 26), "1", None, "met", "G2136"),
}


@pytest.fixture(scope="module")
def discectomy_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("discectomy") / "landing"
    return write_landing(landing, D_CLAIMS, D_ELIGIBILITY, D_PAIN)


@pytest.mark.parametrize("implementation", sorted(IMPLEMENTATIONS))
def test_discectomy_boundary_cases(discectomy_landing: Path, seeds: Path, implementation: str) -> None:
    result = IMPLEMENTATIONS[implementation](discectomy_landing, AS_OF, PERFORMANCE_YEAR, seeds=seeds)
    result = of_measure(result)
    compared = [c for c in RESULT_COLUMNS if c not in ("measure_id", "person_id", "baseline_date")]
    records = (dict(zip(RESULT_COLUMNS, row, strict=True)) for row in rows(result))
    found = {r["person_id"]: tuple(r[c] for c in compared) for r in records}
    assert found == D_EXPECTED


# --- the family: #461 leg pain (3.0 / 5.0 on 0-10) and #471 ODI (22 / 30 on 0-100) ---

F_CLAIMS = CLAIMS_HEADER + "\n" + "".join(
    f"F{n},1,professional,F{n},Aetna,2025-01-15,22612\n" for n in range(1, 6)
)
F_ELIGIBILITY = "person_id,birth_date\n" + "".join(f"F{n},1960-01-01\n" for n in range(1, 6))
F_PAIN = """person_id,assessment_date,body_site,instrument,score,scale_max
F1,2025-01-10,leg,NRS,8.1,10
F1,2026-01-15,leg,VAS,31,100
F2,2026-01-15,leg,NRS,3.0,10
F3,2026-01-15,leg,NRS,3.1,10
F4,2025-01-10,leg,NRS,8.0,10
F4,2026-01-15,leg,NRS,3.1,10
"""
F_ITEMS = ",".join(f"item_{i}" for i in range(1, 11))
F_ODI = f"""person_id,assessment_date,instrument,version,score,{F_ITEMS}
F1,2026-01-15,ODI,2.1a,,1,1,1,1,1,1,1,1,1,2
F2,2026-01-15,ODI,2.1a,22.1,,,,,,,,,,
F3,2025-01-10,ODI,2.1a,52.1,,,,,,,,,,
F3,2026-01-15,ODI,2.1a,22.1,,,,,,,,,,
F4,2025-01-10,ODI,2.1a,52,,,,,,,,,,
F4,2026-01-15,ODI,2.1a,,1,1,1,1,1,1,1,1,3,
F5,2026-01-15,ODI,2.1a,,1,1,1,1,1,1,1,1,,
F5,2026-01-16,ODI,2.0,10,,,,,,,,,,
F5,2026-01-17,ODI,2.1a,30,1,1,1,1,1,1,1,1,1,2
"""
# (person, measure) -> (follow-up score, improvement, outcome); no code is known for either.
F_EXPECTED = {
    # Leg 8.1 -> 31 mm: improvement exactly 5.0; ODI from ten answers summing 11: exactly 22.
    ("F1", "461"): ("3.1", "5", "met"),
    ("F1", "471"): ("22", None, "met"),
    # Leg exactly 3.0; ODI 22.1 without a baseline.
    ("F2", "461"): ("3", None, "met"),
    ("F2", "471"): ("22.1", None, "not_met"),
    # Leg 3.1 without a baseline; ODI 52.1 -> 22.1: improvement exactly 30.
    ("F3", "461"): ("3.1", None, "not_met"),
    ("F3", "471"): ("22.1", "30", "met"),
    # Leg 8.0 -> 3.1 (4.9); ODI 52 -> nine answers summing 11: 24.44 -> 24, improvement 28.
    ("F4", "461"): ("3.1", "4.9", "not_met"),
    ("F4", "471"): ("24", "28", "not_met"),
    # ODI with two sections unanswered, another version, a score disagreeing with its answers:
    # none usable, and the window has closed.
    ("F5", "461"): (None, None, "not_measured"),
    ("F5", "471"): (None, None, "not_measured"),
}


@pytest.fixture(scope="module")
def family_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = write_landing(tmp_path_factory.mktemp("family") / "landing", F_CLAIMS, F_ELIGIBILITY, F_PAIN)
    (landing / "functional_status").mkdir()
    (landing / "functional_status" / "odi.csv").write_text(F_ODI)
    return landing


@pytest.mark.parametrize("implementation", sorted(IMPLEMENTATIONS))
def test_family_boundary_cases(family_landing: Path, seeds: Path, implementation: str) -> None:
    result = IMPLEMENTATIONS[implementation](family_landing, AS_OF, PERFORMANCE_YEAR, seeds=seeds)
    records = [dict(zip(RESULT_COLUMNS, row, strict=True)) for row in rows(result)]
    found = {
        (r["person_id"], r["measure_id"]): (r["one_year_score"], r["improvement"], r["outcome"])
        for r in records
        if r["measure_id"] != "459"
    }
    assert found == F_EXPECTED
    assert all(r["quality_code"] is None for r in records if r["measure_id"] != "459")
