"""Spark's rows as folders of versions, kept in step with the books in the DuckDB file.

One folder per loaded version of a table (``<table>/_load_id=<id>``), named as Spark names a
partition; the folder changes a file's DuckDB transaction promised (``raw.spark_pending``);
versions the DuckDB engine loaded, handed over as Parquet (``hand_over``).
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

from orchestration.engines.spark_dialect import SPARK
from orchestration.ingest.landing_csv import MAX_RECORD_BYTES
from orchestration.ingest.landing_files import EngineFailure
from orchestration.ingest.landing_spec import TableSpec
from orchestration.ingest.landing_sql import literal
from orchestration.ingest.landing_store import RAW_SCHEMA, versions_in_use

ENGINE = "spark"
# Spark's type names in DuckDB's, which the typing SQL reasons about (``landing_sql.Source``).
ENGINE_TYPES = {
    "string": "VARCHAR", "tinyint": "TINYINT", "smallint": "SMALLINT", "int": "INTEGER", "bigint": "BIGINT",
    "float": "FLOAT", "double": "DOUBLE", "date": "DATE", "timestamp": "TIMESTAMP",
    "timestamp_ntz": "TIMESTAMP", "boolean": "BOOLEAN",
}  # fmt: skip
CORRUPT = "_corrupt_record"
ROW = "_row_number"
LOAD_PARTITION = "_load_id"
SUPERSEDED_AUDIT = ("_superseded_by", "_superseded_reason", "_superseded_at")
# The folder that gives a table without any version its columns.
NO_VERSION = "none"
EMPTY = f"{LOAD_PARTITION}={NO_VERSION}"
# Hidden from Spark's listing (a leading dot): a file's typing scratch, a version's swap.
SCRATCH, REWRITE, RETIRED = ".typing-", ".rewrite-", ".retired-"
# Folder changes the DuckDB transaction of a file promised, kept until they are made.
PENDING = f"{RAW_SCHEMA}.spark_pending"
# Characters Spark escapes in a partition folder's value (ExternalCatalogUtils.escapePathName).
_ESCAPED = set("\"#%'*/:=?\\\x7f{[]^")


def engine_type(spark_type: str) -> str:
    if spark_type.startswith("decimal("):
        return spark_type.upper().replace(" ", "")
    return ENGINE_TYPES.get(spark_type, spark_type.upper())


def partition_name(load_id: str) -> str:
    """The folder of one loaded version, named as Spark names a ``_load_id`` partition."""
    value = "".join(f"%{ord(c):02X}" if c in _ESCAPED or ord(c) < 32 else c for c in load_id)
    return f"{LOAD_PARTITION}={value}"


def unescape(folder_name: str) -> str:
    return unquote(folder_name.split("=", 1)[1])


def stored_schema(spec: TableSpec) -> str:
    """The columns of a version's Parquet files, as Spark DDL."""
    columns = [f"`{c.name}` {SPARK.types[c.kind]}" for c in spec.columns]
    return ", ".join([*columns, "_source_file string", "_source_row bigint"])


def ensure_pending(con) -> None:
    con.execute(
        f"""create table if not exists {PENDING}
            (seq bigint, kind varchar, table_name varchar, old_load varchar, new_load varchar)"""
    )


def promise(con, kind: str, table: str, old_load: str | None, new_load: str) -> None:
    """A folder change to make once the file's transaction commits (rolled back with it)."""
    con.execute(
        f"insert into {PENDING} select coalesce(max(seq), 0) + 1, ?, ?, ?, ? from {PENDING}",
        [kind, table, old_load, new_load],
    )


def pending_promises(con) -> int:
    ensure_pending(con)
    return con.execute(f"select count(*) from {PENDING}").fetchone()[0]


def finish_swaps(base: Path) -> None:
    """A version swap a stop interrupted: done when the new folder is in place, else undone."""
    for retired in base.glob(f"{RETIRED}*"):
        live = base / retired.name[len(RETIRED) :]
        if live.exists():
            shutil.rmtree(retired)
        else:
            retired.rename(live)
    for rewritten in base.glob(f"{REWRITE}*"):
        shutil.rmtree(rewritten)


def hand_over(con, root: Path, spec: TableSpec) -> None:
    """Versions of ``spec`` whose rows DuckDB's ``raw.<table>`` holds, moved to their folders.

    The rows leave DuckDB in the transaction that records the folder as theirs, so a stop at
    any point leaves them in one place or the other (a stop before the commit copies again).
    """
    held = f"update {RAW_SCHEMA}.load_history set rows_held_by = ? where load_id = ?"
    columns = ", ".join(f'"{c.name}"' for c in spec.columns)
    for load_id, held_by in versions_in_use(con, spec.name):
        if held_by is not None:
            continue
        target = root / spec.name / partition_name(load_id)
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(mode=0o700, parents=True)
        con.execute(
            f"""copy (select {columns}, _source_file, _source_row from {RAW_SCHEMA}.{spec.name}
                      where _load_id = ?) to {literal(str(target / "part-0.parquet"))} (format parquet)""",
            [load_id],
        )
        con.execute("begin transaction")
        try:
            con.execute(held, [ENGINE, load_id])
            con.execute(f"delete from {RAW_SCHEMA}.{spec.name} where _load_id = ?", [load_id])
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise


def write_lf_copy(readable: Path, target: Path, width: int) -> None:
    """``readable`` (every record readable by the dialect) with LF record ends and a header of
    ``width`` columns: the values, quoted line breaks included, as they are; blank lines dropped
    (the dialect skips them)."""
    with (
        readable.open(encoding="utf-8", newline="") as source,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        csv.field_size_limit(4 * MAX_RECORD_BYTES)  # longer records were blanked by the scan
        records = csv.reader(source, strict=True)
        writer = csv.writer(out, lineterminator="\n")
        next(records, None)
        writer.writerow([f"c{i}" for i in range(width)])
        writer.writerows(row for row in records if row)


@contextmanager
def spark_failures(what: str) -> Iterator[None]:
    """Spark's and the JVM's failures as one plain ``EngineFailure``: their text can quote rows."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    try:
        yield
    except (Py4JError, PySparkException) as error:
        raise EngineFailure(f"Spark could not {what}: {type(error).__name__}") from None


