"""Where the loader types and keeps a landing file's rows: the ingest stage's engine resource.

The run's engine (the ``engine`` setting) decides, in ``definitions.py``, which store the
ingest assets get: DuckDB's readers and the warehouse's ``raw`` tables (``DuckDBRowStore``),
or Spark's readers and Parquet folders (``engines/spark.py``). The loader's books stay in
the DuckDB file either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from orchestration.ingest.landing import DUCKDB_ROWS, DuckDBRows
from orchestration.warehouse import DuckDBWarehouse


class RowStore(Protocol):
    def open(self, warehouse: DuckDBWarehouse) -> DuckDBRows:
        """The rows object the loader's one pass asks to type, store and supersede rows."""
        ...


@dataclass(frozen=True)
class DuckDBRowStore:
    def open(self, warehouse: DuckDBWarehouse) -> DuckDBRows:
        return DUCKDB_ROWS


DUCKDB_ROW_STORE = DuckDBRowStore()
