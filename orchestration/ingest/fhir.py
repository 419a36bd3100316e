"""Loading FHIR NDJSON files (``<landing>/fhir/**/*.ndjson``) into typed ``raw`` tables.

A Bulk-FHIR export holds one resource per line. Every non-blank line is a record
with every promise of the other landing tables (``landing``): the file's identity
by path and SHA-256, duplicates loaded once, a re-sent path replacing its earlier
version, a later version of the same resource (its ``id``) superseding an earlier
one, each unusable line quarantined with its reason, ``rows_read = rows_loaded +
rows_quarantined`` per file in ``raw.load_history`` (table ``fhir``), and failures
in plain words that never quote a line.

Pain observations go to ``raw.fhir_observation``, patients' birth dates to
``raw.fhir_patient`` (mapping: ``fhir_sql``). DuckDB's JSON reader parses the file
(read under a safe name, never as a pattern); ``fhir_lines`` counts its records
independently and gives each one its line number.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.ingest.fhir_lines import LineScan, excerpt, scan_lines
from orchestration.ingest.fhir_sql import (
    FHIR,
    FHIR_OBSERVATION,
    FHIR_PATIENT,
    parsed_resources,
    typed_resources,
)
from orchestration.ingest.landing import (
    file_sha256,
    known_content,
    load_id_for,
    plainly,
    still_being_written,
    transaction,
    without_context,
)
from orchestration.ingest.landing_files import file_state, landing_files
from orchestration.ingest.landing_read import safe_link
from orchestration.ingest.landing_spec import LandingError
from orchestration.ingest.landing_sql import literal, quote, temp_table_from_arrow
from orchestration.ingest.landing_store import (
    RAW_SCHEMA,
    FileLoad,
    ensure_raw_schema,
    ensure_raw_table,
    record,
    supersede_records,
    supersede_version,
    unchanged_content,
)
from orchestration.resources import DBT_PROJECT_DIR

FHIR_SUFFIXES = FHIR.suffixes
TEMP_TABLES = ("_fhir_staged", "_fhir_lines", "_fhir_parsed", "_fhir_typed")
MAX_LINE_BYTES = 16 << 20  # a longer line is not read by the engine: the file fails, named

# The typed resource's values, in the order of FHIR_OBSERVATION's columns.
OBSERVATION_COLUMNS = (
    "id, person_id, assessment_date, status, loinc_code, instrument, unit, scale_max, score, "
    "body_site_code, body_site_text"
)

__all__ = ["FHIR", "FHIR_OBSERVATION", "FHIR_PATIENT", "body_site_seed", "load_fhir", "load_fhir_file"]


def body_site_seed(project_dir: Path = DBT_PROJECT_DIR) -> dict[str, dict[str, str]]:
    """Seed ``fhir_body_site`` as {kind: {code or lower-case text: body site}}."""
    sites: dict[str, dict[str, str]] = {}
    with (project_dir / "seeds" / "fhir_body_site.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            value = row["code"].strip().lower() if row["kind"] == "text" else row["code"].strip()
            sites.setdefault(row["kind"].strip(), {})[value] = row["body_site"].strip()
    return sites


def ensure_fhir_tables(con: duckdb.DuckDBPyConnection) -> None:
    ensure_raw_schema(con)
    ensure_raw_table(con, FHIR_OBSERVATION)
    ensure_raw_table(con, FHIR_PATIENT)


def load_fhir(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, run_id: str, body_sites: dict | None = None
) -> list[FileLoad]:
    """Loads every ``*.ndjson`` file under ``<landing>/fhir`` (recursively); returns what happened to each."""
    ensure_fhir_tables(con)
    sites = body_site_seed() if body_sites is None else body_sites
    try:
        files = landing_files(landing_dir, FHIR.name, FHIR_SUFFIXES)
    except LandingError as error:
        raise without_context(error) from None
    return [load_fhir_file(con, p, p.relative_to(landing_dir).as_posix(), run_id, sites) for p in files]


def load_fhir_file(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, run_id: str, body_sites: dict
) -> FileLoad:
    """Loads one NDJSON file (``name``: its path relative to the landing folder)."""
    ensure_fhir_tables(con)
    try:
        return plainly(name, _load, con, path, name, run_id, body_sites)
    finally:  # a file's staged copy can be large: it does not outlive its load
        for table in TEMP_TABLES:
            con.execute(f"drop table if exists {table}")


def _load(con: duckdb.DuckDBPyConnection, path: Path, name: str, run_id: str, body_sites: dict) -> FileLoad:
    before = file_state(path, name)
    sha256 = unchanged_content(con, FHIR.name, name, before.size, before.mtime_ns) or file_sha256(path)
    load_id = load_id_for(run_id, sha256, name)
    known, current = known_content(con, load_id, run_id, FHIR, name, sha256, before.size)
    if known is not None:
        return known
    scan = scan_lines(path)
    with tempfile.TemporaryDirectory(prefix="g2139-fhir-") as scratch:
        _stage(con, safe_link(path, Path(scratch), ".ndjson"), name, scan)
    if file_state(path, name) != before:
        return still_being_written(con, load_id, run_id, FHIR, name, sha256, before.size)
    for table, query in (("_fhir_parsed", parsed_resources()), ("_fhir_typed", typed_resources(body_sites))):
        con.execute(f"drop table if exists {table}")
        con.execute(f"create temp table {table} as {query}")
    lineage = [name, load_id]
    with transaction(con):
        _insert(con, FHIR_OBSERVATION, "Observation", OBSERVATION_COLUMNS, lineage)
        _insert(con, FHIR_PATIENT, "Patient", "id as person_id, birth_date", lineage)
        quarantined = _quarantine(con, path, [load_id, run_id, FHIR.name, name, sha256])
        if current is not None:
            supersede_version(con, FHIR, current[0], load_id)
        superseded = sum(supersede_records(con, spec, load_id) for spec in (FHIR_OBSERVATION, FHIR_PATIENT))
        load = FileLoad(
            FHIR.name, name, sha256, rows_read=scan.records, rows_loaded=scan.records - quarantined,
            rows_quarantined=quarantined, replaces=current and current[0], rows_superseded=superseded,
        )  # fmt: skip
        record(con, load_id, run_id, load, before.size, before.mtime_ns)
    return load


def _stage(con: duckdb.DuckDBPyConnection, readable: Path, name: str, scan: LineScan) -> None:
    """Temp tables ``_fhir_staged`` (one JSON value per record, null when not JSON) and
    ``_fhir_lines`` (each record's line and bytes); their counts must agree."""
    con.execute("drop table if exists _fhir_staged")
    con.execute(
        f"""create temp table _fhir_staged as select json from read_ndjson_objects({literal(str(readable))},
            ignore_errors = true, maximum_object_size = {MAX_LINE_BYTES})"""
    )
    staged = con.execute("select count(*) from _fhir_staged").fetchone()[0]
    if staged != scan.records:  # never balanced by losing lines: a disagreement stops the file
        raise LandingError(f"{name}: {scan.records} lines counted but {staged} read; the file was not loaded")
    lines = pa.table(
        {
            "_row_number": pa.array(range(1, scan.records + 1), pa.int64()),
            "line": pa.array(scan.lines),
            "start": pa.array(scan.starts),
            "end": pa.array(scan.ends),
        }
    )
    temp_table_from_arrow(con, "_fhir_lines", lines)


def _insert(con: duckdb.DuckDBPyConnection, spec, resource: str, columns: str, lineage: list[str]) -> None:
    names = ", ".join(quote(c.name) for c in spec.columns)
    con.execute(
        f"""insert into {RAW_SCHEMA}.{spec.name} ({names}, _source_file, _source_row, _load_id)
            select {columns}, ?, _fhir_lines.line, ?
            from _fhir_typed join _fhir_lines using (_row_number)
            where _problem is null and resource_type = {literal(resource)}
            order by _row_number""",
        lineage,
    )


def _quarantine(con: duckdb.DuckDBPyConnection, path: Path, facts: list[str]) -> int:
    """Quarantines every unusable line (row number = its line); returns how many."""
    con.execute(
        f"""insert into {RAW_SCHEMA}.quarantine
            select ?, ?, ?, ?, ?, _fhir_lines.line, _problem.column, _problem.reason,
                   to_json({{'line': _fhir_lines.line, 'resource': _fhir_staged.json}})
            from _fhir_typed join _fhir_lines using (_row_number)
            join _fhir_staged on _fhir_staged.rowid + 1 = _fhir_typed._row_number
            where _problem is not null and not not_json
            order by _row_number""",
        facts,
    )
    # Lines that are not JSON: an excerpt of the bytes, read here (the engine has no value).
    bad = con.execute(
        """select _fhir_lines.line, start, "end" from _fhir_typed join _fhir_lines using (_row_number)
           where not_json order by _row_number"""
    ).fetchall()
    if bad:
        excerpts = pa.table(
            {
                "line": pa.array([line for line, _, _ in bad], pa.int64()),
                "excerpt": pa.array([excerpt(path, start, end) for _, start, end in bad], pa.string()),
            }
        )
        con.register("_fhir_not_json", excerpts)
        try:
            con.execute(
                f"""insert into {RAW_SCHEMA}.quarantine
                    select ?, ?, ?, ?, ?, line, null, 'not_json',
                           to_json({{'line': line, 'problem': 'not JSON', 'excerpt': excerpt}})
                    from _fhir_not_json order by line""",
                facts,
            )
        finally:
            con.unregister("_fhir_not_json")
    return con.execute("select count(*) from _fhir_typed where _problem is not null").fetchone()[0]
