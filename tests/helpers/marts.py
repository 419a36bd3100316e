"""A small hand-made warehouse holding only the marts (the interface the gate and publish
read), and a small dbt project folder with the vars and seeds ``rules`` reads.

Both strata, five canonical payers, every outcome. The summary mart is derived here from
the episode rows so that the fixture is consistent; tests corrupt a copy to see a check fail.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb
import pandas as pd

AS_OF = "2026-11-27"
PERFORMANCE_YEAR = 2026
PAYERS = ("aetna", "bcbs", "cigna", "medicare", "uhc")
FUSION, DISCECTOMY = "lumbarFusion", "lumbarDiscectomy"
CODES = {
    FUSION: {"met": "G2138", "not_met": "G2139", "not_measured": "G9946", "excluded": "G9945"},
    DISCECTOMY: {"met": "G2136", "not_met": "G2137", "not_measured": "G9943", "excluded": "G9945"},
}
PERIODS = {FUSION: ("2024-10-01", "2025-09-30"), DISCECTOMY: ("2025-08-01", "2026-07-31")}

PROJECT_VARS = """\
name: g2139
profile: g2139
vars:
  as_of_date: null
  performance_year: null
  exclusion_lookback_months: 12
  baseline_window_months: 3
  one_year_met_max_score: 3.0
  improvement_met_min: 5.0
  minimum_age_years: 18
