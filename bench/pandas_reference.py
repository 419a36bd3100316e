"""The spine measures #459, #461 and #471 (both strata) as an analyst would write them in pandas.

An independent reference for the pipeline and for bench/floor.sql, written from the
measure's rules: read the landing files, keep the rows the loader would keep
(bench/pandas_reading.py), find the lumbar fusion and discectomy/laminectomy
episodes, pair each measure's values (bench/pandas_measures.py), decide the outcome.
Scores are integers in ten-millionths of a point (1e-7): the input has up to 6
decimals on a 0-100 scale, and integer arithmetic makes 8.1 - 3.1 >= 5.0 exact,
which floats do not.

    python -m bench.pandas_reference --landing L --as-of 2026-11-27 --performance-year 2026 --out r.parquet
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from bench.contract import EPISODE_KEY, KEY, NUMBERED, RESULT_COLUMNS, main_of
from bench.floor import SEEDS
from bench.pandas_measures import MEASURES, UNIT, Measure, measure_scores
from bench.pandas_reading import (
    CLAIM_COLUMNS,
    ELIGIBILITY_COLUMNS,
    _integer,
    _optional_dates_ok,
    parse_dates,
    parse_with,
    read_table,
)

# An episode is one per person, payer and date, whichever its stratum.
EPISODE = [c for c in EPISODE_KEY if c != "stratum"]
SCORE_TEXT = {
    "baseline_score": "baseline_units",
    "one_year_score": "one_year_units",
    "improvement": "improvement_units",
}


@dataclass(frozen=True)
class Stratum:
    """One stratum of #459. Follow-up bounds are (calendar months, days) after the procedure;
    period bounds are (years after the performance year, month, day)."""

    name: str
    value_set: str
    followup_start: tuple[int, int]
    followup_target: tuple[int, int]
    followup_end: tuple[int, int]
    period_start: tuple[int, int, int]
    period_end: tuple[int, int, int]

    def period(self, performance_year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
        (y0, m0, d0), (y1, m1, d1) = self.period_start, self.period_end
        return pd.Timestamp(performance_year + y0, m0, d0), pd.Timestamp(performance_year + y1, m1, d1)


# In precedence order: a fusion and a discectomy on the same person, payer and date
# are one fusion episode.
STRATA = (
    Stratum("lumbarFusion", "lumbar_fusion", (9, 0), (12, 0), (15, 0), (-2, 10, 1), (-1, 9, 30)),
    Stratum("lumbarDiscectomy", "lumbar_discectomy", (0, 42), (3, 0), (0, 140), (-1, 8, 1), (0, 7, 31)),
)
BY_NAME = {s.name: s for s in STRATA}


# --- value sets ---


def _seed(seeds: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(seeds / f"{name}.csv", dtype=str, keep_default_na=False)


def _payer_key(text: pd.Series) -> pd.Series:
    # Case- and space-insensitive: "Blue Cross Blue Shield" = "BlueCross BlueShield".
    return text.str.lower().str.replace(" ", "")


def payer_map(seeds: Path) -> dict[str, str]:
    """Normalised alias -> canonical payer; the canonical name is an alias of itself."""
    alias = _seed(seeds, "payer_alias")
    both = pd.concat([alias[["alias", "payer"]], alias[["payer"]].assign(alias=alias["payer"])])
    return dict(zip(_payer_key(both["alias"]), both["payer"], strict=True))


Codes = dict[str, tuple[set[str], tuple[str, ...]]]


def procedure_codes(seeds: Path) -> Codes:
    """Per stratum: primary CPT codes (exact) and ICD-10-PCS prefixes.

    A stratum whose seed the project does not ship has none (with a warning).
    """
    codes: Codes = {}
    for stratum in STRATA:
        if not (seeds / f"{stratum.value_set}.csv").exists():
            warnings.warn(f"no seed {stratum.value_set}.csv: {stratum.name} has no episodes", stacklevel=2)
            codes[stratum.name] = (set(), ())
            continue
        seed = _seed(seeds, stratum.value_set)
        primary = seed[seed["role"] == "primary"]
        cpt = set(primary.loc[primary["code_system"] == "CPT", "code"].str.strip().str.upper())
        pcs = tuple(primary.loc[primary["code_system"] == "ICD-10-PCS", "code"].str.strip().str.upper())
        codes[stratum.name] = (cpt, pcs)
    return codes


# --- claims: procedures and exclusion diagnoses ---


def _numbered(frame: pd.DataFrame, prefix: str) -> list[str]:
    return [f"{prefix}_{i}" for i in NUMBERED if f"{prefix}_{i}" in frame.columns]


def _any_code(
    frame: pd.DataFrame, prefix: str, normalise: Callable[[pd.Series], pd.Series], starts: tuple[str, ...]
) -> pd.Series:
    hit = pd.Series(False, index=frame.index)
    for column in _numbered(frame, prefix):
        hit |= normalise(frame[column]).str.startswith(starts).fillna(False).astype(bool)
    return hit


def _dx(text: pd.Series) -> pd.Series:
    # Feeds write ICD-10-CM with and without the dot, sometimes lower case.
    return text.str.replace(".", "").str.replace(" ", "").str.upper()


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype="str")


def flag_claims(
    frame: pd.DataFrame, cpt: set[str], pcs: tuple[str, ...], exclusion: tuple[str, ...]
) -> pd.DataFrame:
    """The lines that can matter (a CPT procedure, an ICD-10-PCS procedure, an exclusion dx), flagged.

    Ten million claim lines are mostly office visits: dropping them file by file
    keeps memory to one file's worth.
    """
    claim_type = _column(frame, "claim_type")
    professional = claim_type.isna() | (claim_type.str.lower() == "professional")
    frame["cpt"] = _column(frame, "hcpcs_code").str.upper().where(professional)
    frame["cpt_code"] = frame["cpt"].isin(cpt)
    frame["pcs_code"] = _any_code(frame, "procedure_code", lambda s: s.str.upper(), pcs)
    frame["exclusion_dx"] = _any_code(frame, "diagnosis_code", _dx, exclusion)
    return frame[frame["cpt_code"] | frame["pcs_code"] | frame["exclusion_dx"]]


def usable_claims(frame: pd.DataFrame) -> pd.Series:
    """Rows the loader keeps: required values present, numbers and dates parse."""
    required = ["claim_id", "claim_line_number", "person_id", "payer", "claim_line_start_date"]
    ok = frame[required].notna().all(axis=1)
    ok &= parse_with(frame["claim_line_number"], _integer).notna()
    ok &= parse_dates(frame["claim_line_start_date"]).notna()
    dates = ["claim_line_end_date", *_numbered(frame, "procedure_date")]
    return ok & _optional_dates_ok(frame, dates)


def relevant_claims(landing: Path, seeds: Path, as_of: date, codes: Codes) -> pd.DataFrame:
    """Usable claim lines up to the as-of date with a procedure code or an exclusion diagnosis."""
    cpt = set().union(*(c for c, _ in codes.values()))
    pcs = tuple(p for _, prefixes in codes.values() for p in prefixes)
    exclusion = tuple(_seed(seeds, "spine_exclusion")["code_prefix"].str.strip().str.upper())
    claims = read_table(
        landing, "medical_claim", CLAIM_COLUMNS, prepare=lambda f: flag_claims(f, cpt, pcs, exclusion)
    )
    claims = claims[usable_claims(claims)].copy()
    claims["start_date"] = parse_dates(claims["claim_line_start_date"])
    claims["payer"] = _payer_key(claims["payer"]).map(payer_map(seeds))  # NaN: unmapped
    return claims[claims["start_date"] <= pd.Timestamp(as_of)]


def _stratum_procedures(claims: pd.DataFrame, cpt: set[str], pcs: tuple[str, ...]) -> pd.DataFrame:
    """(person, payer, procedure date) of one stratum's codes; PCS codes dated procedure_date_N."""
    rows = [claims.loc[claims["cpt"].isin(cpt), ["person_id", "payer", "start_date"]]]
    rows[0] = rows[0].rename(columns={"start_date": "procedure_date"})
    institutional = claims[claims["pcs_code"]]
    for code in _numbered(institutional, "procedure_code") if pcs else []:
        date_column = code.replace("code", "date")
        hit = institutional[institutional[code].str.upper().str.startswith(pcs).fillna(False).astype(bool)]
        when = parse_dates(hit[date_column]) if date_column in hit else pd.Series(pd.NaT, index=hit.index)
        # No procedure date of its own: the line's date.
        rows.append(hit[["person_id", "payer"]].assign(procedure_date=when.fillna(hit["start_date"])))
    return pd.concat(rows, ignore_index=True)


