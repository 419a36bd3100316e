"""Loading landing files into typed ``raw`` tables, losing nothing.

One pass per file, in this order:

1. the file's identity (its path relative to the landing folder) and content
   (SHA-256), then its columns: a file with unusable columns fails here;
2. only then the duplicate lookup: content already in use in this table is a
   duplicate, content loaded before and since replaced a stale copy (a duplicate
   that changes nothing); a path re-sent with other content replaces its earlier
   version;
3. an independent, streaming count of the file's records (``landing_csv``, or the
   Parquet footer) that also names every record that cannot be read;
4. DuckDB reads the file under a safe name (never as a pattern) with the fixed
   dialect (Parquet in its own types) and, in the same scan, types every value
   strictly and names the first problem of each unusable row (``landing_sql``).
   Its row count must equal the independent count;
5. if the file changed while it was read, it waits for the next run; otherwise
   usable rows and quarantined rows (both from that one typed result),
   superseded versions and history commit together.

For every file ``rows_read = rows_loaded + rows_quarantined`` holds and is
recorded in ``raw.load_history``. This module knows nothing about Dagster: the
assets in ``ingest`` call it, and tests call it directly.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import duckdb

from orchestration.checksums import file_sha256
from orchestration.ingest.landing_files import (
    SUPPORTED_SUFFIXES,
    EngineFailure,
    file_state,
    landing_files,
    plain_error,
)
from orchestration.ingest.landing_read import header_map, read_columns, type_file, unreadable_rows
from orchestration.ingest.landing_spec import (
    ELIGIBILITY,
    MEDICAL_CLAIM,
    PAIN_SCORE,
    SQL_TYPES,
    TABLES,
    Column,
    LandingError,
    TableSpec,
)
from orchestration.ingest.landing_sql import TYPED, quote
from orchestration.ingest.landing_store import (
    DUPLICATE,
    RAW_SCHEMA,
    STILL_BEING_WRITTEN,
    FileLoad,
    current_version,
    engine_settings,
    ensure_raw_schema,
    loaded_before,
    loaded_under,
    record,
    supersede_records,
    supersede_version,
    superseded_counts,
    unchanged_content,
    versions_in_use,
)

# A commit whose changes exceed the WAL threshold checkpoints the whole database instead of
# writing the WAL, and with the default 16 MB every file above ~70k rows did so (each
# rewriting the table's last row group: 12 s of 55 s at 1M people). The WAL is as durable.
# Rows committed through the WAL stay in memory until the next checkpoint: at 1M people
# 256 MB is as fast as 1 GB with half the peak memory. The threshold comes back after the table.
BATCH_CHECKPOINT_THRESHOLD = "256MB"

__all__ = [
    "ELIGIBILITY", "MEDICAL_CLAIM", "PAIN_SCORE", "RAW_SCHEMA", "SQL_TYPES", "SUPPORTED_SUFFIXES", "TABLES",
    "Column", "FileLoad", "LandingError", "TableSpec", "ensure_raw_schema", "file_sha256", "landing_files",
    "load_file", "load_table", "quarantine_reasons", "summarize", "superseded_counts",
]  # fmt: skip


class DuckDBRows:
    """Rows typed by DuckDB's readers and stored in the DuckDB file's ``raw.<table>``.

    The loader's one pass asks its ``rows`` for the four steps that touch the rows
    themselves; everything else (identity, duplicates, the independent count, the
    quarantine and the history) is the same whatever engine holds them. The Spark
    engine's ``SparkRows`` (``engines.spark_rows``) types and stores in Spark.
    """

    held_by: str | None = None  # the engine recorded in raw.load_history.rows_held_by

    def type_file(self, con, path: Path, name: str, names, spec: TableSpec, headers, scratch: Path):
        """(independent record count, unreadable records); the typed rows wait in ``_typed``."""
        return type_file(con, path, name, names, spec, headers, scratch)

    def store(self, con, spec: TableSpec, headers: dict[str, str], lineage: list, facts: list) -> int:
        """Usable rows into ``raw.<table>``, problem rows into the quarantine; returns the latter's count."""
        columns = ", ".join(quote(c.name) for c in spec.columns if c.name in headers or c.derived)
        # Row k of _typed is record k; records the CSV reading could not use were blanked in
        # the engine's copy, so they are quarantined as unreadable, not by their blank values.
        numbered = (
            f"(select rowid + 1 as _row_number, * from {TYPED}) anti join _unreadable using (_row_number)"
        )
        # Stored rows carry their record number (_source_row): the engine need not keep their
        # order, which lets it write the file's rows in parallel (_typed's row ids are fixed).
        con.execute(
            f"""insert into {RAW_SCHEMA}.{spec.name} ({columns}, _source_file, _source_row, _load_id)
                select {columns}, ?, _row_number, ? from {numbered} where _problem is null""",
            lineage,
        )
        problems = con.execute(
            f"""insert into {RAW_SCHEMA}.quarantine
                select ?, ?, ?, ?, ?, _row_number, _problem.column, _problem.reason, _raw_row
                from {numbered} where _problem is not null""",
            facts,
        ).fetchone()[0]
        con.execute(f"drop table {TYPED}")  # its rows are stored: free the memory before the next file
        return problems

    def supersede_version(self, con, spec: TableSpec, old_load: str, new_load: str) -> None:
        supersede_version(con, spec, old_load, new_load)

    def supersede_records(self, con, spec: TableSpec, new_load: str) -> int:
        return supersede_records(con, spec, new_load)

    def begin_table(self, con, spec: TableSpec) -> None:
        """Before a table's files: its versions in use must be held here."""
        elsewhere = sorted({h for _, h in versions_in_use(con, spec.name) if h != self.held_by})
        if elsewhere:
            raise LandingError(
                f"raw.{spec.name}: its rows were loaded by the {', '.join(elsewhere)} engine; "
                "run with that engine, or with a new warehouse"
            )

    def settle(self, con) -> None:
        """After a file's transaction: nothing left to do when DuckDB holds the rows."""

    def end_table(self, con, spec: TableSpec) -> None:
        """After a table's files: nothing left to do when DuckDB holds the rows."""

    def table_rows(self, con, table: str) -> int:
        """Rows in use in ``raw.<table>``."""
        return con.execute(f"select count(*) from {RAW_SCHEMA}.{table}").fetchone()[0]


