"""The benchmark floors: the measure as one hand-written DuckDB script (bench/floor.sql).

No framework, no quarantine bookkeeping, no publication: only what it takes to
compute the per-episode outcomes of both strata from the landing folder.

- compute-only floor (``run_floor``): the script reads the landing files directly;
- warehouse floor (``run_warehouse_floor``): DuckDB first persists every landing file
  into a typed table with its own readers (types detected, no validation), then the
  same script runs on those tables. That is the least any warehouse pipeline does.

    python -m bench.floor --landing L --as-of 2026-11-27 --performance-year 2026 --out result.parquet
"""

from __future__ import annotations

import csv
import hashlib
import re
import time
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from bench.contract import KEY, LANDING_COLUMNS, TABLES, main_of

SQL_FILE = Path(__file__).with_name("floor.sql")
SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"
# Stratum -> seed of its procedure value set (same columns for both strata).
VALUE_SETS = {"lumbarFusion": "lumbar_fusion", "lumbarDiscectomy": "lumbar_discectomy"}
RESULT_ORDER = ", ".join(KEY)

# Same dialect as the loader; rows with the wrong number of fields are skipped
# (the loader quarantines them).
CSV_OPTIONS = (
    "all_varchar = true, header = true, delim = ',', quote = '\"', escape = '\"', "
    "ignore_errors = true, union_by_name = true"
)
# The warehouse floor: DuckDB's own CSV reader with detected types; rows it cannot
# read are skipped, unreported (no validation, no quarantine). Identifiers and codes
# are declared text: detection from a sample would type 99213 as a number and then
# skip the rows of a later J-code.
TYPED_CSV_OPTIONS = "header = true, ignore_errors = true, union_by_name = true"
TEXT_COLUMNS = re.compile(
    r"(claim_id|person_id|payer|claim_type|hcpcs_code|body_site|instrument|(diagnosis|procedure)_code_\d+)"
)


