"""Spark's version folders made what the committed books say: the promised moves of
superseded rows (a replaced file's version, records sent again) into ``<table>_superseded``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from orchestration.engines.spark_versions import (
    EMPTY,
    LOAD_PARTITION,
    PENDING,
    RETIRED,
    REWRITE,
    SUPERSEDED_AUDIT,
    ensure_pending,
    partition_name,
    spark_failures,
    unescape,
)
from orchestration.ingest.landing_files import EngineFailure
from orchestration.ingest.landing_spec import TABLES, TableSpec


class SparkFolders:
    """A Spark session and the root of the version folders it keeps."""

    def __init__(self, spark: Any, root: Path) -> None:
        self.spark = spark
        self.root = root
        self._typed: Any = None
        self._scratch: Path | None = None

    def folder(self, table: str, load_id: str | None = None) -> Path:
        base = self.root / table
        return base if load_id is None else base / partition_name(load_id)

    def settle(self, con) -> None:
        """Makes the folders what the committed books say, one promise at a time. Each step
        can be done again: a stop in the middle leaves the promise for the next run."""
        ensure_pending(con)
        for seq, kind, table, old_load, new_load in con.execute(
            f"select seq, kind, table_name, old_load, new_load from {PENDING} order by seq"
        ).fetchall():
            with spark_failures("move superseded rows"):
                if kind == "version":
                    self._retire_version(table, old_load, new_load)
                else:
                    self._retire_records(TABLES[table], new_load)
            con.execute(f"delete from {PENDING} where seq = ?", [seq])

    def _retire_version(self, table: str, old_load: str, new_load: str) -> None:
        folder = self.folder(table, old_load)
        if folder.exists():
            rows = self.spark.read.parquet(str(folder))
            self._audit(rows, table, old_load, new_load, "file_replaced")
            shutil.rmtree(folder)

    def _retire_records(self, spec: TableSpec, new_load: str) -> None:
        new_folder = self.folder(spec.name, new_load)
        if not any(new_folder.glob("*.parquet")):
            return
        keys = list(spec.natural_key)
        sent = self.spark.read.parquet(str(new_folder)).select(*keys).distinct().cache()
        try:
            for folder in self._versions(self.folder(spec.name)):
                if folder != new_folder:
                    self._rewrite(spec, folder, sent, new_load)
        finally:
            sent.unpersist()

    def _rewrite(self, spec: TableSpec, folder: Path, sent, new_load: str) -> None:
        """One earlier version without the records ``sent`` again; they move to the audit table.
        The version is swapped whole (``finish_swaps`` completes a swap a stop interrupted)."""
        keys = list(spec.natural_key)
        rows = self.spark.read.parquet(str(folder))
        again = rows.join(sent, keys, "left_semi").select(*rows.columns)
        moved = again.count()
        if not moved:
            return
        self._audit(again, spec.name, unescape(folder.name), new_load, "same_natural_key")
        total = rows.count()
        rewritten = folder.parent / f"{REWRITE}{folder.name}"
        rows.join(sent, keys, "left_anti").select(*rows.columns).write.mode("overwrite").parquet(
            str(rewritten)
        )
        kept = sum(pq.ParquetFile(f).metadata.num_rows for f in rewritten.glob("*.parquet"))
        if kept + moved != total:  # the same check as DuckDB's move
            shutil.rmtree(rewritten)
            raise EngineFailure(f"superseding rows of {spec.name}: {total} rows, {moved} moved, {kept} kept")
        retired = folder.parent / f"{RETIRED}{folder.name}"
        folder.rename(retired)
        rewritten.rename(folder)
        shutil.rmtree(retired)

    def _audit(self, rows, table: str, load_id: str, by: str, reason: str) -> None:
        """Rows kept for audit only, in a folder per (version, newer version): written again,
        not twice, when a stopped run's promise is kept."""
        from pyspark.sql import functions as F

        audited = rows.select(
            *rows.columns,
            F.lit(by).alias(SUPERSEDED_AUDIT[0]),
            F.lit(reason).alias(SUPERSEDED_AUDIT[1]),
            F.current_timestamp().alias(SUPERSEDED_AUDIT[2]),
        )
        target = self.folder(f"{table}_superseded", load_id) / f"by={partition_name(by).split('=', 1)[1]}"
        audited.write.mode("overwrite").parquet(str(target))

    @staticmethod
    def _versions(base: Path) -> list[Path]:
        """The table's version folders (a table without versions has only ``NO_VERSION``)."""
        return (
            sorted(p for p in base.iterdir() if p.name.startswith(f"{LOAD_PARTITION}=") and p.name != EMPTY)
            if base.exists()
            else []
        )
