"""The ``raw`` schema's bookkeeping: load history, file versions and superseded records.

A landing file is identified by its path relative to the landing folder, its
content by its SHA-256. Rows that a newer version replaces are moved, never
deleted, to ``raw.<table>_superseded`` (and their quarantine rows to
``raw.quarantine_superseded``), so ``raw.<table>`` holds current rows only and
the dbt sources need no filter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb

from orchestration.ingest.landing_spec import SQL_TYPES, TABLES, TableSpec
from orchestration.ingest.landing_sql import literal, quote

RAW_SCHEMA = "raw"
LOADED, DUPLICATE, STILL_BEING_WRITTEN = "loaded", "duplicate", "still_being_written"


@dataclass(frozen=True)
class FileLoad:
    """What happened to one landing file in one run (a row of ``raw.load_history``)."""

    table: str
    path: str
    sha256: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    duplicate_of: str | None = None
    status: str = LOADED
    replaces: str | None = None  # load id of this path's earlier version, now superseded
    rows_superseded: int = 0  # earlier records with a natural key this file sent again

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined


HISTORY_COLUMNS = """load_id varchar, run_id varchar, table_name varchar, source_file varchar,
    file_sha256 varchar, file_bytes bigint, rows_read bigint, rows_loaded bigint,
    rows_quarantined bigint, duplicate_of varchar, loaded_at timestamp"""
# Added later; appended so that readers of the first columns are unaffected.
HISTORY_ADDED = {
    "status": "varchar",
    "replaces": "varchar",
    "superseded_by": "varchar",
    "rows_superseded": "bigint",
    "file_mtime_ns": "bigint",
    # The engine whose tables hold a loaded version's rows (null: DuckDB's raw tables).
    "rows_held_by": "varchar",
}
QUARANTINE_COLUMNS = """load_id varchar, run_id varchar, table_name varchar, source_file varchar,
    file_sha256 varchar, row_number bigint, column_name varchar, reason varchar, raw_row varchar"""
SUPERSEDED_COLUMNS = "_superseded_by varchar, _superseded_reason varchar, _superseded_at timestamp"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for spec in TABLES.values():
        ensure_raw_table(con, spec)
    con.execute(f"create table if not exists {RAW_SCHEMA}.quarantine ({QUARANTINE_COLUMNS})")
    audit = f"{QUARANTINE_COLUMNS}, {SUPERSEDED_COLUMNS}"
    con.execute(f"create table if not exists {RAW_SCHEMA}.quarantine_superseded ({audit})")
    con.execute(f"create table if not exists {RAW_SCHEMA}.load_history ({HISTORY_COLUMNS})")
    for name, kind in HISTORY_ADDED.items():
        con.execute(f"alter table {RAW_SCHEMA}.load_history add column if not exists {name} {kind}")
    # Histories written before statuses existed: a file without duplicate_of was loaded.
    con.execute(
        f"""update {RAW_SCHEMA}.load_history
            set status = case when duplicate_of is null then '{LOADED}' else '{DUPLICATE}' end,
                rows_superseded = coalesce(rows_superseded, 0)
            where status is null"""
    )


def ensure_raw_table(con: duckdb.DuckDBPyConnection, spec: TableSpec) -> None:
    """``raw.<table>`` (typed columns and lineage) and its ``_superseded`` audit twin."""
    columns = ", ".join(f"{quote(c.name)} {SQL_TYPES[c.kind]}" for c in spec.columns)
    lineage = "_source_file varchar, _source_row bigint, _load_id varchar"
    con.execute(f"create table if not exists {RAW_SCHEMA}.{spec.name} ({columns}, {lineage})")
    con.execute(
        f"create table if not exists {RAW_SCHEMA}.{spec.name}_superseded "
        f"({columns}, {lineage}, {SUPERSEDED_COLUMNS})"
    )


@contextmanager
def engine_settings(con: duckdb.DuckDBPyConnection, **settings: str) -> Iterator[None]:
    """DuckDB ``settings`` for the statements inside; the earlier values come back after.

    Most settings are the database's, not the connection's: the loader may tune its own
    statements but must leave the warehouse as it found it.
    """
    names = list(settings)
    earlier = con.execute(
        "select " + ", ".join(f"current_setting({literal(n)})::varchar" for n in names)
    ).fetchone()
    try:
        _set(con, settings)
        yield
    except BaseException:
        try:
            _set(con, dict(zip(names, earlier, strict=True)))
        except duckdb.Error:
            pass  # the first failure is the one to report
        raise
    _set(con, dict(zip(names, earlier, strict=True)))


def _set(con: duckdb.DuckDBPyConnection, settings: dict[str, str]) -> None:
    for name, value in settings.items():
        con.execute(f"set {name} = {literal(value)}")


def _version_in_use(con: duckdb.DuckDBPyConnection, table: str, path: str) -> tuple | None:
    """(load id, sha256, bytes, modification time) of the version of ``path`` in use."""
    return con.execute(
        f"""select load_id, file_sha256, file_bytes, file_mtime_ns from {RAW_SCHEMA}.load_history
            where table_name = ? and source_file = ? and status = '{LOADED}' and superseded_by is null
            order by loaded_at desc limit 1""",
        [table, path],
    ).fetchone()


def current_version(con: duckdb.DuckDBPyConnection, table: str, path: str) -> tuple[str, str] | None:
    """(load id, sha256) of the version of ``path`` whose rows are in use, if any."""
    row = _version_in_use(con, table, path)
    return (row[0], row[1]) if row else None


def unchanged_content(
    con: duckdb.DuckDBPyConnection, table: str, path: str, size: int, mtime_ns: int
) -> str | None:
    """The sha256 of the version of ``path`` in use when the file still has the size and
    modification time it had when that version was loaded: the same file, not hashed again
    (the rule make and rsync follow, and the landing sensor's)."""
    row = _version_in_use(con, table, path)
    return row[1] if row is not None and (row[2], row[3]) == (size, mtime_ns) else None


def loaded_under(con: duckdb.DuckDBPyConnection, table: str, sha256: str) -> str | None:
    """The path under which this content is in use in this table, if any."""
    row = con.execute(
        f"""select source_file from {RAW_SCHEMA}.load_history
            where table_name = ? and file_sha256 = ? and status = '{LOADED}' and superseded_by is null
            order by loaded_at limit 1""",
        [table, sha256],
    ).fetchone()
    return row[0] if row else None


def loaded_before(con: duckdb.DuckDBPyConnection, table: str, sha256: str) -> str | None:
    """The path under which this content was first loaded in this table, in use or since
    replaced: bytes once loaded are never loaded again as something new (a stale copy)."""
    row = con.execute(
        f"""select source_file from {RAW_SCHEMA}.load_history
            where table_name = ? and file_sha256 = ? and status = '{LOADED}'
            order by loaded_at, load_id limit 1""",
        [table, sha256],
    ).fetchone()
    return row[0] if row else None


def _move(con: duckdb.DuckDBPyConnection, table: str, where: str, params: list, by: str, reason: str) -> int:
    """Moves the rows of ``raw.<table>`` matching ``where`` to its superseded table."""
    target = f"{RAW_SCHEMA}.{table}_superseded"
    source = f"{RAW_SCHEMA}.{table}"
    moved = con.execute(
        f"insert into {target} select s.*, ?, ?, now() from {source} s where {where}", [by, reason, *params]
    ).fetchone()[0]
    deleted = con.execute(f"delete from {source} s where {where}", params).fetchone()[0]
    if moved != deleted:  # both statements see the same rows inside the transaction
        raise RuntimeError(f"superseding rows of {table}: moved {moved}, removed {deleted}")
    return int(moved)


def supersede_version(con: duckdb.DuckDBPyConnection, spec: TableSpec, old_load: str, new_load: str) -> None:
    """A path re-sent with other content: its earlier rows and quarantine are kept for audit only."""
    for table in spec.raw_tables:
        _move(con, table, "s._load_id = ?", [old_load], new_load, "file_replaced")
    supersede_books(con, old_load, new_load)


def supersede_books(con: duckdb.DuckDBPyConnection, old_load: str, new_load: str) -> None:
    """A replaced version's quarantine and history row, wherever its rows are held."""
    _move(con, "quarantine", "s.load_id = ?", [old_load], new_load, "file_replaced")
    con.execute(
        f"update {RAW_SCHEMA}.load_history set superseded_by = ? where load_id = ?", [new_load, old_load]
    )


def supersede_records(con: duckdb.DuckDBPyConnection, spec: TableSpec, new_load: str) -> int:
    """Earlier records with a natural key this load sent again: the latest loaded wins."""
    if not spec.natural_key:
        return 0
    table = f"{RAW_SCHEMA}.{spec.name}"
    earlier = con.execute(f"select exists (select 1 from {table} where _load_id <> ?)", [new_load])
    if not earlier.fetchone()[0]:
        return 0  # the first rows of the table: nothing earlier to supersede
    keys = ", ".join(quote(k) for k in spec.natural_key)
    # The earlier rows are found once (one join), then moved by row id.
    con.execute("drop table if exists _superseded_rows")
    con.execute(
        f"""create temp table _superseded_rows as
            select s.rowid as _row from {table} s
            semi join (select {keys} from {table} where _load_id = ?) n using ({keys})
            where s._load_id <> ?""",
        [new_load, new_load],
    )
    try:
        found = "s.rowid in (select _row from _superseded_rows)"
        return _move(con, spec.name, found, [], new_load, "same_natural_key")
    finally:
        con.execute("drop table _superseded_rows")


def record(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    run_id: str,
    load: FileLoad,
    size: int,
    mtime_ns: int | None = None,
    held_by: str | None = None,
) -> None:
    """One history row; a loaded version keeps its file's modification time (unchanged_content)
    and, when another engine than DuckDB holds its rows, that engine's name."""
    con.execute(
        f"""insert into {RAW_SCHEMA}.load_history
            (load_id, run_id, table_name, source_file, file_sha256, file_bytes, rows_read, rows_loaded,
             rows_quarantined, duplicate_of, loaded_at, status, replaces, rows_superseded, file_mtime_ns,
             rows_held_by)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?)""",
        [
            load_id, run_id, load.table, load.path, load.sha256, size, load.rows_read, load.rows_loaded,
            load.rows_quarantined, load.duplicate_of, load.status, load.replaces, load.rows_superseded,
            mtime_ns, held_by,
        ],
    )  # fmt: skip


def versions_in_use(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str | None]]:
    """(load id, engine holding its rows) of every loaded version of ``table`` in use."""
    return con.execute(
        f"""select load_id, rows_held_by from {RAW_SCHEMA}.load_history
            where table_name = ? and status = '{LOADED}' and superseded_by is null order by loaded_at""",
        [table],
    ).fetchall()


def superseded_counts(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    """Per table: files replaced by a newer version and records superseded by a newer one
    with the same natural key (for the run's data-quality report)."""
    rows = con.execute(
        f"""select table_name, count(*) filter (superseded_by is not null),
                   coalesce(sum(rows_superseded), 0)
            from {RAW_SCHEMA}.load_history group by all order by 1"""
    ).fetchall()
    return {t: {"files_replaced": int(f), "records_superseded": int(r)} for t, f, r in rows}