DUCKDB_ROWS = DuckDBRows()


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    name: str,
    spec: TableSpec,
    run_id: str,
    rows: DuckDBRows = DUCKDB_ROWS,
) -> FileLoad:
    """Loads one landing file (``name`` is its path relative to the landing folder).

    Every failure is a ``LandingError`` of one line naming the file, in our words:
    engine messages can quote rows, so none is passed on (nor chained).
    """
    load = plainly(name, _load_file, con, path, name, spec, run_id, rows)
    plainly(name, rows.settle, con)  # what the file's commit promised the rows' engine
    return load


def plainly(name: str, load: Callable[..., Any], *args: Any) -> Any:
    """``load(*args)``, its failures turned into one plain ``LandingError`` naming the file."""
    try:
        return load(*args)
    except LandingError as error:
        failure = error
    except (OSError, duckdb.Error, EngineFailure) as error:
        failure = LandingError(f"{name}: {plain_error(error)}")
    raise without_context(failure)


def without_context(failure: LandingError) -> LandingError:
    """The error without the exceptions met on the way (decoder or engine text can quote rows)."""
    failure.__cause__ = failure.__context__ = None
    failure.__suppress_context__ = True
    return failure


def _load_file(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, spec: TableSpec, run_id: str, rows: DuckDBRows
) -> FileLoad:
    before = file_state(path, name)
    sha256 = unchanged_content(con, spec.name, name, before.size, before.mtime_ns) or file_sha256(path)
    load_id = load_id_for(run_id, sha256, name)
    try:
        names = read_columns(path, name)
        headers = header_map(names, name, spec)  # the column check comes before any lookup
    except LandingError:
        if file_state(path, name) != before:  # a half-written header is no verdict on the file
            return still_being_written(con, load_id, run_id, spec, name, sha256, before.size)
        raise
    known, current = known_content(con, load_id, run_id, spec, name, sha256, before.size, rows)
    if known is not None:
        return known

    try:
        with tempfile.TemporaryDirectory(prefix="g2139-landing-") as scratch:
            rows_read, unreadable = rows.type_file(con, path, name, names, spec, headers, Path(scratch))
    except LandingError:
        if file_state(path, name) == before:
            raise
    if file_state(path, name) != before:
        return still_being_written(con, load_id, run_id, spec, name, sha256, before.size)
    unreadable_rows(con, unreadable)
    with engine_settings(con, preserve_insertion_order="false"), transaction(con):
        facts = [load_id, run_id, spec.name, name, sha256]
        problems = rows.store(con, spec, headers, [name, load_id], facts)
        con.execute(
            f"""insert into {RAW_SCHEMA}.quarantine
                select ?, ?, ?, ?, ?, _row_number, null, reason,
                       to_json({{'line': line, 'problem': detail, 'excerpt': excerpt}})
                from _unreadable""",
            facts,
        )
        rejected = len(unreadable)
        if current is not None:
            rows.supersede_version(con, spec, current[0], load_id)
        load = FileLoad(
            spec.name,
            name,
            sha256,
            rows_read=rows_read,
            rows_loaded=rows_read - problems - rejected,
            rows_quarantined=problems + rejected,
            replaces=current[0] if current else None,
            rows_superseded=rows.supersede_records(con, spec, load_id),
        )
        record(con, load_id, run_id, load, before.size, before.mtime_ns, rows.held_by)
    return load


