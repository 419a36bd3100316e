"""Reading and typing one landing file into temp table ``_typed``, in one scan.

The engine never sees a landing path: it reads a link (or a repaired copy) with
a fixed, safe name in a private folder, so a name with ``[``, ``*`` or ``?`` is a
name, never a pattern. CSV is read with the fixed dialect and nothing sniffed.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.ingest.landing_csv import (
    MAX_RECORD_BYTES,
    BadRecord,
    excerpt,
    read_header,
    scan_csv,
    write_readable_copy,
)
from orchestration.ingest.landing_spec import LandingError, TableSpec
from orchestration.ingest.landing_sql import TYPED, Source, literal, quote, temp_table_from_arrow, typed_rows


def is_csv(path: Path) -> bool:
    return path.suffix.lower() == ".csv"


def read_columns(path: Path, name: str) -> list[str]:
    """The file's own column names, in order."""
    if is_csv(path):
        return read_header(path, name)[0]
    try:
        return list(pq.read_schema(path).names)
    except (pa.ArrowException, OSError, ValueError):
        raise LandingError(f"{name}: cannot be read as Parquet") from None


def header_map(names: list[str], name: str, spec: TableSpec) -> dict[str, str]:
    """Maps each known column to its staged column ``c<i>`` (any order, any case, spaces trimmed)."""
    positions: dict[str, int] = {}
    for index, header in enumerate(names):
        key = header.strip().lstrip("\ufeff").lower()
        if key in positions and any(c.name == key for c in spec.read_columns):
            raise LandingError(f"{name}: column {key} appears more than once in the header")
        positions.setdefault(key, index)
    missing = [c for c in spec.required if c not in positions]
    if missing:
        # A semicolon- or tab-separated export reads as one long column name: say so.
        hint = " (columns must be separated by commas)" if any(";" in n or "\t" in n for n in names) else ""
        raise LandingError(
            f"{name}: missing required column(s) {', '.join(missing)} for table {spec.name}{hint}"
        )
    return {c.name: f"c{positions[c.name]}" for c in spec.read_columns if c.name in positions}


def safe_link(path: Path, scratch: Path, suffix: str) -> Path:
    target = scratch / f"landing{suffix}"
    try:
        os.symlink(path.resolve(), target)
    except OSError:  # no symbolic links here: a copy does the same
        shutil.copyfile(path, target)
    return target


def type_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    name: str,
    names: list[str],
    spec: TableSpec,
    headers: dict[str, str],
    scratch: Path,
) -> tuple[int, list[tuple]]:
    """Reads and types the file in one scan into temp table ``_typed`` (row k = record k);
    returns its independent record count and its unreadable records."""
    con.execute(f"drop table if exists {TYPED}")
    if is_csv(path):
        records, unreadable = _type_csv(con, path, name, names, spec, headers, scratch)
    else:
        readable = safe_link(path, scratch, ".parquet")
        try:
            records = pq.ParquetFile(path).metadata.num_rows
        except (pa.ArrowException, OSError, ValueError):
            raise LandingError(f"{name}: cannot be read as Parquet") from None
        reader = f"read_parquet({literal(str(readable))})"
        engine_types = [row[1] for row in con.execute(f"describe select * from {reader}").fetchall()]
        # Renamed by position, as CSV columns are: the file's names may be any text.
        renamed = ", ".join(f"{quote(column)} as c{i}" for i, column in enumerate(names))
        _create_typed(con, spec, headers, names, engine_types, f"(select {renamed} from {reader})")
        unreadable = []
    typed = con.execute(f"select count(*) from {TYPED}").fetchone()[0]
    if typed != records:  # never balanced by losing rows: a disagreement stops the file
        raise LandingError(f"{name}: {records} records counted but {typed} read; the file was not loaded")
    return records, unreadable


def _type_csv(con, path, name, names, spec, headers, scratch) -> tuple[int, list[tuple]]:
    """Types a CSV file into ``_typed`` while the independent scan counts its records.

    The engine types the file as it is while the scan runs in another thread (the engine
    leaves a core partly idle): almost every file is readable as it is. When the scan
    finds records the engine must not read, that typing is discarded (its failure too)
    and the engine types the repaired copy instead, as it would have without the overlap.
    """
    original = _csv_relation(safe_link(path, scratch, ".csv"), names)
    engine_types = ["VARCHAR"] * len(names)
    with ThreadPoolExecutor(max_workers=1) as pool:
        scanning = pool.submit(scan_csv, path, name)
        try:
            _create_typed(con, spec, headers, names, engine_types, original)
            failure = None
        except duckdb.Error as error:
            failure = error
        try:
            scan = scanning.result()
        except LandingError:
            con.execute(f"drop table if exists {TYPED}")  # the file is refused: free the typed rows
            raise
    if scan.engine_can_read_original:
        if failure is not None:
            raise failure
    else:
        con.execute(f"drop table if exists {TYPED}")
        readable = scratch / "repaired.csv"
        write_readable_copy(path, scan, readable)
        _create_typed(con, spec, headers, names, engine_types, _csv_relation(readable, names))
    return scan.records, [unreadable_row(path, bad) for bad in scan.bad]


def _csv_relation(readable: Path, names: list[str]) -> str:
    # Not strict: the scan has blanked every record that breaks the dialect, and strict
    # reading would refuse a file whose lines end in LF and CRLF alike.
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names))) + "}"
    return f"""read_csv({literal(str(readable))},
            columns = {columns}, header = false, skip = 1, auto_detect = false,
            delim = ',', quote = '"', escape = '"', comment = '', encoding = 'utf-8',
            strict_mode = false, null_padding = false, max_line_size = {4 * MAX_RECORD_BYTES})"""


def _create_typed(con, spec, headers, names, engine_types, relation: str) -> None:
    sources = {known: Source(column, engine_types[int(column[1:])]) for known, column in headers.items()}
    texts = {column: Source(f"c{i}", engine_types[i]).text_sql for i, column in enumerate(names)}
    con.execute(f"create temp table {TYPED} as {typed_rows(spec, sources, texts, relation)}")


def unreadable_row(path: Path, bad: BadRecord) -> tuple:
    return (bad.record, bad.line, bad.reason, bad.detail, excerpt(path, bad))


def unreadable_rows(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """Temp table ``_unreadable``: the records the CSV reading could not use."""
    unreadable = pa.table(
        {
            "_row_number": pa.array([r[0] for r in rows], pa.int64()),
            "line": pa.array([r[1] for r in rows], pa.int64()),
            "reason": pa.array([r[2] for r in rows], pa.string()),
            "detail": pa.array([r[3] for r in rows], pa.string()),
            "excerpt": pa.array([r[4] for r in rows], pa.string()),
        }
    )
    temp_table_from_arrow(con, "_unreadable", unreadable)
