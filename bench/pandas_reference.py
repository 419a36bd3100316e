"""The measure (shared/spec/measure.md) the way an analyst would write it in pandas.

An independent reference for the pipeline and for bench/floor.sql: read the
landing files, keep the rows the loader would keep, find the fusion episodes,
pair the pain scores, decide the outcome. Scores are integers in ten-millionths
of a point (1e-7 on the 0-10 scale): the input has up to 6 decimals on a 0-100
scale, and integer arithmetic makes 8.1 - 3.1 >= 5.0 exact, which floats do not.

    python -m bench.pandas_reference --landing L --as-of 2026-11-27 --performance-year 2026 --out r.parquet
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bench.floor import SEEDS, _arguments, write_result

UNIT = 10_000_000  # score units per point (1e-7)
EPISODE = ["person_id", "payer", "procedure_date"]
RESULT_COLUMNS = [
    *EPISODE,
    "baseline_date",
    "baseline_score",
    "one_year_date",
    "one_year_score",
    "improvement",
    "outcome",
    "quality_code",
]
SCORE_TEXT = {
    "baseline_score": "baseline_units",
    "one_year_score": "one_year_units",
    "improvement": "improvement_units",
}
NUMBERED = range(1, 26)
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ].*)?"
NUMBER_PATTERN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

CLAIM_COLUMNS = [
    "claim_id",
    "claim_line_number",
    "claim_type",
    "person_id",
    "payer",
    "claim_line_start_date",
    "claim_line_end_date",
    "hcpcs_code",
    *(f"diagnosis_code_{i}" for i in NUMBERED),
    *(f"procedure_code_{i}" for i in NUMBERED),
    *(f"procedure_date_{i}" for i in NUMBERED),
]
ELIGIBILITY_COLUMNS = ["person_id", "birth_date", "enrollment_start_date", "enrollment_end_date"]
PAIN_COLUMNS = ["person_id", "assessment_date", "body_site", "instrument", "score", "scale_max"]


# --- reading: the same rows the loader keeps ---


def landing_files(landing: Path, table: str) -> list[Path]:
    """CSV/Parquet files of a table in name order; a file with the same content as an earlier one is
    skipped (the demo resends a pain-score file under another name)."""
    folder = landing / table
    if not folder.is_dir():
        return []
    seen: set[str] = set()
    files = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in (".csv", ".parquet"):
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            files.append(path)
    return files


def _header_map(headers: Sequence[str], wanted: Sequence[str]) -> dict[str, str]:
    """File header -> our column name; headers match in any case and with stray spaces."""
    ours = set(wanted)
    return {h: k for h in headers if (k := h.strip().lstrip("\ufeff").lower()) in ours}


def read_file(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """One file's wanted columns as trimmed text (missing: NA).

    CSV rows with the wrong number of fields are skipped, as the loader quarantines
    them: pandas' default engine would pad short rows, the pyarrow engine drops them.
    """
    if path.suffix.lower() == ".csv":
        rename = _header_map(pd.read_csv(path, nrows=0).columns, columns)
        frame = pd.read_csv(
            path,
            usecols=list(rename),
            dtype=str,
            engine="pyarrow",
            on_bad_lines="skip",
            keep_default_na=False,
        )
    else:
        rename = _header_map(pq.read_schema(path).names, columns)
        table = pq.read_table(path, columns=list(rename))
        # The loader reads Parquet values as text too.
        frame = table.cast(pa.schema([(n, pa.string()) for n in table.column_names])).to_pandas()
    frame = frame.rename(columns=rename)
    # DuckDB's trim() removes spaces only; an empty value is a missing one.
    return frame.apply(lambda text: text.str.strip(" ").mask(lambda t: t == ""))


def read_table(
    landing: Path,
    table: str,
    columns: Sequence[str],
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """All files of a table. ``prepare`` runs on each file before they are concatenated, so
    that a filter keeps only one file's worth of rows in memory at a time. Numbered columns
    no file has stay absent; the others are added as missing text."""
    frames = []
    for path in landing_files(landing, table):
        frame = read_file(path, columns)
        frames.append(prepare(frame) if prepare else frame)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for column in columns:
        if column not in frame.columns and not re.search(r"_\d+$", column):
            frame[column] = pd.Series(None, index=frame.index, dtype="str")
    return frame


def parse_dates(text: pd.Series) -> pd.Series:
    """ISO dates, or timestamps whose date part is used; anything else NaT."""
    iso = text.where(text.str.fullmatch(DATE_PATTERN).fillna(False).astype(bool))
    return pd.to_datetime(iso.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")


def _decimal(text: str) -> Decimal | None:
    stripped = text.strip()
    return Decimal(stripped) if NUMBER_PATTERN.fullmatch(stripped) else None


def _micro(text: str) -> int | None:
    """DECIMAL(18, 6) as the loader casts it (rounded half up), in millionths."""
    value = _decimal(text)
    if value is None or value.adjusted() >= 12:
        return None
    micro = int(value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP).scaleb(6))
    return micro if abs(micro) < 10**18 else None


def _integer(text: str) -> int | None:
    """INTEGER as the loader casts it: decimals round half away from zero."""
    value = _decimal(text)
    if value is None or value.adjusted() >= 10:
        return None
    whole = int(value.to_integral_value(rounding=ROUND_HALF_UP))
    return whole if -(2**31) <= whole < 2**31 else None


def parse_with(text: pd.Series, parse: Callable[[str], int | None]) -> pd.Series:
    """Parses each distinct value once (few distinct values in millions of rows)."""
    parsed = {value: parse(value) for value in text.dropna().unique()}
    return text.map(parsed).astype("Int64")


def _optional_dates_ok(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    ok = pd.Series(True, index=frame.index)
    for column in (c for c in columns if c in frame.columns):
        ok &= frame[column].isna() | parse_dates(frame[column]).notna()
    return ok


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


def fusion_codes(seeds: Path) -> tuple[set[str], tuple[str, ...]]:
    """Primary CPT codes (exact) and ICD-10-PCS prefixes."""
    codes = _seed(seeds, "lumbar_fusion")
    primary = codes[codes["role"] == "primary"]
    cpt = set(primary.loc[primary["code_system"] == "CPT", "code"].str.strip())
    pcs = tuple(primary.loc[primary["code_system"] == "ICD-10-PCS", "code"].str.strip())
    return cpt, pcs


# --- claims: fusion episodes and exclusion diagnoses ---


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
    """The lines that can matter (a CPT fusion, an ICD-10-PCS fusion, an exclusion dx), flagged.

    Ten million claim lines are mostly office visits: dropping them file by file
    keeps memory to one file's worth.
    """
    claim_type = _column(frame, "claim_type")
    professional = claim_type.isna() | (claim_type.str.lower() == "professional")
    frame["cpt_fusion"] = _column(frame, "hcpcs_code").str.upper().isin(cpt) & professional
    frame["pcs_fusion"] = _any_code(frame, "procedure_code", lambda s: s.str.upper(), pcs)
    frame["exclusion_dx"] = _any_code(frame, "diagnosis_code", _dx, exclusion)
    return frame[frame["cpt_fusion"] | frame["pcs_fusion"] | frame["exclusion_dx"]]


def usable_claims(frame: pd.DataFrame) -> pd.Series:
    """Rows the loader keeps: required values present, numbers and dates parse."""
    required = ["claim_id", "claim_line_number", "person_id", "payer", "claim_line_start_date"]
    ok = frame[required].notna().all(axis=1)
    ok &= parse_with(frame["claim_line_number"], _integer).notna()
    ok &= parse_dates(frame["claim_line_start_date"]).notna()
    dates = ["claim_line_end_date", *_numbered(frame, "procedure_date")]
    return ok & _optional_dates_ok(frame, dates)


def relevant_claims(landing: Path, seeds: Path, as_of: date) -> pd.DataFrame:
    """Usable claim lines up to the as-of date that carry a fusion code or an exclusion diagnosis."""
    cpt, pcs = fusion_codes(seeds)
    exclusion = tuple(_seed(seeds, "spine_exclusion")["code_prefix"].str.strip().str.upper())
    claims = read_table(
        landing, "medical_claim", CLAIM_COLUMNS, prepare=lambda f: flag_claims(f, cpt, pcs, exclusion)
    )
    claims = claims[usable_claims(claims)].copy()
    claims["start_date"] = parse_dates(claims["claim_line_start_date"])
    claims["payer"] = _payer_key(claims["payer"]).map(payer_map(seeds))  # NaN: unmapped
    return claims[claims["start_date"] <= pd.Timestamp(as_of)]


def fusion_episodes(claims: pd.DataFrame, seeds: Path, as_of: date) -> pd.DataFrame:
    """One row per (person, canonical payer, procedure date) with a lumbar fusion."""
    _, pcs = fusion_codes(seeds)
    cpt = claims.loc[claims["cpt_fusion"], ["person_id", "payer", "start_date"]]
    cpt = cpt.rename(columns={"start_date": "procedure_date"})
    institutional = claims[claims["pcs_fusion"]]
    pcs_rows = []
    for code in _numbered(institutional, "procedure_code"):
        date_column = code.replace("code", "date")
        hit = institutional[institutional[code].str.upper().str.startswith(pcs).fillna(False).astype(bool)]
        when = parse_dates(hit[date_column]) if date_column in hit else pd.Series(pd.NaT, index=hit.index)
        # No procedure date of its own: the line's date.
        pcs_rows.append(hit[["person_id", "payer"]].assign(procedure_date=when.fillna(hit["start_date"])))
    episodes = pd.concat([cpt, *pcs_rows], ignore_index=True)
    episodes = episodes[episodes["payer"].notna() & (episodes["procedure_date"] <= pd.Timestamp(as_of))]
    return episodes.drop_duplicates().reset_index(drop=True)


# --- persons and scores ---


def birth_dates(landing: Path) -> pd.Series:
    """person_id -> birth date, for persons whose usable rows all agree on one."""
    rows = read_table(landing, "eligibility", ELIGIBILITY_COLUMNS)
    rows["birth"] = parse_dates(rows["birth_date"])
    ok = rows["person_id"].notna() & rows["birth"].notna()
    ok &= _optional_dates_ok(rows, ["enrollment_start_date", "enrollment_end_date"])
    per_person = rows[ok].groupby("person_id")["birth"].agg(["nunique", "first"])
    return per_person.loc[per_person["nunique"] == 1, "first"]


def back_scores(landing: Path, as_of: date) -> pd.DataFrame:
    """Usable back-pain scores up to the as-of date: person_id, assessment_date, score (1e-7 units)."""
    rows = read_table(landing, "pain_score", PAIN_COLUMNS)
    rows["when"] = parse_dates(rows["assessment_date"])
    rows["micro"] = parse_with(rows["score"], _micro)
    rows["scale"] = parse_with(rows["scale_max"], _integer)
    site, instrument = rows["body_site"].str.lower(), rows["instrument"].str.upper()
    ok = rows[PAIN_COLUMNS].notna().all(axis=1) & rows[["when", "micro", "scale"]].notna().all(axis=1)
    ok &= site.isin(["back", "leg"]) & instrument.isin(["NRS", "VAS"]) & rows["scale"].isin([10, 100])
    ok &= ~((instrument == "NRS") & (rows["scale"] != 10))
    ok &= (rows["micro"] >= 0) & (rows["micro"] <= rows["scale"] * 1_000_000)
    back = rows[ok.fillna(False).astype(bool) & (site == "back") & (rows["when"] <= pd.Timestamp(as_of))]
    # score * 10 / scale_max, in 1e-7 units: exact for scale_max 10 and 100.
    score = (back["micro"] * 100 // back["scale"]).astype("int64")
    return pd.DataFrame({"person_id": back["person_id"], "assessment_date": back["when"], "score": score})


# --- the measure ---


def months(dates: pd.Series, n: int) -> pd.Series:
    """Calendar months, clamped at month end (31 Jan + 1 month = 28/29 Feb)."""
    return dates + pd.DateOffset(months=n)


def published(episodes: pd.DataFrame, births: pd.Series, performance_year: int) -> pd.DataFrame:
    """Episodes in the period whose person was 18 on the 1 October on or before the fusion."""
    start, end = pd.Timestamp(performance_year - 2, 10, 1), pd.Timestamp(performance_year - 1, 9, 30)
    episodes = episodes[episodes["procedure_date"].between(start, end)]
    episodes = episodes.merge(births.rename("birth_date"), left_on="person_id", right_index=True)
    proc = episodes["procedure_date"]
    october_year = proc.dt.year - (proc.dt.month < 10)
    eighteen = pd.to_datetime(pd.DataFrame({"year": october_year - 18, "month": 10, "day": 1}))
    return episodes.loc[episodes["birth_date"] <= eighteen, EPISODE].reset_index(drop=True)


def excluded(episodes: pd.DataFrame, claims: pd.DataFrame) -> np.ndarray:
    """True per episode with an exclusion diagnosis (any payer) in [procedure - 12 months, procedure]."""
    dx = claims.loc[claims["exclusion_dx"], ["person_id", "start_date"]]
    pairs = episodes.reset_index().merge(dx, on="person_id")
    inside = pairs["start_date"].between(months(pairs["procedure_date"], -12), pairs["procedure_date"])
    return episodes.index.isin(pairs.loc[inside, "index"])


def _pick(
    episodes: pd.DataFrame, scores: pd.DataFrame, lo: int, hi: int, order: dict[str, bool]
) -> pd.DataFrame:
    """Per episode, the first score dated in [procedure + lo, procedure + hi months] in ``order``."""
    pairs = episodes.reset_index().merge(scores, on="person_id")
    proc = pairs["procedure_date"]
    pairs = pairs[pairs["assessment_date"].between(months(proc, lo), months(proc, hi))].copy()
    pairs["distance"] = (pairs["assessment_date"] - months(pairs["procedure_date"], 12)).abs()
    pairs = pairs.sort_values(["index", *order], ascending=[True, *order.values()])
    return pairs.drop_duplicates("index").set_index("index")[["assessment_date", "score"]]


def baseline(episodes: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    # The most recent preoperative score; several that day: the lowest.
    return _pick(episodes, scores, -3, 0, {"assessment_date": False, "score": True})


def one_year(episodes: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    # Closest to 12 months; equally close: the later; several that day: the highest.
    return _pick(episodes, scores, 9, 15, {"distance": True, "assessment_date": False, "score": False})


def outcome(frame: pd.DataFrame, as_of: date) -> pd.Series:
    """The measure's outcome rules, in order (measure.md)."""
    one, improvement = frame["one_year_units"], frame["improvement_units"]
    closed = pd.Timestamp(as_of) > months(frame["procedure_date"], 15)
    rules = [
        frame["excluded"],
        (one <= 3 * UNIT).fillna(False).astype(bool),
        (improvement >= 5 * UNIT).fillna(False).astype(bool),
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
    """Per-episode outcomes, one row per published episode, sorted by person, payer, date."""
    landing = Path(landing)
    claims = relevant_claims(landing, seeds, as_of)
    episodes = published(fusion_episodes(claims, seeds, as_of), birth_dates(landing), performance_year)
    scores = back_scores(landing, as_of)
    scores = scores[scores["person_id"].isin(episodes["person_id"])]
    pre, post = baseline(episodes, scores), one_year(episodes, scores)
    frame = episodes.assign(
        excluded=excluded(episodes, claims),
        baseline_date=pre["assessment_date"],
        baseline_units=pre["score"].astype("Int64"),
        one_year_date=post["assessment_date"],
        one_year_units=post["score"].astype("Int64"),
    )
    frame["improvement_units"] = frame["baseline_units"] - frame["one_year_units"]
    frame["outcome"] = outcome(frame, as_of)
    codes = dict(_seed(seeds, "quality_code")[["outcome", "quality_code"]].values)
    frame["quality_code"] = [codes.get(o) for o in frame["outcome"]]  # pending: no code
    for column, units in SCORE_TEXT.items():
        frame[column] = [score_text(u) for u in frame[units]]
    for column in ("procedure_date", "baseline_date", "one_year_date"):
        frame[column] = _as_dates(frame[column])
    return frame.sort_values(EPISODE).reset_index(drop=True)[RESULT_COLUMNS]


def main(argv: Sequence[str] | None = None) -> None:
    args = _arguments(argv, "The measure in plain pandas (reference implementation).")
    frame = run_pandas(args.landing, args.as_of, args.performance_year)
    write_result(frame, args.out)
    print(f"{len(frame)} episodes -> {args.out}")


if __name__ == "__main__":
    main()
