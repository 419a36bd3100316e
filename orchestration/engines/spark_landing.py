"""Ingestion in Spark's own readers, with every promise of the loader (``--engine spark``).

The loader's one pass (``ingest.landing``) is the same on both engines: a file's identity
and content, the duplicate lookup, the independent record count and the list of records the
dialect cannot read (``landing_csv``), the still-being-written check, the quarantine and
``raw.load_history``. The DuckDB file keeps those books (a row per file, the quarantined
rows); the rows themselves are Spark's. ``SparkRows``:

* reads each file with Spark's readers: CSV with the fixed dialect, every column as text,
  ``PERMISSIVE`` with a corrupt-record column, which is a second witness (the independent
  scan has already blanked every record the dialect cannot read, so Spark must find none);
  Parquet in its own types. Each file is one partition, so a row's position is its record;
* types every value and names each row's first problem with the loader's own SQL, spelled
  for Spark (``landing_sql.SPARK``), in the same scan; its row count must equal the
  independent count;
* writes the usable rows as Parquet, one folder per loaded version
  (``<table>/_load_id=<id>``): the tables the dbt-spark sources read. Rows that a newer
  version replaces move, never deleted, to ``<table>_superseded``, as in DuckDB.

A folder is written before the DuckDB transaction that records its version commits; a
folder no committed version owns (a run stopped in between) is removed when its table is
next loaded. Versions loaded by the DuckDB engine earlier are handed over as Parquet then.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.ingest.landing import DuckDBRows
from orchestration.ingest.landing_csv import scan_csv, write_readable_copy
from orchestration.ingest.landing_files import EngineFailure
from orchestration.ingest.landing_read import _safe_link, _unreadable_row, is_csv
from orchestration.ingest.landing_spec import LandingError, TableSpec
from orchestration.ingest.landing_sql import SPARK, Source, literal, temp_table_from_arrow, typed_rows
from orchestration.ingest.landing_store import RAW_SCHEMA, supersede_books, versions_in_use

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


@contextmanager
def spark_failures(what: str) -> Iterator[None]:
    """Spark's and the JVM's failures as one plain ``EngineFailure``: their text can quote rows."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    try:
        yield
    except (Py4JError, PySparkException) as error:
        raise EngineFailure(f"Spark could not {what}: {type(error).__name__}") from None