def procedure_episodes(claims: pd.DataFrame, codes: Codes, as_of: date) -> pd.DataFrame:
    """One row per (person, canonical payer, procedure date), of the first stratum in precedence.

    "Fusion wins" is decided before the periods (they differ by stratum): the day of a
    fusion is never a discectomy episode, whichever year's period the fusion falls in.
    """
    frames = [
        _stratum_procedures(claims, *codes[stratum.name]).assign(stratum=stratum.name, precedence=rank)
        for rank, stratum in enumerate(STRATA)
    ]
    episodes = pd.concat(frames, ignore_index=True)
    episodes = episodes[episodes["payer"].notna() & (episodes["procedure_date"] <= pd.Timestamp(as_of))]
    episodes = episodes.sort_values("precedence", kind="stable").drop_duplicates(EPISODE)
    return episodes[EPISODE_KEY].reset_index(drop=True)


# --- persons and scores ---


def birth_dates(landing: Path) -> pd.Series:
    """person_id -> birth date, for persons whose usable rows all agree on one."""
    rows = read_table(landing, "eligibility", ELIGIBILITY_COLUMNS)
    rows["birth"] = parse_dates(rows["birth_date"])
    ok = rows["person_id"].notna() & rows["birth"].notna()
    ok &= _optional_dates_ok(rows, ["enrollment_start_date", "enrollment_end_date"])
    per_person = rows[ok].groupby("person_id")["birth"].agg(["nunique", "first"])
    return per_person.loc[per_person["nunique"] == 1, "first"]