def unique_files(paths: Iterable[Path]) -> list[Path]:
    """The files in name order, each content once (the loader loads a resent file once).

    Only files whose size equals another's can be identical, so only those are hashed:
    hashing 1.6 GB would cost more than the whole measure.
    """
    paths = sorted(paths)
    by_size: dict[int, list[Path]] = defaultdict(list)
    for path in paths:
        by_size[path.stat().st_size].append(path)
    seen: set[str] = set()
    keep: list[Path] = []
    for path in paths:
        if len(by_size[path.stat().st_size]) > 1:
            with path.open("rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
        keep.append(path)
    return keep


def landing_files(landing: Path, table: str) -> list[Path]:
    """CSV and Parquet files of one landing table; hidden files are ignored, as by the loader."""
    folder = landing / table
    if not folder.is_dir():
        return []
    return unique_files(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in (".csv", ".parquet")
    )


def _sql_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _readers(files: Sequence[Path], csv_options: str = CSV_OPTIONS) -> list[str]:
    csv_files = [p for p in files if p.suffix.lower() == ".csv"]
    parquet = [p for p in files if p.suffix.lower() == ".parquet"]
    readers = [f"read_csv({_sql_list(csv_files)}, {csv_options})"] if csv_files else []
    if parquet:
        readers.append(f"read_parquet({_sql_list(parquet)}, union_by_name = true)")
    return readers


def _raw_columns(files: Sequence[Path]) -> set[str]:
    """Column names as the files spell them: CSV header lines and Parquet schemas only."""
    names: set[str] = set()
    for path in files:
        if path.suffix.lower() == ".parquet":
            names.update(pq.read_schema(path).names)
        else:
            with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
                names.update(next(csv.reader(handle), []))
    return names


def _file_columns(files: Sequence[Path]) -> set[str]:
    return {n.strip().lower() for n in _raw_columns(files)}


def _typed_csv_options(files: Sequence[Path]) -> str:
    """The warehouse floor's CSV options: detected types, but text for identifiers and codes."""
    csv_files = [p for p in files if p.suffix.lower() == ".csv"]
    text = sorted(n for n in _raw_columns(csv_files) if TEXT_COLUMNS.fullmatch(n.strip().lower()))
    declared = ", ".join("'" + n.replace("'", "''") + "': 'VARCHAR'" for n in text)
    return f"{TYPED_CSV_OPTIONS}, types = {{{declared}}}" if text else TYPED_CSV_OPTIONS


def _text_source(selects: Sequence[str], present: set[str], columns: Sequence[str]) -> str:
    """A subquery over ``selects`` (file readers or tables) with ``columns``, all text.

    The empty typed template comes first in a UNION BY NAME, so a column that no
    file has is still there (null); typed columns (Parquet, the warehouse floor's
    tables) are cast to text, as the loader reads them. Numbered columns
    (diagnosis_code_7 ...) that no file has are left out, but _1 is kept so that the
    script's COLUMNS('..._\\d+') always matches: the script then works on 3
    procedure codes rather than 25 when the feed has 3.
    """
    columns = [c for c in columns if c in present or not c[-1].isdigit() or c.endswith("_1")]
    template = ", ".join(f"null::varchar as {c}" for c in columns)
    parts = [f"select {template} where false", *(f"select * from {r}" for r in selects)]
    union = "\n        union all by name ".join(parts)
    projection = ", ".join(f"cast({c} as varchar) as {c}" for c in columns)
    return f"(select {projection} from (\n        {union}))"


def source_sql(files: Sequence[Path], columns: Sequence[str]) -> str:
    """A subquery over the files with ``columns``, all text."""
    return _text_source(_readers(files), _file_columns(files), columns)


def value_sets_sql(seeds: Path) -> str:
    """The strata's procedure value sets as one subquery, each row labelled with its stratum.

    A stratum whose seed the project does not ship has no codes, hence no episodes
    (with a warning): the project's other implementations then have none either.
    """
    parts = ["select null::varchar as stratum, null::varchar as code, "
             "null::varchar as code_system, null::varchar as role where false"]  # fmt: skip
    for stratum, name in VALUE_SETS.items():
        path = seeds / f"{name}.csv"
        if not path.exists():
            warnings.warn(f"no seed {path.name}: stratum {stratum} has no episodes", stacklevel=2)
            continue
        parts.append(
            f"select '{stratum}' as stratum, code, code_system, role "
            f"from read_csv('{path}', all_varchar = true)"
        )
    return "(" + "\n    union all ".join(parts) + ")"


def render_sql(
    landing: Path,
    as_of: date,
    performance_year: int,
    seeds: Path = SEEDS,
    sources: dict[str, str] | None = None,
) -> str:
    """The script with its placeholders filled; ``sources`` replaces the landing files' subqueries."""
    text = SQL_FILE.read_text()
    values = {
        "seeds": str(seeds),
        "as_of": as_of.isoformat(),
        "performance_year": str(int(performance_year)),
        "procedure_value_sets": value_sets_sql(seeds),
        **(sources or {t: source_sql(landing_files(landing, t), LANDING_COLUMNS[t]) for t in TABLES}),
    }
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def _episodes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.sql(f"from floor_episodes order by {RESULT_ORDER}").to_arrow_table().to_pandas()


def run_floor(
    landing: Path, as_of: date, performance_year: int, seeds: Path = SEEDS, database: str = ":memory:"
) -> pd.DataFrame:
    """Per-episode outcomes (one row per published episode), as a pandas DataFrame."""
    con = duckdb.connect(database)
    try:
        # One call runs the whole script, statement by statement.
        con.execute(render_sql(Path(landing), as_of, performance_year, seeds))
        return _episodes(con)
    finally:
        con.close()


def load_warehouse(con: duckdb.DuckDBPyConnection, landing: Path) -> dict[str, str]:
    """Persists every landing file (each content once) into a typed table per landing table.

    Returns the script's text subqueries over those tables.
    """
    sources = {}
    for table in TABLES:
        files = landing_files(landing, table)
        readers = _readers(files, _typed_csv_options(files))
        if readers:
            union = " union all by name ".join(f"select * from {r}" for r in readers)
            con.execute(f"create or replace table {table} as {union}")
            present = {c.lower() for c in con.table(table).columns}
            sources[table] = _text_source([table], present, LANDING_COLUMNS[table])
        else:
            sources[table] = _text_source([], set(), LANDING_COLUMNS[table])
    return sources


def run_warehouse_floor(
    landing: Path, as_of: date, performance_year: int, database: Path, seeds: Path = SEEDS
) -> tuple[pd.DataFrame, dict[str, float]]:
    """The warehouse floor: typed load into ``database``, then the measure on its tables.

    Returns the per-episode outcomes and the seconds of its two stages (load, measure).
    """
    database.unlink(missing_ok=True)
    con = duckdb.connect(str(database))
    try:
        con.execute("set threads = 2; set memory_limit = '3GB'; set preserve_insertion_order = false")
        started = time.perf_counter()
        sources = load_warehouse(con, Path(landing))
        con.execute("checkpoint")
        loaded = time.perf_counter()
        con.execute(render_sql(Path(landing), as_of, performance_year, seeds, sources))
        frame = _episodes(con)
        return frame, {"load": loaded - started, "measure": time.perf_counter() - loaded}
    finally:
        con.close()


def main(argv: Sequence[str] | None = None) -> None:
    main_of(run_floor, "The measure as one DuckDB script (benchmark floor).", argv)


if __name__ == "__main__":
    main()
