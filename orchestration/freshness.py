"""Is there anything new to compute? The nightly no-change run should cost little.

The state of a run's inputs is everything the published feeds depend on: the set
of files loaded into the warehouse, the run's as-of date and performance year, the
dbt project (its manifest). When the state equals the one of the last successful
publication, and that very publication (same run id) is in place,
rebuilding would reproduce the same bytes, so the dbt build (and with it the checks
and the publication downstream) is skipped.
"""

import hashlib
import json
from pathlib import Path

import duckdb

from orchestration.resources import RunSettings

STATE_TABLE = "meta.publication_state"


def input_state(con: duckdb.DuckDBPyConnection, settings: RunSettings, manifest: Path) -> str:
    files = [
        row[0]
        for row in con.execute(
            "select file_sha256 from raw.load_history where duplicate_of is null order by 1"
        ).fetchall()
    ]
    state = {
        "files": files,
        "as_of_date": settings.as_of_date.isoformat(),
        "performance_year": settings.performance_year,
        "manifest_sha256": hashlib.sha256(manifest.read_bytes()).hexdigest(),
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def last_published_state(con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
    """(state, run_id) of the last successful publication from this warehouse."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'meta' "
        "and table_name = 'publication_state'"
    ).fetchone()[0]
    if not exists:
        return None
    row = con.execute(
        f"select state, run_id from {STATE_TABLE} order by published_at desc limit 1"
    ).fetchone()
    return (row[0], row[1]) if row else None


def record_published_state(con: duckdb.DuckDBPyConnection, state: str, run_id: str) -> None:
    con.execute("create schema if not exists meta")
    con.execute(
        f"create table if not exists {STATE_TABLE} (state varchar, run_id varchar, published_at timestamp)"
    )
    con.execute(f"insert into {STATE_TABLE} values (?, ?, now())", [state, run_id])


def is_up_to_date(settings: RunSettings, manifest: Path) -> bool:
    """True when the publication in place was made from exactly these inputs."""
    in_place = settings.output_dir / str(settings.performance_year) / "manifest.json"
    if not in_place.exists():
        return False
    run_id = json.loads(in_place.read_text()).get("run_id")
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return last_published_state(con) == (input_state(con, settings, manifest), run_id)
