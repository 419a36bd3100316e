"""A small hand-made warehouse holding only the marts (the interface the gate and publish
read), and a small dbt project folder with the vars and seeds ``rules`` reads.

Both strata, five canonical payers, every outcome. The summary mart is derived here from
the episode rows so that the fixture is consistent; tests corrupt a copy to see a check fail.

`build_marts(..., family=True)` holds the whole spine family instead: #459 as above, plus #461
and #471 in `marts.episode_measures` with outcomes of their own (FAMILY_OUTCOMES), and
`measure_id` on the summary and definition marts (the marts' contract for three measures).
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
  met_threshold_vars:
    pain: [one_year_met_max_score, improvement_met_min]
    ODI: [odi_met_max_score, odi_improvement_met_min]
  one_year_met_max_score: 3.0
  improvement_met_min: 5.0
  odi_met_max_score: 22
  odi_improvement_met_min: 30
  minimum_age_years: 18
"""
MEASURE = """\
measure_id,title,instrument,source_table,body_site,score_min,score_max,is_headline,source,version
459,Back,pain,pain_score,back,0,10,true,test,1
461,Leg,pain,pain_score,leg,0,10,false,test,1
471,Function,ODI,functional_status,,0,100,false,test,1
"""
MEASURE_STRATUM = """\
stratum,stratum_title,procedure_value_set,precedence,followup_start_months,followup_start_days,\
followup_target_months,followup_end_months,followup_end_days,period_start_year_offset,period_start_month,\
period_start_day,period_end_year_offset,period_end_month,period_end_day,source,version
lumbarFusion,Fusion,lumbar_fusion,1,9,0,12,15,0,-2,10,1,-1,9,30,test,1
lumbarDiscectomy,Discectomy,lumbar_discectomy,2,0,42,3,0,140,-1,8,1,0,7,31,test,1
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
    (folder / "seeds" / "measure.csv").write_text(MEASURE)
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


MEASURE_IDS = ("459", "461", "471")


def episode_measures_frame(episodes: pd.DataFrame, measures: tuple[str, ...] = MEASURE_IDS) -> pd.DataFrame:
    """Every episode once per measure; #461 and #471 with the same values and no code."""
    frame = episodes.rename(columns={"one_year_date": "followup_date", "one_year_score": "followup_score"})
    parts = []
    for measure in measures:
        part = frame.assign(measure_id=measure)
        if measure != "459":
            part["quality_code"] = None
        parts.append(part)
    columns = ["episode_id", "measure_id", "stratum", "person_id", "member_id", "payer", "performance_year",
               "procedure_date", "procedure_code", "rendering_tin", "rendering_npi", "baseline_date",
               "baseline_score", "followup_date", "followup_score", "improvement", "outcome", "quality_code",
               "exclusion_reason", "is_final", "as_of_date"]  # fmt: skip
    return pd.concat(parts, ignore_index=True)[columns]


def summary_frame(episodes: pd.DataFrame, measures: tuple[str, ...] = MEASURE_IDS) -> pd.DataFrame:
    records = episodes.to_dict("records")
    out = []
    levels = [("payer", p, p) for p in PAYERS] + [
        ("all_payers", "all", None), ("tin", TIN, None), ("tin_npi", f"{TIN}_{NPI}", None)
    ]
    for measure in measures:
        for level, level_id, payer in levels:
            mine = [r for r in records if payer is None or r["payer"] == payer]
            rows = [(s, [r for r in mine if r["stratum"] == s]) for s in (FUSION, DISCECTOMY)]
            for stratum, its in [*rows, ("overall", mine)]:
                out.append({"measure_id": measure, **_summary_row(level, level_id, payer, stratum, its)})
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
    "measure_summary_history": "select performance_year, as_of_date, level, level_id, stratum, measure_id, "
    "episodes, "
    "pending, eligible_population, performance_met, performance_rate from marts.measure_summary "
    "where level in ('payer', 'all_payers')",
    "quarantine_summary": "select * from "
    "(values ('medical_claim', 'unparseable_date', 'claim_start_date', 1)) "
    "t(table_name, reason, column_name, rows)",
}
DATE_COLUMNS = ("procedure_date", "baseline_date", "one_year_date", "as_of_date")


