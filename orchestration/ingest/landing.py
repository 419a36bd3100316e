"""Loading landing files into typed ``raw`` tables, losing nothing.

Every file is read by DuckDB's own CSV/Parquet readers as text, validated in
one SQL pass, and split into ``raw.<table>`` (usable rows) and
``raw.quarantine`` (every other row, with a reason). ``raw.load_history``
keeps one row per file and run, so that for every file
``rows_read = rows_loaded + rows_quarantined`` can be checked at any time.

This module knows nothing about Dagster: the assets in ``ingest`` call it,
and tests call it directly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

SUPPORTED_SUFFIXES = (".csv", ".parquet")
RAW_SCHEMA = "raw"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | date | integer | decimal
    required: bool = False


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    # Extra, table-specific rules: (reason, column, SQL condition that makes a row unusable).
    # They run after the generic ones, so they may assume the typed values parse.
    rules: tuple[tuple[str, str, str], ...] = field(default=())

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _numbered(prefix: str, count: int, kind: str = "text") -> tuple[Column, ...]:
    return tuple(Column(f"{prefix}_{i}", kind) for i in range(1, count + 1))


# Column names are those of the Tuva Project input layer (data contract).
MEDICAL_CLAIM = TableSpec(
    name="medical_claim",
    columns=(
        Column("claim_id", required=True),
        Column("claim_line_number", "integer", required=True),
        Column("claim_type"),
        Column("person_id", required=True),
        Column("member_id"),
        Column("payer", required=True),
        Column("plan"),
        Column("claim_line_start_date", "date", required=True),
        Column("claim_line_end_date", "date"),
        Column("place_of_service_code"),
        Column("hcpcs_code"),
        *_numbered("hcpcs_modifier", 5),
        Column("rendering_npi"),
        Column("rendering_tin"),
        Column("diagnosis_code_type"),
        *_numbered("diagnosis_code", 25),
        Column("procedure_code_type"),
        *_numbered("procedure_code", 25),
        *_numbered("procedure_date", 25, "date"),
        Column("data_source"),
    ),
)

ELIGIBILITY = TableSpec(
    name="eligibility",
    columns=(
        Column("person_id", required=True),
        Column("member_id"),
        Column("gender"),
        Column("birth_date", "date", required=True),
        Column("payer"),
        Column("plan"),
        Column("enrollment_start_date", "date"),
        Column("enrollment_end_date", "date"),
        Column("data_source"),
    ),
)

PAIN_SCORE = TableSpec(
    name="pain_score",
    columns=(
        Column("assessment_id"),
        Column("person_id", required=True),
        Column("assessment_date", "date", required=True),
        Column("body_site", required=True),
        Column("instrument", required=True),
        Column("score", "decimal", required=True),
        Column("scale_max", "integer", required=True),
        Column("data_source"),
    ),
    # Contract: unknown instrument, body site or scale, an NRS on 0-100 and a
    # score outside 0..scale_max never reach a pair.
    rules=(
        ("unknown_body_site", "body_site", "lower(body_site) not in ('back', 'leg')"),
        ("unknown_instrument", "instrument", "upper(instrument) not in ('NRS', 'VAS')"),
        ("unknown_scale", "scale_max", "scale_max not in (10, 100)"),
        ("nrs_scale_mismatch", "scale_max", "upper(instrument) = 'NRS' and scale_max <> 10"),
        ("score_out_of_range", "score", "score < 0 or score > scale_max"),
    ),
)

TABLES: dict[str, TableSpec] = {t.name: t for t in (MEDICAL_CLAIM, ELIGIBILITY, PAIN_SCORE)}

# DuckDB types of the raw tables. Scores stay DECIMAL: the measure's arithmetic is exact.
SQL_TYPES = {"text": "varchar", "date": "date", "integer": "integer", "decimal": "decimal(18, 6)"}


class LandingError(Exception):
    """A landing file (or folder) that cannot be used at all; the message names it."""


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

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined


def landing_files(landing_dir: Path, table: str) -> list[Path]:
    """The files of one landing table, in name order; anything else there is an error."""
    folder = landing_dir / table
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    unusable = [p for p in files if p.suffix.lower() not in SUPPORTED_SUFFIXES]
    if unusable:
        names = ", ".join(str(p) for p in unusable)
        raise LandingError(f"{names}: not a CSV or Parquet file (expected *.csv or *.parquet)")
    return files


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for spec in TABLES.values():
        columns = ", ".join(f"{quote(c.name)} {SQL_TYPES[c.kind]}" for c in spec.columns)
        con.execute(
            f"create table if not exists {RAW_SCHEMA}.{spec.name} ({columns}, "
            "_source_file varchar, _source_row bigint, _load_id varchar)"
        )
    con.execute(
        f"""
        create table if not exists {RAW_SCHEMA}.quarantine (
            load_id varchar, run_id varchar, table_name varchar, source_file varchar,
            file_sha256 varchar, row_number bigint, column_name varchar, reason varchar,
            raw_row varchar
        )"""
    )
    con.execute(
        f"""
        create table if not exists {RAW_SCHEMA}.load_history (
            load_id varchar, run_id varchar, table_name varchar, source_file varchar,
            file_sha256 varchar, file_bytes bigint, rows_read bigint, rows_loaded bigint,
            rows_quarantined bigint, duplicate_of varchar, loaded_at timestamp
        )"""
    )


def _stage_file(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Reads a file as all-text into temp table ``_staged`` (rejects into ``_rejects``)."""
    con.execute("drop table if exists _staged")
    con.execute("drop table if exists _rejects")
    con.execute("drop table if exists _reject_scans")
    source = literal(str(path))
    try:
        if path.suffix.lower() == ".csv":
            # Rows with the wrong number of fields are not an error of the file: DuckDB
            # stores them as rejects, which become quarantine rows.
            con.execute(
                f"""create temp table _staged as select * from read_csv({source},
                    all_varchar = true, header = true, delim = ',', quote = '"',
                    escape = '"', store_rejects = true, rejects_table = '_rejects',
                    rejects_scan = '_reject_scans')"""
            )
        else:
            described = con.execute(f"describe select * from read_parquet({source})").fetchall()
            as_text = ", ".join(f"cast({quote(r[0])} as varchar) as {quote(r[0])}" for r in described)
            con.execute(f"create temp table _staged as select {as_text} from read_parquet({source})")
    except duckdb.Error as error:
        raise LandingError(f"{path}: cannot be read as {path.suffix[1:].upper()}: {error}") from error