# --- the measure ---


def after(dates: pd.Series, months: int, days: int = 0) -> pd.Series:
    """Calendar months (clamped at month end: 31 Jan + 1 month = 28/29 Feb), then days."""
    return dates + pd.DateOffset(months=months) + pd.Timedelta(days=days)


def published(episodes: pd.DataFrame, births: pd.Series, performance_year: int) -> pd.DataFrame:
    """Episodes in their stratum's period whose person was 18 on the day that period starts
    (fusion: the 1 October on or before the procedure; discectomy: the 1 August)."""
    kept = []
    for stratum in STRATA:
        start, end = stratum.period(performance_year)
        mine = episodes[
            (episodes["stratum"] == stratum.name) & episodes["procedure_date"].between(start, end)
        ]
        mine = mine.merge(births.rename("birth_date"), left_on="person_id", right_index=True)
        kept.append(mine[mine["birth_date"] <= start - pd.DateOffset(years=18)])
    return pd.concat(kept, ignore_index=True)[EPISODE_KEY]


def with_windows(episodes: pd.DataFrame) -> pd.DataFrame:
    """Adds each episode's baseline and follow-up bounds (by its stratum)."""
    parts = []
    for stratum in STRATA:
        mine = episodes[episodes["stratum"] == stratum.name].copy()
        proc = mine["procedure_date"]
        mine["baseline_start"] = after(proc, -3)
        mine["followup_start"] = after(proc, *stratum.followup_start)
        mine["followup_target"] = after(proc, *stratum.followup_target)
        mine["followup_end"] = after(proc, *stratum.followup_end)
        parts.append(mine)
    return pd.concat(parts).sort_values(EPISODE_KEY).reset_index(drop=True)


def excluded(episodes: pd.DataFrame, claims: pd.DataFrame) -> np.ndarray:
    """True per episode with an exclusion diagnosis (any payer) in [procedure - 12 months, procedure]."""
    dx = claims.loc[claims["exclusion_dx"], ["person_id", "start_date"]]
    pairs = episodes.reset_index().merge(dx, on="person_id")
    inside = pairs["start_date"].between(after(pairs["procedure_date"], -12), pairs["procedure_date"])
    return episodes.index.isin(pairs.loc[inside, "index"])


def _pick(
    episodes: pd.DataFrame, scores: pd.DataFrame, lo: str, hi: str, order: dict[str, bool]
) -> pd.DataFrame:
    """Per episode, the first score dated in [episode[lo], episode[hi]] in ``order``."""
    pairs = episodes.reset_index().merge(scores, on="person_id")
    pairs = pairs[pairs["assessment_date"].between(pairs[lo], pairs[hi])].copy()
    pairs["distance"] = (pairs["assessment_date"] - pairs["followup_target"]).abs()
    pairs = pairs.sort_values(["index", *order], ascending=[True, *order.values()])
    return pairs.drop_duplicates("index").set_index("index")[["assessment_date", "score"]]


