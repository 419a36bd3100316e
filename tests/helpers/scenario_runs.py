"""Every named scenario (both strata), and one `g2139 run` of them per as-of date, made on
first use and shared by the whole test session (the scenario tests read the marts, the FHIR
test compares its own run's feeds with the published ones)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.helpers import scenarios as fusion
from tests.helpers.scenarios import PERFORMANCE_YEAR, Scenario, write_landing
from tests.helpers.scenarios_discectomy import DISCECTOMY_SCENARIOS

SCENARIOS = fusion.SCENARIOS + DISCECTOMY_SCENARIOS


def scenarios_as_of(as_of: date) -> list[Scenario]:
    return fusion.scenarios_as_of(as_of, SCENARIOS)


def as_of_dates() -> list[date]:
    return fusion.as_of_dates(SCENARIOS)


@dataclass
class Run:
    as_of: date
    landing: Path
    warehouse: Path
    published: Path  # the performance year's folder
    episodes: list[dict]
    data_quality: list[dict]


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class Runs:
    """One pipeline run per as-of date, made on first use; read only for the tests."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._runs: dict[date, Run | Exception] = {}

    def get(self, as_of: date) -> Run:
        if as_of not in self._runs:
            try:
                self._runs[as_of] = self._run(as_of)
            except Exception as error:  # remembered: a broken run fails every test at once
                self._runs[as_of] = error
        outcome = self._runs[as_of]
        if isinstance(outcome, Exception):
            pytest.fail(f"the pipeline run as of {as_of} failed: {outcome}", pytrace=False)
        return outcome

    def _run(self, as_of: date) -> Run:
        from orchestration.cli import main  # Dagster and dbt: imported by the tests that run them

        root = self._factory.mktemp(f"scenarios-{as_of.isoformat()}")
        landing = write_landing(root / "landing", scenarios_as_of(as_of))
        warehouse = root / "warehouse.duckdb"
        code = main([
            "run",
            "--landing", str(landing),
            "--warehouse", str(warehouse),
            "--output", str(root / "published"),
            "--as-of", as_of.isoformat(),
            "--performance-year", str(PERFORMANCE_YEAR),
        ])  # fmt: skip
        assert code == 0, f"g2139 run as of {as_of} exited with {code}"
        with duckdb.connect(str(warehouse), read_only=True) as con:
            episodes = _rows(con, "select * from marts.episodes")
            data_quality = _rows(con, "select * from marts.data_quality")
        published = root / "published" / str(PERFORMANCE_YEAR)
        return Run(as_of, landing, warehouse, published, episodes, data_quality)