def load_id_for(run_id: str, sha256: str, name: str) -> str:
    return f"{run_id}:{sha256[:16]}:{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def known_content(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    run_id: str,
    spec: TableSpec,
    name: str,
    sha256: str,
    size: int,
    rows: DuckDBRows = DUCKDB_ROWS,
) -> tuple[FileLoad | None, tuple[str, str] | None]:
    """The duplicate lookup: (the duplicate's load when the content is known, the path's current version).

    Content already in use under this path, or under another path of the table, is a
    duplicate; in the second case the path's own earlier version is replaced by it.
    Content loaded before and since replaced is a stale copy: a duplicate of the path it was
    first loaded under that changes nothing (an older copy never undoes a correction).
    """
    current = current_version(con, spec.name, name)
    if current is not None and current[1] == sha256:
        return _duplicate(con, load_id, run_id, spec, name, sha256, size, name), current
    earlier = loaded_under(con, spec.name, sha256)
    if earlier is not None:
        with transaction(con):
            if current is not None:
                rows.supersede_version(con, spec, current[0], load_id)
            return _duplicate(con, load_id, run_id, spec, name, sha256, size, earlier, current), current
    stale = loaded_before(con, spec.name, sha256)
    if stale is not None:
        return _duplicate(con, load_id, run_id, spec, name, sha256, size, stale), current
    return None, current


def still_being_written(con, load_id, run_id, spec, name, sha256, size) -> FileLoad:
    """A file that changed while it was read: recorded, not loaded; the next run takes it."""
    load = FileLoad(spec.name, name, sha256, 0, 0, 0, status=STILL_BEING_WRITTEN)
    record(con, load_id, run_id, load, size)
    return load


def _duplicate(con, load_id, run_id, spec, name, sha256, size, earlier, current=None) -> FileLoad:
    load = FileLoad(
        spec.name, name, sha256, 0, 0, 0, duplicate_of=earlier, status=DUPLICATE,
        replaces=current[0] if current else None,
    )  # fmt: skip
    record(con, load_id, run_id, load, size)
    return load


class transaction:
    """Commits on success; on failure rolls back without masking the failure.

    After some failures (a full disk at commit) DuckDB has already ended the
    transaction and ``rollback`` raises its own error: the first error is the one
    the user can act on, so a failing rollback is not reported.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __enter__(self) -> None:
        self.con.execute("begin transaction")

    def __exit__(self, kind, error, traceback) -> bool:
        if kind is None:
            self.con.execute("commit")
            return False
        try:
            self.con.execute("rollback")
        except duckdb.Error:
            pass  # no transaction is active any more: nothing to undo
        return False


def load_table(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    spec: TableSpec,
    run_id: str,
    rows: DuckDBRows = DUCKDB_ROWS,
    on_file: Callable[[FileLoad], Any] | None = None,
) -> list[FileLoad]:
    """Loads every file of one landing table (found recursively); returns what happened to each
    (and tells `on_file` as each one is done)."""
    ensure_raw_schema(con)
    try:
        rows.begin_table(con, spec)
        files = landing_files(landing_dir, spec.name)
    except LandingError as error:
        failure = error
    else:
        # In UTC: a Parquet timestamp with a time zone is a day of UTC, whatever the host's zone.
        with engine_settings(con, checkpoint_threshold=BATCH_CHECKPOINT_THRESHOLD, TimeZone="UTC"):
            loads = []
            for path in files:
                name = path.relative_to(landing_dir).as_posix()
                loads.append(load_file(con, path, name, spec, run_id, rows))
                if on_file is not None:
                    on_file(loads[-1])
            plainly(f"raw.{spec.name}", rows.end_table, con, spec)
            return loads
    raise without_context(failure)


def quarantine_reasons(con: duckdb.DuckDBPyConnection, run_id: str, table: str) -> dict[str, int]:
    """Quarantined rows of one table in one run, by ``reason:column``."""
    rows = con.execute(
        f"""select reason || coalesce(':' || column_name, ''), count(*)
            from {RAW_SCHEMA}.quarantine where run_id = ? and table_name = ?
            group by all order by 1""",
        [run_id, table],
    ).fetchall()
    return dict(rows)


def summarize(loads: Iterable[FileLoad]) -> dict[str, int]:
    loads = list(loads)
    return {
        "files": len(loads),
        "files_duplicate": sum(1 for f in loads if f.duplicate_of),
        "files_replacing": sum(1 for f in loads if f.replaces),
        "files_still_being_written": sum(1 for f in loads if f.status == STILL_BEING_WRITTEN),
        "rows_read": sum(f.rows_read for f in loads),
        "rows_loaded": sum(f.rows_loaded for f in loads),
        "rows_quarantined": sum(f.rows_quarantined for f in loads),
        "rows_superseded": sum(f.rows_superseded for f in loads),
    }