def baseline(episodes: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    # The most recent preoperative score; several that day: the lowest.
    return _pick(
        episodes, scores, "baseline_start", "procedure_date", {"assessment_date": False, "score": True}
    )


def one_year(episodes: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    # The follow-up score (one year for fusion, three months for discectomy): closest to
    # the target; equally close: the later; several that day: the highest.
    order = {"distance": True, "assessment_date": False, "score": False}
    return _pick(episodes, scores, "followup_start", "followup_end", order)


def outcome(frame: pd.DataFrame, as_of: date, measure: Measure) -> pd.Series:
    """The measure's outcome rules, in order; the window is closed after its last day."""
    one, improvement = frame["one_year_units"], frame["improvement_units"]
    closed = pd.Timestamp(as_of) > frame["followup_end"]
    rules = [
        frame["excluded"],
        (one <= measure.followup_max).fillna(False).astype(bool),
        (improvement >= measure.improvement_min).fillna(False).astype(bool),
        one.notna(),
        closed,
    ]
    names = ["excluded", "met", "met", "not_met", "not_measured"]
    return pd.Series(np.select(rules, names, default="pending"), index=frame.index)


def score_text(units: object) -> str | None:
    """Exact decimal without trailing zeros: 81000000 -> '8.1', 50000000 -> '5'."""
    if pd.isna(units):
        return None
    whole, fraction = divmod(abs(int(units)), UNIT)
    text = str(whole) + (f".{fraction:07d}".rstrip("0") if fraction else "")
    return "-" + text if units < 0 else text


def _as_dates(values: pd.Series) -> pd.Series:
    return pd.Series([None if pd.isna(v) else v.date() for v in values], index=values.index, dtype=object)


def run_pandas(landing: Path, as_of: date, performance_year: int, seeds: Path = SEEDS) -> pd.DataFrame:
    """Per-episode outcomes, one row per published episode and measure, sorted by KEY."""
    landing = Path(landing)
    measure_scores_by_id = measure_scores(landing, as_of)
    codes = procedure_codes(seeds)
    claims = relevant_claims(landing, seeds, as_of, codes)
    episodes = procedure_episodes(claims, codes, as_of)
    episodes = with_windows(published(episodes, birth_dates(landing), performance_year))
    is_excluded = excluded(episodes, claims)
    quality = _seed(seeds, "quality_code")
    quality_codes = {
        (m.strip(), s.strip(), o.strip()): q.strip()
        for m, s, o, q in quality[["measure_id", "stratum", "outcome", "quality_code"]].values
    }
    frames = []
    for measure in MEASURES:
        scores = measure_scores_by_id[measure.measure_id]
        scores = scores[scores["person_id"].isin(episodes["person_id"])]
        pre, post = baseline(episodes, scores), one_year(episodes, scores)
        frame = episodes.assign(
            measure_id=measure.measure_id,
            excluded=is_excluded,
            baseline_date=pre["assessment_date"],
            baseline_units=pre["score"].astype("Int64"),
            one_year_date=post["assessment_date"],
            one_year_units=post["score"].astype("Int64"),
        )
        frame["improvement_units"] = frame["baseline_units"] - frame["one_year_units"]
        frame["outcome"] = outcome(frame, as_of, measure)
        # pending, and every outcome of a measure without known codes: no code
        frame["quality_code"] = [
            quality_codes.get((measure.measure_id, s, o))
            for s, o in zip(frame["stratum"], frame["outcome"], strict=True)
        ]
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    for column, units in SCORE_TEXT.items():
        frame[column] = [score_text(u) for u in frame[units]]
    for column in ("procedure_date", "baseline_date", "one_year_date"):
        frame[column] = _as_dates(frame[column])
    return frame.sort_values(KEY).reset_index(drop=True)[RESULT_COLUMNS]


def main(argv: Sequence[str] | None = None) -> None:
    main_of(run_pandas, "The measure in plain pandas (reference implementation).", argv)


if __name__ == "__main__":
    main()