"""
MEASURE_STRATUM = """\
stratum,measure_id,title,procedure_value_set,precedence,followup_start_months,followup_start_days,\
followup_target_months,followup_end_months,followup_end_days,period_start_year_offset,period_start_month,\
period_start_day,period_end_year_offset,period_end_month,period_end_day,source,version
lumbarFusion,459,Fusion,lumbar_fusion,1,9,0,12,15,0,-2,10,1,-1,9,30,test,1
lumbarDiscectomy,459,Discectomy,lumbar_discectomy,2,0,42,3,0,140,-1,8,1,0,7,31,test,1
"""
PAYER_ALIAS = "alias,payer,payer_name,source,version\n" + "".join(
    f"{p},{p},{p.title()},test,1\n{p.upper()} Health,{p},{p.title()},test,1\n" for p in PAYERS
)

# (episode_id, person_id, payer, stratum, procedure, baseline (date, score), follow-up (date, score),
#  outcome, exclusion_reason, is_final)
EPISODES = [
    ("E1", "P1", "aetna", FUSION, "2025-03-10", ("2025-01-10", 8), ("2026-03-10", 2), "met", None, True),
    ("E2", "P2", "aetna", FUSION, "2025-04-01", None, ("2026-04-01", 3.5), "not_met", None, True),
    ("E3", "P3", "bcbs", FUSION, "2025-05-05", None, None, "not_measured", None, True),
    ("E4", "P4", "bcbs", DISCECTOMY, "2025-09-01", ("2025-08-20", 7), ("2025-12-01", 3), "met", None, True),
    ("E5", "P5", "medicare", DISCECTOMY, "2026-07-20", None, None, "pending", None, False),
    ("E6", "P6", "cigna", FUSION, "2025-06-01", None, ("2026-06-01", 2), "excluded", "cancer (C79.51)", True),
]


def write_rules_project(folder: Path) -> Path:
    (folder / "seeds").mkdir(parents=True, exist_ok=True)
    (folder / "dbt_project.yml").write_text(PROJECT_VARS)
    (folder / "seeds" / "measure_stratum.csv").write_text(MEASURE_STRATUM)
    (folder / "seeds" / "payer_alias.csv").write_text(PAYER_ALIAS)
    rows = [
        f"{code},{outcome},{stratum},459"
        for stratum, codes in CODES.items()
        for outcome, code in codes.items()
    ]
    (folder / "seeds" / "quality_code.csv").write_text(
        "quality_code,outcome,stratum,measure_id\n" + "\n".join(rows)
    )
    return folder


def episodes_frame() -> pd.DataFrame:
    rows = []
    for eid, person, payer, stratum, day, baseline, followup, outcome, reason, final in EPISODES:
        code = CODES[stratum].get(outcome)
        b_score, f_score = (baseline or (None, None))[1], (followup or (None, None))[1]
        rows.append(
            {
                "episode_id": eid, "person_id": person, "member_id": f"M{person}", "payer": payer,
                "performance_year": PERFORMANCE_YEAR, "procedure_date": day, "procedure_code": "22612",
                "rendering_npi": NPI, "baseline_date": (baseline or (None,))[0],
                "baseline_score": b_score,
                "one_year_date": (followup or (None,))[0], "one_year_score": f_score,
                "improvement": None if b_score is None or f_score is None else b_score - f_score,
                "outcome": outcome, "quality_code": code, "g2139": code == "G2139",
                "exclusion_reason": reason, "is_final": final, "stratum": stratum,
                "rendering_tin": TIN,
                "procedure_code_system": "CPT", "exclusion_diagnosis_code": "C7951" if reason else None,
                "as_of_date": AS_OF,
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


TIN, NPI = "123456789", "1999999999"


def _summary_row(level: str, level_id: str, payer: str | None, stratum: str, rows: list) -> dict:
    count = Counter(r["outcome"] for r in rows)
    eligible = count["met"] + count["not_met"] + count["not_measured"]
    reported = eligible + count["excluded"]
    decided = len(rows) - count["pending"]
    return {
        "level": level, "level_id": level_id, "payer": payer, "stratum": stratum,
        "tin": TIN if level.startswith("tin") else None, "npi": NPI if level == "tin_npi" else None,
        "performance_year": PERFORMANCE_YEAR, "as_of_date": AS_OF, "episodes": len(rows),
        "excluded": count["excluded"], "pending": count["pending"], "eligible_population": eligible,
        "performance_met": count["met"], "performance_not_met": count["not_met"] + count["not_measured"],
        "not_met": count["not_met"], "not_measured": count["not_measured"],
        "performance_rate": round(count["met"] / eligible, 6) if eligible else None,
        "reporting_rate": round(reported / decided, 6) if decided else None, "ready": count["pending"] == 0,
    }  # fmt: skip


def summary_frame(episodes: pd.DataFrame) -> pd.DataFrame:
    records = episodes.to_dict("records")
    out = []
    levels = [("payer", p, p) for p in PAYERS] + [
        ("all_payers", "all", None), ("tin", TIN, None), ("tin_npi", f"{TIN}_{NPI}", None)
    ]
    for level, level_id, payer in levels:
        mine = [r for r in records if payer is None or r["payer"] == payer]
        for stratum in (FUSION, DISCECTOMY):
            out.append(
                _summary_row(level, level_id, payer, stratum, [r for r in mine if r["stratum"] == stratum])
            )
        out.append(_summary_row(level, level_id, payer, "overall", mine))
    return pd.DataFrame(out)


def definition_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "stratum": s, "measure_id": "459", "measure_title": "Back pain after lumbar surgery",
                "spec_version": "2025", "qpp_stratum": s, "performance_year": PERFORMANCE_YEAR,
                "performance_period_start": f"{PERFORMANCE_YEAR}-01-01",
                "performance_period_end": f"{PERFORMANCE_YEAR}-12-31",
                "denominator_period_start": PERIODS[s][0], "denominator_period_end": PERIODS[s][1],
                **{f"code_{o}": c for o, c in CODES[s].items()}, "as_of_date": AS_OF,
            }
            for s in (FUSION, DISCECTOMY)
        ]
    )  # fmt: skip


SMALL_TABLES = {
    "data_quality": "select * from (values ('unmapped_payer', 'Acme Health', 2, 2), "
    "('missing_birth_date', null, 1, 1)) t(reason, detail, episodes, persons)",
    "load_accounting": "select * from (values "
    "('medical_claim/claims.csv', 'medical_claim', 'aa11', 10, 9, 1, null, 'loaded', null, null, 0), "
    "('medical_claim/again.csv', 'medical_claim', 'aa11', 0, 0, 0, 'medical_claim/claims.csv', "
    "'duplicate', null, null, 0), "
    "('pain_score/scores.csv', 'pain_score', 'cc33', 5, 5, 0, null, 'loaded', 'L9', null, 0), "
    "('pain_score/scores.csv', 'pain_score', 'bb22', 7, 7, 0, null, 'loaded', null, 'L1', 2)) "
    "t(path, table_name, sha256, rows_read, rows_loaded, rows_quarantined, duplicate_of, status, "
    "superseded_by, replaces, rows_superseded)",
    "measure_summary_history": "select performance_year, as_of_date, level, level_id, stratum, episodes, "
    "pending, eligible_population, performance_met, performance_rate from marts.measure_summary "
    "where level in ('payer', 'all_payers')",
    "quarantine_summary": "select * from "
    "(values ('medical_claim', 'unparseable_date', 'claim_start_date', 1)) "
    "t(table_name, reason, column_name, rows)",
}
DATE_COLUMNS = ("procedure_date", "baseline_date", "one_year_date", "as_of_date")


def build_marts(warehouse: Path) -> Path:
    """The six marts in a fresh DuckDB file (and nothing else: no raw, no reference)."""
    episodes = episodes_frame()
    summary = summary_frame(episodes)
    definition = definition_frame()
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        casts = ", ".join(
            f"cast({c} as date) as {c}" if c in DATE_COLUMNS else f"cast({c} as decimal(9, 4)) as {c}"
            for c in ("procedure_date", "baseline_date", "one_year_date", "as_of_date")
            + ("baseline_score", "one_year_score", "improvement")
        )
        con.register("episodes_df", episodes)
        con.execute(f"create table marts.episodes as select * replace ({casts}) from episodes_df")
        con.register("summary_df", summary)
        con.execute(
            "create table marts.measure_summary as select * replace ("
            "cast(performance_rate as decimal(7, 6)) as performance_rate, "
            "cast(reporting_rate as decimal(7, 6)) as reporting_rate, cast(as_of_date as date) as as_of_date"
            ") from summary_df"
        )
        con.register("definition_df", definition)
        dates = ("performance_period_start", "performance_period_end", "denominator_period_start")
        date_casts = ", ".join(
            f"cast({c} as date) as {c}" for c in (*dates, "denominator_period_end", "as_of_date")
        )
        con.execute(
            f"create table marts.measure_definition as select * replace ({date_casts}) from definition_df"
        )
        for name, select in SMALL_TABLES.items():
            con.execute(f"create table marts.{name} as {select}")
    return warehouse
