"""Warehouse I/O: the engine-specific parts (connection, reading, COPY, hashing) in one place.

Stages talk to a ``Warehouse``; ``DuckDBWarehouse`` is the one engine today. Another
engine is another class with the same methods, plus its dbt profile output.
Assets are keyed by their relation in the warehouse (``relation_key``), which is how
the stages name each other's outputs without importing each other.
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
DBT_THREADS = 4


class Warehouse(Protocol):
    location: Path

    def connect(self, read_only: bool = False) -> Any: ...
    def frame(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame: ...
    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]: ...
    def copy_csv(self, sql: str, target: Path, params: Mapping[str, Any] | None = None) -> None: ...
    def execute(self, *statements: str) -> None: ...
    def dbt_output(self) -> dict[str, Any]: ...
    def prepare_dbt(self) -> None: ...
    def finish_dbt(self) -> None: ...
    def landing_rows(self) -> Any: ...


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

    def landing_rows(self) -> Any:
        """Where the loader types and keeps a landing file's rows when not in this file's
        ``raw`` tables (its default): none on DuckDB."""
        return None

    def prepare_dbt(self) -> None:
        """Before dbt builds: nothing on DuckDB (another engine hands its inputs over here)."""

    def finish_dbt(self) -> None:
        """After a successful dbt build: nothing on DuckDB (the marts are already here)."""

    def dbt_output(self) -> dict[str, Any]:
        """This warehouse as a dbt-duckdb profile output (dbt's target for the run)."""
        return {
            "type": "duckdb",
            "path": str(self.location),
            "threads": DBT_THREADS,
            "settings": {"memory_limit": self.memory_limit},
        }