def _header_map(con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec) -> dict[str, str]:
    """Maps each known column to the file's own header (any order, any case)."""
    headers = [r[0] for r in con.execute("describe _staged").fetchall()]
    by_key = {h.strip().lstrip("\ufeff").lower(): h for h in headers}
    missing = [c for c in spec.required if c not in by_key]
    if missing:
        raise LandingError(f"{path}: missing required column(s) {', '.join(missing)} for table {spec.name}")
    return {c.name: by_key[c.name] for c in spec.columns if c.name in by_key}


def _text(source: str | None) -> str:
    return f"nullif(trim({quote(source)}), '')" if source else "cast(null as varchar)"


def _typed(column: Column, source: str | None) -> str:
    text = _text(source)
    if column.kind == "text":
        return text
    if column.kind == "date":
        # ISO 8601 date, or a timestamp whose date part is used (data contract). Plain
        # string tests rather than a regular expression: this runs on every row.
        return (
            f"case when length({text}) >= 10 and substr({text}, 5, 1) = '-' and substr({text}, 8, 1) = '-' "
            f"and (length({text}) = 10 or substr({text}, 11, 1) in ('T', ' ')) "
            f"then try_cast(substr({text}, 1, 10) as date) end"
        )
    return f"try_cast({text} as {SQL_TYPES[column.kind]})"


def _problem(reason: str, column: str) -> str:
    return f"{{'reason': {literal(reason)}, 'column': {literal(column)}}}"


def _problem_case(spec: TableSpec) -> str:
    """The first reason a typed row is unusable, as {reason, column}; null when usable.

    Order matters only for which reason is reported: missing values first, then
    values that do not parse, then the table's own rules (which assume parsed values).
    """
    branches = [
        f"when {_text_alias(c)} is null then {_problem('missing_required_value', c.name)}"
        for c in spec.columns
        if c.required
    ]
    branches += [
        f"when {_text_alias(c)} is not null and {quote(c.name)} is null then "
        f"{_problem('unparseable_date' if c.kind == 'date' else 'unparseable_number', c.name)}"
        for c in spec.columns
        if c.kind != "text"
    ]
    branches += [f"when {cond} then {_problem(r, col)}" for r, col, cond in spec.rules]
    return "case " + " ".join(branches) + " end"


def _text_alias(column: Column) -> str:
    return quote(column.name if column.kind == "text" else f"_text_{column.name}")


def _typed_select(spec: TableSpec, headers: dict[str, str], with_text: bool) -> str:
    """``_staged`` with its known columns typed, numbered by position in the file.

    Only the columns the file has are typed: absent optional columns stay null in raw.
    """
    present = [c for c in spec.columns if c.name in headers]
    projections = [f"{_typed(c, headers[c.name])} as {quote(c.name)}" for c in present]
    if with_text:
        projections += [f"{_text(headers[c.name])} as {_text_alias(c)}" for c in present if c.kind != "text"]
    return f"select rowid + 1 as _row_number, {', '.join(projections)} from _staged"


