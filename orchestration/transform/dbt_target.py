"""Where dbt builds the measure: the transform stage's engine resource.

The run's engine (the ``engine`` setting) decides, in ``definitions.py``, which target the
transform asset gets. A target says what dbt's profile output is and what must happen
around a build: nothing on DuckDB, where dbt builds in the warehouse file itself; the
Spark target (``engines/spark.py``) hands its inputs over before and the marts back after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from orchestration.warehouse import DuckDBWarehouse

DBT_THREADS = 4


class DbtTarget(Protocol):
    name: str  # the profile target's name: the engine setting (duckdb, spark)

    def profile_output(self, warehouse: DuckDBWarehouse) -> dict[str, Any]: ...
    def before_build(self, warehouse: DuckDBWarehouse) -> None: ...
    def after_build(self, warehouse: DuckDBWarehouse) -> None: ...


@dataclass(frozen=True)
class DuckDBTarget:
    """dbt-duckdb on the warehouse file: the marts are built where the gate reads them."""

    name: str = "duckdb"

    def profile_output(self, warehouse: DuckDBWarehouse) -> dict[str, Any]:
        return {
            "type": "duckdb",
            "path": str(warehouse.location),
            "threads": DBT_THREADS,
            "settings": {"memory_limit": warehouse.memory_limit},
        }

    def before_build(self, warehouse: DuckDBWarehouse) -> None:
        """Nothing: the inputs are already in the file dbt builds in."""

    def after_build(self, warehouse: DuckDBWarehouse) -> None:
        """Nothing: the marts are already in the file the gate and publication read."""


DUCKDB_TARGET = DuckDBTarget()
