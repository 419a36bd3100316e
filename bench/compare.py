"""Episode-by-episode comparison of the implementations of the measures (#459, #461, #471;
both strata)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from bench.contract import KEY, RESULT_COLUMNS, VALUES

# A result without a stratum column predates the second stratum: all lumbar fusion; one
# without a measure predates the family: the published episode feed, #459.
DEFAULT_STRATUM = "lumbarFusion"
DEFAULT_MEASURE = "459"
DEFAULTS = {"stratum": DEFAULT_STRATUM, "measure_id": DEFAULT_MEASURE}
PAYERS = ("aetna", "bcbs", "cigna", "uhc", "medicare")


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as text (ISO dates, exact decimals, '' for missing), sorted by key."""
    out = pd.DataFrame(index=frame.index)
    for column in RESULT_COLUMNS:
        values = frame[column] if column in frame.columns else pd.Series(DEFAULTS[column], index=frame.index)
        if column.endswith("_date"):
            values = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
        out[column] = values.astype("string").fillna("").astype(str)
    return out.sort_values(KEY).reset_index(drop=True)


def read_published(folder: Path) -> pd.DataFrame:
    """The pipeline's #459 result as published: the five payers' episodes.csv (both strata)."""
    rows: list[dict] = []
    for payer in PAYERS:
        with (folder / payer / "episodes.csv").open(newline="") as handle:
            rows.extend(
                {c: (r.get(c) or DEFAULTS[c]) if c in DEFAULTS else r[c] for c in RESULT_COLUMNS}
                for r in csv.DictReader(handle)
            )
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def _decimal_text(value: object) -> str | None:
    """An exact decimal without trailing zeros (5.0000 -> 5, 22.5000 -> 22.5)."""
    if value is None or pd.isna(value):
        return None
    return format(Decimal(value).normalize(), "f")


def read_warehouse(warehouse: Path) -> pd.DataFrame:
    """The pipeline's result for every measure of the family: marts.episode_measures."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(  # fetched as Python values: decimals stay exact
            """select measure_id, stratum, person_id, payer, procedure_date, baseline_date,
                      baseline_score, followup_date as one_year_date, followup_score as one_year_score,
                      improvement, outcome, quality_code
               from marts.episode_measures"""
        ).fetchall()
    frame = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    for column in ("baseline_score", "one_year_score", "improvement"):
        frame[column] = [_decimal_text(v) for v in frame[column]]
    return frame[RESULT_COLUMNS]


def differences(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows (by episode key) on which the named results do not all agree; empty when equal."""
    names = list(results)
    merged = None
    for name in names:
        frame = normalised(results[name]).set_index(KEY)
        frame.columns = [f"{c}@{name}" for c in frame.columns]
        merged = frame if merged is None else merged.join(frame, how="outer")
    merged = merged.fillna("<absent>")
    disagree = pd.Series(False, index=merged.index)
    for column in VALUES:
        first = merged[f"{column}@{names[0]}"]
        for name in names[1:]:
            disagree |= merged[f"{column}@{name}"] != first
    return merged[disagree].reset_index()