def _find_problems(con: duckdb.DuckDBPyConnection, spec: TableSpec, headers: dict[str, str]) -> None:
    """Temp table ``_problems``: the number and first problem of every unusable row.

    Only the (few) unusable rows are kept; usable rows are typed again on insert,
    which is cheaper than materialising a typed copy of the whole file.
    """
    # Required columns are always present (_header_map), so the table's rules can run.
    checked = TableSpec(spec.name, tuple(c for c in spec.columns if c.name in headers), spec.rules)
    con.execute("drop table if exists _problems")
    con.execute(
        f"""create temp table _problems as
        select _row_number, {_problem_case(checked)} as _problem
        from ({_typed_select(spec, headers, with_text=True)})
        where _problem is not null"""
    )


def _already_loaded(con: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    row = con.execute(
        f"""select source_file from {RAW_SCHEMA}.load_history
            where file_sha256 = ? and duplicate_of is null order by loaded_at limit 1""",
        [sha256],
    ).fetchone()
    return row[0] if row else None


def _record(con: duckdb.DuckDBPyConnection, load_id: str, run_id: str, load: FileLoad, size: int) -> None:
    con.execute(
        f"insert into {RAW_SCHEMA}.load_history values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
        [
            load_id,
            run_id,
            load.table,
            load.path,
            load.sha256,
            size,
            load.rows_read,
            load.rows_loaded,
            load.rows_quarantined,
            load.duplicate_of,
        ],
    )


def load_file(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, spec: TableSpec, run_id: str
) -> FileLoad:
    """Loads one landing file (``name`` is its path relative to the landing folder).

    A file whose content was loaded before (same SHA-256) is recorded as a duplicate
    and not read again. Rows, quarantine and history of a file commit together.
    """
    sha256 = file_sha256(path)
    load_id = f"{run_id}:{sha256[:16]}"
    size = path.stat().st_size
    earlier = _already_loaded(con, sha256)
    if earlier is not None:
        load = FileLoad(spec.name, name, sha256, 0, 0, 0, duplicate_of=earlier)
        _record(con, load_id, run_id, load, size)
        return load

    _stage_file(con, path)
    headers = _header_map(con, path, spec)
    _find_problems(con, spec, headers)
    has_rejects = path.suffix.lower() == ".csv"
    columns = ", ".join(quote(c.name) for c in spec.columns if c.name in headers)
    lineage = [name, load_id]
    con.execute("begin transaction")
    try:
        con.execute(
            f"""insert into {RAW_SCHEMA}.{spec.name} ({columns}, _source_file, _source_row, _load_id)
                select {columns}, ?, _row_number, ?
                from ({_typed_select(spec, headers, with_text=False)})
                anti join _problems using (_row_number)""",
            lineage,
        )
        con.execute(
            f"""insert into {RAW_SCHEMA}.quarantine
                select ?, ?, ?, ?, ?, _row_number, _problem.column, _problem.reason,
                       to_json(_staged)
                from _problems join _staged on _staged.rowid + 1 = _problems._row_number""",
            [load_id, run_id, spec.name, name, sha256],
        )
        if has_rejects:
            # Structurally broken CSV rows (wrong number of fields). DuckDB reports one
            # reject per problem and the physical line (header = line 1): keep one per line.
            con.execute(
                f"""insert into {RAW_SCHEMA}.quarantine
                    select ?, ?, ?, ?, ?, line - 1, null, 'malformed_csv_row',
                           to_json({{'line': trim(any_value(csv_line), chr(10) || chr(13)),
                                     'error': min(error_message)}})
                    from _rejects group by line""",
                [load_id, run_id, spec.name, name, sha256],
            )
        loaded, problems = con.execute(
            "select (select count(*) from _staged) - count(*), count(*) from _problems"
        ).fetchone()
        rejects = con.execute("select count(distinct line) from _rejects").fetchone()[0] if has_rejects else 0
        load = FileLoad(
            spec.name,
            name,
            sha256,
            rows_read=loaded + problems + rejects,
            rows_loaded=loaded,
            rows_quarantined=problems + rejects,
        )
        _record(con, load_id, run_id, load, size)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return load


def load_table(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, spec: TableSpec, run_id: str
) -> list[FileLoad]:
    """Loads every file of one landing table; returns what happened to each."""
    ensure_raw_schema(con)
    return [
        load_file(con, path, path.relative_to(landing_dir).as_posix(), spec, run_id)
        for path in landing_files(landing_dir, spec.name)
    ]


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
        "rows_read": sum(f.rows_read for f in loads),
        "rows_loaded": sum(f.rows_loaded for f in loads),
        "rows_quarantined": sum(f.rows_quarantined for f in loads),
    }
