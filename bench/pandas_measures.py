"""The patient-reported values of each measure of the family, for bench/pandas_reference.py:
back pain (#459) and leg pain (#461) on 0-10, the Oswestry Disability Index (#471) on
0-100, each with its met thresholds as measure.md states them. Values are integers in
ten-millionths of a point (1e-7), so that every comparison is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from bench.pandas_reading import (
    ODI_COLUMNS,
    PAIN_COLUMNS,
    _integer,
    _micro,
    parse_dates,
    parse_with,
    read_table,
)

UNIT = 10_000_000  # score units per point (1e-7)
ITEMS = [f"item_{i}" for i in range(1, 11)]


@dataclass(frozen=True)
class Measure:
    measure_id: str
    instrument: str  # back | leg | ODI
    followup_max: int  # in UNITs
    improvement_min: int


MEASURES = (
    Measure("459", "back", 3 * UNIT, 5 * UNIT),
    Measure("461", "leg", 3 * UNIT, 5 * UNIT),
    Measure("471", "ODI", 22 * UNIT, 30 * UNIT),
)


def pain_scores(landing: Path, as_of: date) -> pd.DataFrame:
    """Usable pain scores up to the as-of date: person_id, assessment_date, site, score (1e-7 units)."""
    rows = read_table(landing, "pain_score", PAIN_COLUMNS)
    rows["when"] = parse_dates(rows["assessment_date"])
    rows["micro"] = parse_with(rows["score"], _micro)
    rows["scale"] = parse_with(rows["scale_max"], _integer)
    site, instrument = rows["body_site"].str.lower(), rows["instrument"].str.upper()
    ok = rows[PAIN_COLUMNS].notna().all(axis=1) & rows[["when", "micro", "scale"]].notna().all(axis=1)
    ok &= site.isin(["back", "leg"]) & instrument.isin(["NRS", "VAS"]) & rows["scale"].isin([10, 100])
    ok &= ~((instrument == "NRS") & (rows["scale"] != 10))
    ok &= (rows["micro"] >= 0) & (rows["micro"] <= rows["scale"] * 1_000_000)
    kept = rows[ok.fillna(False).astype(bool) & (rows["when"] <= pd.Timestamp(as_of))]
    # score * 10 / scale_max, in 1e-7 units: exact for scale_max 10 and 100.
    score = (kept["micro"] * 100 // kept["scale"]).astype("int64")
    columns = {"person_id": kept["person_id"], "assessment_date": kept["when"], "site": site[kept.index]}
    return pd.DataFrame({**columns, "score": score})


def _answer(text: object) -> int | None:
    """A section answer: a plain whole number (the loader's integer), else None."""
    if not isinstance(text, str) or not text.strip().lstrip("+-").isdigit():
        return None
    return int(text.strip())


def odi_scores(landing: Path, as_of: date) -> pd.DataFrame:
    """Usable ODI 2.1a scores up to the as-of date: the score sent, or sum / (5 x answered) x 100
    rounded half up from at least nine answers 0-5; both given must agree."""
    rows = read_table(landing, "functional_status", ODI_COLUMNS)
    kept = []
    for row in rows.itertuples(index=False):
        record = row._asdict()
        given = [t for t in (record.get(i) for i in ITEMS) if isinstance(t, str) and t.strip()]
        answers = [_answer(t) for t in given]
        if any(a is None or not 0 <= a <= 5 for a in answers):
            continue
        score_text = record["score"] if isinstance(record["score"], str) and record["score"].strip() else ""
        micro = _micro(score_text) if score_text else None
        if score_text and (micro is None or not 0 <= micro <= 100_000_000):
            continue
        n = len(answers)
        from_items = (40 * sum(answers) + n) // (2 * n) * 1_000_000 if n >= 9 else None
        if n and from_items is None or not n and micro is None:
            continue  # too few answers
        if micro is not None and from_items is not None and micro != from_items:
            continue
        usable = (record["instrument"] or "").strip().upper() == "ODI"
        usable &= (record["version"] or "").strip().lower() == "2.1a" and bool(record["person_id"])
        value = micro if micro is not None else from_items
        kept.append((record["person_id"], record["assessment_date"], value, usable))
    frame = pd.DataFrame(kept, columns=["person_id", "assessment_date", "micro", "usable"])
    frame["when"] = parse_dates(frame["assessment_date"].astype("string"))
    frame = frame[frame["usable"] & frame["when"].notna() & (frame["when"] <= pd.Timestamp(as_of))]
    return pd.DataFrame(
        {"person_id": frame["person_id"], "assessment_date": frame["when"],
         "score": (frame["micro"] * 10).astype("int64")}  # fmt: skip
    )


def measure_scores(landing: Path, as_of: date) -> dict[str, pd.DataFrame]:
    """measure id -> its values (person_id, assessment_date, score)."""
    pain, odi = pain_scores(landing, as_of), odi_scores(landing, as_of)
    by_site = {site: rows.drop(columns="site") for site, rows in pain.groupby("site")}
    empty = pain.drop(columns="site").iloc[:0]
    return {
        m.measure_id: odi if m.instrument == "ODI" else by_site.get(m.instrument, empty) for m in MEASURES
    }