class SparkRows(DuckDBRows):
    """The loader's rows typed by Spark's readers and stored as Parquet under ``root``."""

    held_by = ENGINE

    def __init__(self, spark: Any, root: Path) -> None:
        self.spark = spark
        self.root = root
        self._typed: Any = None
        self._scratch: Path | None = None

    def folder(self, table: str, load_id: str | None = None) -> Path:
        base = self.root / table
        return base if load_id is None else base / partition_name(load_id)

    # -- the table's folder agrees with the books before any file --------------------------------

    def begin_table(self, con, spec: TableSpec) -> None:
        """Hands over versions DuckDB holds, and removes folders no committed version owns."""
        versions = versions_in_use(con, spec.name)
        for load_id, held_by in versions:
            if held_by is None:
                self._hand_over(con, spec, load_id)
        owned = {partition_name(load_id) for load_id, _ in versions}
        base = self.folder(spec.name)
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        for entry in base.iterdir():
            if entry.name.startswith(f"{LOAD_PARTITION}=") and entry.name not in owned:
                shutil.rmtree(entry)  # written by a run that stopped before it committed
            elif entry.name.startswith("."):
                shutil.rmtree(entry, ignore_errors=True)  # a rewrite that did not finish

    def _hand_over(self, con, spec: TableSpec, load_id: str) -> None:
        """One version's rows from DuckDB's ``raw.<table>`` to its folder. The rows leave DuckDB
        in the transaction that records the folder as theirs, so a stop at any point leaves
        them in one place or the other (a stop before the commit copies them again)."""
        target = self.folder(spec.name, load_id)
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(mode=0o700, parents=True)
        columns = ", ".join(f'"{c.name}"' for c in spec.columns)
        con.execute(
            f"""copy (select {columns}, _source_file, _source_row from {RAW_SCHEMA}.{spec.name}
                      where _load_id = ?) to {literal(str(target / "part-0.parquet"))} (format parquet)""",
            [load_id],
        )
        held = f"update {RAW_SCHEMA}.load_history set rows_held_by = ? where load_id = ?"
        con.execute("begin transaction")
        con.execute(held, [ENGINE, load_id])
        con.execute(f"delete from {RAW_SCHEMA}.{spec.name} where _load_id = ?", [load_id])
        con.execute("commit")

    # -- one file --------------------------------------------------------------------------------

    def type_file(self, con, path: Path, name: str, names, spec: TableSpec, headers, scratch: Path):
        self._release()
        self._scratch = Path(tempfile.mkdtemp(prefix="typing-", dir=self.root))
        try:
            with spark_failures("read the file"):
                return self._type(path, name, names, spec, headers)
        except BaseException:
            self._release()
            raise

    def _type(self, path: Path, name: str, names, spec: TableSpec, headers) -> tuple[int, list[tuple]]:
        from pyspark import StorageLevel
        from pyspark.sql import functions as F

        width = len(names)
        if is_csv(path):
            scan = scan_csv(path, name)
            if scan.engine_can_read_original:
                readable = _safe_link(path, self._scratch, ".csv")
            else:
                readable = self._scratch / "repaired.csv"
                write_readable_copy(path, scan, readable)
            frame = self._read_csv(readable, width)
            # One partition (a multi-line CSV is never split): position 0 is the header line.
            frame = frame.withColumn(ROW, F.monotonically_increasing_id()).where(f"{ROW} > 0")
            records, unreadable = scan.records, [_unreadable_row(path, bad) for bad in scan.bad]
            types = ["VARCHAR"] * width
        else:
            try:
                parquet = pq.ParquetFile(path)
                records, arrow_types = parquet.metadata.num_rows, parquet.schema_arrow.types
            except (pa.ArrowException, OSError, ValueError):
                raise LandingError(f"{name}: cannot be read as Parquet") from None
            frame = self.spark.read.parquet(str(_safe_link(path, self._scratch, ".parquet")))
            types = [engine_type(t) for _, t in frame.dtypes]
            frame = frame.toDF(*(f"c{i}" for i in range(width))).withColumn(
                ROW, F.monotonically_increasing_id() + 1
            )
            frame, unreadable = frame.withColumn(CORRUPT, F.lit(None).cast("string")), []
            for i, arrow_type in enumerate(arrow_types):
                if pa.types.is_timestamp(arrow_type) and arrow_type.unit == "ns":
                    # Spark reads nanoseconds as a count (spark.sql.legacy.parquet.nanosAsLong):
                    # made a timestamp again, the microsecond floored as DuckDB's cast floors it.
                    nanos = f"`c{i}`"
                    micros = f"timestamp_micros(({nanos} - pmod({nanos}, 1000)) div 1000)"
                    frame, types[i] = frame.withColumn(f"c{i}", F.expr(micros)), "TIMESTAMP"
        frame.createOrReplaceTempView("_landing")
        sources = {
            known: Source(f"`{column}`", types[int(column[1:])], SPARK) for known, column in headers.items()
        }
        texts = {column: Source(f"`c{i}`", types[i], SPARK).text_sql for i, column in enumerate(names)}
        sql = typed_rows(spec, sources, texts, "_landing", SPARK, keep=(ROW, CORRUPT))
        typed = self.spark.sql(sql).persist(StorageLevel.MEMORY_AND_DISK)
        self._typed = typed
        counted = typed.agg(F.count(F.lit(1)), F.count(CORRUPT)).first()
        if counted[0] != records:  # never balanced by losing rows: a disagreement stops the file
            raise LandingError(
                f"{name}: {records} records counted but {counted[0]} read; the file was not loaded"
            )
        if counted[1]:
            raise LandingError(
                f"{name}: Spark found {counted[1]} malformed record(s) the dialect check did not; "
                "the file was not loaded"
            )
        return records, unreadable

    def _read_csv(self, readable: Path, width: int):
        from pyspark.sql.types import StringType, StructField, StructType

        schema = StructType([StructField(f"c{i}", StringType()) for i in range(width)])
        schema.add(StructField(CORRUPT, StringType()))
        return (
            self.spark.read.schema(schema)
            .options(
                header="false",
                multiLine="true",
                mode="PERMISSIVE",
                columnNameOfCorruptRecord=CORRUPT,
                sep=",",
                quote='"',
                escape='"',
                encoding="UTF-8",
                ignoreLeadingWhiteSpace="false",
                ignoreTrailingWhiteSpace="false",
                maxCharsPerColumn="-1",
                enforceSchema="true",
            )  # fmt: skip
            .csv(str(readable))
        )

    def store(self, con, spec: TableSpec, headers: dict[str, str], lineage: list, facts: list) -> int:
        name, load_id = lineage
        try:
            with spark_failures("store the file's rows"):
                problems = self._store(con, spec, headers, name, load_id)
        finally:
            self._release()
        rows = pa.table(
            {
                ROW: pa.array([r[0] for r in problems], pa.int64()),
                "column_name": pa.array([r[1] for r in problems], pa.string()),
                "reason": pa.array([r[2] for r in problems], pa.string()),
                "raw_row": pa.array([r[3] for r in problems], pa.string()),
            }
        )
        temp_table_from_arrow(con, "_problems", rows)
        con.execute(
            f"""insert into {RAW_SCHEMA}.quarantine
                select ?, ?, ?, ?, ?, {ROW}, column_name, reason, raw_row from _problems order by {ROW}""",
            facts,
        )
        con.execute("drop table _problems")
        return len(problems)

    def _store(self, con, spec: TableSpec, headers, name: str, load_id: str) -> list:
        from pyspark.sql import functions as F

        unreadable = [r[0] for r in con.execute(f"select {ROW} from _unreadable").fetchall()]
        # Records the CSV reading could not use were blanked in Spark's copy: they are
        # quarantined as unreadable, not by their blank values.
        typed = self._typed.where(~F.col(ROW).isin(unreadable)) if unreadable else self._typed
        columns = [
            F.col(f"`{c.name}`") if c.name in headers else F.lit(None).cast(SPARK.types[c.kind]).alias(c.name)
            for c in spec.columns
        ]
        usable = typed.where("_problem is null").select(
            *columns, F.lit(name).alias("_source_file"), F.col(ROW).cast("bigint").alias("_source_row")
        )
        usable.write.mode("errorifexists").parquet(str(self.folder(spec.name, load_id)))
        return (
            typed.where("_problem is not null")
            .select(ROW, "_problem.column", "_problem.reason", "_raw_row")
            .collect()
        )

    def _release(self) -> None:
        if self._typed is not None:
            self._typed.unpersist()
            self._typed = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    # -- newer versions ------------------------------------------------------------------------

    def supersede_version(self, con, spec: TableSpec, old_load: str, new_load: str) -> None:
        with spark_failures("keep the replaced version"):
            for table in spec.raw_tables:
                folder = self.folder(table, old_load)
                if folder.exists():
                    self._audit(
                        self.spark.read.parquet(str(folder)), table, old_load, new_load, "file_replaced"
                    )
                    shutil.rmtree(folder)
        supersede_books(con, old_load, new_load)

    def supersede_records(self, con, spec: TableSpec, new_load: str) -> int:
        """Earlier records with a natural key this load sent again: the latest loaded wins."""
        if not spec.natural_key:
            return 0
        with spark_failures("supersede earlier records"):
            return self._supersede_records(spec, new_load)

    def _supersede_records(self, spec: TableSpec, new_load: str) -> int:
        base, new_folder = self.folder(spec.name), self.folder(spec.name, new_load)
        earlier = [p for p in self._versions(base) if p != new_folder]
        if not earlier or not any(new_folder.glob("*.parquet")):
            return 0  # the first rows of the table, or none sent: nothing earlier to supersede
        keys = list(spec.natural_key)
        sent = self.spark.read.parquet(str(new_folder)).select(*keys).distinct().cache()
        try:
            found = (
                self.spark.read.option("basePath", str(base))
                .parquet(*(str(p) for p in earlier))
                .select(*keys, LOAD_PARTITION)
                .join(sent, keys, "left_semi")
                .groupBy(LOAD_PARTITION)
                .count()
                .collect()
            )
            return sum(self._rewrite(spec, load_id, expected, sent, new_load) for load_id, expected in found)
        finally:
            sent.unpersist()

    def _rewrite(self, spec: TableSpec, load_id: str, expected: int, sent, new_load: str) -> int:
        """One earlier version without the records ``sent`` again; they move to the audit table."""
        folder = self.folder(spec.name, load_id)
        keys = list(spec.natural_key)
        rows = self.spark.read.parquet(str(folder))
        total = rows.count()
        self._audit(rows.join(sent, keys, "left_semi"), spec.name, load_id, new_load, "same_natural_key")
        rewritten = folder.parent / f".rewrite-{folder.name}"
        rows.join(sent, keys, "left_anti").select(*rows.columns).write.mode("overwrite").parquet(
            str(rewritten)
        )
        kept = self.spark.read.parquet(str(rewritten)).count()
        if total - kept != expected:  # the same check as DuckDB's move
            shutil.rmtree(rewritten)
            raise RuntimeError(f"superseding rows of {spec.name}: found {expected}, removed {total - kept}")
        retired = folder.parent / f".retired-{folder.name}"
        folder.rename(retired)
        rewritten.rename(folder)
        shutil.rmtree(retired)
        return expected

    def _audit(self, rows, table: str, load_id: str, by: str, reason: str) -> None:
        from pyspark.sql import functions as F

        audited = rows.select(
            *rows.columns,
            F.lit(by).alias(SUPERSEDED_AUDIT[0]),
            F.lit(reason).alias(SUPERSEDED_AUDIT[1]),
            F.current_timestamp().alias(SUPERSEDED_AUDIT[2]),
        )
        audited.write.mode("append").parquet(str(self.folder(f"{table}_superseded", load_id)))

    @staticmethod
    def _versions(base: Path) -> list[Path]:
        return (
            sorted(p for p in base.iterdir() if p.name.startswith(f"{LOAD_PARTITION}="))
            if base.exists()
            else []
        )

    def table_rows(self, con, table: str) -> int:
        folders = self._versions(self.folder(table))
        return sum(
            pq.ParquetFile(f).metadata.num_rows for folder in folders for f in folder.glob("*.parquet")
        )