HEADLINE = "459"
# The family's other measures: title, instrument, met rule, and each episode's outcome with its
# follow-up value (None: no value). Same episodes as #459, other instruments.
FAMILY = {
    "461": ("Leg Pain After Lumbar Surgery", "pain_score leg (NRS/VAS, 0-10)", 3.0, 5.0),
    "471": ("Functional Status After Lumbar Surgery", "ODI 2.1a (0-100)", 22, 30),
}
FAMILY_OUTCOMES = {
    "461": {"E1": ("not_met", 4.5), "E2": ("met", 3.0), "E3": ("not_measured", None), "E4": ("met", 1.0),
            "E5": ("pending", None), "E6": ("excluded", 2.0)},
    "471": {"E1": ("met", 22.0), "E2": ("not_met", 40.0), "E3": ("met", 10.0), "E4": ("not_measured", None),
            "E5": ("pending", None), "E6": ("excluded", 30.0)},
}  # fmt: skip


SHARED_COLUMNS = (
    "episode_id", "stratum", "person_id", "member_id", "payer", "performance_year", "procedure_date",
    "procedure_code", "rendering_tin", "rendering_npi", "baseline_date", "exclusion_reason", "is_final",
    "as_of_date",
)  # fmt: skip


def family_episode_measures_frame(episodes: pd.DataFrame) -> pd.DataFrame:
    """marts.episode_measures with the family's own outcomes (#459 from the episodes mart)."""
    rows = []
    for record in episodes.to_dict("records"):
        base = {k: record[k] for k in SHARED_COLUMNS}
        rows.append({**base, "measure_id": HEADLINE, "baseline_score": record["baseline_score"],
                     "followup_date": record["one_year_date"], "followup_score": record["one_year_score"],
                     "improvement": record["improvement"], "outcome": record["outcome"],
                     "quality_code": record["quality_code"]})  # fmt: skip
        for measure_id, outcomes in FAMILY_OUTCOMES.items():
            outcome, followup = outcomes[record["episode_id"]]
            baseline = None if record["baseline_score"] is None else record["baseline_score"] * (
                10 if measure_id == "471" else 1)  # fmt: skip
            rows.append({**base, "measure_id": measure_id, "baseline_score": baseline,
                         "followup_date": record["one_year_date"] if followup is not None else None,
                         "followup_score": followup, "outcome": outcome, "quality_code": None,
                         "improvement": None if None in (baseline, followup) else baseline - followup,
                         })  # fmt: skip
    return pd.DataFrame(rows)


def family_summary_frame(measures: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for measure_id, rows in measures.groupby("measure_id", sort=True):
        frames.append(summary_frame(rows, measures=(measure_id,)))
    return pd.concat(frames, ignore_index=True)


def family_definition_frame() -> pd.DataFrame:
    headline = definition_frame()
    headline.insert(0, "measure_id_", HEADLINE)
    headline = headline.drop(columns=["measure_id"]).rename(columns={"measure_id_": "measure_id"})
    headline = headline.assign(instrument="pain_score back (NRS/VAS, 0-10)", followup_met_max=3.0,
                               improvement_met_min=5.0)  # fmt: skip
    others = []
    for measure_id, (title, instrument, met_max, improvement_min) in FAMILY.items():
        rows = definition_frame().drop(columns=["measure_id"])
        rows.insert(0, "measure_id", measure_id)
        for outcome in CODES[FUSION]:
            rows[f"code_{outcome}"] = None
        others.append(rows.assign(measure_title=title, instrument=instrument, followup_met_max=met_max,
                                  improvement_met_min=improvement_min))  # fmt: skip
    return pd.concat([headline, *others], ignore_index=True)


def build_marts(warehouse: Path, family: bool = False, measures: tuple[str, ...] = MEASURE_IDS) -> Path:
    """The seven marts in a fresh DuckDB file (and nothing else: no raw, no reference): the
    `measures` with #459's outcomes, or with `family`, each measure with outcomes of its own."""
    episodes = episodes_frame()
    if family:
        measures = family_episode_measures_frame(episodes)
        summary = family_summary_frame(measures)
        definition = family_definition_frame()
    else:
        definition = family_definition_frame()
        definition = definition[definition["measure_id"].isin(measures)]
        summary = summary_frame(episodes, measures=measures)
        measures = episode_measures_frame(episodes, measures=measures)
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
        scores = ("baseline_score", "followup_score", "improvement")
        days = ("procedure_date", "baseline_date", "followup_date", "as_of_date")
        decimals = ", ".join(f"cast({c} as decimal(9, 4)) as {c}" for c in scores)
        dates = ", ".join(f"cast({c} as date) as {c}" for c in days)
        con.register("measures_df", measures)
        replaced = f"select * replace ({decimals}, {dates}) from measures_df"
        con.execute(f"create table marts.episode_measures as {replaced}")
        for name, select in SMALL_TABLES.items():
            con.execute(f"create table marts.{name} as {select}")
    return warehouse
