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
  for Spark (``spark_dialect.SPARK``), in the same scan; its row count must equal the
  independent count;
* writes the usable rows as Parquet, one folder per loaded version
  (``<table>/_load_id=<id>``): the tables the dbt-spark sources read. Rows that a newer
  version replaces move, never deleted, to ``<table>_superseded``, as in DuckDB.

A new version's folder is written before the DuckDB transaction that records it; a folder
no committed version owns (a run stopped in between) is removed when its table is next
loaded. Rows a newer version supersedes move only after that transaction commits, from
promises it recorded (``raw.spark_pending``): a stopped run's promises are kept first thing
by the next load, each step can be done again, and a version is swapped whole. Versions the
DuckDB engine loaded earlier are handed over as Parquet.
"""


from __future__ import annotations

import csv
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.engines.spark_dialect import SPARK
from orchestration.engines.spark_superseded import SparkFolders
from orchestration.engines.spark_versions import (
    CORRUPT,
    ENGINE,
    LOAD_PARTITION,
    NO_VERSION,
    ROW,
    SCRATCH,
    engine_type,
    finish_swaps,
    hand_over,
    partition_name,
    promise,
    spark_failures,
    stored_schema,
    write_lf_copy,
)
from orchestration.ingest.landing import DuckDBRows
from orchestration.ingest.landing_csv import scan_csv, write_readable_copy
from orchestration.ingest.landing_files import EngineFailure
from orchestration.ingest.landing_read import is_csv, safe_link, unreadable_row
from orchestration.ingest.landing_spec import LandingError, TableSpec
from orchestration.ingest.landing_sql import (
    ZONED_TIMESTAMP,
    Source,
    temp_table_from_arrow,
    typed_rows,
)
from orchestration.ingest.landing_store import RAW_SCHEMA, supersede_books, versions_in_use


class SparkRows(SparkFolders, DuckDBRows):
    """The loader's rows typed by Spark's readers and stored as Parquet under ``root``."""

    held_by = ENGINE

    # -- the table's folders agree with the books before and after its files ---------------------

    def begin_table(self, con, spec: TableSpec) -> None:
        """Finishes what a stopped run left (folder changes its commit promised), hands over
        versions DuckDB holds, and removes folders no committed version owns."""
        base = self.folder(spec.name)
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        finish_swaps(base)
        hand_over(con, self.root, spec)
        self.settle(con)
        owned = {partition_name(load_id) for load_id, _ in versions_in_use(con, spec.name)}
        for entry in base.iterdir():
            if entry.name not in owned:
                shutil.rmtree(entry)  # written by a run that stopped before it committed
        for stale in self.root.glob(f"{SCRATCH}*"):
            shutil.rmtree(stale, ignore_errors=True)

    def end_table(self, con, spec: TableSpec) -> None:
        """A table without any version still has its columns: dbt's source reads its folder."""
        self._release()
        if not self._versions(self.folder(spec.name)):
            with spark_failures("write the table's columns"):
                self.spark.createDataFrame([], stored_schema(spec)).write.mode("overwrite").parquet(
                    str(self.folder(spec.name, NO_VERSION))
                )

    # -- one file --------------------------------------------------------------------------------

    def type_file(self, con, path: Path, name: str, names, spec: TableSpec, headers, scratch: Path):
        self._release()
        self._scratch = Path(tempfile.mkdtemp(prefix=SCRATCH, dir=self.root))
        try:
            with spark_failures("read the file"):
                return self._type(path, name, names, spec, headers)
        except BaseException:
            self._release()
            raise

    def _type(self, path: Path, name: str, names, spec: TableSpec, headers) -> tuple[int, list[tuple]]:
        width = len(names)
        if is_csv(path):
            scan = scan_csv(path, name)
            if scan.engine_can_read_original:
                readable = safe_link(path, self._scratch, ".csv")
            else:
                readable = self._scratch / "repaired.csv"
                write_readable_copy(path, scan, readable)
            if scan.carriage_returns:
                # Spark takes one line end for a whole file and turns a quoted CRLF into LF:
                # a file with carriage returns is read from a copy with LF record ends.
                lines = self._scratch / "lines.csv"
                try:
                    write_lf_copy(readable, lines, width)
                except csv.Error:  # its text can quote a row: not passed on
                    raise EngineFailure("its records could not be rewritten with LF line ends") from None
                readable = lines
            records, unreadable = scan.records, [unreadable_row(path, bad) for bad in scan.bad]
            frame = self._csv_frame(readable, width)
            typed, counted = self._typed_rows(frame, ["VARCHAR"] * width, names, spec, headers)
        else:
            records, frame, types = self._parquet_frame(path, name, width)
            typed, counted = self._typed_rows(frame, types, names, spec, headers)
            unreadable = []
        self._typed = typed
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

    def _csv_frame(self, readable: Path, width: int):
        from pyspark.sql import functions as F

        # One partition (a multi-line CSV is never split): position 0 is the header line.
        frame = self._read_csv(readable, width)
        return frame.withColumn(ROW, F.monotonically_increasing_id()).where(f"{ROW} > 0")

    def _parquet_frame(self, path: Path, name: str, width: int):
        from pyspark.sql import functions as F

        try:
            parquet = pq.ParquetFile(path)
            records, arrow_types = parquet.metadata.num_rows, parquet.schema_arrow.types
        except (pa.ArrowException, OSError, ValueError):
            raise LandingError(f"{name}: cannot be read as Parquet") from None
        frame = self.spark.read.parquet(str(safe_link(path, self._scratch, ".parquet")))
        types = [engine_type(t) for _, t in frame.dtypes]
        frame = frame.toDF(*(f"c{i}" for i in range(width))).withColumn(
            ROW, F.monotonically_increasing_id() + 1
        )
        frame = frame.withColumn(CORRUPT, F.lit(None).cast("string"))
        for i, arrow_type in enumerate(arrow_types):
            if pa.types.is_timestamp(arrow_type) and arrow_type.tz is not None:
                types[i] = ZONED_TIMESTAMP  # a point in time, written in UTC as DuckDB writes it
            if pa.types.is_timestamp(arrow_type) and arrow_type.unit == "ns":
                # Spark reads nanoseconds as a count (spark.sql.legacy.parquet.nanosAsLong):
                # made a timestamp again, the microsecond floored as DuckDB's cast floors it.
                nanos = f"`c{i}`"
                micros = f"timestamp_micros(({nanos} - pmod({nanos}, 1000)) div 1000)"
                frame = frame.withColumn(f"c{i}", F.expr(micros))
                types[i] = types[i] if types[i] == ZONED_TIMESTAMP else "TIMESTAMP"
        return records, frame, types

    def _typed_rows(self, frame, types: list[str], names, spec: TableSpec, headers):
        """The frame typed in one scan, kept for the writes that follow; (rows, malformed)."""
        from pyspark import StorageLevel
        from pyspark.sql import functions as F

        if frame.rdd.getNumPartitions() > 1:  # record numbers rest on one partition per file
            raise EngineFailure("Spark split the file")
        frame.createOrReplaceTempView("_landing")
        sources = {
            known: Source(f"`{column}`", types[int(column[1:])], SPARK) for known, column in headers.items()
        }
        texts = {column: Source(f"`c{i}`", types[i], SPARK).text_sql for i, column in enumerate(names)}
        sql = typed_rows(spec, sources, texts, "_landing", SPARK, keep=(ROW, CORRUPT))
        typed = self.spark.sql(sql).persist(StorageLevel.MEMORY_AND_DISK)
        return typed, typed.agg(F.count(F.lit(1)), F.count(CORRUPT)).first()

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
                lineSep="\n",  # every file Spark reads has LF record ends (see _type)
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
            F.col(f"`{c.name}`")
            if c.name in headers or c.derived
            else F.lit(None).cast(SPARK.types[c.kind]).alias(c.name)
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

    # -- newer versions: the books change in the file's transaction, the folders after it ----

    def supersede_version(self, con, spec: TableSpec, old_load: str, new_load: str) -> None:
        supersede_books(con, old_load, new_load)
        for table in spec.raw_tables:
            promise(con, "version", table, old_load, new_load)

    def supersede_records(self, con, spec: TableSpec, new_load: str) -> int:
        """Earlier records with a natural key this load sent again: the latest loaded wins.
        Counted now among the versions the books still have in use; moved after the commit."""
        if not spec.natural_key:
            return 0
        with spark_failures("look for earlier records"):
            found = self._sent_again(con, spec, new_load)
        if found:
            promise(con, "records", spec.name, None, new_load)
        return sum(found.values())

    def _sent_again(self, con, spec: TableSpec, new_load: str) -> dict[str, int]:
        """Per earlier version in use: its rows with a key that ``new_load`` sent again."""
        earlier = [load_id for load_id, _ in versions_in_use(con, spec.name) if load_id != new_load]
        new_folder = self.folder(spec.name, new_load)
        folders = [self.folder(spec.name, load_id) for load_id in earlier]
        folders = [str(f) for f in folders if f.exists()]
        if not folders or not any(new_folder.glob("*.parquet")):
            return {}  # the first rows of the table, or none sent: nothing earlier to supersede
        keys = list(spec.natural_key)
        sent = self.spark.read.parquet(str(new_folder)).select(*keys).distinct()
        found = (
            self.spark.read.option("basePath", str(self.folder(spec.name)))
            .parquet(*folders)
            .select(*keys, LOAD_PARTITION)
            .join(sent, keys, "left_semi")
            .groupBy(LOAD_PARTITION)
            .count()
            .collect()
        )
        return {load_id: count for load_id, count in found}

    def table_rows(self, con, table: str) -> int:
        folders = self._versions(self.folder(table))
        return sum(
            pq.ParquetFile(f).metadata.num_rows for folder in folders for f in folder.glob("*.parquet")
        )
