"""Episode-by-episode comparison of the implementations of the measure (both strata)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from bench.contract import KEY, RESULT_COLUMNS, VALUES

# A result without a stratum column predates the second stratum: all lumbar fusion.
DEFAULT_STRATUM = "lumbarFusion"
PAYERS = ("aetna", "bcbs", "cigna", "uhc", "medicare")


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as text (ISO dates, exact decimals, '' for missing), sorted by key."""
    out = pd.DataFrame(index=frame.index)
    for column in RESULT_COLUMNS:
        values = frame[column] if column in frame.columns else pd.Series(DEFAULT_STRATUM, index=frame.index)
        if column.endswith("_date"):
            values = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
        out[column] = values.astype("string").fillna("").astype(str)
    return out.sort_values(KEY).reset_index(drop=True)


def read_published(folder: Path) -> pd.DataFrame:
    """The pipeline's result as published: the five payers' episodes.csv (both strata)."""
    rows: list[dict] = []
    for payer in PAYERS:
        with (folder / payer / "episodes.csv").open(newline="") as handle:
            rows.extend(
                {c: (r.get(c) or DEFAULT_STRATUM) if c == "stratum" else r[c] for c in RESULT_COLUMNS}
                for r in csv.DictReader(handle)
            )
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


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
