"""The warehouse: the DuckDB file every stage reads and writes, whatever the engine.

Stages talk to a ``Warehouse`` (connection, reading, COPY). On either engine the DuckDB
file keeps the books, the raw tables' history and the marts the gate and publication read;
what differs by engine is each stage's own resource (where the ingestion keeps the typed
rows, where dbt builds), chosen in ``definitions.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd

# Bounded so that a large warehouse spills to disk instead of exhausting memory.
DUCKDB_MEMORY_LIMIT = "2GB"


class Warehouse(Protocol):
    location: Path

    def connect(self, read_only: bool = False) -> Any: ...
    def frame(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame: ...
    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]: ...
    def copy_csv(self, sql: str, target: Path, params: Mapping[str, Any] | None = None) -> None: ...
    def execute(self, *statements: str) -> None: ...


@dataclass(frozen=True)
class DuckDBWarehouse:
    """One DuckDB file. One writer at a time: the job runs its steps one after another."""

    location: Path
    memory_limit: str = DUCKDB_MEMORY_LIMIT

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if not read_only:
            self.location.parent.mkdir(parents=True, exist_ok=True)
        config = {} if read_only else {"memory_limit": self.memory_limit}
        con = duckdb.connect(str(self.location), read_only=read_only, config=config)
        try:
            yield con
        finally:
            con.close()

    def frame(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        with self.connect(read_only=True) as con:
            return con.execute(sql, dict(params or {})).df()

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        with self.connect(read_only=True) as con:
            cursor = con.execute(sql, dict(params or {}))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def copy_csv(self, sql: str, target: Path, params: Mapping[str, Any] | None = None) -> None:
        """A query's result as CSV with a header, written by the engine (no rows pass through Python)."""
        path = str(target).replace("'", "''")
        with self.connect(read_only=True) as con:
            con.execute(f"copy ({sql}) to '{path}' (format csv, header true)", dict(params or {}))

    def execute(self, *statements: str) -> None:
        """Statements run in order on one writing connection."""
        with self.connect() as con:
            for statement in statements:
                con.execute(statement)
