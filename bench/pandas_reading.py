"""Reading the landing folder for the pandas reference: the same rows the loader keeps.

Every value is read as trimmed text (missing: NA) and parsed here the way the loader
casts it, so that bench/pandas_reference.py sees exactly the usable rows.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bench.contract import LANDING_COLUMNS, TABLES

DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ].*)?"
NUMBER_PATTERN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

CLAIM_COLUMNS, ELIGIBILITY_COLUMNS, PAIN_COLUMNS, ODI_COLUMNS = (LANDING_COLUMNS[t] for t in TABLES)


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
